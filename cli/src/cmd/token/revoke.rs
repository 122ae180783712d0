//! `wt token revoke ID`: the automation token stops working at once.

use super::common::token_path;
use crate::client::id_segment;
use crate::output::OutputFormat;
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;

pub const ABOUT: &str = "Revoke an automation token (it stops working at once)";
pub const LONG_ABOUT: &str = "\
Revoke an automation token (owners and admins): the next request with it is refused
(401, so a job using it as WT_TOKEN exits 3). This can't be undone; create a new token
for the job and update its secret store. Asks for confirmation unless --yes is given
(with --no-input, --yes is required).

JSON (--output json): {id, revoked: true}.

Examples:
  wt token revoke tok_3kT9abcdEFGH1234
  wt token revoke tok_3kT9abcdEFGH1234 --yes --no-input";

/// `wt token revoke` options.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The token id (see `wt token list`)
    #[arg(value_name = "ID")]
    pub id: String,

    /// Do not ask for confirmation (required with --no-input)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// What `wt token revoke --output json` prints.
#[derive(Debug, Serialize)]
struct RevokeOutput<'a> {
    id: &'a str,
    revoked: bool,
}

/// Revokes a token.
pub async fn run(args: RevokeArgs, ctx: &Ctx) -> Result<(), CliError> {
    let id = id_segment(&args.id, "ID")?;
    ctx.io.confirm_destructive(
        &format!("Revoke automation token {id}? Every request with it is refused from now on"),
        args.yes,
    )?;
    let (bearer, _) = ctx.bearer().await?;
    ctx.client()?.delete(&token_path(id), Some(&bearer)).await?;
    match ctx.output {
        OutputFormat::Json => ctx.io.print_json(&RevokeOutput { id, revoked: true }),
        OutputFormat::Table => ctx.io.println(&format!(
            "Token {id} revoked: requests with it are refused from now on."
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::token::TokenCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt, run_wt_scripted};

    const PATH: &str = "/api/v1/orgs/access-tokens/tok_1";

    #[test]
    fn revoke_parses_id_and_yes() {
        let cli = parse_from(["wt", "token", "revoke", "tok_1", "-y"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(
            cli.command,
            Command::Token(TokenCommand::Revoke(a)) if a.id == "tok_1" && a.yes
        ));
        assert!(parse_from(["wt", "token", "revoke"]).is_err());
    }

    #[tokio::test]
    async fn revoke_deletes_the_token_and_prints_id_and_revoked() {
        let r = run_wt(
            &["wt", "token", "revoke", "tok_1", "--yes", "--no-input"],
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
        assert_eq!(printed, serde_json::json!({"id": "tok_1", "revoked": true}));
    }

    #[tokio::test]
    async fn revoke_under_no_input_without_yes_sends_nothing_exit_2() {
        let r = run_wt(
            &["wt", "token", "revoke", "tok_1", "--no-input"],
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
    async fn revoke_asks_on_a_terminal_and_no_sends_nothing() {
        let r = run_wt_scripted(
            &["wt", "token", "revoke", "tok_1"],
            &["n"],
            vec![("DELETE", PATH, Reply::empty(204))],
        )
        .await;
        assert_eq!(r.failure().0, 1);
        assert!(r.stub.requests().is_empty());
        let r = run_wt_scripted(
            &["wt", "token", "revoke", "tok_1", "--output", "table"],
            &["y"],
            vec![("DELETE", PATH, Reply::empty(204))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.out,
            "Token tok_1 revoked: requests with it are refused from now on.\n"
        );
    }

    #[tokio::test]
    async fn an_unknown_token_is_not_found_exit_5() {
        let r = run_wt(
            &["wt", "token", "revoke", "tok_1", "--yes"],
            "",
            vec![("DELETE", PATH, Reply::problem(404, "not_found"))],
        )
        .await;
        assert_eq!(r.failure().0, 5);
    }
}
