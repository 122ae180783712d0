//! `/api/v1/auth/device` and `/api/v1/auth/device/token`: `wt login --web`, the device
//! authorization grant of RFC 8628. The token endpoint answers errors as RFC 6749 §5.2
//! objects (`{"error": "authorization_pending"}`, status 400), not problem+json, so that
//! any device-flow client reads them; its failures of the daemon itself stay problems.
//! Both take `application/x-www-form-urlencoded` (RFC 8628 §3.1 and §3.4) or JSON.

use crate::error::ApiError;
use crate::extract::{ClientMeta, RawBody, describe_json_error, is_json_content_type};
use crate::service::device_grants::{self, PollFailure};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
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

/// Whether the body is `application/x-www-form-urlencoded` (the RFC's encoding).
fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// A form body (duplicated or unknown parameters refused, RFC 6749 §3.2), else JSON.
fn decode<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, String> {
    if is_form(headers) {
        serde_urlencoded::from_bytes(body)
            .map_err(|e| format!("the form does not match the expected parameters: {e}"))
    } else {
        serde_json::from_slice(body).map_err(|e| describe_json_error(&e))
    }
}

pub async fn start(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    if !is_form(&headers) && !is_json_content_type(&headers) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let req: DeviceAuthorizationRequest = decode(&headers, &body).map_err(ApiError::Malformed)?;
    let out: DeviceAuthorizationResponse = device_grants::start(&state, &meta, req).await?;
    Ok((NO_STORE, axum::Json(out)).into_response())
}

fn oauth_error(status: StatusCode, e: DeviceTokenError) -> Response {
    (status, NO_STORE, axum::Json(e)).into_response()
}

pub async fn token(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: DeviceTokenRequest = match decode(&headers, &body) {
        Ok(r) => r,
        Err(e) => {
            return Ok(oauth_error(
                StatusCode::BAD_REQUEST,
                DeviceTokenError {
                    error: device_errors::INVALID_REQUEST.into(),
                    error_description: Some(format!(
                        "the body must be a form (grant_type, device_code, client_id) or JSON with those fields: {}",
                        e.chars().take(160).collect::<String>()
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
