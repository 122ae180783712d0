//! Wire types of ingested events as consumers read them (`GET /api/v1/orgs/events`, its
//! SSE stream) and of the org's event retention and storage (with the org settings).

use serde::{Deserialize, Serialize};

/// One ingested event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the installation's event sequence: increasing, never reused, with gaps
    /// (other orgs' events). Resume after the last one handled (`after=SEQ`,
    /// `Last-Event-ID`): delivery is at least once by `seq`.
    pub seq: i64,
    /// When the daemon received it (RFC 3339, UTC).
    pub received_at: String,
    /// The ingestion key that sent it.
    pub key_id: String,
    /// `sandbox` or `production` (the key's).
    pub environment: String,
    /// The event as ingested: untrusted JSON (escape it before showing it on a terminal).
    pub payload: serde_json::Value,
}

/// `GET /api/v1/orgs/events?after=SEQ&limit=N`: events after the cursor, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventPage {
    pub items: Vec<Event>,
    /// The cursor for the next call: the last item's seq, or the (resumed) cursor when
    /// there was none.
    pub next_after: i64,
    /// Present when retention deleted events after the cursor: reading resumed after
    /// `resumed_after` (the org's pruned horizon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<EventGap>,
}

/// Events between the two cursors were deleted by retention before they were read (also
/// the data of the stream's `gap` event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventGap {
    pub requested_after: i64,
    pub resumed_after: i64,
}

/// The org's event retention and storage (a part of `OrgSettings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSettings {
    /// How long events are kept, in seconds (the org's own, else the installation's).
    pub retention_seconds: i64,
    /// `org` when the org set its own retention, `installation` otherwise.
    pub retention_source: String,
    /// Events stored (counted by the prune task, at most a minute behind).
    pub stored_events: i64,
    /// Their approximate size (payload characters).
    pub stored_bytes: i64,
}
