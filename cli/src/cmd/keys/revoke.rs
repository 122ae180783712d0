//! `wt keys revoke ID`: the key stops working at once.

use super::common::key_path;
use crate::client::id_segment;
use crate::output::OutputFormat;
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;

pub const ABOUT: &str = "Revoke an ingestion API key (it stops working at once)";
pub const LONG_ABOUT: &str = "\
Revoke an ingestion API key (owners and admins): every request with it is refused from now
on, including a key in its rotation grace period. This can't be undone; to replace a key
without an outage, use `wt keys rotate` instead. Asks for confirmation unless --yes is
given (with --no-input, --yes is required).

JSON (--output json): {id, revoked: true}.

Examples:
  wt keys revoke key_3kT9abcdEFGH1234
  wt keys revoke key_3kT9abcdEFGH1234 --yes --no-input";

/// `wt keys revoke` options.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The key id (see `wt keys list`)
    #[arg(value_name = "ID")]
    pub id: String,

    /// Do not ask for confirmation (required with --no-input)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// What `wt keys revoke --output json` prints.
#[derive(Debug, Serialize)]
struct RevokeOutput<'a> {
    id: &'a str,
    revoked: bool,
}

/// Revokes a key.
pub async fn run(args: RevokeArgs, ctx: &Ctx) -> Result<(), CliError> {
    let id = id_segment(&args.id, "ID")?;
    ctx.io.confirm_destructive(
        &format!("Revoke key {id}? Every request with it is refused from now on"),
        args.yes,
    )?;
    let (token, _) = ctx.bearer().await?;
    ctx.client()?.delete(&key_path(id), Some(&token)).await?;
    match ctx.output {
        OutputFormat::Json => ctx.io.print_json(&RevokeOutput { id, revoked: true }),
        OutputFormat::Table => ctx.io.println(&format!(
            "Key {id} revoked: requests with it are refused from now on."
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::keys::KeysCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt, run_wt_scripted};

    const PATH: &str = "/api/v1/orgs/api-keys/key_1";

    #[test]
    fn revoke_parses_id_and_yes() {
        let cli = parse_from(["wt", "keys", "revoke", "key_1", "-y"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(
            cli.command,
            Command::Keys(KeysCommand::Revoke(a)) if a.id == "key_1" && a.yes
        ));
        assert!(parse_from(["wt", "keys", "revoke"]).is_err());
    }

    #[tokio::test]
    async fn revoke_deletes_the_key_and_prints_id_and_revoked() {
        let r = run_wt(
            &["wt", "keys", "revoke", "key_1", "--yes", "--no-input"],
            "",
            vec![("DELETE", PATH, Reply::empty(204))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let seen = r.stub.requests();
        assert_eq!(
            (seen[0].method.as_str(), seen[0].path.as_str()),
            ("DELETE", PATH)
        );
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, serde_json::json!({"id": "key_1", "revoked": true}));
    }

    #[tokio::test]
    async fn revoke_under_no_input_without_yes_sends_nothing_exit_2() {
        let r = run_wt(
            &["wt", "keys", "revoke", "key_1", "--no-input"],
            "",
            vec![("DELETE", PATH, Reply::empty(204))],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("--yes"), "{msg}");
        assert!(r.stub.requests().is_empty());
    }

    #[tokio::test]
    async fn revoke_declined_at_the_prompt_sends_nothing() {
        let r = run_wt_scripted(
            &["wt", "keys", "revoke", "key_1"],
            &["n"],
            vec![("DELETE", PATH, Reply::empty(204))],
        )
        .await;
        assert_eq!(r.failure().0, 1);
        assert!(r.stub.requests().is_empty());
    }
}
