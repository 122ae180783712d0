//! `wt invite create EMAIL --role ROLE` and `wt invite create --from-csv FILE`.

use super::common::print_invite;
use super::csv::{self, CsvRow, MAX_CSV_BYTES};
use crate::client::ApiClient;
use crate::cmd::common::check_email;
use crate::cmd::common::{read_input_file, role_parser};
use crate::error::exit;
use crate::output::OutputFormat;
use crate::secret::Secret;
use crate::stepup::{StepUpArgs, with_step_up};
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;
use std::path::{Path, PathBuf};
use wt_api::{Invite, InviteCreateRequest, Role, codes};

pub const ABOUT: &str = "Invite someone (or everyone in a CSV file) to your org";
pub const LONG_ABOUT: &str = "\
Invite an email address to your org with a role (owners and admins; nobody invites to a
role above their own). The daemon mails a link with a single-use token; wt never prints it.
An email with a pending invite is refused (use `wt invite resend ID`), as is an existing
member.

Roles: owner, admin, risk_lead, analyst, viewer.

Bulk: --from-csv FILE (`-` reads stdin) sends one invite per row and keeps going past bad
rows. CSV format: UTF-8, comma-separated, fields may be double-quoted. The first line is a
header when it has columns named `email` and `role` (any order; other columns are
ignored); otherwise every line is exactly `email,role`. Blank lines are skipped. Rows are
numbered by their line in the file (a header is line 1). Bad rows (unknown role, wrong
column count, not an email, the same email twice) are reported without sending anything.
One result per row is printed; the exit status is 1 when any row failed. If the session
is not valid or the daemon is unreachable, the remaining rows are not sent and the exit
status is that error's (3 or 6).

JSON (--output json): for one invite, the Invite object as is: {id, email, role, status,
invited_by, created_at, expires_at}. For --from-csv, an array with one object per row:
{row, email, role, ok, id (when invited), error (when not)}.

Inviting an admin or owner needs a recent sign-in: when the server asks for one, wt asks for your password
(and a code when MFA is on), then sends the change again. For scripts: --password-stdin
reads the password from line 1 of stdin, --code-stdin the code (line 2 with
--password-stdin); without them under --no-input, the command fails with exit 2.
With --from-csv, the first such row asks once (on a terminal, or with --password-stdin when
the CSV is a file, not stdin).

Examples:
  wt invite create bob@example.com --role analyst
  wt invite create --from-csv people.csv
  printf 'email,role\\nann@example.com,viewer\\n' | wt invite create --from-csv - --output json";

/// `wt invite create` options.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The email address to invite
    #[arg(
        value_name = "EMAIL",
        required_unless_present = "from_csv",
        conflicts_with = "from_csv"
    )]
    pub email: Option<String>,

    /// The role the invitee gets
    #[arg(
        long,
        value_name = "ROLE",
        value_parser = role_parser(),
        required_unless_present = "from_csv",
        conflicts_with = "from_csv"
    )]
    pub role: Option<Role>,

    /// Invite every row of a CSV file (`email,role`; `-` reads stdin)
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub from_csv: Option<PathBuf>,

    #[command(flatten)]
    pub step_up: StepUpArgs,
}

/// Creates one invite or one per CSV row.
pub async fn run(args: CreateArgs, ctx: &Ctx) -> Result<(), CliError> {
    match (args.from_csv, args.email, args.role) {
        (Some(path), _, _) => run_csv(&path, args.step_up, ctx).await,
        (None, Some(email), Some(role)) => run_one(&email, role, args.step_up, ctx).await,
        _ => Err(CliError::Usage(
            "give EMAIL and --role ROLE, or --from-csv FILE".into(),
        )),
    }
}

async fn run_one(email: &str, role: Role, step_up: StepUpArgs, ctx: &Ctx) -> Result<(), CliError> {
    let email = check_email(email).map_err(CliError::Usage)?;
    let (token, _) = ctx.bearer().await?;
    let client = ctx.client()?;
    let invite = with_step_up(ctx, &token, step_up, async || {
        send(client, &token, email.clone(), role).await
    })
    .await?;
    print_invite(ctx, &invite)?;
    ctx.io.eprintln(&format!(
        "Invite link mailed to {} (the link is never shown here).",
        invite.email
    ));
    Ok(())
}

async fn send(
    client: &ApiClient,
    token: &Secret,
    email: String,
    role: Role,
) -> Result<Invite, CliError> {
    client
        .post(
            "/orgs/invites",
            &InviteCreateRequest { email, role },
            Some(token),
        )
        .await
}

/// One line of the `--from-csv` report (`--output json`: an array of these).
#[derive(Debug, Serialize)]
pub struct RowResult {
    /// Line number in the file.
    pub row: usize,
    pub email: String,
    /// The role's wire name, or the text of the CSV when it is not a role.
    pub role: String,
    pub ok: bool,
    /// The invite id, when invited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Why the row failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl RowResult {
    fn failed(row: &CsvRow, error: String) -> RowResult {
        let role = match &row.checked {
            Ok((_, r)) => r.to_string(),
            Err(_) => row.role.clone(),
        };
        RowResult {
            row: row.row,
            email: row.email.clone(),
            role,
            ok: false,
            id: None,
            error: Some(error),
        }
    }

    fn invited(row: &CsvRow, invite: Invite) -> RowResult {
        RowResult {
            row: row.row,
            email: invite.email,
            role: invite.role.to_string(),
            ok: true,
            id: Some(invite.id),
            error: None,
        }
    }
}

/// Errors after which the other rows can't succeed either: stop sending.
fn ends_the_batch(e: &CliError) -> bool {
    matches!(e.exit_code(), exit::NOT_LOGGED_IN | exit::UNREACHABLE)
        || e.is_api_code(codes::MFA_ENROLLMENT_REQUIRED)
}

async fn run_csv(path: &Path, step_up: StepUpArgs, ctx: &Ctx) -> Result<(), CliError> {
    let text = read_csv(path, ctx)?;
    let rows = csv::parse(&text)?;
    let (token, _) = ctx.bearer().await?;
    let client = ctx.client()?;
    let mut results = Vec::with_capacity(rows.len());
    let mut fatal: Option<CliError> = None;
    for row in &rows {
        let result = match (&row.checked, &fatal) {
            (Err(why), _) => RowResult::failed(row, why.clone()),
            (Ok(_), Some(f)) => RowResult::failed(row, format!("not sent: {f}")),
            (Ok((email, role)), None) => match with_step_up(ctx, &token, step_up, async || {
                send(client, &token, email.clone(), *role).await
            })
            .await
            {
                Ok(invite) => RowResult::invited(row, invite),
                Err(e) => {
                    let r = RowResult::failed(row, e.to_string());
                    if ends_the_batch(&e) {
                        fatal = Some(e);
                    }
                    r
                }
            },
        };
        results.push(result);
    }
    print_results(ctx, &results)?;
    let failed = results.iter().filter(|r| !r.ok).count();
    if let Some(e) = fatal {
        return Err(e);
    }
    if failed > 0 {
        return Err(CliError::Other(format!(
            "{failed} of {} rows failed ({} invited)",
            results.len(),
            results.len() - failed
        )));
    }
    ctx.io
        .eprintln(&format!("{} invites sent by mail.", results.len()));
    Ok(())
}

fn read_csv(path: &Path, ctx: &Ctx) -> Result<String, CliError> {
    read_input_file(&ctx.io, path, "the CSV", MAX_CSV_BYTES)
}

fn print_results(ctx: &Ctx, results: &[RowResult]) -> Result<(), CliError> {
    match ctx.output {
        OutputFormat::Json => ctx.io.print_json(results),
        OutputFormat::Table => {
            let mut table = ctx.io.table();
            table.set_header(vec!["ROW", "EMAIL", "ROLE", "RESULT"]);
            for r in results {
                let outcome = match (&r.id, &r.error) {
                    (Some(id), _) => format!("invited ({id})"),
                    (None, Some(e)) => format!("error: {e}"),
                    (None, None) => "error".to_string(),
                };
                table.add_row(vec![
                    r.row.to_string(),
                    r.email.clone(),
                    r.role.clone(),
                    outcome,
                ]);
            }
            ctx.io.print_table(&table)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cmd::Command;
    use crate::cmd::invite::InviteCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    const PATH: &str = "/api/v1/orgs/invites";

    pub(crate) fn invite_json(id: &str, email: &str, role: &str) -> serde_json::Value {
        serde_json::json!({
            "id": id, "email": email, "role": role, "status": "pending",
            "invited_by": "owner@example.com", "created_at": "2026-01-01T00:00:00Z",
            "expires_at": "2026-01-04T00:00:00Z"
        })
    }

    fn parse(argv: &[&str]) -> Result<CreateArgs, String> {
        match parse_from(argv).map_err(|e| e.to_string())?.command {
            Command::Invite(InviteCommand::Create(a)) => Ok(a),
            other => Err(format!("parsed as {other:?}")),
        }
    }

    #[test]
    fn invite_create_parses_email_and_role_or_from_csv() {
        let a = parse(&[
            "wt",
            "invite",
            "create",
            "bob@example.com",
            "--role",
            "risk_lead",
        ])
        .unwrap();
        assert_eq!(a.email.as_deref(), Some("bob@example.com"));
        assert_eq!(a.role, Some(Role::RiskLead));
        assert!(a.from_csv.is_none());
        let a = parse(&["wt", "invite", "create", "--from-csv", "-"]).unwrap();
        assert_eq!(a.from_csv, Some(PathBuf::from("-")));
    }

    #[test]
    fn invite_create_needs_a_known_role_and_not_both_modes() {
        for argv in [
            &["wt", "invite", "create", "bob@example.com"][..],
            &[
                "wt",
                "invite",
                "create",
                "bob@example.com",
                "--role",
                "root",
            ][..],
            &["wt", "invite", "create", "--role", "viewer"][..],
            &[
                "wt",
                "invite",
                "create",
                "bob@example.com",
                "--role",
                "viewer",
                "--from-csv",
                "x.csv",
            ][..],
            &["wt", "invite", "create"][..],
        ] {
            assert_eq!(
                parse_from(argv).err().map(|e| e.exit_code()),
                Some(2),
                "{argv:?}"
            );
        }
    }

    #[tokio::test]
    async fn invite_create_posts_email_and_role_and_prints_the_invite() {
        let inv = invite_json("inv_1", "bob@example.com", "analyst");
        let r = run_wt(
            &[
                "wt",
                "invite",
                "create",
                " bob@example.com ",
                "--role",
                "analyst",
                "--output",
                "json",
            ],
            "",
            vec![("POST", PATH, Reply::json(201, inv.clone()))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(0),
            serde_json::json!({"email": "bob@example.com", "role": "analyst"})
        );
        assert_eq!(
            r.stub.requests()[0].authorization.as_deref(),
            Some("Bearer wts_abc123")
        );
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, inv);
    }

    #[tokio::test]
    async fn invite_create_with_a_bad_email_is_refused_before_any_request() {
        let r = run_wt(
            &["wt", "invite", "create", "bob", "--role", "analyst"],
            "",
            vec![],
        )
        .await;
        assert_eq!(r.failure().0, 2);
        assert!(r.stub.requests().is_empty());
    }

    #[tokio::test]
    async fn invite_create_above_own_role_exits_4() {
        let r = run_wt(
            &[
                "wt",
                "invite",
                "create",
                "bob@example.com",
                "--role",
                "owner",
            ],
            "",
            vec![("POST", PATH, Reply::problem(403, "forbidden"))],
        )
        .await;
        assert_eq!(r.failure().0, 4);
    }

    #[tokio::test]
    async fn csv_of_5_rows_with_a_bad_role_and_a_409_invites_3_reports_2_errors_exit_1() {
        // Row 4 has an unknown role (caught locally); row 5's email gets 409 from the stub.
        let csv = "email,role\n\
                   ann@example.com,viewer\n\
                   bob@example.com,analyst\n\
                   cat@example.com,superuser\n\
                   dup@example.com,admin\n\
                   eve@example.com,risk_lead\n";
        let r = run_wt(
            &[
                "wt",
                "invite",
                "create",
                "--from-csv",
                "-",
                "--output",
                "json",
            ],
            csv,
            vec![
                (
                    "POST",
                    PATH,
                    Reply::json(201, invite_json("inv_a", "ann@example.com", "viewer")),
                ),
                (
                    "POST",
                    PATH,
                    Reply::json(201, invite_json("inv_b", "bob@example.com", "analyst")),
                ),
                ("POST", PATH, Reply::problem(409, "conflict")),
                (
                    "POST",
                    PATH,
                    Reply::json(201, invite_json("inv_e", "eve@example.com", "risk_lead")),
                ),
            ],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 1, "{msg}");
        assert!(msg.contains("2 of 5 rows failed"), "{msg}");
        let seen = r.stub.requests();
        assert_eq!(seen.len(), 3 + 1, "4 requests: 3 invited + the 409");
        let sent: Vec<String> = (0..seen.len())
            .map(|i| r.body(i)["email"].as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(
            sent,
            [
                "ann@example.com",
                "bob@example.com",
                "dup@example.com",
                "eve@example.com"
            ]
        );
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        let rows = printed.as_array().cloned().unwrap_or_default();
        assert_eq!(rows.len(), 5);
        assert_eq!(
            rows[0],
            serde_json::json!({"row": 2, "email": "ann@example.com", "role": "viewer", "ok": true, "id": "inv_a"})
        );
        assert_eq!(rows[2]["row"], 4);
        assert_eq!(rows[2]["ok"], false);
        assert_eq!(rows[2]["role"], "superuser");
        assert!(
            rows[2]["error"]
                .as_str()
                .unwrap_or_default()
                .contains("unknown role")
        );
        assert!(rows[2].get("id").is_none());
        assert_eq!(rows[3]["ok"], false);
        assert_eq!(rows[3]["error"], "detail for conflict");
        assert_eq!(rows[4]["id"], "inv_e");
        let oks = rows.iter().filter(|r| r["ok"] == true).count();
        assert_eq!(oks, 3);
    }
}
