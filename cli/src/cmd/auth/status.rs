//! `wt auth status`: server, identity, where the credential is kept, expiry. Never the token.

use crate::credentials::{CredentialSource, StoredCredential};
use crate::output::describe_expiry;
use crate::{CliError, Ctx};
use clap::Args;
use serde::Serialize;
use wt_api::WhoAmI;

pub const ABOUT: &str = "Show the server, login and credential storage";
pub const LONG_ABOUT: &str = "\
Show the server URL, who is logged in (asking the server when it is reachable), where the
credential is stored (environment variable WT_TOKEN, Secret Service keyring, or kernel
keyutils keyring) and when it expires. The token itself is never printed.

JSON fields (stable): server, logged_in, credential_source, user, org, role, expires_at,
server_reachable. Exit status 3 when not logged in.

Examples:
  wt auth status
  wt auth status --output json --server https://wt.example.com";

/// `wt auth status` options (none besides the global ones).
#[derive(Debug, Args)]
pub struct StatusArgs {}

/// What `wt auth status --output json` prints. Field names are a stable API.
#[derive(Debug, Serialize, PartialEq)]
pub struct AuthStatus {
    pub server: String,
    /// A credential is present and the server did not reject it.
    pub logged_in: bool,
    /// "environment variable WT_TOKEN", "Secret Service keyring", "kernel keyutils keyring",
    /// or null when there is no credential.
    pub credential_source: Option<String>,
    /// Email of the user.
    pub user: Option<String>,
    /// Org slug.
    pub org: Option<String>,
    pub role: Option<String>,
    pub expires_at: Option<String>,
    /// Whether the server answered (false: user/org come from the stored credential).
    pub server_reachable: bool,
}

/// Reports the authentication state.
pub async fn run(_args: StatusArgs, ctx: &Ctx) -> Result<(), CliError> {
    let mut status = AuthStatus {
        server: ctx.server.clone(),
        logged_in: false,
        credential_source: None,
        user: None,
        org: None,
        role: None,
        expires_at: None,
        server_reachable: false,
    };

    let (token, stored): (Option<crate::secret::Secret>, Option<StoredCredential>) =
        match ctx.credentials.env_token() {
            Some(t) => {
                status.credential_source = Some(CredentialSource::Environment.describe().into());
                (Some(t.clone()), None)
            }
            None => {
                let source = ctx.credentials.keyring_source().await?;
                let stored = ctx.credentials.load().await?;
                if stored.is_some() {
                    status.credential_source = Some(source.describe().into());
                }
                (stored.as_ref().map(|c| c.token.clone()), stored)
            }
        };
    if let Some(c) = &stored {
        status.user = Some(c.email.clone());
        status.org = c.org.clone();
        status.expires_at = c.expires_at.clone();
    }

    if let Some(token) = &token {
        let answer: Result<WhoAmI, CliError> =
            ctx.client()?.get("/auth/session", Some(token)).await;
        match answer {
            Ok(who) => {
                status.server_reachable = true;
                status.logged_in = true;
                status.user = Some(who.user.email);
                status.org = Some(who.org.slug);
                status.role = Some(who.role.to_string());
                status.expires_at = Some(who.expires_at);
            }
            Err(CliError::Api(e)) if e.status == 401 => {
                status.server_reachable = true;
            }
            Err(CliError::Unreachable { .. }) => {
                // Offline: report what is stored; the credential may still be good.
                status.logged_in = true;
                ctx.io.eprintln(&format!(
                    "warning: cannot reach {}; showing the stored credential",
                    ctx.server
                ));
            }
            Err(e) => return Err(e),
        }
    }

    let now = time::OffsetDateTime::now_utc();
    ctx.io.emit(ctx.output, &status, |io| {
        let dash = || "-".to_string();
        let state = match (&token, status.logged_in) {
            (None, _) => "not logged in".to_string(),
            (Some(_), false) => "not logged in (credential rejected by the server)".to_string(),
            (Some(_), true) if !status.server_reachable => "logged in (server unreachable)".into(),
            (Some(_), true) => "logged in".to_string(),
        };
        io.key_value_table(&[
            ("Server", status.server.clone()),
            ("Status", state),
            ("User", status.user.clone().unwrap_or_else(dash)),
            ("Org", status.org.clone().unwrap_or_else(dash)),
            ("Role", status.role.clone().unwrap_or_else(dash)),
            (
                "Credential",
                status.credential_source.clone().unwrap_or_else(dash),
            ),
            (
                "Expires",
                status
                    .expires_at
                    .as_deref()
                    .map_or_else(dash, |e| describe_expiry(e, now)),
            ),
        ])
    })?;
    if status.logged_in {
        Ok(())
    } else {
        Err(CliError::NotLoggedIn {
            server: ctx.server.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::auth::AuthCommand;
    use crate::cmd::whoami::tests::whoami_json;
    use crate::credentials::Credentials;
    use crate::credentials::tests::{mock_store, sample};
    use crate::output::{Io, OutputFormat};
    use crate::testutil::{Reply, Stub};
    use crate::{Ctx, parse_from};

    #[test]
    fn auth_status_parses() {
        let cli = parse_from(["wt", "auth", "status"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(cli.command, Command::Auth(AuthCommand::Status(_))));
    }

    #[tokio::test]
    async fn auth_status_json_has_stable_fields_and_never_the_token() {
        let stub = Stub::start(vec![(
            "GET",
            "/api/v1/auth/session",
            Reply::json(200, whoami_json()),
        )])
        .await;
        let creds = Credentials::with_store(&stub.url, None, mock_store());
        creds.save(&sample()).await.ok();
        let (io, out, _) = Io::buffered("", true);
        let ctx = Ctx::new(io, stub.url.clone(), Some(OutputFormat::Json), creds);
        let r = super::run(super::StatusArgs {}, &ctx).await;
        assert!(r.is_ok(), "{r:?}");
        let text = out.contents();
        assert!(!text.contains("wts_abc123"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(v["server"], stub.url.as_str());
        assert_eq!(v["logged_in"], true);
        assert_eq!(v["credential_source"], "mock keyring");
        assert_eq!(v["user"], "owner@example.com");
        assert_eq!(v["org"], "acme");
        assert_eq!(v["role"], "owner");
        assert_eq!(v["expires_at"], "2030-01-01T00:00:00Z");
    }

    #[tokio::test]
    async fn auth_status_without_credential_reports_and_exits_3() {
        let stub = Stub::start(vec![]).await;
        let creds = Credentials::with_store(&stub.url, None, mock_store());
        let (io, out, _) = Io::buffered("", true);
        let ctx = Ctx::new(io, stub.url.clone(), Some(OutputFormat::Json), creds);
        let r = super::run(super::StatusArgs {}, &ctx).await;
        assert_eq!(r.err().map(|e| e.exit_code()), Some(3));
        let v: serde_json::Value = serde_json::from_str(&out.contents()).unwrap_or_default();
        assert_eq!(v["logged_in"], false);
        assert!(v["credential_source"].is_null());
        assert!(stub.requests().is_empty());
    }
}
