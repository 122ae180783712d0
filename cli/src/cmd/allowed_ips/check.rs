//! `wt allowed-ips check [--proposed FILE]`: who a list would cut off (a dry run).

use super::common::CHECK_PATH;
use crate::cmd::common::{normalize_cidr, read_input_file};
use crate::output::{Io, OutputFormat, describe_ago};
use crate::{CliError, Ctx};
use clap::Args;
use std::path::PathBuf;
use time::OffsetDateTime;
use wt_api::{AllowedIpCheckRequest, AllowedIpCheckResponse};

pub const ABOUT: &str = "Check who an allowed-IP list would cut off (exit 1 if anyone)";
pub const LONG_ABOUT: &str = "\
Dry-run an allowed-IP list (owners and admins): does your own address stay allowed, and
which live sessions and ingestion keys (by the addresses they were used from in the last
30 days) would be refused? Nothing is changed.

Without --proposed the current list is checked. --proposed FILE checks the list in FILE
instead: one CIDR per line (10.0.0.0/8, 2001:db8::/32, or a single address), blank lines
and `#` comments ignored; `-` reads stdin. An empty file proposes an empty list, which
allows every address. A malformed line is a usage error naming its line number (exit 2).

Exit status: 0 when your address stays allowed and nothing would be cut off, 1 otherwise
(the report is printed either way), so a runbook can gate a change on it:
  wt allowed-ips check --proposed new.txt && wt allowed-ips add 10.0.0.0/8

JSON (--output json): the AllowedIpCheckResponse object as the API sends it: {cidrs (the
normalised list checked), caller_ip, caller_allowed, sessions: [{user_id, email, ip,
last_seen_at}], keys: [{key_id, name, ip, last_seen_at}]}.

Examples:
  wt allowed-ips check
  wt allowed-ips check --proposed new-list.txt
  wt allowed-ips list --output json | jq -r '.[].cidr' | grep -v 10.0.0.0/8 | wt allowed-ips check --proposed -";

/// Largest proposed-list file read (far beyond any real list; the server limits entries).
pub const MAX_PROPOSED_BYTES: u64 = 1024 * 1024;

/// `wt allowed-ips check` options.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Check the list in FILE (one CIDR per line, `#` comments; `-` reads stdin) instead of the current one
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub proposed: Option<PathBuf>,
}

/// Parses a proposed list: one CIDR per line; text after `#` and blank lines are ignored.
/// Each CIDR is checked locally (a bad one names its line) and sent as written.
pub fn parse_proposed(text: &str) -> Result<Vec<String>, CliError> {
    let mut cidrs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let content = line
            .split_once('#')
            .map_or(line, |(before, _)| before)
            .trim();
        if content.is_empty() {
            continue;
        }
        normalize_cidr(content).map_err(|e| CliError::Usage(format!("line {}: {e}", i + 1)))?;
        cidrs.push(content.to_string());
    }
    Ok(cidrs)
}

/// Runs the dry run.
pub async fn run(args: CheckArgs, ctx: &Ctx) -> Result<(), CliError> {
    let cidrs = match &args.proposed {
        Some(path) => Some(parse_proposed(&read_input_file(
            &ctx.io,
            path,
            "the proposed list",
            MAX_PROPOSED_BYTES,
        )?)?),
        None => None,
    };
    let (token, _) = ctx.bearer().await?;
    let report: AllowedIpCheckResponse = ctx
        .client()?
        .post(CHECK_PATH, &AllowedIpCheckRequest { cidrs }, Some(&token))
        .await?;
    match ctx.output {
        OutputFormat::Json => ctx.io.print_json(&report)?,
        OutputFormat::Table => print_report(&ctx.io, &report, args.proposed.is_some())?,
    }
    verdict(&report)
}

/// Exit 0 when nobody is cut off, else a [`CliError::CheckFailed`] summing it up.
fn verdict(r: &AllowedIpCheckResponse) -> Result<(), CliError> {
    let mut problems = Vec::new();
    if !r.caller_allowed {
        problems.push(format!("your own address {} would be refused", r.caller_ip));
    }
    if !r.sessions.is_empty() {
        problems.push(plural(r.sessions.len(), "live session"));
    }
    if !r.keys.is_empty() {
        problems.push(plural(r.keys.len(), "key source"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CliError::CheckFailed(format!(
            "the list would cut off: {}",
            problems.join(", ")
        )))
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn print_report(io: &Io, r: &AllowedIpCheckResponse, proposed: bool) -> Result<(), CliError> {
    let now = OffsetDateTime::now_utc();
    let which = if proposed { "Proposed" } else { "Current" };
    if r.cidrs.is_empty() {
        io.println(&format!("{which} list: empty (every address is allowed)."))?;
    } else {
        io.println(&format!("{which} list: {}", r.cidrs.join(", ")))?;
    }
    if r.caller_allowed {
        io.println(&format!("Your address {} stays allowed.", r.caller_ip))?;
    } else if proposed {
        io.println(&format!(
            "Your address {} would be REFUSED: applying this list would lock you out (it would need --force).",
            r.caller_ip
        ))?;
    } else {
        io.println(&format!(
            "Your address {} is REFUSED by the current list.",
            r.caller_ip
        ))?;
    }
    io.println("")?;
    if r.sessions.is_empty() {
        io.println("Sessions cut off: none.")?;
    } else {
        io.println("Sessions that would be cut off:")?;
        let mut t = io.table();
        t.set_header(vec!["USER", "EMAIL", "IP", "LAST SEEN"]);
        for s in &r.sessions {
            t.add_row(vec![
                s.user_id.clone(),
                s.email.clone(),
                s.ip.clone(),
                describe_ago(&s.last_seen_at, now),
            ]);
        }
        io.print_table(&t)?;
    }
    io.println("")?;
    if r.keys.is_empty() {
        io.println("Ingestion keys cut off: none.")?;
    } else {
        io.println("Ingestion keys that would be cut off (sources seen in the last 30 days):")?;
        let mut t = io.table();
        t.set_header(vec!["KEY", "NAME", "IP", "LAST SEEN"]);
        for k in &r.keys {
            t.add_row(vec![
                k.key_id.clone(),
                k.name.clone(),
                k.ip.clone(),
                describe_ago(&k.last_seen_at, now),
            ]);
        }
        io.print_table(&t)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{Reply, run_wt};

    const PATH: &str = "/api/v1/orgs/allowed-ips/check";

    fn clean(cidrs: &[&str]) -> serde_json::Value {
        serde_json::json!({
            "cidrs": cidrs, "caller_ip": "10.1.2.3", "caller_allowed": true,
            "sessions": [], "keys": []
        })
    }

    fn cuts_off() -> serde_json::Value {
        serde_json::json!({
            "cidrs": ["192.0.2.0/24"], "caller_ip": "10.1.2.3", "caller_allowed": false,
            "sessions": [{"user_id": "usr_b", "email": "bob@example.com", "ip": "10.9.9.9",
                          "last_seen_at": "2026-01-01T00:00:00Z"}],
            "keys": [{"key_id": "key_1", "name": "billing-prod", "ip": "203.0.113.5",
                      "last_seen_at": "2026-01-01T00:00:00Z"}]
        })
    }

    #[test]
    fn proposed_files_skip_blank_lines_and_comments() {
        let text = "# office\n10.0.0.0/8\n\n  192.0.2.7   # the bastion\n\t# indented comment\n2001:db8::/32\r\n";
        assert_eq!(
            parse_proposed(text).map_err(|e| e.to_string()).unwrap(),
            ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]
        );
        assert_eq!(
            parse_proposed("# nothing\n\n")
                .map_err(|e| e.to_string())
                .unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_bad_line_is_a_usage_error_naming_its_number() {
        let e = parse_proposed("10.0.0.0/8\n# ok\n10.0.0.0/99\n").err();
        let (code, msg) = e
            .map(|e| (e.exit_code(), e.to_string()))
            .unwrap_or_default();
        assert_eq!(code, 2);
        assert!(msg.starts_with("line 3: "), "{msg}");
    }

    #[tokio::test]
    async fn without_proposed_the_current_list_is_checked_exit_0() {
        let r = run_wt(
            &["wt", "allowed-ips", "check", "--output", "table"],
            "",
            vec![("POST", PATH, Reply::json(200, clean(&["10.0.0.0/8"])))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(0),
            serde_json::json!({}),
            "absent = the current list"
        );
        assert!(r.out.contains("Current list: 10.0.0.0/8"), "{}", r.out);
        assert!(r.out.contains("10.1.2.3 stays allowed"), "{}", r.out);
        assert!(r.out.contains("Sessions cut off: none."), "{}", r.out);
    }

    #[tokio::test]
    async fn proposed_from_stdin_is_sent_without_comments() {
        let r = run_wt(
            &[
                "wt",
                "allowed-ips",
                "check",
                "--proposed",
                "-",
                "--output",
                "json",
            ],
            "# new list\n10.0.0.0/8   # office\n\n192.0.2.7\n",
            vec![(
                "POST",
                PATH,
                Reply::json(200, clean(&["10.0.0.0/8", "192.0.2.7/32"])),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(0),
            serde_json::json!({"cidrs": ["10.0.0.0/8", "192.0.2.7"]})
        );
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, clean(&["10.0.0.0/8", "192.0.2.7/32"]));
    }

    #[tokio::test]
    async fn proposed_from_a_file_that_cuts_someone_off_exits_1_after_the_report() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string()).unwrap();
        let file = dir.path().join("new.txt");
        std::fs::write(&file, "192.0.2.0/24 # only the bastion net\n")
            .map_err(|e| e.to_string())
            .unwrap();
        let file = file.to_string_lossy().into_owned();
        let r = run_wt(
            &[
                "wt",
                "allowed-ips",
                "check",
                "--proposed",
                &file,
                "--output",
                "table",
            ],
            "",
            vec![("POST", PATH, Reply::json(200, cuts_off()))],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 1);
        assert_eq!(
            msg,
            "the list would cut off: your own address 10.1.2.3 would be refused, 1 live session, 1 key source"
        );
        assert_eq!(r.body(0), serde_json::json!({"cidrs": ["192.0.2.0/24"]}));
        assert!(r.out.contains("would be REFUSED"), "{}", r.out);
        assert!(
            r.out.contains("bob@example.com") && r.out.contains("10.9.9.9"),
            "{}",
            r.out
        );
        assert!(
            r.out.contains("billing-prod") && r.out.contains("203.0.113.5"),
            "{}",
            r.out
        );
    }

    #[tokio::test]
    async fn json_output_also_exits_1_when_someone_is_cut_off() {
        let r = run_wt(
            &["wt", "allowed-ips", "check", "--output", "json"],
            "",
            vec![("POST", PATH, Reply::json(200, cuts_off()))],
        )
        .await;
        assert_eq!(r.failure().0, 1);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, cuts_off());
    }

    #[tokio::test]
    async fn a_malformed_proposed_file_sends_nothing_exit_2() {
        let r = run_wt(
            &["wt", "allowed-ips", "check", "--proposed", "-"],
            "10.0.0.0/8\nnot-a-cidr\n",
            vec![],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("line 2"), "{msg}");
        assert!(r.stub.requests().is_empty());
    }
}
