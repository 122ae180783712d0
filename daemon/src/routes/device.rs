//! `/api/v1/auth/device` and `/api/v1/auth/device/token`: `wt login --web`, the device
//! authorization grant of RFC 8628. The token endpoint answers errors as RFC 6749 §5.2
//! objects (`{"error": "authorization_pending"}`, status 400), not problem+json, so that
//! any device-flow client reads them; its failures of the daemon itself stay problems.

use crate::error::ApiError;
use crate::extract::{ClientMeta, Json};
use crate::service::device_grants::{self, PollFailure};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use wt_api::{
    DeviceAuthorizationRequest, DeviceAuthorizationResponse, DeviceTokenError, DeviceTokenRequest,
    device_errors,
};

/// Secrets in the body: never cached (RFC 6749 §5.1).
const NO_STORE: [(header::HeaderName, &str); 2] = [
    (header::CACHE_CONTROL, "no-store"),
    (header::PRAGMA, "no-cache"),
];

pub async fn start(
    State(state): State<AppState>,
    meta: ClientMeta,
    Json(req): Json<DeviceAuthorizationRequest>,
) -> Result<Response, ApiError> {
    let out: DeviceAuthorizationResponse = device_grants::start(&state, &meta, req).await?;
    Ok((NO_STORE, axum::Json(out)).into_response())
}

fn oauth_error(status: StatusCode, e: DeviceTokenError) -> Response {
    (status, NO_STORE, axum::Json(e)).into_response()
}

pub async fn token(
    State(state): State<AppState>,
    meta: ClientMeta,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: DeviceTokenRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return Ok(oauth_error(
                StatusCode::BAD_REQUEST,
                DeviceTokenError {
                    error: device_errors::INVALID_REQUEST.into(),
                    error_description: Some(format!(
                        "the body must be JSON {{\"device_code\": \"...\"}}: {}",
                        e.to_string().chars().take(120).collect::<String>()
                    )),
                    interval: None,
                },
            ));
        }
    };
    match device_grants::poll(&state, &meta, req).await {
        Ok(out) => Ok((NO_STORE, axum::Json(out)).into_response()),
        Err(PollFailure::Grant(e)) => Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            DeviceTokenError {
                error: e.error.into(),
                error_description: Some(e.description),
                interval: e.interval,
            },
        )),
        Err(PollFailure::Api(e)) => Err(e),
    }
}
