//! `wt mfa status`: the MFA state of your account (`GET /api/v1/auth/mfa`).

use crate::output::describe_expiry;
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::MfaStatus;

pub const ABOUT: &str = "Show whether MFA is on, and how many recovery codes are left";
pub const LONG_ABOUT: &str = "\
Show the MFA state of your account: whether it is enabled and since when, how many unused
recovery codes are left, whether your role requires MFA, and any pending enrollment.

JSON (--output json) is the API object as is:
{enabled, enrolled_at, recovery_codes_remaining, required, pending_expires_at}.

Examples:
  wt mfa status
  wt mfa status --output json";

/// `wt mfa status` options (none besides the global ones).
#[derive(Debug, Args)]
pub struct StatusArgs {}

/// Prints the MFA state.
pub async fn run(_args: StatusArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let status: MfaStatus = ctx.client()?.get("/auth/mfa", Some(&token)).await?;
    let now = time::OffsetDateTime::now_utc();
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    ctx.io.emit(ctx.output, &status, |io| {
        let mut rows = vec![
            (
                "MFA",
                if status.enabled {
                    "enabled"
                } else {
                    "not enabled"
                }
                .to_string(),
            ),
            ("Required by your role", yes_no(status.required)),
        ];
        if let Some(at) = &status.enrolled_at {
            rows.push(("Enrolled at", at.clone()));
        }
        if status.enabled {
            rows.push((
                "Recovery codes left",
                status.recovery_codes_remaining.to_string(),
            ));
        }
        if let Some(at) = &status.pending_expires_at {
            rows.push((
                "Pending enrollment",
                format!(
                    "until {} (finish with `wt mfa confirm`)",
                    describe_expiry(at, now)
                ),
            ));
        }
        if status.required && !status.enabled {
            rows.push(("Action needed", "run `wt mfa enroll`".to_string()));
        }
        io.key_value_table(&rows)
    })
}

#[cfg(test)]
mod tests {
    use crate::cmd::Command;
    use crate::cmd::mfa::MfaCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    fn status_json() -> serde_json::Value {
        serde_json::json!({
            "enabled": true, "enrolled_at": "2026-01-01T00:00:00Z",
            "recovery_codes_remaining": 9, "required": true, "pending_expires_at": null
        })
    }

    #[test]
    fn status_parses() {
        let cli = parse_from(["wt", "mfa", "status"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(cli.command, Command::Mfa(MfaCommand::Status(_))));
    }

    #[tokio::test]
    async fn status_json_is_the_api_object_as_is() {
        let r = run_wt(
            &["wt", "mfa", "status", "--output", "json"],
            "",
            vec![("GET", "/api/v1/auth/mfa", Reply::json(200, status_json()))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.stub.requests()[0].authorization.as_deref(),
            Some("Bearer wts_abc123")
        );
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, status_json());
    }

    #[tokio::test]
    async fn status_table_shows_state_and_codes_left() {
        let r = run_wt(
            &["wt", "mfa", "status", "--output", "table"],
            "",
            vec![("GET", "/api/v1/auth/mfa", Reply::json(200, status_json()))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(r.out.contains("enabled"), "{}", r.out);
        assert!(
            r.out
                .lines()
                .any(|l| l.starts_with("Recovery codes left") && l.ends_with(" 9")),
            "{}",
            r.out
        );
    }
}
