//! Webhook sinks: a JSON batch ([`wt_api::AuditSinkBatch`]) POSTed and signed per the
//! Standard Webhooks convention (`webhook-id`, `webhook-timestamp`, `webhook-signature`;
//! the rules are `wt_core::audit_sinks`). Any 2xx answer accepts the batch; anything else,
//! a redirect included (never followed), fails it.

use super::{Prepared, SEND_TIMEOUT, SendError};
use crate::state::AppState;
use wt_api::AuditSinkBatch;
use wt_core::audit::AuditRecord;
use wt_core::audit_sinks::{message_id, signature_header};
use wt_store::CheckpointRecord;

/// The HTTP client of webhook sinks: no redirects, a bounded time per request.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(SEND_TIMEOUT)
        .connect_timeout(SEND_TIMEOUT)
        .user_agent(concat!("WatchTower-wtd/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

async fn post(
    state: &AppState,
    http: &reqwest::Client,
    sink: &Prepared,
    url: &url::Url,
    id: &str,
    batch: &AuditSinkBatch,
) -> Result<(), SendError> {
    let body = serde_json::to_vec(batch).map_err(|e| SendError(e.to_string()))?;
    let ts = state.now();
    let keys: Vec<&[u8]> = sink.keys.iter().map(Vec::as_slice).collect();
    let answer = http
        .post(url.clone())
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", signature_header(&keys, id, ts, &body))
        .body(body)
        .send()
        .await
        .map_err(|e| SendError::from(e.without_url()))?;
    let status = answer.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(SendError(format!("the receiver answered {status}")))
    }
}

/// Sends entries as one signed batch.
pub async fn send_entries(
    state: &AppState,
    http: &reqwest::Client,
    sink: &Prepared,
    url: &url::Url,
    entries: &[AuditRecord],
    checkpoint: Option<&CheckpointRecord>,
) -> Result<(), SendError> {
    let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
        return Ok(());
    };
    let id = message_id(&sink.id, first.seq, last.seq);
    let batch = AuditSinkBatch {
        kind: "audit.entries".into(),
        org_id: sink.org_id.clone(),
        sink: sink.name.clone(),
        entries: entries
            .iter()
            .cloned()
            .map(crate::wire::audit_entry_json)
            .collect(),
        checkpoint: checkpoint.map(|c| c.note.clone()),
    };
    post(state, http, sink, url, &id, &batch).await
}

/// Sends one signed test batch (`type` `audit.test`, no entries).
pub async fn send_test(
    state: &AppState,
    http: &reqwest::Client,
    sink: &Prepared,
    url: &url::Url,
) -> Result<(), SendError> {
    let id = format!(
        "msg_{}_test_{}",
        sink.id,
        hex::encode(wt_core::token::random_bytes::<8>())
    );
    let batch = AuditSinkBatch {
        kind: "audit.test".into(),
        org_id: sink.org_id.clone(),
        sink: sink.name.clone(),
        entries: Vec::new(),
        checkpoint: None,
    };
    post(state, http, sink, url, &id, &batch).await
}
