//! What the `wt events` subcommands share: the paths, and the one line format.
//!
//! Payloads are whatever an ingestion key sent. JSON encoding already escapes C0 controls
//! (ESC is `\u001b`), but not DEL, the C1 controls (U+0080..U+009F, which some terminals
//! obey as CSI/OSC) or the bidi overrides that reorder what a reader sees. [`safe_json`]
//! escapes those too, as JSON `\u` escapes inside the strings they occur in: the line is
//! still the same JSON value for a program, and inert on a terminal. It is used for
//! every line, table or JSON, terminal or pipe.

use crate::output::OutputFormat;
use crate::secret::Secret;
use crate::{CliError, Ctx};
use wt_api::{Event, EventGap, EventPage};

/// `GET` events after a cursor (`?after&limit`) or the newest ones (`?last`).
pub const LIST_PATH: &str = "/orgs/events";
/// The `text/event-stream` of new events (`wt events tail --follow`).
pub const STREAM_PATH: &str = "/orgs/events/stream";
/// Largest page the server hands out.
pub const MAX_PAGE: u32 = 1000;

/// Whether a terminal could act on `c`: controls (C0, DEL, C1), bidi embeddings,
/// overrides and isolates, and the invisible direction marks.
fn dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `value` as compact JSON with every dangerous character as a `\uXXXX` escape (outside
/// strings JSON text is ASCII punctuation, so only string contents change, to an equal
/// value).
pub fn safe_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, CliError> {
    let text = serde_json::to_string(value).map_err(|e| CliError::Other(e.to_string()))?;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if dangerous(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// One event as a line: a row (`SEQ  RECEIVED_AT  KEY  ENV  PAYLOAD`) or a JSON line.
pub fn event_line(format: OutputFormat, e: &Event) -> Result<String, CliError> {
    match format {
        OutputFormat::Json => safe_json(e),
        OutputFormat::Table => Ok(format!(
            "{:>9}  {:<20}  {:<24}  {:<10}  {}",
            e.seq,
            safe_text(&e.received_at)?,
            safe_text(&e.key_id)?,
            safe_text(&e.environment)?,
            safe_json(&e.payload)?
        )),
    }
}

/// A server-sent string made safe the same way (without the JSON quotes).
fn safe_text(s: &str) -> Result<String, CliError> {
    let quoted = safe_json(s)?;
    Ok(quoted[1..quoted.len() - 1].to_string())
}

/// The table's header line.
pub fn header_line() -> String {
    format!(
        "{:>9}  {:<20}  {:<24}  {:<10}  {}",
        "SEQ", "RECEIVED_AT", "KEY", "ENV", "PAYLOAD"
    )
}

/// The stderr note of a gap.
pub fn gap_note(g: &EventGap) -> String {
    format!(
        "wt: retention deleted events after seq {} before they were read; resuming after seq {}",
        g.requested_after, g.resumed_after
    )
}

/// `GET` a page of events with the query `pairs`.
pub async fn fetch_page(
    ctx: &Ctx,
    token: &Secret,
    pairs: &[(&str, String)],
) -> Result<EventPage, CliError> {
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ctx.client()?
        .get(&crate::client::with_query(LIST_PATH, &refs), Some(token))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_in_a_payload_come_out_inert_and_the_json_unchanged() {
        let payload = serde_json::json!({
            "title": "\u{1b}]0;pwned\u{7}",
            "csi": "a\u{9b}31mred",
            "del": "x\u{7f}",
            "bidi": "abc\u{202e}fed",
            "ok": "caf\u{e9} \u{1F600}",
        });
        let line = safe_json(&payload).unwrap();
        for c in line.chars() {
            assert!(!dangerous(c), "{c:?} in {line}");
        }
        assert!(line.contains("\\u001b]0;pwned\\u0007"), "{line}");
        assert!(line.contains("\\u009b") && line.contains("\\u007f") && line.contains("\\u202e"));
        // Ordinary non-ASCII stays readable.
        assert!(line.contains("café 😀"), "{line}");
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back, payload, "the same JSON value");
    }
}
