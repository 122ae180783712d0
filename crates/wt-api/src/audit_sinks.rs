//! Audit sinks (`wt audit sinks`, `/api/v1/orgs/audit-sinks`): where an org's audit log
//! is streamed (a Standard Webhooks endpoint or a syslog server), and how far behind each is.

use serde::{Deserialize, Serialize};

/// `POST /api/v1/orgs/audit-sinks`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSinkCreateRequest {
    /// 1 to 64 letters, digits, `.`, `_` or `-`; unique in the org.
    pub name: String,
    /// `webhook` or `syslog`.
    pub kind: String,
    /// Webhook: `https://...` (`http://` only to a loopback address). Syslog:
    /// `tls://host[:6514]` (RFC 5425) or `tcp://host:port` (RFC 6587 octet counting).
    pub url: String,
    /// Syslog over TLS: PEM certificates of the CAs that sign the server's certificate
    /// (default: the system's trusted roots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
    /// Syslog over TLS: the client certificate chain (PEM) wtd presents when the server
    /// asks for one (mutual TLS); with `client_key_pem`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert_pem: Option<String>,
    /// Its private key (PEM): sealed with the master key, never shown again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key_pem: Option<String>,
    /// Deliver from the org's first entry (default: only entries appended from now on).
    #[serde(default)]
    pub from_start: bool,
}

/// One sink, as listed. Never carries a secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditSink {
    pub id: String,
    pub name: String,
    /// `webhook` or `syslog`.
    pub kind: String,
    pub url: String,
    /// Syslog over TLS: whether the server is checked against the sink's own CAs rather
    /// than the system's roots.
    pub custom_ca: bool,
    /// Syslog over TLS: wtd presents a client certificate (its key sealed at rest).
    #[serde(default)]
    pub client_cert: bool,
    pub paused: bool,
    /// The last entry the receiver accepted (0: none yet).
    pub delivered_seq: i64,
    /// The org's latest entry.
    pub last_seq: i64,
    /// Entries not yet accepted.
    pub lag_entries: i64,
    /// Age in seconds of the oldest entry not yet accepted (0 when caught up).
    pub lag_seconds: i64,
    pub last_success_at: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    /// Since when every attempt has failed.
    pub failing_since: Option<String>,
    /// When the next attempt is due after failures (absent when not waiting).
    pub next_attempt_at: Option<String>,
    /// Webhook: until when the previous secret still signs (a rotation's overlap).
    pub previous_secret_until: Option<String>,
    pub created_at: String,
    pub created_by: String,
}

/// `POST /api/v1/orgs/audit-sinks` answer: the sink, and for a webhook its signing
/// secret, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditSinkCreated {
    pub sink: AuditSink,
    /// `whsec_...` (webhooks only). Not retrievable later: rotate to get a new one.
    pub secret: Option<String>,
}

/// `POST /api/v1/orgs/audit-sinks/{id}/rotate-secret`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSinkRotateRequest {
    /// How long the old secret keeps signing beside the new one, in seconds (default 24
    /// hours, at most 30 days; 0 ends it at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlap_seconds: Option<i64>,
}

/// The new webhook secret, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditSinkSecret {
    pub sink: AuditSink,
    pub secret: String,
}

/// `POST /api/v1/orgs/audit-sinks/{id}/test`: one test message sent now, outside the
/// stream (it carries no `seq` and moves no cursor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSinkTestResult {
    pub ok: bool,
    /// What the receiver or the network said when it failed.
    pub error: Option<String>,
    pub elapsed_ms: u64,
}

/// The JSON body a webhook sink receives (`type` `audit.entries`), signed per Standard
/// Webhooks. Entries are in `seq` order; a receiver drops any `seq` it already has
/// (delivery is at least once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditSinkBatch {
    /// `audit.entries`, or `audit.test` for `wt audit sinks test` (no entries).
    #[serde(rename = "type")]
    pub kind: String,
    pub org_id: String,
    pub sink: String,
    pub entries: Vec<crate::AuditEntry>,
    /// The org's newest signed checkpoint when the batch was sent (a C2SP signed note, as
    /// `GET /orgs/audit-logs/checkpoints/latest` serves it), so a copy of the evidence lives
    /// outside the installation; absent before the first checkpoint. Verify it with `wt
    /// audit pubkey`'s key; keep the largest size seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
}
