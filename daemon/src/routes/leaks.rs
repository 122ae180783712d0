//! Leaked-key reports (`service::leaks`): GitHub's signed secret-scanning reports, the
//! public self-report, and `wt keys leaked`.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json};
use crate::service::leaks;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use wt_api::{KeysLeakedRequest, KeysLeakedResponse, LeakReportAccepted, TokenLabel};

/// `POST /api/v1/leaks/github`: 200 with a label per token, 401 for a bad or missing
/// signature or an unknown key id, 409 for a replay, 404 when no partner key is set.
pub async fn github(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<Vec<TokenLabel>>, ApiError> {
    Ok(axum::Json(
        leaks::partner_report(&state, &headers, &meta, &body).await?,
    ))
}

/// `POST /api/v1/leaks/report`: always 202 with the same body for a well-formed report.
pub async fn report(
    State(state): State<AppState>,
    meta: ClientMeta,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<LeakReportAccepted>), ApiError> {
    leaks::self_report(&state, &meta, &body).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(LeakReportAccepted {
            status: "received".into(),
        }),
    ))
}

/// `POST /api/v1/orgs/api-keys/leaked` (`wt keys leaked`).
pub async fn leaked(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Json(req): Json<KeysLeakedRequest>,
) -> Result<axum::Json<KeysLeakedResponse>, ApiError> {
    Ok(axum::Json(KeysLeakedResponse {
        items: leaks::leaked(&state, &auth, &meta, &req.keys).await?,
    }))
}
