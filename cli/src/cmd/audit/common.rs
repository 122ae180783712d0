//! What the `wt audit` subcommands share: the filter and time flags, parsing of `--since`
//! / `--until` (RFC 3339 or "a duration ago"), the query string, the one-line row format
//! of table output, and JSON lines.
//!
//! Audit entries carry values other people chose (a user agent, an email typed at a failed
//! login), so every value shown in a row has its control characters escaped: a crafted
//! entry cannot move the cursor or recolour the terminal of the person reading the log.

use crate::client::with_query;
use crate::cmd::common::{FromNow, parse_point_in_time, rfc3339};
use crate::output::{Io, OutputFormat};
use crate::secret::Secret;
use crate::{CliError, Ctx};
use time::OffsetDateTime;
use wt_api::{AuditEntry, Page};

/// `GET` a page of entries (`?limit&cursor&order&after&<filters>`).
pub const LIST_PATH: &str = "/orgs/audit-logs";
/// The `text/event-stream` of new entries (`wt audit tail --follow`).
pub const STREAM_PATH: &str = "/orgs/audit-logs/stream";
/// Largest page the server hands out (`limit`).
pub const MAX_PAGE: u32 = 1000;

/// `--outcome` values (the wire names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutcomeArg {
    Success,
    Failure,
    Denied,
}

impl OutcomeArg {
    fn wire(self) -> &'static str {
        match self {
            OutcomeArg::Success => "success",
            OutcomeArg::Failure => "failure",
            OutcomeArg::Denied => "denied",
        }
    }
}

/// Filters every audit subcommand that reads entries accepts (the server applies them).
#[derive(Debug, Clone, Default, PartialEq, clap::Args)]
pub struct FilterArgs {
    /// Only this action; a trailing `*` matches a prefix (`auth.*`, `api_key.*`)
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// Only entries by this actor (email or user id)
    #[arg(long, value_name = "EMAIL|ID")]
    pub actor: Option<String>,
    /// Only entries about this target (its id)
    #[arg(long, value_name = "ID")]
    pub target: Option<String>,
    /// Only entries with this outcome
    #[arg(long, value_enum, value_name = "OUTCOME")]
    pub outcome: Option<OutcomeArg>,
}

impl FilterArgs {
    /// The query pairs for these filters, in a fixed order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(a) = &self.action {
            pairs.push(("action", a.clone()));
        }
        if let Some(a) = &self.actor {
            pairs.push(("actor", a.clone()));
        }
        if let Some(t) = &self.target {
            pairs.push(("target", t.clone()));
        }
        if let Some(o) = self.outcome {
            pairs.push(("outcome", o.wire().to_string()));
        }
        pairs
    }
}

/// `--since` / `--until`, already converted to RFC 3339 UTC while parsing.
#[derive(Debug, Clone, Default, PartialEq, clap::Args)]
pub struct TimeArgs {
    /// Only entries at or after T: RFC 3339 (2026-01-01T00:00:00Z) or a duration ago (30s, 15m, 2h, 7d)
    #[arg(long, value_name = "T", value_parser = parse_time_arg)]
    pub since: Option<String>,
    /// Only entries before T: RFC 3339 or a duration ago (30s, 15m, 2h, 7d)
    #[arg(long, value_name = "T", value_parser = parse_time_arg)]
    pub until: Option<String>,
}

impl TimeArgs {
    /// The query pairs for the times given.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(s) = &self.since {
            pairs.push(("since", s.clone()));
        }
        if let Some(u) = &self.until {
            pairs.push(("until", u.clone()));
        }
        pairs
    }
}

/// The clap value parser of `--since` / `--until`: relative to the clock at parse time.
fn parse_time_arg(raw: &str) -> Result<String, String> {
    parse_time_at(raw, OffsetDateTime::now_utc())
}

/// Parses a point in time: RFC 3339 (any offset), or a duration before `now` (`30s`,
/// `15m`, `2h`, `7d`, `1h30m`). Returns RFC 3339 in UTC (`2026-01-01T10:00:00Z`), the form
/// the server is sent.
pub fn parse_time_at(raw: &str, now: OffsetDateTime) -> Result<String, String> {
    parse_point_in_time(raw, now, FromNow::Earlier)
        .and_then(rfc3339)
        .ok_or_else(|| {
            format!(
                "`{raw}` is not a time: use RFC 3339 (2026-01-01T00:00:00Z) or a duration ago such as 30s, 15m, 2h or 7d"
            )
        })
}

/// `path?k=v&...` (percent-encoded) from owned pairs.
pub fn query(path: &str, pairs: &[(&'static str, String)]) -> String {
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    with_query(path, &refs)
}

/// `GET` one page of entries.
pub async fn fetch_page(
    ctx: &Ctx,
    token: &Secret,
    pairs: &[(&'static str, String)],
) -> Result<Page<AuditEntry>, CliError> {
    ctx.client()?
        .get(&query(LIST_PATH, pairs), Some(token))
        .await
}

/// Escapes what a terminal would interpret (C0/C1 controls, DEL, bidi overrides).
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let dangerous =
            c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        if dangerous {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Column widths of a row (the last column is not padded). Longer values push the rest of
/// the row right rather than being cut: nothing of an audit entry is hidden.
const WIDTHS: [usize; 6] = [7, 20, 28, 28, 24, 15];

fn format_row(cells: [&str; 7]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        match WIDTHS.get(i) {
            Some(&w) if i == 0 => line.push_str(&format!("{cell:>w$}  ")),
            Some(&w) => line.push_str(&format!("{cell:<w$}  ")),
            None => line.push_str(cell),
        }
    }
    line.trim_end().to_string()
}

/// The header line of table output.
pub fn row_header() -> String {
    format_row(["SEQ", "TIME", "ACTOR", "ACTION", "TARGET", "IP", "OUTCOME"])
}

/// Who acted, for people: the email, else `type:id`, else the type (`anonymous`).
pub fn actor_label(e: &AuditEntry) -> String {
    match (&e.actor.email, &e.actor.id) {
        (Some(email), _) if !email.is_empty() => email.clone(),
        (_, Some(id)) if !id.is_empty() => format!("{}:{id}", e.actor.kind),
        _ => e.actor.kind.clone(),
    }
}

/// One entry as a table row (one line, control characters escaped).
pub fn row(e: &AuditEntry) -> String {
    let target = e
        .target
        .as_ref()
        .map(|t| format!("{}:{}", t.kind, t.id))
        .unwrap_or_else(|| "-".into());
    format_row([
        &e.seq.to_string(),
        &clean(&e.occurred_at),
        &clean(&actor_label(e)),
        &clean(&e.action),
        &clean(&target),
        &clean(e.ip.as_deref().unwrap_or("-")),
        &clean(&e.outcome),
    ])
}

/// One entry as one line of JSON (the AuditEntry as the API sends it).
pub fn json_line(e: &AuditEntry) -> Result<String, CliError> {
    serde_json::to_string(e).map_err(|e| CliError::Other(format!("cannot encode JSON output: {e}")))
}

/// One entry in the chosen format: a table row or a JSON line.
pub fn entry_line(format: OutputFormat, e: &AuditEntry) -> Result<String, CliError> {
    match format {
        OutputFormat::Table => Ok(row(e)),
        OutputFormat::Json => json_line(e),
    }
}

/// Prints entries in one write (a page at a time), preceded by the table header when
/// `header` is set and the format is a table.
pub fn print_entries(
    io: &Io,
    format: OutputFormat,
    entries: &[AuditEntry],
    header: bool,
) -> Result<(), CliError> {
    let mut lines = Vec::with_capacity(entries.len() + 1);
    if header && format == OutputFormat::Table {
        lines.push(row_header());
    }
    for e in entries {
        lines.push(entry_line(format, e)?);
    }
    if lines.is_empty() {
        return Ok(());
    }
    io.println(&lines.join("\n"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A complete entry as the API sends it.
    pub(crate) fn entry_json(seq: i64) -> serde_json::Value {
        serde_json::json!({
            "seq": seq,
            "occurred_at": format!("2026-01-01T00:00:{:02}Z", seq % 60),
            "actor": {"type": "user", "id": "usr_o", "email": "owner@example.com"},
            "action": "member.role_changed",
            "target": {"type": "user", "id": "usr_b"},
            "ip": "192.0.2.1",
            "user_agent": "wt/0.1.0",
            "outcome": "success",
            "details": {"from": "viewer", "to": "analyst"},
            "prev_hash": format!("h{}", seq - 1),
            "hash": format!("h{seq}"),
        })
    }

    pub(crate) fn entry(seq: i64) -> AuditEntry {
        serde_json::from_value(entry_json(seq))
            .map_err(|e| e.to_string())
            .unwrap()
    }

    pub(crate) fn page(seqs: &[i64], next: Option<&str>) -> serde_json::Value {
        let items: Vec<_> = seqs.iter().map(|s| entry_json(*s)).collect();
        serde_json::json!({"items": items, "next_cursor": next})
    }

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-03-10 12:00:00.250 UTC)
    }

    #[test]
    fn relative_times_are_now_minus_the_duration_in_utc() {
        let cases = [
            ("30s", "2026-03-10T11:59:30Z"),
            ("15m", "2026-03-10T11:45:00Z"),
            ("2h", "2026-03-10T10:00:00Z"),
            ("7d", "2026-03-03T12:00:00Z"),
            ("1h30m", "2026-03-10T10:30:00Z"),
            (" 0s ", "2026-03-10T12:00:00Z"),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_time_at(raw, now()).as_deref(), Ok(want), "{raw}");
        }
    }

    #[test]
    fn rfc3339_times_are_normalised_to_utc() {
        assert_eq!(
            parse_time_at("2026-01-01T02:00:00+02:00", now()).as_deref(),
            Ok("2026-01-01T00:00:00Z")
        );
        assert_eq!(
            parse_time_at("2026-01-01T00:00:00.5Z", now()).as_deref(),
            Ok("2026-01-01T00:00:00.5Z")
        );
    }

    #[test]
    fn bad_times_are_refused_with_the_accepted_forms() {
        for bad in [
            "",
            "yesterday",
            "15",
            "m",
            "-5m",
            "5mm",
            "500ms",
            "2026-01-01",
            "9999999999999999999d",
        ] {
            let err = parse_time_at(bad, now()).err().unwrap_or_default();
            assert!(
                err.contains("RFC 3339") && err.contains("15m"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn filters_become_query_pairs_in_a_fixed_order() {
        let f = FilterArgs {
            action: Some("auth.*".into()),
            actor: Some("bob@example.com".into()),
            target: Some("usr_b".into()),
            outcome: Some(OutcomeArg::Denied),
        };
        assert_eq!(
            query(LIST_PATH, &f.pairs()),
            "/orgs/audit-logs?action=auth.*&actor=bob%40example.com&target=usr_b&outcome=denied"
        );
    }

    #[test]
    fn rows_escape_control_characters_from_entries() {
        let mut e = entry(7);
        e.actor.email = Some("evil\u{1b}[2J@example.com\r\n".into());
        e.action = "auth.login.failed\u{202E}".into();
        let line = row(&e);
        assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
        assert!(line.contains("evil\\u{1b}[2J@example.com"), "{line}");
        assert!(line.contains("\\u{202e}"), "{line}");
    }

    #[test]
    fn rows_show_seq_time_actor_action_target_ip_outcome() {
        let line = row(&entry(42));
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            cols,
            [
                "42",
                "2026-01-01T00:00:42Z",
                "owner@example.com",
                "member.role_changed",
                "user:usr_b",
                "192.0.2.1",
                "success"
            ]
        );
        let mut anon = entry(1);
        anon.actor = wt_api::AuditActor {
            kind: "anonymous".into(),
            id: None,
            email: None,
        };
        anon.target = None;
        anon.ip = None;
        assert!(row(&anon).contains("anonymous"));
        assert_eq!(row(&anon).split_whitespace().nth(4), Some("-"));
    }
}
