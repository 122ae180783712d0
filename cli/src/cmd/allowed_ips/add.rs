//! `wt allowed-ips add CIDR [--note T] [--force]`: allow a network.

use super::common::{ALLOWED_IPS_PATH, entry_rows};
use crate::cmd::common::cidr_arg;
use crate::output::OutputFormat;
use crate::stepup::{StepUpArgs, with_step_up};
use crate::{CliError, Ctx};
use clap::Args;
use time::OffsetDateTime;
use wt_api::{AllowedIp, AllowedIpCreateRequest};

pub const ABOUT: &str = "Allow a network (CIDR) to reach your org";
pub const LONG_ABOUT: &str = "\
Add a network to your org's allowed-IP list (owners and admins). Once the list has an
entry, sessions, automation tokens and ingestion keys only work from addresses inside one
of its networks. CIDR is an IPv4 or IPv6 network (10.0.0.0/8, 2001:db8::/32) or a single
address (192.0.2.7 = 192.0.2.7/32); host bits are dropped (10.1.2.3/8 = 10.0.0.0/8).

The first entry turns the restriction on: see who it would cut off first with
`wt allowed-ips check --proposed FILE`. A change that would refuse your own current
address is refused (exit 1, naming --force); --force applies it anyway.

Allowed-IP changes need a recent sign-in: when the server asks for one, wt asks for your
password (and a code when MFA is on), then sends the change again. For scripts:
--password-stdin reads the password from line 1 of stdin, --code-stdin the code (line 2
with --password-stdin); without them under --no-input, the command fails with exit 2.

JSON (--output json): the new AllowedIp object as the API sends it: {id, cidr, note,
created_by, created_at, hit_count, last_hit_at}.

Examples:
  wt allowed-ips add 10.0.0.0/8 --note 'office VPN'
  wt allowed-ips add 2001:db8::/32
  printf '%s\\n' \"$PW\" | wt allowed-ips add 192.0.2.7 --password-stdin --no-input";

/// `wt allowed-ips add` options.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The network to allow (10.0.0.0/8, 2001:db8::/32, or one address)
    #[arg(value_name = "CIDR", value_parser = cidr_arg)]
    pub cidr: String,

    /// What the network is (shown in `wt allowed-ips list`)
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,

    /// Apply even though the new list would refuse your own current address
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub step_up: StepUpArgs,
}

/// Adds an entry.
pub async fn run(args: AddArgs, ctx: &Ctx) -> Result<(), CliError> {
    let req = AllowedIpCreateRequest {
        cidr: args.cidr.clone(),
        note: args
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string),
        force: args.force,
    };
    let (token, _) = ctx.bearer().await?;
    let client = ctx.client()?;
    let entry: AllowedIp = with_step_up(ctx, &token, args.step_up, async || {
        client.post(ALLOWED_IPS_PATH, &req, Some(&token)).await
    })
    .await?;
    let now = OffsetDateTime::now_utc();
    ctx.io.emit(ctx.output, &entry, |io| {
        io.key_value_table(&entry_rows(&entry, now))
    })?;
    if ctx.output == OutputFormat::Table {
        ctx.io.eprintln(&format!(
            "Allowed {}: only addresses inside the list's networks are let in (see `wt allowed-ips list`).",
            entry.cidr
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::allowed_ips::AllowedIpsCommand;
    use crate::cmd::allowed_ips::common::tests::entry_json;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt, run_wt_scripted};

    const PATH: &str = "/api/v1/orgs/allowed-ips";
    const STEP_UP: &str = "/api/v1/auth/step-up";

    fn created() -> Reply {
        Reply::json(201, entry_json("aip_1", "10.0.0.0/8"))
    }

    fn until() -> Reply {
        Reply::json(200, serde_json::json!({"until": "2030-01-01T00:10:00Z"}))
    }

    fn calls(r: &crate::testutil::Ran) -> Vec<(String, String)> {
        r.stub
            .requests()
            .iter()
            .map(|s| (s.method.clone(), s.path.clone()))
            .collect()
    }

    #[test]
    fn add_parses_cidr_note_force_and_stdin_flags() {
        let cli = parse_from([
            "wt",
            "allowed-ips",
            "add",
            "10.0.0.0/8",
            "--note",
            "vpn",
            "--force",
            "--password-stdin",
            "--code-stdin",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        match cli.command {
            Command::AllowedIps(AllowedIpsCommand::Add(a)) => {
                assert_eq!(a.cidr, "10.0.0.0/8");
                assert_eq!(a.note.as_deref(), Some("vpn"));
                assert!(a.force && a.step_up.password_stdin && a.step_up.code_stdin);
            }
            other => panic!("parsed as {other:?}"),
        }
        for bad in ["10.0.0.0/33", "example.com", "10.0.0.256"] {
            let code = parse_from(["wt", "allowed-ips", "add", bad])
                .err()
                .map(|e| e.exit_code());
            assert_eq!(code, Some(2), "{bad}");
        }
        assert!(parse_from(["wt", "allowed-ips", "add", "10.0.0.0/8", "--password", "x"]).is_err());
    }

    #[tokio::test]
    async fn add_posts_cidr_note_and_force() {
        let r = run_wt(
            &[
                "wt",
                "allowed-ips",
                "add",
                " 10.0.0.0/8 ",
                "--note",
                " office VPN ",
                "--output",
                "json",
            ],
            "",
            vec![("POST", PATH, created())],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(0),
            serde_json::json!({"cidr": "10.0.0.0/8", "note": "office VPN", "force": false})
        );
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, entry_json("aip_1", "10.0.0.0/8"));
    }

    #[tokio::test]
    async fn step_up_required_signs_in_with_the_stdin_password_and_retries_once() {
        let r = run_wt(
            &[
                "wt",
                "allowed-ips",
                "add",
                "10.0.0.0/8",
                "--force",
                "--password-stdin",
                "--no-input",
                "--output",
                "json",
            ],
            "pass word\n",
            vec![
                ("POST", PATH, Reply::problem(403, "step_up_required")),
                ("POST", PATH, created()),
                ("POST", STEP_UP, until()),
            ],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            calls(&r),
            [
                ("POST".to_string(), PATH.to_string()),
                ("POST".to_string(), STEP_UP.to_string()),
                ("POST".to_string(), PATH.to_string()),
            ]
        );
        assert_eq!(r.body(1), serde_json::json!({"password": "pass word"}));
        assert_eq!(
            r.stub.requests()[1].authorization.as_deref(),
            Some("Bearer wts_abc123"),
            "the step-up is for this session"
        );
        assert_eq!(r.body(2), r.body(0), "the same change is sent again");
        assert_eq!(r.body(2)["force"], true);
        assert!(!r.err.contains("pass word") && !r.out.contains("pass word"));
    }

    #[tokio::test]
    async fn step_up_reads_password_then_code_from_stdin() {
        let r = run_wt(
            &[
                "wt",
                "allowed-ips",
                "add",
                "10.0.0.0/8",
                "--password-stdin",
                "--code-stdin",
                "--no-input",
            ],
            "pw\n123 456\n",
            vec![
                ("POST", PATH, Reply::problem(403, "step_up_required")),
                ("POST", PATH, created()),
                ("POST", STEP_UP, until()),
            ],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(1),
            serde_json::json!({"password": "pw", "code": "123456"})
        );
    }

    #[tokio::test]
    async fn on_a_terminal_the_password_then_a_code_are_prompted_when_mfa_is_on() {
        let r = run_wt_scripted(
            &[
                "wt",
                "allowed-ips",
                "add",
                "10.0.0.0/8",
                "--output",
                "table",
            ],
            &["pw", "123456"],
            vec![
                ("POST", PATH, Reply::problem(403, "step_up_required")),
                ("POST", PATH, created()),
                ("POST", STEP_UP, Reply::problem(401, "mfa_code_required")),
                ("POST", STEP_UP, until()),
            ],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.body(1), serde_json::json!({"password": "pw"}));
        assert_eq!(
            r.body(2),
            serde_json::json!({"password": "pw", "code": "123456"})
        );
        assert_eq!(r.stub.requests().len(), 4);
        assert!(r.out.contains("10.0.0.0/8"), "{}", r.out);
    }

    #[tokio::test]
    async fn step_up_under_no_input_without_stdin_flags_names_them_exit_2() {
        let r = run_wt(
            &["wt", "allowed-ips", "add", "10.0.0.0/8", "--no-input"],
            "",
            vec![
                ("POST", PATH, Reply::problem(403, "step_up_required")),
                ("POST", STEP_UP, until()),
            ],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(
            msg.contains("--password-stdin") && msg.contains("--code-stdin"),
            "{msg}"
        );
        assert_eq!(r.stub.requests().len(), 1, "no step-up was sent");
    }

    #[tokio::test]
    async fn a_wrong_step_up_password_exits_1_and_the_change_is_not_retried() {
        let r = run_wt(
            &["wt", "allowed-ips", "add", "10.0.0.0/8", "--password-stdin"],
            "nope\n",
            vec![
                ("POST", PATH, Reply::problem(403, "step_up_required")),
                ("POST", STEP_UP, Reply::problem(401, "invalid_credentials")),
            ],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 1);
        assert!(msg.starts_with("wrong password"), "{msg}");
        assert_eq!(r.stub.requests().len(), 2);
    }

    #[tokio::test]
    async fn would_lock_out_explains_and_names_force_exit_1() {
        let r = run_wt(
            &["wt", "allowed-ips", "add", "10.0.0.0/8"],
            "",
            vec![("POST", PATH, Reply::problem(409, "would_lock_out"))],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 1);
        assert!(msg.starts_with("detail for would_lock_out: "), "{msg}");
        assert!(
            msg.contains("lock you out") && msg.contains("--force"),
            "{msg}"
        );
    }
}
