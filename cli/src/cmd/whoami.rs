//! `wt whoami`: who the current credential belongs to (`GET /api/v1/auth/session`).

use crate::output::describe_expiry;
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::WhoAmI;

pub const ABOUT: &str = "Show who you are logged in as";
pub const LONG_ABOUT: &str = "\
Show the user, org and role of the current session, as the server sees it. With
--output json the session object is printed as the API returns it
({user, org, role, mfa_enabled, mfa_enrollment_required, session_id, expires_at}).
mfa_enrollment_required is true when your role requires MFA and none is enrolled: the
session can then only enroll (`wt mfa enroll`).

Examples:
  wt whoami
  wt whoami --output json";

/// `wt whoami` options (none besides the global ones).
#[derive(Debug, Args)]
pub struct WhoamiArgs {}

/// Prints the current identity.
pub async fn run(_args: WhoamiArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let who: WhoAmI = ctx.client()?.get("/auth/session", Some(&token)).await?;
    let now = time::OffsetDateTime::now_utc();
    ctx.io.emit(ctx.output, &who, |io| {
        let mut rows = vec![
            ("User", who.user.name.clone()),
            ("Email", who.user.email.clone()),
            ("Org", format!("{} ({})", who.org.name, who.org.slug)),
            ("Role", who.role.to_string()),
            (
                "MFA",
                if who.mfa_enabled {
                    "enabled"
                } else {
                    "not enabled"
                }
                .into(),
            ),
            ("Session expires", describe_expiry(&who.expires_at, now)),
        ];
        if who.mfa_enrollment_required {
            rows.push((
                "Action needed",
                "your role requires MFA: run `wt mfa enroll`; until then only enrollment is allowed"
                    .into(),
            ));
        }
        io.key_value_table(&rows)
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::cmd::Command;
    use crate::credentials::Credentials;
    use crate::credentials::tests::{mock_store, sample};
    use crate::output::{Io, OutputFormat};
    use crate::testutil::{Reply, Stub};
    use crate::{Ctx, parse_from};

    pub(crate) fn whoami_json() -> serde_json::Value {
        serde_json::json!({
            "user": {"id": "u1", "email": "owner@example.com", "name": "Ada"},
            "org": {"id": "o1", "slug": "acme", "name": "Acme"},
            "role": "owner", "mfa_enabled": false, "mfa_enrollment_required": false,
            "session_id": "s1",
            "expires_at": "2030-01-01T00:00:00Z"
        })
    }

    #[test]
    fn whoami_parses() {
        let cli = parse_from(["wt", "whoami", "--output", "json"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(cli.command, Command::Whoami(_)));
    }

    #[tokio::test]
    async fn whoami_json_is_the_session_object_as_is() {
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
        let r = super::run(super::WhoamiArgs {}, &ctx).await;
        assert!(r.is_ok(), "{r:?}");
        let printed: serde_json::Value = serde_json::from_str(&out.contents()).unwrap_or_default();
        assert_eq!(printed, whoami_json());
    }

    #[tokio::test]
    async fn whoami_table_says_run_wt_mfa_enroll_when_enrollment_is_required() {
        let mut who = whoami_json();
        who["mfa_enrollment_required"] = serde_json::json!(true);
        let r = crate::testutil::run_wt(
            &["wt", "whoami", "--output", "table"],
            "",
            vec![("GET", "/api/v1/auth/session", Reply::json(200, who))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(r.out.contains("run `wt mfa enroll`"), "{}", r.out);
        let r = crate::testutil::run_wt(
            &["wt", "whoami", "--output", "table"],
            "",
            vec![(
                "GET",
                "/api/v1/auth/session",
                Reply::json(200, whoami_json()),
            )],
        )
        .await;
        assert!(!r.out.contains("wt mfa enroll"), "{}", r.out);
    }

    #[tokio::test]
    async fn route_refused_with_mfa_enrollment_required_exits_4_with_the_message() {
        let r = crate::testutil::run_wt(
            &["wt", "whoami"],
            "",
            vec![(
                "GET",
                "/api/v1/auth/session",
                Reply::problem(403, "mfa_enrollment_required"),
            )],
        )
        .await;
        assert_eq!(
            r.failure(),
            (
                4,
                "your role requires MFA: run `wt mfa enroll` (until then only enrollment is allowed)"
                    .to_string()
            )
        );
        assert!(r.ctx.credentials.load().await.ok().flatten().is_some());
    }

    #[tokio::test]
    async fn whoami_with_revoked_session_exits_3() {
        let stub = Stub::start(vec![(
            "GET",
            "/api/v1/auth/session",
            Reply::problem(401, "unauthenticated"),
        )])
        .await;
        let creds = Credentials::with_store(&stub.url, None, mock_store());
        creds.save(&sample()).await.ok();
        let (io, _, _) = Io::buffered("", true);
        let ctx = Ctx::new(io, stub.url.clone(), None, creds);
        let r = super::run(super::WhoamiArgs {}, &ctx).await;
        assert_eq!(r.err().map(|e| e.exit_code()), Some(3));
    }
}
