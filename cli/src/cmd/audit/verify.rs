//! `wt audit verify`: check the hash chain of your org's audit log.

use crate::output::OutputFormat;
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::AuditVerifyResponse;

pub const ABOUT: &str = "Verify the hash chain of the audit log";
pub const LONG_ABOUT: &str = "\
Ask the server to re-compute the hash chain of your org's audit log. Each entry's hash
covers its content and the previous entry's hash, so an edited, inserted or deleted entry
breaks the chain from that point. Prints `OK` and the number of entries checked, or
`BROKEN at seq N` (the first entry that does not match) and exits 1.

--jobs N hashes with N threads on the server (at most its cores): faster on a long log,
the same verdict and the same first bad entry.

JSON (--output json): the AuditVerifyResponse as is: {ok, entries, first_bad_seq?}; the
exit status is 1 when ok is false.

With --checkpoint FILE --key-file KEYS: check the log against a checkpoint an auditor saved
(`wt audit checkpoint save`), on this machine, trusting only the public key given (`wt
audit pubkey`): the saved checkpoint's signature; the server's latest signed checkpoint;
that the log today extends the saved one (an RFC 9162 consistency proof); and that every
entry, downloaded and hashed here, is in the tree (the roots are recomputed from the
entries). Someone holding the database and the master key can rewrite an entry and
recompute the whole hash chain (plain `wt audit verify` then passes), but not match a
checkpoint signed before. On failure prints `FAILED at size N, first bad entry seq S:
why` and exits 10; the entry is named while the server's stored tree still agrees with
the saved checkpoint, else the size where history diverged.

JSON (--output json) with --checkpoint: {ok, origin, checkpoint_size, latest_size,
entries_checked, first_bad_size?, first_bad_seq?, reason?}.

Examples:
  wt audit verify
  wt audit verify --jobs 4
  wt audit verify --output json || alert-on-call
  wt audit verify --checkpoint monday.ckpt --key-file acme.pub";

/// `wt audit verify` options.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A checkpoint saved with `wt audit checkpoint save`: prove, with the public key,
    /// that today's log extends it and that every entry is in the tree (exit 10 if not)
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub keys: super::checkpoint::KeyArgs,
    /// Threads the server hashes the chain with (1 to 64; at most its cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: Option<u32>,
}

/// Verifies the chain; a broken one is exit 1. With `--checkpoint`, the signed tree.
pub async fn run(args: VerifyArgs, ctx: &Ctx) -> Result<(), CliError> {
    if let Some(file) = &args.checkpoint {
        return super::checkpoint::verify(ctx, file, &args.keys).await;
    }
    if !args.keys.key.is_empty() || args.keys.key_file.is_some() {
        return Err(CliError::Usage(
            "--key and --key-file go with --checkpoint FILE".into(),
        ));
    }
    let (token, _) = ctx.bearer().await?;
    let path = match args.jobs {
        Some(n) => format!("/orgs/audit-logs/verify?jobs={n}"),
        None => "/orgs/audit-logs/verify".to_string(),
    };
    let v: AuditVerifyResponse = ctx.client()?.get(&path, Some(&token)).await?;
    let at = v.first_bad_seq.map_or_else(
        || " (first bad entry not reported)".to_string(),
        |s| format!(" at seq {s}"),
    );
    match ctx.output {
        OutputFormat::Json => ctx.io.print_json(&v)?,
        OutputFormat::Table if v.ok => ctx.io.println(&format!(
            "OK: the hash chain of {} entries is intact",
            v.entries
        ))?,
        OutputFormat::Table => ctx
            .io
            .println(&format!("BROKEN{at} ({} entries checked)", v.entries))?,
    }
    if v.ok {
        Ok(())
    } else {
        Err(CliError::Other(format!(
            "the audit log hash chain is broken{at}: an entry was edited, inserted or deleted"
        )))
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::audit::AuditCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    const VERIFY: &str = "/api/v1/orgs/audit-logs/verify";

    #[test]
    fn verify_parses() {
        let cli = parse_from(["wt", "audit", "verify"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(
            cli.command,
            Command::Audit(AuditCommand::Verify(_))
        ));
    }

    #[tokio::test]
    async fn verify_ok_prints_the_entry_count_exit_0() {
        let r = run_wt(
            &["wt", "audit", "verify", "--output", "table"],
            "",
            vec![(
                "GET",
                VERIFY,
                Reply::json(200, serde_json::json!({"ok": true, "entries": 1234})),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(
            r.out.starts_with("OK") && r.out.contains("1234"),
            "{}",
            r.out
        );
    }

    #[tokio::test]
    async fn verify_broken_prints_the_first_bad_seq_and_exits_1() {
        let r = run_wt(
            &["wt", "audit", "verify", "--output", "table"],
            "",
            vec![(
                "GET",
                VERIFY,
                Reply::json(
                    200,
                    serde_json::json!({"ok": false, "entries": 1234, "first_bad_seq": 77}),
                ),
            )],
        )
        .await;
        assert!(r.out.starts_with("BROKEN at seq 77"), "{}", r.out);
        let (code, msg) = r.failure();
        assert_eq!(code, 1);
        assert!(msg.contains("seq 77"), "{msg}");
    }

    #[tokio::test]
    async fn verify_jobs_asks_the_server_for_threads() {
        let r = run_wt(
            &["wt", "audit", "verify", "--jobs", "4", "--output", "table"],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/audit-logs/verify?jobs=4",
                Reply::json(
                    200,
                    serde_json::json!({"ok": false, "entries": 1234, "first_bad_seq": 77}),
                ),
            )],
        )
        .await;
        assert!(r.out.starts_with("BROKEN at seq 77"), "{}", r.out);
        assert_eq!(r.failure().0, 1);
        assert!(parse_from(["wt", "audit", "verify", "--jobs", "0"]).is_err());
    }

    #[tokio::test]
    async fn verify_broken_json_is_the_response_as_is_and_exits_1() {
        let body = serde_json::json!({"ok": false, "entries": 9, "first_bad_seq": 3});
        let r = run_wt(
            &["wt", "audit", "verify", "--output", "json"],
            "",
            vec![("GET", VERIFY, Reply::json(200, body.clone()))],
        )
        .await;
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, body);
        assert_eq!(r.failure().0, 1);
    }
}
