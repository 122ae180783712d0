//! `wt sessions list`: your live sessions.

use crate::{CliError, Ctx};
use clap::Args;
use wt_api::SessionInfo;

pub const ABOUT: &str = "List your live sessions";
pub const LONG_ABOUT: &str = "\
List your live sessions in this org: id, kind (cli or console), when it was created and
last used, when it ends, and from which address and client. Tokens are never shown.

JSON (--output json): an array of {id, client, created_at, last_seen_at, expires_at,
idle_expires_at, ip, user_agent, current}.

Examples:
  wt sessions list
  wt sessions list --output json | jq -r '.[] | select(.current | not) | .id'";

/// `wt sessions list` options (none besides the global ones).
#[derive(Debug, Args)]
pub struct ListArgs {}

/// Lists the caller's sessions.
pub async fn run(_args: ListArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let sessions: Vec<SessionInfo> = ctx
        .client()?
        .get_all_pages("/auth/sessions", Some(&token))
        .await?;
    ctx.io.emit(ctx.output, &sessions, |io| {
        let mut table = io.table();
        table.set_header(vec![
            "ID",
            "CLIENT",
            "CREATED",
            "LAST USED",
            "ENDS",
            "IP",
            "USER AGENT",
            "",
        ]);
        for s in &sessions {
            table.add_row(vec![
                s.id.clone(),
                s.client.as_str().to_string(),
                s.created_at.clone(),
                s.last_seen_at.clone(),
                s.idle_expires_at.clone(),
                s.ip.clone().unwrap_or_default(),
                s.user_agent.clone().unwrap_or_default(),
                if s.current {
                    "current".into()
                } else {
                    String::new()
                },
            ]);
        }
        table
    })
}

#[cfg(test)]
mod tests {
    use crate::testutil::{Reply, run_wt};

    #[tokio::test]
    async fn sessions_list_prints_the_api_items_as_json() {
        let page = serde_json::json!({"items": [{
            "id": "ses_1", "client": "cli", "created_at": "2026-01-01T00:00:00Z",
            "last_seen_at": "2026-01-01T00:00:00Z", "expires_at": "2026-01-01T12:00:00Z",
            "idle_expires_at": "2026-01-01T12:00:00Z", "ip": "127.0.0.1", "user_agent": "wt",
            "current": true
        }], "next_cursor": null});
        let r = run_wt(
            &["wt", "sessions", "list", "--output", "json"],
            "",
            vec![("GET", "/api/v1/auth/sessions", Reply::json(200, page))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let v: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(v[0]["id"], "ses_1");
        assert_eq!(v[0]["current"], true);
    }
}
