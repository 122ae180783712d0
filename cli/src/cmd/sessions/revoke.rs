//! `wt sessions revoke ID`: end one of your sessions.

use crate::client::id_segment;
use crate::output::OutputFormat;
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;

pub const ABOUT: &str = "End one of your sessions";
pub const LONG_ABOUT: &str = "\
End one of your own sessions at once (its token gets 401 from then on). To end the one
this command uses, run `wt logout` instead.

JSON (--output json): {session_id, revoked: true}.

Examples:
  wt sessions revoke ses_3kT9abcdEFGH1234";

/// `wt sessions revoke` options.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The session id (ses_..., see `wt sessions list`)
    #[arg(value_name = "ID")]
    pub id: String,
}

#[derive(Debug, Serialize)]
struct RevokeOutput<'a> {
    session_id: &'a str,
    revoked: bool,
}

/// Revokes a session.
pub async fn run(args: RevokeArgs, ctx: &Ctx) -> Result<(), CliError> {
    let id = id_segment(&args.id, "ID")?;
    let (token, _) = ctx.bearer().await?;
    ctx.client()?
        .delete(&format!("/auth/sessions/{id}"), Some(&token))
        .await?;
    match ctx.output {
        OutputFormat::Json => ctx.io.print_json(&RevokeOutput {
            session_id: id,
            revoked: true,
        }),
        OutputFormat::Table => ctx.io.println(&format!("Session {id} ended.")),
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::{Reply, run_wt};

    #[tokio::test]
    async fn sessions_revoke_deletes_the_session_path() {
        let r = run_wt(
            &["wt", "sessions", "revoke", "ses_1", "--no-input"],
            "",
            vec![("DELETE", "/api/v1/auth/sessions/ses_1", Reply::empty(204))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.stub.requests().len(), 1);
    }

    #[tokio::test]
    async fn an_unknown_session_exits_5() {
        let r = run_wt(
            &["wt", "sessions", "revoke", "ses_nope", "--no-input"],
            "",
            vec![(
                "DELETE",
                "/api/v1/auth/sessions/ses_nope",
                Reply::problem(404, "not_found"),
            )],
        )
        .await;
        assert_eq!(r.failure().0, 5);
    }
}
