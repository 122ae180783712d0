//! `wt org set KEY VALUE`: change one org setting (`PATCH /api/v1/orgs/settings`).

use super::show::print_settings;
use crate::stepup::{StepUpArgs, with_step_up};
use crate::{CliError, Ctx};
use clap::Args;
use wt_api::{OrgSettings, OrgSettingsPatch, ReadinessSettingsPatch, Role};

pub const ABOUT: &str = "Change a setting of your org";
pub const LONG_ABOUT: &str = "\
Change one setting of the org your session is bound to (owners and admins), then print
the settings as `wt org show` does.

Keys:
  mfa-required-roles  comma-separated roles whose members must use MFA (owner, admin,
                      risk_lead, analyst, viewer); an empty string means none. Members of
                      these roles without MFA can only enroll until they have done so.
  phishing-resistant-required-roles
                      comma-separated roles whose members must have a passkey (phishing-
                      resistant MFA); an authenticator app does not count for them. The
                      readiness check (`wt check`) fails until each has one; '' for none.
  passkey-aaguids     comma-separated AAGUIDs (authenticator models, e.g. your security
                      keys' model id) that new passkeys must come from; '' accepts any.
                      With a list, registration asks the authenticator for attestation
                      and refuses other models. Existing passkeys are not affected.
  browser-ingest      `refuse` (default) or `allow`: whether ingestion requests from browser
                      code (an Origin header or a browser user agent) are accepted. Either
                      way they are recorded against the key; keys belong on servers.
  key-rate            the default rate limit of the org's keys, RATE or RATE:BURST (500/s,
                      30000/min:60000, 100/h), or `none`; a key's own limit (`wt keys
                      update --rate`) wins. Counted per daemon (see `wt keys update`).
  leak-policy         `revoke` (default) or `quarantine`: what a leak report (GitHub
                      secret scanning, the public self-report) does to a live key.
                      Quarantined keys are refused until released (`wt keys update ID
                      --release`) or revoked.
  event-retention     how long ingested events are kept, a duration from 1h to 3650d
                      (e.g. 30d, 36h), or `default` for the installation's (`wtd
                      --event-retention`, 7d unless set). Older events are pruned
                      within about a minute.

Thresholds of the readiness checklist (`wt check`), positive whole numbers:
  review-interval-days          the member review (`wt members review`) must be at most
                                this old (default 90)
  privileged-share-max-percent  warn when more than this share of members are owners
                                or admins, 1-100 (default 50)
  inactive-days                 owners/admins without a sign-in for this long fail
                                (default 90)
  rotation-age-days             warn when a key is older than this, fail past twice it
                                (default 90)
  audit-review-window-days      sensitive audit entries must be reviewed (`wt audit
                                review`) within this many days (default 7)
  sink-lag-max-minutes          warn when an audit sink (`wt audit sinks`) is more than
                                this many minutes behind, 1-10080 (default 15)
  sink-failing-max-minutes      fail when an audit sink has failed for longer than
                                this many minutes, 1-10080 (default 60)

Every setting change needs a recent sign-in: when the server asks for one, wt asks for your password
(and a code when MFA is on), then sends the change again. For scripts: --password-stdin
reads the password from line 1 of stdin, --code-stdin the code (line 2 with
--password-stdin); without them under --no-input, the command fails with exit 2.
Automation tokens cannot change settings.

Examples:
  wt org set mfa-required-roles owner,admin,risk_lead
  wt org set mfa-required-roles ''
  wt org set phishing-resistant-required-roles owner,admin
  wt org set passkey-aaguids cb69481e-8ff7-4039-93ec-0a2729a154a8
  wt org set browser-ingest refuse
  wt org set key-rate 500/s:1000
  wt org set leak-policy quarantine
  wt org set event-retention 30d
  wt org set rotation-age-days 60";

/// The settings `wt org set` can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OrgKey {
    /// Comma-separated roles whose members must use MFA ('' for none)
    MfaRequiredRoles,
    /// Comma-separated roles whose members must have a passkey ('' for none)
    PhishingResistantRequiredRoles,
    /// Comma-separated AAGUIDs new passkeys must come from ('' for any)
    PasskeyAaguids,
    /// `refuse` or `allow` ingestion from browser code
    BrowserIngest,
    /// Default rate limit of the org's keys: RATE[:BURST] or `none`
    KeyRate,
    /// `revoke` or `quarantine` reported leaked keys
    LeakPolicy,
    /// How long ingested events are kept (30d, 36h) or `default` (the installation's)
    EventRetention,
    /// Days a member review stays valid (readiness)
    ReviewIntervalDays,
    /// Largest share of owners and admins, in percent, before a warning (readiness)
    PrivilegedShareMaxPercent,
    /// Days without a sign-in after which an owner or admin counts as inactive (readiness)
    InactiveDays,
    /// Age in days after which a key should be rotated (readiness)
    RotationAgeDays,
    /// Days within which sensitive audit entries must be reviewed (readiness)
    AuditReviewWindowDays,
    /// Minutes an audit sink may lag before a warning (readiness)
    SinkLagMaxMinutes,
    /// Minutes an audit sink may keep failing before the check fails (readiness)
    SinkFailingMaxMinutes,
}

/// `wt org set` options.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The setting to change
    #[arg(value_enum)]
    pub key: OrgKey,

    /// The new value (for mfa-required-roles: e.g. owner,admin,risk_lead; '' for none)
    #[arg(value_name = "VALUE", allow_hyphen_values = true)]
    pub value: String,

    #[command(flatten)]
    pub step_up: StepUpArgs,
}

/// Changes a setting.
pub async fn run(args: SetArgs, ctx: &Ctx) -> Result<(), CliError> {
    let patch = match args.key {
        OrgKey::MfaRequiredRoles => OrgSettingsPatch {
            mfa_required_roles: Some(parse_roles(&args.value)?),
            ..OrgSettingsPatch::default()
        },
        OrgKey::PhishingResistantRequiredRoles => OrgSettingsPatch {
            phishing_resistant_required_roles: Some(parse_roles(&args.value)?),
            ..OrgSettingsPatch::default()
        },
        OrgKey::PasskeyAaguids => OrgSettingsPatch {
            passkey_aaguids: Some(
                wt_core::passkey::parse_aaguids(&args.value).map_err(CliError::Usage)?,
            ),
            ..OrgSettingsPatch::default()
        },
        OrgKey::BrowserIngest => OrgSettingsPatch {
            browser_ingest: Some(match args.value.trim() {
                "refuse" => wt_api::BrowserIngest::Refuse,
                "allow" => wt_api::BrowserIngest::Allow,
                other => {
                    return Err(CliError::Usage(format!(
                        "browser-ingest is `refuse` or `allow`, not `{other}`"
                    )));
                }
            }),
            ..OrgSettingsPatch::default()
        },
        OrgKey::KeyRate => key_rate_patch(&args.value)?,
        OrgKey::LeakPolicy => OrgSettingsPatch {
            leak_policy: Some(wt_api::LeakPolicy::parse(args.value.trim()).ok_or_else(|| {
                CliError::Usage(format!(
                    "leak-policy is `revoke` or `quarantine`, not `{}`",
                    args.value
                ))
            })?),
            ..OrgSettingsPatch::default()
        },
        OrgKey::EventRetention => OrgSettingsPatch {
            event_retention_seconds: Some(parse_retention(&args.value)?),
            ..OrgSettingsPatch::default()
        },
        key => OrgSettingsPatch {
            readiness: Some(threshold_patch(key, &args.value)?),
            ..OrgSettingsPatch::default()
        },
    };
    let (token, _) = ctx.bearer().await?;
    let client = ctx.client()?;
    let settings: OrgSettings = with_step_up(ctx, &token, args.step_up, async || {
        client.patch("/orgs/settings", &patch, Some(&token)).await
    })
    .await?;
    print_settings(ctx, &settings)
}

/// `wt org set key-rate RATE[:BURST]` (or `none`), checked before sending.
fn key_rate_patch(value: &str) -> Result<OrgSettingsPatch, CliError> {
    let value = value.trim();
    if value == "none" {
        return Ok(OrgSettingsPatch {
            key_rate: Some("none".into()),
            ..OrgSettingsPatch::default()
        });
    }
    let (rate, burst) = match value.split_once(':') {
        Some((r, b)) => (
            r,
            Some(b.trim().parse::<u32>().map_err(|_| {
                CliError::Usage(format!(
                    "key-rate: the burst after `:` is a number, not `{b}`"
                ))
            })?),
        ),
        None => (value, None),
    };
    wt_core::ratelimit::KeyRate::parse(rate, burst)
        .map_err(|e| CliError::Usage(format!("key-rate: {e}")))?;
    Ok(OrgSettingsPatch {
        key_rate: Some(rate.trim().to_string()),
        key_burst: burst,
        ..OrgSettingsPatch::default()
    })
}

/// The readiness threshold change `wt org set KEY VALUE` asks for: VALUE a positive whole
/// number (a percentage at most 100). Any other key is not a threshold (usage error).
pub fn threshold_patch(key: OrgKey, value: &str) -> Result<ReadinessSettingsPatch, CliError> {
    let name = clap::ValueEnum::to_possible_value(&key)
        .map(|v| v.get_name().to_string())
        .unwrap_or_default();
    let max = if key == OrgKey::PrivilegedShareMaxPercent {
        100
    } else {
        u32::MAX
    };
    let n = value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| {
            let range = if max == 100 {
                "a whole number from 1 to 100".to_string()
            } else {
                "a positive whole number".to_string()
            };
            CliError::Usage(format!("{name} is {range}, not `{value}`"))
        })?;
    let mut patch = ReadinessSettingsPatch::default();
    let field = match key {
        OrgKey::ReviewIntervalDays => &mut patch.review_interval_days,
        OrgKey::PrivilegedShareMaxPercent => &mut patch.privileged_share_max_percent,
        OrgKey::InactiveDays => &mut patch.inactive_days,
        OrgKey::RotationAgeDays => &mut patch.rotation_age_days,
        OrgKey::AuditReviewWindowDays => &mut patch.audit_review_window_days,
        OrgKey::SinkLagMaxMinutes => &mut patch.sink_lag_max_minutes,
        OrgKey::SinkFailingMaxMinutes => &mut patch.sink_failing_max_minutes,
        OrgKey::MfaRequiredRoles
        | OrgKey::PhishingResistantRequiredRoles
        | OrgKey::PasskeyAaguids
        | OrgKey::BrowserIngest
        | OrgKey::KeyRate
        | OrgKey::LeakPolicy
        | OrgKey::EventRetention => {
            return Err(CliError::Usage(format!(
                "{name} is not a readiness threshold"
            )));
        }
    };
    *field = Some(n);
    Ok(patch)
}

/// `event-retention`'s value in seconds: a duration (1h to 3650d), or `default` (0: the
/// installation's retention).
pub fn parse_retention(value: &str) -> Result<i64, CliError> {
    let v = value.trim();
    if v == "default" {
        return Ok(0);
    }
    crate::cmd::common::parse_duration_secs(v)
        .and_then(|s| i64::try_from(s).ok())
        .filter(|s| (3600..=3650 * 86_400).contains(s))
        .ok_or_else(|| {
            CliError::Usage(format!(
                "event-retention is a duration from 1h to 3650d (e.g. 30d, 36h) or `default`, not `{value}`"
            ))
        })
}

/// Parses `owner, admin,risk_lead` into roles: items trimmed, empty items skipped,
/// duplicates dropped (first kept); an empty value is the empty list. An unknown role is
/// a usage error naming the valid ones.
pub fn parse_roles(value: &str) -> Result<Vec<Role>, CliError> {
    let mut roles = Vec::new();
    for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let role = Role::parse(item).ok_or_else(|| {
            let valid: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            CliError::Usage(format!(
                "unknown role `{item}`: valid roles are {} (comma-separated; '' for none)",
                valid.join(", ")
            ))
        })?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::Command;
    use crate::cmd::org::OrgCommand;
    use crate::cmd::org::show::tests::settings_json;
    use crate::parse_from;
    use crate::testutil::{Reply, run_wt};

    #[test]
    fn event_retention_is_a_bounded_duration_or_default() {
        assert_eq!(parse_retention("30d").ok(), Some(30 * 86_400));
        assert_eq!(parse_retention("36h").ok(), Some(36 * 3600));
        assert_eq!(parse_retention("default").ok(), Some(0));
        assert!(parse_retention("59m").is_err());
        assert!(parse_retention("3651d").is_err());
        assert!(parse_retention("soon").is_err());
    }

    #[test]
    fn org_set_parses_key_and_value_including_empty() {
        let cli = parse_from(["wt", "org", "set", "mfa-required-roles", "owner,admin"])
            .map_err(|e| e.to_string())
            .unwrap();
        match cli.command {
            Command::Org(OrgCommand::Set(a)) => {
                assert_eq!(a.key, OrgKey::MfaRequiredRoles);
                assert_eq!(a.value, "owner,admin");
            }
            other => panic!("parsed as {other:?}"),
        }
        let cli = parse_from(["wt", "org", "set", "mfa-required-roles", ""])
            .map_err(|e| e.to_string())
            .unwrap();
        assert!(matches!(cli.command, Command::Org(OrgCommand::Set(a)) if a.value.is_empty()));
    }

    #[test]
    fn org_set_unknown_key_or_missing_value_is_usage_exit_2() {
        for argv in [
            &["wt", "org", "set", "colour", "blue"][..],
            &["wt", "org", "set", "mfa-required-roles"][..],
        ] {
            let e = parse_from(argv).err().map(|e| e.exit_code());
            assert_eq!(e, Some(2), "{argv:?}");
        }
    }

    #[tokio::test]
    async fn org_set_browser_ingest_takes_refuse_or_allow_only() {
        let r = run_wt(&["wt", "org", "set", "browser-ingest", "maybe"], "", vec![]).await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("refuse") && msg.contains("allow"), "{msg}");
        assert!(r.stub.requests().is_empty());
    }

    #[test]
    fn roles_are_trimmed_deduplicated_and_empty_means_none() {
        let roles = parse_roles(" owner, admin,,risk_lead,owner ").ok();
        assert_eq!(roles, Some(vec![Role::Owner, Role::Admin, Role::RiskLead]));
        assert_eq!(parse_roles("").ok(), Some(vec![]));
    }

    #[tokio::test]
    async fn org_set_with_unknown_role_exits_2_naming_valid_roles_before_any_request() {
        let r = run_wt(
            &["wt", "org", "set", "mfa-required-roles", "owner,root"],
            "",
            vec![],
        )
        .await;
        let (code, msg) = r.failure();
        assert_eq!(code, 2);
        assert!(msg.contains("`root`") && msg.contains("risk_lead"), "{msg}");
        assert!(r.stub.requests().is_empty());
    }

    #[tokio::test]
    async fn org_set_patches_roles_and_prints_the_new_settings() {
        let after = settings_json(&["owner", "admin"]);
        let r = run_wt(
            &[
                "wt",
                "org",
                "set",
                "mfa-required-roles",
                "owner,admin",
                "--output",
                "json",
            ],
            "",
            vec![(
                "PATCH",
                "/api/v1/orgs/settings",
                Reply::json(200, after.clone()),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(
            r.body(0),
            serde_json::json!({"mfa_required_roles": ["owner", "admin"]})
        );
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, after);
    }

    #[tokio::test]
    async fn org_set_a_threshold_patches_only_that_threshold() {
        for (key, field) in [
            ("review-interval-days", "review_interval_days"),
            (
                "privileged-share-max-percent",
                "privileged_share_max_percent",
            ),
            ("inactive-days", "inactive_days"),
            ("rotation-age-days", "rotation_age_days"),
            ("audit-review-window-days", "audit_review_window_days"),
        ] {
            let r = run_wt(
                &["wt", "org", "set", key, " 30 ", "--output", "table"],
                "",
                vec![(
                    "PATCH",
                    "/api/v1/orgs/settings",
                    Reply::json(200, settings_json(&["owner"])),
                )],
            )
            .await;
            assert!(r.result.is_ok(), "{key}: {:?}", r.result);
            assert_eq!(
                r.body(0),
                serde_json::json!({"readiness": {field: 30}}),
                "{key}"
            );
            assert!(r.out.contains("rotation-age-days"), "{}", r.out);
        }
    }

    #[tokio::test]
    async fn org_set_a_threshold_needs_a_positive_whole_number() {
        for (key, value) in [
            ("rotation-age-days", "0"),
            ("rotation-age-days", "-5"),
            ("inactive-days", "1.5"),
            ("review-interval-days", "90d"),
            ("audit-review-window-days", ""),
            ("privileged-share-max-percent", "101"),
            ("privileged-share-max-percent", "0"),
        ] {
            let r = run_wt(&["wt", "org", "set", key, value], "", vec![]).await;
            let (code, msg) = r.failure();
            assert_eq!(code, 2, "{key} {value}");
            assert!(
                msg.starts_with(key) && msg.contains("whole number"),
                "{msg}"
            );
            assert!(r.stub.requests().is_empty());
        }
        assert!(threshold_patch(OrgKey::PrivilegedShareMaxPercent, "100").is_ok());
        assert!(threshold_patch(OrgKey::BrowserIngest, "1").is_err());
    }

    #[tokio::test]
    async fn org_set_empty_value_sends_an_empty_list() {
        let r = run_wt(
            &["wt", "org", "set", "mfa-required-roles", ""],
            "",
            vec![(
                "PATCH",
                "/api/v1/orgs/settings",
                Reply::json(200, settings_json(&[])),
            )],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.body(0), serde_json::json!({"mfa_required_roles": []}));
    }
}
