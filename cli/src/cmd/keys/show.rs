//! `wt keys show ID`: one key, where it was used from, and for a rotated key whether the
//! old secret is still in use.

use super::common::{key_path, key_rows};
use crate::client::id_segment;
use crate::output::{OutputFormat, describe_ago, describe_expiry};
use crate::secret::Secret;
use crate::{CliError, Ctx};
use clap::Args;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use wt_api::{ApiKey, ApiKeyDetail, ApiKeyStatus, KeySource};

pub const ABOUT: &str = "Show an ingestion API key and where it was used from";
pub const LONG_ABOUT: &str = "\
Show one ingestion API key (owners and admins): every field, then the addresses it was
used from (first and last request, how many). The secret is never shown: only its prefix
and last four characters.

For a key being rotated, a last line tells whether the old key was still used after the
rotation and from which addresses, and when it stops working: move those clients to the
new key (`Rotated to`) before then, or end it at once with `wt keys revoke ID`.

JSON (--output json): the ApiKeyDetail object as the API sends it: the ApiKey fields {id,
name, environment, prefix, last4, status, owner {id, email}, created_by {id, email},
created_at, expires_at, revoked_at, allowed_cidrs, rotated_from, rotated_to, grace_until,
last_used_at, last_used_ip, use_count, browser_use} plus sources: [{ip, first_seen_at,
last_seen_at, count}].

Examples:
  wt keys show key_3kT9abcdEFGH1234
  wt keys show key_3kT9abcdEFGH1234 --output json | jq -r '.sources[].ip'";

/// `wt keys show` options.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The key id (see `wt keys list`)
    #[arg(value_name = "ID")]
    pub id: String,
}

/// Shows a key.
pub async fn run(args: ShowArgs, ctx: &Ctx) -> Result<(), CliError> {
    let id = id_segment(&args.id, "ID")?;
    let (token, _) = ctx.bearer().await?;
    let detail: ApiKeyDetail = ctx.client()?.get(&key_path(id), Some(&token)).await?;
    if ctx.output == OutputFormat::Json {
        return ctx.io.print_json(&detail);
    }
    let now = OffsetDateTime::now_utc();
    let io = &ctx.io;
    io.print_table(&io.key_value_table(&key_rows(&detail.key, now)))?;
    io.println("")?;
    if detail.sources.is_empty() {
        io.println("Sources: no successful request yet.")?;
    } else {
        io.println("Sources:")?;
        let mut table = io.table();
        table.set_header(vec!["IP", "FIRST SEEN", "LAST SEEN", "REQUESTS"]);
        for s in sorted_by_last_seen(&detail.sources) {
            table.add_row(vec![
                s.ip.clone(),
                s.first_seen_at.clone(),
                describe_ago(&s.last_seen_at, now),
                s.count.to_string(),
            ]);
        }
        io.print_table(&table)?;
    }
    if detail.key.status == ApiKeyStatus::Rotating {
        let rotated_at = rotation_time(ctx, &token, &detail.key).await;
        io.println("")?;
        io.println(&rotation_note(
            &detail.key,
            &detail.sources,
            rotated_at.as_deref(),
            now,
        ))?;
    }
    Ok(())
}

/// When the key was rotated: the creation time of its successor (`rotated_to`). `None`
/// when there is none or it can't be read; the note then says less.
async fn rotation_time(ctx: &Ctx, token: &Secret, key: &ApiKey) -> Option<String> {
    let next = id_segment(key.rotated_to.as_deref()?, "ID").ok()?;
    let client = ctx.client().ok()?;
    let successor: ApiKey = client.get(&key_path(next), Some(token)).await.ok()?;
    Some(successor.created_at)
}

fn parse(t: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(t, &Rfc3339).ok()
}

/// Sources, most recently seen first (unparseable times last, in the order received).
fn sorted_by_last_seen(sources: &[KeySource]) -> Vec<&KeySource> {
    let mut v: Vec<&KeySource> = sources.iter().collect();
    v.sort_by_key(|s| std::cmp::Reverse(parse(&s.last_seen_at)));
    v
}

/// The line about a rotating key: is the old secret still used since `rotated_at`, from
/// where, and when does it stop working.
pub fn rotation_note(
    key: &ApiKey,
    sources: &[KeySource],
    rotated_at: Option<&str>,
    now: OffsetDateTime,
) -> String {
    let ends = key.grace_until.as_deref().map_or_else(
        || "the end of its grace period".to_string(),
        |g| describe_expiry(g, now),
    );
    let Some((rotated_raw, rotated)) = rotated_at.and_then(|r| parse(r).map(|t| (r, t))) else {
        // Without the rotation time, say what is known without claiming "since".
        return match (&key.last_used_at, &key.last_used_ip) {
            (Some(at), ip) => format!(
                "Old key: last request {}{}; it stops working at {ends}.",
                describe_ago(at, now),
                ip.as_deref()
                    .map(|i| format!(" from {i}"))
                    .unwrap_or_default()
            ),
            (None, _) => format!("Old key: never used; it stops working at {ends}."),
        };
    };
    let since: Vec<&KeySource> = sorted_by_last_seen(sources)
        .into_iter()
        .filter(|s| parse(&s.last_seen_at).is_some_and(|t| t >= rotated))
        .collect();
    let successor = key
        .rotated_to
        .as_deref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    match since.split_first() {
        Some((latest, others)) => {
            let also = if others.is_empty() {
                String::new()
            } else {
                let ips: Vec<&str> = others.iter().map(|s| s.ip.as_str()).collect();
                format!(" (also from {})", ips.join(", "))
            };
            format!(
                "Still in use since the rotation at {rotated_raw}: last request {} from {}{also}; \
                 it stops working at {ends}. Move those clients to the new key{successor}.",
                describe_ago(&latest.last_seen_at, now),
                latest.ip
            )
        }
        None => format!(
            "Not used since the rotation at {rotated_raw}; it stops working at {ends}. \
             To end it now: wt keys revoke {}",
            key.id
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::keys::common::tests::key_json;
    use crate::testutil::{Reply, run_wt};

    const PATH: &str = "/api/v1/orgs/api-keys/key_old";

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-03-10 12:00 UTC)
    }

    fn source(ip: &str, last: &str) -> serde_json::Value {
        serde_json::json!({"ip": ip, "first_seen_at": "2026-01-01T00:00:00Z", "last_seen_at": last, "count": 7})
    }

    fn rotating() -> serde_json::Value {
        let mut k = key_json("key_old", "rotating");
        k["rotated_to"] = serde_json::json!("key_new");
        k["grace_until"] = serde_json::json!("2026-03-10T18:00:00Z");
        k["last_used_at"] = serde_json::json!("2026-03-10T11:50:00Z");
        k["last_used_ip"] = serde_json::json!("10.1.2.3");
        k
    }

    fn detail(key: serde_json::Value, sources: serde_json::Value) -> serde_json::Value {
        let mut d = key;
        d["sources"] = sources;
        d
    }

    fn decode(v: serde_json::Value) -> ApiKeyDetail {
        serde_json::from_value(v)
            .map_err(|e| e.to_string())
            .unwrap()
    }

    #[test]
    fn rotating_key_used_after_the_rotation_names_the_addresses() {
        let d = decode(detail(
            rotating(),
            serde_json::json!([
                source("10.9.9.9", "2026-03-09T00:00:00Z"),
                source("10.1.2.3", "2026-03-10T11:50:00Z"),
                source("10.4.5.6", "2026-03-10T11:00:00Z"),
            ]),
        ));
        let note = rotation_note(&d.key, &d.sources, Some("2026-03-10T10:00:00Z"), now());
        assert_eq!(
            note,
            "Still in use since the rotation at 2026-03-10T10:00:00Z: last request \
             2026-03-10T11:50:00Z (10m ago) from 10.1.2.3 (also from 10.4.5.6); it stops \
             working at 2026-03-10T18:00:00Z (in 6h 0m). Move those clients to the new key (key_new)."
        );
    }

    #[test]
    fn rotating_key_unused_since_the_rotation_says_it_can_be_revoked() {
        let d = decode(detail(
            rotating(),
            serde_json::json!([source("10.9.9.9", "2026-03-09T00:00:00Z")]),
        ));
        let note = rotation_note(&d.key, &d.sources, Some("2026-03-10T10:00:00Z"), now());
        assert!(
            note.starts_with("Not used since the rotation at 2026-03-10T10:00:00Z"),
            "{note}"
        );
        assert!(note.contains("wt keys revoke key_old"), "{note}");
    }

    #[test]
    fn without_the_rotation_time_the_note_states_the_last_request_only() {
        let d = decode(detail(rotating(), serde_json::json!([])));
        let note = rotation_note(&d.key, &d.sources, None, now());
        assert_eq!(
            note,
            "Old key: last request 2026-03-10T11:50:00Z (10m ago) from 10.1.2.3; it stops \
             working at 2026-03-10T18:00:00Z (in 6h 0m)."
        );
    }

    #[tokio::test]
    async fn show_json_is_the_detail_as_is() {
        let d = detail(
            key_json("key_old", "active"),
            serde_json::json!([source("10.1.2.3", "2026-01-02T00:00:00Z")]),
        );
        let r = run_wt(
            &["wt", "keys", "show", "key_old", "--output", "json"],
            "",
            vec![("GET", PATH, Reply::json(200, d.clone()))],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        let printed: serde_json::Value = serde_json::from_str(&r.out).unwrap_or_default();
        assert_eq!(printed, d);
    }

    #[tokio::test]
    async fn show_table_of_a_rotating_key_reads_the_successor_for_the_rotation_time() {
        let mut successor = key_json("key_new", "active");
        successor["created_at"] = serde_json::json!("2026-03-10T10:00:00Z");
        let r = run_wt(
            &["wt", "keys", "show", "key_old", "--output", "table"],
            "",
            vec![
                (
                    "GET",
                    PATH,
                    Reply::json(
                        200,
                        detail(
                            rotating(),
                            serde_json::json!([source("10.1.2.3", "2030-01-01T00:00:00Z")]),
                        ),
                    ),
                ),
                (
                    "GET",
                    "/api/v1/orgs/api-keys/key_new",
                    Reply::json(200, detail(successor, serde_json::json!([]))),
                ),
            ],
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert!(r.out.contains("wtk_live_…3f9a"), "{}", r.out);
        assert!(
            r.out.contains("Sources:") && r.out.contains("REQUESTS"),
            "{}",
            r.out
        );
        assert!(
            r.out
                .contains("Still in use since the rotation at 2026-03-10T10:00:00Z"),
            "{}",
            r.out
        );
    }

    #[tokio::test]
    async fn show_of_an_unknown_key_exits_5() {
        let r = run_wt(
            &["wt", "keys", "show", "key_old"],
            "",
            vec![("GET", PATH, Reply::problem(404, "not_found"))],
        )
        .await;
        assert_eq!(r.failure().0, 5);
        assert!(
            run_wt(&["wt", "keys", "show", "../x"], "", vec![])
                .await
                .failure()
                .0
                == 2
        );
    }
}
