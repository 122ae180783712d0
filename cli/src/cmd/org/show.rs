//! `wt org show`: the org's settings (`GET /api/v1/orgs/settings`).

use crate::output::Io;
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::{OrgSettings, ReadinessSettings};

pub const ABOUT: &str = "Show the settings of your org";
pub const LONG_ABOUT: &str = "\
Show the settings of the org your session is bound to.

Table rows carry the key names `wt org set` takes: mfa-required-roles,
phishing-resistant-required-roles, passkey-aaguids, browser-ingest and the thresholds of the readiness checklist (`wt check`): review-interval-days,
privileged-share-max-percent, inactive-days, rotation-age-days, audit-review-window-days.

JSON (--output json) is the API object as is: {org: {id, slug, name}, mfa_required_roles,
browser_ingest, readiness: {review_interval_days, privileged_share_max_percent,
inactive_days, rotation_age_days, audit_review_window_days},
phishing_resistant_required_roles, passkey_aaguids}.
Table rows carry the key names `wt org set` takes: mfa-required-roles, browser-ingest,
event-retention and the thresholds of the readiness checklist (`wt check`):
review-interval-days, privileged-share-max-percent, inactive-days, rotation-age-days,
audit-review-window-days; then the storage ingested events take (stored-events, counted
at most a minute behind, and their approximate size).

JSON (--output json) is the API object as is: {org: {id, slug, name}, mfa_required_roles,
browser_ingest, readiness: {review_interval_days, privileged_share_max_percent,
inactive_days, rotation_age_days, audit_review_window_days}, events: {retention_seconds,
retention_source (org or installation), stored_events, stored_bytes}}.

Examples:
  wt org show
  wt org show --output json";

/// `wt org show` options (none besides the global ones).
#[derive(Debug, Args)]
pub struct ShowArgs {}

/// Prints the org settings.
pub async fn run(_args: ShowArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (token, _) = ctx.bearer().await?;
    let settings: OrgSettings = ctx.client()?.get("/orgs/settings", Some(&token)).await?;
    print_settings(ctx, &settings)
}

/// Prints org settings as JSON (as is) or a table; also used by `wt org set`.
pub fn print_settings(ctx: &Ctx, settings: &OrgSettings) -> Result<(), CliError> {
    ctx.io
        .emit(ctx.output, settings, |io: &Io| settings_table(io, settings))
}

/// The readiness thresholds under the key names of `wt org set` (also shown by `wt check`).
pub fn readiness_thresholds(r: &ReadinessSettings) -> [(&'static str, u32); 7] {
    [
        ("review-interval-days", r.review_interval_days),
        (
            "privileged-share-max-percent",
            r.privileged_share_max_percent,
        ),
        ("inactive-days", r.inactive_days),
        ("rotation-age-days", r.rotation_age_days),
        ("audit-review-window-days", r.audit_review_window_days),
        ("sink-lag-max-minutes", r.sink_lag_max_minutes),
        ("sink-failing-max-minutes", r.sink_failing_max_minutes),
    ]
}

fn settings_table(io: &Io, s: &OrgSettings) -> comfy_table::Table {
    let list = |items: Vec<&str>, empty: &str| {
        if items.is_empty() {
            empty.to_string()
        } else {
            items.join(",")
        }
    };
    let roles = |r: &[wt_api::Role]| list(r.iter().map(|r| r.as_str()).collect(), "(none)");
    let mut rows = vec![
        ("Org", format!("{} ({})", s.org.name, s.org.slug)),
        ("mfa-required-roles", roles(&s.mfa_required_roles)),
        (
            "phishing-resistant-required-roles",
            roles(&s.phishing_resistant_required_roles),
        ),
        (
            "passkey-aaguids",
            list(
                s.passkey_aaguids.iter().map(String::as_str).collect(),
                "(any)",
            ),
        ),
        (
            "browser-ingest",
            match s.browser_ingest {
                wt_api::BrowserIngest::Refuse => "refuse".to_string(),
                wt_api::BrowserIngest::Allow => "allow".to_string(),
            },
        ),
        (
            "key-rate",
            s.key_rate_limit
                .as_ref()
                .map_or_else(|| "none".to_string(), |r| format!("{}:{}", r.rate, r.burst)),
        ),
        ("leak-policy", s.leak_policy.as_str().to_string()),
    ];
    if let Some(e) = &s.events {
        rows.push((
            "event-retention",
            format!(
                "{} ({})",
                humantime::format_duration(std::time::Duration::from_secs(
                    u64::try_from(e.retention_seconds).unwrap_or_default()
                )),
                e.retention_source
            ),
        ));
    }
    rows.extend(
        readiness_thresholds(&s.readiness)
            .into_iter()
            .map(|(k, v)| (k, v.to_string())),
    );
    if let Some(e) = &s.events {
        rows.push(("stored-events", e.stored_events.to_string()));
        rows.push(("stored-bytes", format!("~{}", e.stored_bytes)));
    }
    io.key_value_table(&rows)
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::cmd::Command;
    use crate::cmd::org::OrgCommand;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    pub(crate) fn settings_json(roles: &[&str]) -> serde_json::Value {
        serde_json::json!({
            "org": {"id": "org_1", "slug": "acme", "name": "Acme"},
            "mfa_required_roles": roles,
            "browser_ingest": "refuse",
            "key_rate_limit": null,
            "leak_policy": "revoke",
            "phishing_resistant_required_roles": [],
            "passkey_aaguids": [],
            "readiness": {
                "review_interval_days": 90, "privileged_share_max_percent": 50,
                "inactive_days": 90, "rotation_age_days": 90, "audit_review_window_days": 7,
                "sink_lag_max_minutes": 15, "sink_failing_max_minutes": 60
            },
        })
    }

    #[test]
    fn org_show_parses() {
        let cli = parse_from(["wt", "org", "show"])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(cli.command, Command::Org(OrgCommand::Show(_))));
    }

    #[tokio::test]
    async fn org_show_json_is_the_settings_object_as_is() {
        let s = settings_json(&["owner", "admin", "risk_lead"]);
        let r = run_wt(
            &["wt", "org", "show", "--output", "json"],
            "",
            vec![("GET", "/api/v1/orgs/settings", Reply::json(200, s.clone()))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, s);
    }

    #[tokio::test]
    async fn org_show_table_lists_roles_or_none() {
        let r = run_wt(
            &["wt", "org", "show", "--output", "table"],
            "",
            vec![(
                "GET",
                "/api/v1/orgs/settings",
                Reply::json(200, settings_json(&[])),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(r.out.contains("Acme (acme)"), "{}", r.out);
        for (key, value) in [
            ("mfa-required-roles", "(none)"),
            ("browser-ingest", "refuse"),
            ("review-interval-days", "90"),
            ("privileged-share-max-percent", "50"),
            ("inactive-days", "90"),
            ("rotation-age-days", "90"),
            ("audit-review-window-days", "7"),
        ] {
            let row = r
                .out
                .lines()
                .find(|l| l.starts_with(key))
                .unwrap_or_default();
            assert_eq!(row.split_whitespace().collect::<Vec<_>>(), [key, value]);
        }
    }
}
