//! `wt check [--format table|json|junit] [--only IDS] [--skip IDS] [--fail-on warn|fail]`:
//! the production readiness checklist (`GET /api/v1/orgs/readiness`) as a gate for CI.
//!
//! The server evaluates every check; this command selects some of them (client-side),
//! decides "ready" for that selection and `--fail-on`, prints the report (the table from
//! [`report`], JSON, or JUnit XML from [`junit`]) and then, when not ready, returns
//! [`CliError::NotReady`] (exit 1). Errors that mean the checklist could not run keep their
//! own exit codes.

pub mod junit;
pub mod report;

use crate::output::OutputFormat;
use crate::{CliError, Ctx};
use clap::Args;
use report::print_report;
use wt_api::{CheckStatus, Readiness};

/// `GET` the checklist, evaluated from live state.
pub const READINESS_PATH: &str = "/orgs/readiness";

pub const ABOUT: &str = "Check the production readiness checklist (exit 1 when not ready)";
pub const LONG_ABOUT: &str = "\
Evaluate the production readiness checklist of your org, from live state, and exit 1 when
it is not ready: a gate for CI pipelines and deploy scripts. Any member can run it,
including a viewer automation token (`wt token create --role viewer`).

Checks (ids are stable; --only and --skip take them):
  mfa                    members of the MFA-required roles have MFA (default: owners,
                         admins, risk leads; `wt org set mfa-required-roles`)
  phishing_resistant_mfa members of `phishing-resistant-required-roles` have a passkey
                         (listed only when the org sets those roles; `wt org set`)
  least_privilege        roles reviewed recently, few owners/admins, none long inactive
  keys_server_side       no ingestion key used from browser code
  environments_separate  sandbox and production keys kept apart
  key_owners             every key has an active owner and is within its rotation age
  audit_reviewed         the audit log was reviewed after sensitive changes
  mail_delivery          no mail of the org waits more than 15 minutes for delivery
                         (warns only, with the last error's class and the wtd settings
                         that fix it: --smtp-ca-file, --smtp-password-file, ...)
Each has a status (pass, warn or fail), a summary, the evidence (the members, keys, audit
entries or mails concerned) and a remedy naming the `wt` command to run. Evidence follows
your role's read permissions: members, invites and mail recipients need a role that may list members,
keys one that may list keys, audit entries one that may read the audit log; what your
role cannot read is counted, not shown (`evidence_withheld`), and summaries then name no
member, key or address. The thresholds
(review interval, rotation age, ...) are org settings: see `wt org show` / `wt org set`.

--only IDS / --skip IDS (comma-separated, mutually exclusive) select checks; the
selection is made here, after the server evaluated them all. An id the server does not
know is a usage error (exit 2) listing the valid ones.

--fail-on fail (the default): not ready when a selected check fails. --fail-on warn: also
when one warns.

--format: table (the default on a terminal), json (the default otherwise, or with
--output json) or junit (JUnit XML for CI test reports). The report goes to stdout;
when the org is not ready a one-line summary follows on stderr
(`not ready: 2 of 6 checks fail (mfa, audit_reviewed)`).

JSON: the Readiness object as the API sends it, with `checks` reduced to the selection and
`ready` recomputed for the selection and --fail-on: {ready, checked_at, org {id, slug,
name}, settings {review_interval_days, privileged_share_max_percent, inactive_days,
rotation_age_days, audit_review_window_days}, checks: [{id, title, status
(pass|warn|fail), summary, evidence: [{type, id, label, detail}], evidence_withheld,
remedy}]}.

JUnit: one <testsuite name=\"watchtower readiness: ORG\"> with one <testcase
classname=\"watchtower.readiness\" name=\"ID\"> per selected check; a check that makes the
org not ready carries a <failure type=\"fail|warn\"> listing its evidence and remedy.

Exit status: 0 ready; 1 not ready (the report was printed); 3 not logged in (or WT_TOKEN
expired/revoked), 4 permission denied (e.g. an address outside the allowed IPs), 6 daemon
unreachable: the checklist could not run, which a pipeline should not read as a verdict.

Examples:
  wt check
  wt check --fail-on warn --skip least_privilege
  WT_TOKEN=\"$WT_TOKEN\" wt check --format junit > readiness.xml
  wt check --only mfa,key_owners --format json | jq -r '.checks[] | select(.status != \"pass\") | .id'";

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Human-readable table
    Table,
    /// The Readiness object (selection applied)
    Json,
    /// JUnit XML, one test case per check
    Junit,
}

/// `--fail-on` values: the lowest status that makes the org "not ready".
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Not ready when a check warns or fails
    Warn,
    /// Not ready when a check fails
    Fail,
}

impl FailOn {
    /// True when a check with `status` makes the org not ready.
    pub fn counts(self, status: CheckStatus) -> bool {
        status
            >= match self {
                FailOn::Warn => CheckStatus::Warn,
                FailOn::Fail => CheckStatus::Fail,
            }
    }
}

/// `wt check` options.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Report format [default: table on a terminal, json otherwise, as --output]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<CheckFormat>,

    /// Run only these checks (comma-separated ids, e.g. mfa,key_owners)
    #[arg(
        long,
        value_name = "IDS",
        value_delimiter = ',',
        conflicts_with = "skip"
    )]
    pub only: Vec<String>,

    /// Leave out these checks (comma-separated ids)
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub skip: Vec<String>,

    /// The lowest status that makes the org not ready (exit 1)
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = FailOn::Fail)]
    pub fail_on: FailOn,
}

impl CheckArgs {
    /// The format to print: --format, else the global --output.
    fn format(&self, output: OutputFormat) -> CheckFormat {
        self.format.unwrap_or(match output {
            OutputFormat::Table => CheckFormat::Table,
            OutputFormat::Json => CheckFormat::Json,
        })
    }
}

/// Trims the ids of `--only`/`--skip` and drops empty items; a flag given with nothing
/// left (`--only ''`) is a usage error rather than "every check".
fn ids(raw: &[String], flag: &str) -> Result<Vec<String>, CliError> {
    let ids: Vec<String> = raw
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if ids.is_empty() && !raw.is_empty() {
        return Err(CliError::Usage(format!(
            "{flag} needs at least one check id"
        )));
    }
    Ok(ids)
}

/// Applies `--only`/`--skip` to what the server returned and recomputes `ready` for the
/// selection and `fail_on`. The server's order is kept. An id the server did not return
/// is a usage error listing the ones it did; skipping every check is one too (a gate that
/// checks nothing must not pass silently).
pub fn select(mut r: Readiness, args: &CheckArgs) -> Result<Readiness, CliError> {
    let only = ids(&args.only, "--only")?;
    let skip = ids(&args.skip, "--skip")?;
    let known: Vec<String> = r.checks.iter().map(|c| c.id.clone()).collect();
    for (flag, list) in [("--only", &only), ("--skip", &skip)] {
        if let Some(bad) = list.iter().find(|id| !known.contains(id)) {
            return Err(CliError::Usage(format!(
                "unknown check id `{bad}` in {flag}: valid ids are {}",
                known.join(", ")
            )));
        }
    }
    r.checks
        .retain(|c| (only.is_empty() || only.contains(&c.id)) && !skip.contains(&c.id));
    if r.checks.is_empty() && !known.is_empty() {
        return Err(CliError::Usage(
            "--skip leaves no check to run: skip fewer checks".into(),
        ));
    }
    r.ready = !r.checks.iter().any(|c| args.fail_on.counts(c.status));
    Ok(r)
}

/// `Ok` when ready; else [`CliError::NotReady`] with the one-line summary:
/// `not ready: 2 of 6 checks fail (mfa, audit_reviewed)`, and with `--fail-on warn` the
/// warnings too (`..., 1 warns (key_owners) with --fail-on warn`).
pub fn verdict(r: &Readiness, fail_on: FailOn) -> Result<(), CliError> {
    if r.ready {
        return Ok(());
    }
    let with = |status: CheckStatus| -> Vec<&str> {
        r.checks
            .iter()
            .filter(|c| c.status == status)
            .map(|c| c.id.as_str())
            .collect()
    };
    let (fails, warns) = (with(CheckStatus::Fail), with(CheckStatus::Warn));
    let total = r.checks.len();
    let checks = if total == 1 { "check" } else { "checks" };
    let mut parts = Vec::new();
    if !fails.is_empty() {
        let verb = if fails.len() == 1 { "fails" } else { "fail" };
        parts.push(format!(
            "{} of {total} {checks} {verb} ({})",
            fails.len(),
            fails.join(", ")
        ));
    }
    if fail_on == FailOn::Warn && !warns.is_empty() {
        let verb = if warns.len() == 1 { "warns" } else { "warn" };
        let of = if fails.is_empty() {
            format!(" of {total} {checks}")
        } else {
            String::new()
        };
        parts.push(format!(
            "{}{of} {verb} ({}) with --fail-on warn",
            warns.len(),
            warns.join(", ")
        ));
    }
    Err(CliError::NotReady(format!(
        "not ready: {}",
        parts.join(", ")
    )))
}

/// Runs the checklist and prints the report.
pub async fn run(args: CheckArgs, ctx: &Ctx) -> Result<(), CliError> {
    let format = args.format(ctx.output);
    let (token, _) = ctx.bearer().await?;
    let readiness: Readiness = ctx.client()?.get(READINESS_PATH, Some(&token)).await?;
    let total = readiness.checks.len();
    let r = select(readiness, &args)?;
    match format {
        CheckFormat::Json => ctx.io.print_json(&r)?,
        CheckFormat::Junit => ctx.io.println(&junit::render(&r, args.fail_on))?,
        CheckFormat::Table => print_report(&ctx.io, &r, total, args.fail_on)?,
    }
    verdict(&r, args.fail_on)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cmd::Command;
    use crate::credentials::Credentials;
    use crate::credentials::tests::mock_store;
    use crate::output::Io;
    use crate::parse_from;
    use crate::secret::Secret;
    use crate::testutil::{Reply, Stub, run_wt, run_wt_logged_out};

    const PATH: &str = "/api/v1/orgs/readiness";

    fn check(id: &str, status: &str, evidence: serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "id": id, "title": format!("title of {id}"), "status": status,
            "summary": format!("summary of {id}"), "evidence": evidence, "evidence_withheld": 0,
            "remedy": if status == "pass" { String::new() } else { format!("remedy for {id}") },
        })
    }

    pub(crate) fn member(email: &str, detail: &str) -> serde_json::Value {
        serde_json::json!({"type": "member", "id": "usr_a", "label": email, "detail": detail})
    }

    /// A checklist as the API sends it: two fails, one warn, three passes.
    pub(crate) fn readiness_json() -> serde_json::Value {
        serde_json::json!({
            "ready": false,
            "checked_at": "2026-03-10T12:00:00Z",
            "org": {"id": "org_1", "slug": "acme", "name": "Acme"},
            "settings": {
                "review_interval_days": 90, "privileged_share_max_percent": 50,
                "inactive_days": 90, "rotation_age_days": 90, "audit_review_window_days": 7,
                "sink_lag_max_minutes": 15, "sink_failing_max_minutes": 60
            },
            "checks": [
                check("mfa", "fail", serde_json::json!([member("alice@example.com", "no MFA")])),
                check("least_privilege", "pass", serde_json::json!([])),
                check("keys_server_side", "pass", serde_json::json!([])),
                check("environments_separate", "pass", serde_json::json!([])),
                check("key_owners", "warn", serde_json::json!([
                    {"type": "api_key", "id": "key_1", "label": "billing-prod",
                     "detail": "older than 90 days"}
                ])),
                check("audit_reviewed", "fail", serde_json::json!([
                    {"type": "audit_entry", "id": "42", "label": "api_key.revoked",
                     "detail": "not reviewed within 7 days"}
                ])),
            ]
        })
    }

    /// Every check passes.
    fn all_pass() -> serde_json::Value {
        let mut r = readiness_json();
        for c in r["checks"].as_array_mut().into_iter().flatten() {
            c["status"] = serde_json::json!("pass");
            c["evidence"] = serde_json::json!([]);
            c["remedy"] = serde_json::json!("");
        }
        r["ready"] = serde_json::json!(true);
        r
    }

    pub(crate) fn ok(body: serde_json::Value) -> Vec<(&'static str, &'static str, Reply)> {
        vec![("GET", PATH, Reply::json(200, body))]
    }

    fn parse(argv: &[&str]) -> Result<CheckArgs, clap::Error> {
        parse_from(argv).map(|cli| match cli.command {
            Command::Check(a) => a,
            other => panic!("parsed as {other:?}"),
        })
    }

    fn ids_of(printed: &serde_json::Value) -> Vec<String> {
        printed["checks"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn check_parses_format_selection_and_fail_on() {
        let a = parse(&[
            "wt",
            "check",
            "--format",
            "junit",
            "--only",
            "mfa, key_owners",
            "--fail-on",
            "warn",
        ])
        .map_err(|e| e.to_string())
        .unwrap();
        assert_eq!(a.format, Some(CheckFormat::Junit));
        assert_eq!(a.only, ["mfa", " key_owners"]);
        assert_eq!(a.fail_on, FailOn::Warn);
        let d = parse(&["wt", "check"]).map_err(|e| e.to_string()).unwrap();
        assert_eq!((d.format, d.fail_on), (None, FailOn::Fail));
        assert!(d.only.is_empty() && d.skip.is_empty());
        let repeated = parse(&["wt", "check", "--skip", "mfa", "--skip", "a,b"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert_eq!(repeated.skip, ["mfa", "a", "b"]);
    }

    #[test]
    fn bad_flags_are_usage_errors_exit_2() {
        for argv in [
            &["wt", "check", "--format", "xml"][..],
            &["wt", "check", "--fail-on", "pass"],
            &["wt", "check", "--only", "mfa", "--skip", "key_owners"],
        ] {
            let code = parse(argv).err().map(|e| e.exit_code());
            assert_eq!(code, Some(2), "{argv:?}");
        }
    }

    #[test]
    fn format_defaults_to_the_global_output() {
        let a = parse(&["wt", "check"]).map_err(|e| e.to_string()).unwrap();
        assert_eq!(a.format(OutputFormat::Table), CheckFormat::Table);
        assert_eq!(a.format(OutputFormat::Json), CheckFormat::Json);
        let j = parse(&["wt", "check", "--format", "junit", "--output", "json"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert_eq!(j.format(OutputFormat::Json), CheckFormat::Junit);
    }

    #[test]
    fn fail_on_fail_counts_failures_and_fail_on_warn_counts_warnings_too() {
        assert!(FailOn::Fail.counts(CheckStatus::Fail));
        assert!(!FailOn::Fail.counts(CheckStatus::Warn));
        assert!(FailOn::Warn.counts(CheckStatus::Warn));
        assert!(FailOn::Warn.counts(CheckStatus::Fail));
        assert!(!FailOn::Warn.counts(CheckStatus::Pass));
    }

    #[tokio::test]
    async fn a_failing_check_prints_the_report_then_exits_1_with_a_summary() {
        let r = run_wt(
            &["wt", "check", "--output", "json"],
            "",
            ok(readiness_json()),
        )
        .await;
        assert_eq!(
            r.failure(),
            (
                1,
                "not ready: 2 of 6 checks fail (mfa, audit_reviewed)".to_string()
            )
        );
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(
            printed,
            readiness_json(),
            "unfiltered JSON is the API object"
        );
        assert_eq!(
            r.stub.requests()[0].authorization.as_deref(),
            Some("Bearer wts_abc123")
        );
    }

    #[tokio::test]
    async fn all_passing_is_ready_exit_0() {
        let r = run_wt(&["wt", "check", "--output", "json"], "", ok(all_pass())).await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed["ready"], true);
        assert!(r.err.is_empty(), "{}", r.err);
    }

    #[tokio::test]
    async fn only_selects_checks_and_recomputes_ready() {
        let r = run_wt(
            &[
                "wt",
                "check",
                "--only",
                "key_owners,least_privilege",
                "--format",
                "json",
            ],
            "",
            ok(readiness_json()),
        )
        .await;
        assert!(r.result.is_ok(), "a warning alone is ready: {:?}", r.result);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(
            ids_of(&printed),
            ["least_privilege", "key_owners"],
            "server order"
        );
        assert_eq!(printed["ready"], true);
        assert_eq!(printed["org"]["slug"], "acme");
        assert_eq!(printed["settings"]["rotation_age_days"], 90);
        assert_eq!(printed["checked_at"], "2026-03-10T12:00:00Z");
    }

    #[tokio::test]
    async fn fail_on_warn_makes_a_warning_not_ready() {
        let r = run_wt(
            &[
                "wt",
                "check",
                "--only",
                "key_owners",
                "--fail-on",
                "warn",
                "--output",
                "json",
            ],
            "",
            ok(readiness_json()),
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 1);
        assert_eq!(
            msg,
            "not ready: 1 of 1 check warns (key_owners) with --fail-on warn"
        );
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed["ready"], false);
    }

    #[tokio::test]
    async fn skip_removes_checks_and_can_make_the_org_ready() {
        let r = run_wt(
            &[
                "wt",
                "check",
                "--skip",
                "mfa,audit_reviewed",
                "--output",
                "json",
            ],
            "",
            ok(readiness_json()),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(
            ids_of(&printed),
            [
                "least_privilege",
                "keys_server_side",
                "environments_separate",
                "key_owners"
            ]
        );
        assert_eq!(printed["ready"], true);
    }

    #[tokio::test]
    async fn an_unknown_id_is_a_usage_error_listing_the_servers_ids() {
        let r = run_wt(
            &["wt", "check", "--only", "mfa,typo", "--output", "json"],
            "",
            ok(readiness_json()),
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("`typo`") && msg.contains("--only"), "{msg}");
        assert!(
            msg.contains("mfa, least_privilege, keys_server_side, environments_separate, key_owners, audit_reviewed"),
            "{msg}"
        );
        assert!(r.out.is_empty(), "no report for a usage error: {}", r.out);
    }

    #[tokio::test]
    async fn skipping_every_check_or_naming_none_is_a_usage_error() {
        let every =
            "mfa,least_privilege,keys_server_side,environments_separate,key_owners,audit_reviewed";
        let r = run_wt(&["wt", "check", "--skip", every], "", ok(readiness_json())).await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("no check"), "{msg}");
        let r = run_wt(&["wt", "check", "--only", " , "], "", ok(readiness_json())).await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("--only needs at least one"), "{msg}");
    }

    #[tokio::test]
    async fn could_not_check_keeps_its_own_exit_codes() {
        for (status, code, want) in [
            (401, "unauthenticated", 3),
            (403, "forbidden", 4),
            (403, "ip_not_allowed", 4),
        ] {
            let r = run_wt(
                &["wt", "check"],
                "",
                vec![("GET", PATH, Reply::problem(status, code))],
            )
            .await;
            assert_eq!(r.failure().0, want, "{status} {code}");
            assert!(r.out.is_empty());
        }
        let r = run_wt_logged_out(&["wt", "check"], "", ok(readiness_json())).await;
        assert_eq!(r.failure().0, 3);
        assert!(r.stub.requests().is_empty());
    }

    #[tokio::test]
    async fn an_unreachable_daemon_exits_6() {
        // A port that was just free: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(9);
        let server = format!("http://127.0.0.1:{port}");
        let (io, out, _) = Io::buffered("", true);
        let creds =
            Credentials::with_store(&server, Some(Secret::new("wtat_ci".into())), mock_store());
        let ctx = Ctx::new(io, server, Some(OutputFormat::Json), creds);
        let args = parse(&["wt", "check"]).map_err(|e| e.to_string()).unwrap();
        let code = run(args, &ctx).await.err().map(|e| e.exit_code());
        assert_eq!(code, Some(6));
        assert!(out.contents().is_empty());
    }

    #[tokio::test]
    async fn wt_token_in_the_environment_is_the_bearer() {
        let stub = Stub::start(ok(all_pass())).await;
        let (io, out, _) = Io::buffered("", true);
        // WT_TOKEN set, nothing in the keyring.
        let creds = Credentials::with_store(
            &stub.url,
            Some(Secret::new("wtat_ci_token".into())),
            mock_store(),
        );
        let ctx = Ctx::new(io, stub.url.clone(), Some(OutputFormat::Json), creds);
        let args = parse(&["wt", "check"]).map_err(|e| e.to_string()).unwrap();
        let result = run(args, &ctx).await;
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(
            stub.requests()[0].authorization.as_deref(),
            Some("Bearer wtat_ci_token")
        );
        assert!(out.contents().contains("\"ready\": true"));
    }

    #[tokio::test]
    async fn junit_goes_to_stdout_and_still_exits_1_when_not_ready() {
        let r = run_wt(
            &["wt", "check", "--format", "junit", "--output", "json"],
            "",
            ok(readiness_json()),
        )
        .await;
        assert_eq!(r.failure().0, 1);
        assert!(
            r.out
                .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"),
            "{}",
            r.out
        );
        assert!(r.out.contains(r#"tests="6" failures="2""#), "{}", r.out);
    }

    #[test]
    fn summaries_name_failures_then_counted_warnings() {
        let mut r: Readiness = serde_json::from_value(readiness_json())
            .map_err(|e| e.to_string())
            .unwrap();
        r.ready = false;
        let msg = |r: &Readiness, f| verdict(r, f).err().map(|e| e.to_string());
        assert_eq!(
            msg(&r, FailOn::Warn).as_deref(),
            Some(
                "not ready: 2 of 6 checks fail (mfa, audit_reviewed), 1 warns (key_owners) with --fail-on warn"
            )
        );
        r.checks.retain(|c| c.id == "mfa");
        assert_eq!(
            msg(&r, FailOn::Fail).as_deref(),
            Some("not ready: 1 of 1 check fails (mfa)")
        );
        r.ready = true;
        assert_eq!(msg(&r, FailOn::Fail), None);
    }
}
