//! `wt logout`: revoke the session server-side and delete the keyring entry.

use crate::credentials::CredentialSource;
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;

pub const ABOUT: &str = "Revoke the session and delete the stored credential";
pub const LONG_ABOUT: &str = "\
Revoke the current session on the server, then delete the credential from the OS keyring.
If the server says the session is already gone (401), the local entry is still deleted.
With WT_TOKEN set, that token is revoked server-side (nothing is stored locally to delete).

Examples:
  wt logout
  wt logout --server https://wt.example.com";

/// `wt logout` options (none besides the global ones).
#[derive(Debug, Args)]
pub struct LogoutArgs {}

/// What `wt logout --output json` prints.
#[derive(Debug, Serialize)]
struct LogoutOutput<'a> {
    server: &'a str,
    credential_source: &'a str,
    /// The server revoked the session now (false: it was already revoked or expired).
    revoked: bool,
    /// A keyring entry was deleted.
    deleted_local_credential: bool,
}

/// Logs out.
pub async fn run(_args: LogoutArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, source) = ctx.bearer().await?;
    let client = ctx.client()?;
    let revoked = match client.post_empty("/auth/logout", Some(&token)).await {
        Ok(()) => true,
        // Already revoked or expired: the goal (a dead token) is met.
        Err(CliError::Api(e)) if e.status == 401 => false,
        Err(e) => return Err(e),
    };
    let deleted = if source == CredentialSource::Environment {
        false
    } else {
        ctx.credentials.delete().await?
    };
    let out = LogoutOutput {
        server: &ctx.server,
        credential_source: source.describe(),
        revoked,
        deleted_local_credential: deleted,
    };
    match ctx.output {
        crate::output::OutputFormat::Json => ctx.io.print_json(&out)?,
        crate::output::OutputFormat::Table => {
            let what = if revoked {
                "session revoked"
            } else {
                "session was already revoked or expired"
            };
            if source == CredentialSource::Environment {
                ctx.io.println(&format!(
                    "Logged out of {} ({what}); the token came from the environment variable WT_TOKEN: unset it",
                    ctx.server
                ))?;
            } else {
                ctx.io.println(&format!(
                    "Logged out of {} ({what}; credential deleted from the {})",
                    ctx.server,
                    source.describe()
                ))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::credentials::Credentials;
    use crate::credentials::tests::{mock_store, sample};
    use crate::output::{Io, OutputFormat};
    use crate::secret::Secret;
    use crate::testutil::{Reply, Stub};
    use crate::{Ctx, parse_from};

    #[test]
    fn logout_parses_without_arguments() {
        let cli = parse_from(["wt", "logout"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(cli.command, Command::Logout(_)));
    }

    async fn logout_with(reply: Reply) -> (Stub, Ctx, Result<(), crate::CliError>) {
        let stub = Stub::start(vec![("POST", "/api/v1/auth/logout", reply)]).await;
        let store = mock_store();
        let creds = Credentials::with_store(&stub.url, None, store);
        creds.save(&sample()).await.ok();
        let (io, _, _) = Io::buffered("", true);
        let ctx = Ctx::new(io, stub.url.clone(), Some(OutputFormat::Json), creds);
        let r = super::run(super::LogoutArgs {}, &ctx).await;
        (stub, ctx, r)
    }

    #[tokio::test]
    async fn logout_revokes_server_side_and_deletes_keyring_entry() {
        let (stub, ctx, r) = logout_with(Reply::empty(204)).await;
        assert!(r.is_ok(), "{r:?}");
        let seen = stub.requests();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].authorization.as_deref(), Some("Bearer wts_abc123"));
        assert_eq!(ctx.credentials.load().await.ok().flatten(), None);
    }

    #[tokio::test]
    async fn logout_deletes_keyring_entry_even_when_server_says_401() {
        let (_stub, ctx, r) = logout_with(Reply::problem(401, "unauthenticated")).await;
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(ctx.credentials.load().await.ok().flatten(), None);
    }

    #[tokio::test]
    async fn logout_keeps_the_entry_when_the_server_fails() {
        let (_stub, ctx, r) = logout_with(Reply::problem(500, "internal")).await;
        assert_eq!(r.err().map(|e| e.exit_code()), Some(1));
        assert!(ctx.credentials.load().await.ok().flatten().is_some());
    }

    #[tokio::test]
    async fn logout_under_wt_token_revokes_that_token_and_keeps_the_keyring() {
        let stub = Stub::start(vec![("POST", "/api/v1/auth/logout", Reply::empty(204))]).await;
        let creds = Credentials::with_store(
            &stub.url,
            Some(Secret::new("wt_env_token".into())),
            mock_store(),
        );
        creds.save(&sample()).await.ok();
        let (io, out, _) = Io::buffered("", true);
        let ctx = Ctx::new(io, stub.url.clone(), Some(OutputFormat::Table), creds);
        let r = super::run(super::LogoutArgs {}, &ctx).await;
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(
            stub.requests()[0].authorization.as_deref(),
            Some("Bearer wt_env_token")
        );
        assert!(out.contents().contains("WT_TOKEN"));
        assert!(ctx.credentials.load().await.ok().flatten().is_some());
    }

    #[tokio::test]
    async fn logout_without_credential_is_not_logged_in_exit_3() {
        let stub = Stub::start(vec![]).await;
        let creds = Credentials::with_store(&stub.url, None, mock_store());
        let (io, _, _) = Io::buffered("", true);
        let ctx = Ctx::new(io, stub.url.clone(), None, creds);
        let r = super::run(super::LogoutArgs {}, &ctx).await;
        assert_eq!(r.err().map(|e| e.exit_code()), Some(3));
        assert!(stub.requests().is_empty());
    }
}
