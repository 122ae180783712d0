//! `wt allowed-ips remove ID|CIDR [--force] [--yes]`: remove an entry from the list.

use super::common::{ALLOWED_IPS_PATH, fetch_all, looks_like_cidr};
use crate::client::{id_segment, with_query};
use crate::cmd::common::normalize_cidr;
use crate::output::OutputFormat;
use crate::stepup::{StepUpArgs, with_step_up};
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;

pub const ABOUT: &str = "Remove a network from your org's allowed IPs (by id or CIDR)";
pub const LONG_ABOUT: &str = "\
Remove an entry from your org's allowed-IP list (owners and admins), by its id or by its
network. An argument containing `/` or written as an IP address is a network: wt finds the
entry with that CIDR (a bare address means /32 or /128; 10.1.2.3/8 means 10.0.0.0/8) and
removes it; no such entry exits 5. Removing the last entry allows every address again.

Asks for confirmation unless --yes is given (with --no-input, --yes is required). A removal
that would refuse your own current address is refused (exit 1, naming --force); --force
applies it anyway.

Allowed-IP changes need a recent sign-in: when the server asks for one, wt asks for your
password (and a code when MFA is on), then sends the change again. For scripts:
--password-stdin reads the password from line 1 of stdin, --code-stdin the code (line 2
with --password-stdin); without them under --no-input, the command fails with exit 2.

JSON (--output json): {id, cidr, removed: true}; cidr is null when removed by id.

Examples:
  wt allowed-ips remove aip_3kT9abcdEFGH1234
  wt allowed-ips remove 10.0.0.0/8 --yes
  printf '%s\\n' \"$PW\" | wt allowed-ips remove 192.0.2.7 --yes --password-stdin --no-input";

/// `wt allowed-ips remove` options.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The entry's id (see `wt allowed-ips list`) or its network (10.0.0.0/8, 192.0.2.7)
    #[arg(value_name = "ID|CIDR")]
    pub target: String,

    /// Apply even though the list without it would refuse your own current address
    #[arg(long)]
    pub force: bool,

    /// Do not ask for confirmation (required with --no-input)
    #[arg(long, short = 'y')]
    pub yes: bool,

    #[command(flatten)]
    pub step_up: StepUpArgs,
}

/// What `wt allowed-ips remove --output json` prints.
#[derive(Debug, Serialize)]
struct RemoveOutput<'a> {
    id: &'a str,
    cidr: Option<&'a str>,
    removed: bool,
}

/// What the argument names.
enum Target {
    Id(String),
    /// The normalised network.
    Cidr(String),
}

fn parse_target(raw: &str) -> Result<Target, CliError> {
    if looks_like_cidr(raw) {
        normalize_cidr(raw)
            .map(Target::Cidr)
            .map_err(CliError::Usage)
    } else {
        id_segment(raw, "ID").map(|id| Target::Id(id.to_string()))
    }
}

/// Removes an entry.
pub async fn run(args: RemoveArgs, ctx: &Ctx) -> Result<(), CliError> {
    let target = parse_target(&args.target)?;
    let shown = match &target {
        Target::Id(id) => format!("entry {id}"),
        Target::Cidr(c) => c.clone(),
    };
    ctx.io.confirm_destructive(
        &format!("Remove {shown} from the allowed IPs? Addresses only it let in will be refused"),
        args.yes,
    )?;
    let (token, _) = ctx.bearer().await?;
    let (id, cidr) = match target {
        Target::Id(id) => (id, None),
        Target::Cidr(cidr) => {
            let entries = fetch_all(ctx, &token).await?;
            let found = entries
                .into_iter()
                .find(|e| normalize_cidr(&e.cidr).unwrap_or_else(|_| e.cidr.clone()) == cidr);
            match found {
                // The id came from the server: still check it before it goes in a path.
                Some(e) => (id_segment(&e.id, "ID")?.to_string(), Some(e.cidr)),
                None => {
                    return Err(CliError::NotFound(format!(
                        "no allowed-IP entry is {cidr} (see `wt allowed-ips list`)"
                    )));
                }
            }
        }
    };
    let base = format!("{ALLOWED_IPS_PATH}/{id}");
    let path = if args.force {
        with_query(&base, &[("force", "true")])
    } else {
        base
    };
    let client = ctx.client()?;
    with_step_up(ctx, &token, args.step_up, async || {
        client.delete(&path, Some(&token)).await
    })
    .await?;
    match ctx.output {
        OutputFormat::Json => ctx.io.print_json(&RemoveOutput {
            id: &id,
            cidr: cidr.as_deref(),
            removed: true,
        }),
        OutputFormat::Table => ctx.io.println(&format!(
            "Removed {} from the allowed IPs.",
            cidr.as_deref()
                .map_or_else(|| format!("entry {id}"), |c| format!("{c} ({id})"))
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::allowed_ips::common::tests::entry_json;
    use crate::testutil::{Reply, run_wt, run_wt_scripted};

    const LIST: &str = "/api/v1/orgs/allowed-ips";
    const STEP_UP: &str = "/api/v1/auth/step-up";

    fn list() -> (&'static str, &'static str, Reply) {
        (
            "GET",
            LIST,
            Reply::json(
                200,
                serde_json::json!({"items": [
                    entry_json("aip_1", "10.0.0.0/8"),
                    entry_json("aip_2", "2001:db8::/32"),
                    entry_json("aip_3", "192.0.2.7/32"),
                ], "next_cursor": null}),
            ),
        )
    }

    fn paths(r: &crate::testutil::Ran) -> Vec<String> {
        r.stub
            .requests()
            .iter()
            .map(|s| format!("{} {}", s.method, s.path))
            .collect()
    }

    #[tokio::test]
    async fn remove_by_id_deletes_it() {
        let r = run_wt(
            &[
                "wt",
                "allowed-ips",
                "remove",
                "aip_1",
                "--yes",
                "--no-input",
            ],
            "",
            vec![(
                "DELETE",
                "/api/v1/orgs/allowed-ips/aip_1",
                Reply::empty(204),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(paths(&r), ["DELETE /api/v1/orgs/allowed-ips/aip_1"]);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(
            printed,
            serde_json::json!({"id": "aip_1", "cidr": null, "removed": true})
        );
    }

    #[tokio::test]
    async fn remove_by_cidr_resolves_the_id_from_the_list() {
        for (arg, id) in [
            ("2001:DB8::1/32", "aip_2"),
            ("192.0.2.7", "aip_3"),
            ("10.1.2.3/8", "aip_1"),
        ] {
            let r = run_wt(
                &["wt", "allowed-ips", "remove", arg, "--yes", "--force"],
                "",
                vec![
                    list(),
                    (
                        "DELETE",
                        "/api/v1/orgs/allowed-ips/aip_1?force=true",
                        Reply::empty(204),
                    ),
                    (
                        "DELETE",
                        "/api/v1/orgs/allowed-ips/aip_2?force=true",
                        Reply::empty(204),
                    ),
                    (
                        "DELETE",
                        "/api/v1/orgs/allowed-ips/aip_3?force=true",
                        Reply::empty(204),
                    ),
                ],
            )
            .await;
            assert!(r.result.is_ok(), "{arg}: {:?}", r.result);
            assert_eq!(
                paths(&r),
                [
                    format!("GET {LIST}"),
                    format!("DELETE /api/v1/orgs/allowed-ips/{id}?force=true")
                ],
                "{arg}"
            );
            let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
            assert_eq!(printed["id"], id);
            assert_eq!(printed["removed"], true);
        }
    }

    #[tokio::test]
    async fn remove_of_a_cidr_not_in_the_list_exits_5_and_deletes_nothing() {
        let r = run_wt(
            &["wt", "allowed-ips", "remove", "172.16.0.0/12", "--yes"],
            "",
            vec![list()],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 5);
        assert!(msg.contains("172.16.0.0/12"), "{msg}");
        assert_eq!(paths(&r), [format!("GET {LIST}")]);
    }

    #[tokio::test]
    async fn a_malformed_cidr_or_id_is_a_usage_error_before_any_request() {
        for bad in ["10.0.0.0/40", "aip/../x", "a b"] {
            let r = run_wt(&["wt", "allowed-ips", "remove", bad, "--yes"], "", vec![]).await;
            assert_eq!(r.failure().0, 2, "{bad}");
            assert!(r.stub.requests().is_empty());
        }
    }

    #[tokio::test]
    async fn remove_under_no_input_without_yes_sends_nothing_exit_2() {
        let r = run_wt(
            &["wt", "allowed-ips", "remove", "10.0.0.0/8", "--no-input"],
            "",
            vec![list()],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("--yes"), "{msg}");
        assert!(r.stub.requests().is_empty());
    }

    #[tokio::test]
    async fn would_lock_out_on_remove_names_force() {
        let r = run_wt(
            &["wt", "allowed-ips", "remove", "aip_1", "--yes"],
            "",
            vec![(
                "DELETE",
                "/api/v1/orgs/allowed-ips/aip_1",
                Reply::problem(409, "would_lock_out"),
            )],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 1);
        assert!(msg.contains("--force"), "{msg}");
    }

    #[tokio::test]
    async fn remove_steps_up_on_a_terminal_and_retries() {
        let r = run_wt_scripted(
            &["wt", "allowed-ips", "remove", "aip_1", "--output", "table"],
            &["y", "pw"],
            vec![
                (
                    "DELETE",
                    "/api/v1/orgs/allowed-ips/aip_1",
                    Reply::problem(403, "step_up_required"),
                ),
                (
                    "DELETE",
                    "/api/v1/orgs/allowed-ips/aip_1",
                    Reply::empty(204),
                ),
                (
                    "POST",
                    STEP_UP,
                    Reply::json(200, serde_json::json!({"until": "2030-01-01T00:00:00Z"})),
                ),
            ],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            paths(&r),
            [
                "DELETE /api/v1/orgs/allowed-ips/aip_1".to_string(),
                format!("POST {STEP_UP}"),
                "DELETE /api/v1/orgs/allowed-ips/aip_1".to_string(),
            ]
        );
        assert!(r.out.contains("Removed entry aip_1"), "{}", r.out);
    }
}
