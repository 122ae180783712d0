//! `wt org show`: the org's settings (`GET /api/v1/orgs/settings`).

use crate::output::Io;
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::OrgSettings;

pub const ABOUT: &str = "Show the settings of your org";
pub const LONG_ABOUT: &str = "\
Show the settings of the org your session is bound to.

JSON (--output json) is the API object as is: {org: {id, slug, name}, mfa_required_roles}.

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

fn settings_table(io: &Io, s: &OrgSettings) -> comfy_table::Table {
    let roles = if s.mfa_required_roles.is_empty() {
        "(none)".to_string()
    } else {
        s.mfa_required_roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    io.key_value_table(&[
        ("Org", format!("{} ({})", s.org.name, s.org.slug)),
        ("mfa-required-roles", roles),
        (
            "browser-ingest",
            match s.browser_ingest {
                wt_api::BrowserIngest::Refuse => "refuse".to_string(),
                wt_api::BrowserIngest::Allow => "allow".to_string(),
            },
        ),
    ])
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
        assert!(r.out.contains("mfa-required-roles  (none)"), "{}", r.out);
        assert!(r.out.contains("Acme (acme)"), "{}", r.out);
    }
}
