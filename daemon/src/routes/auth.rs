//! `/api/v1/auth/...`: login, logout, who am I, and the caller's own sessions.

use crate::console::cookies;
use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta, Json, Via};
use crate::middleware::check_same_origin;
use crate::service;
use crate::service::auth::LoginOutcome;
use crate::service::sessions::IssuedSession;
use crate::state::AppState;
use crate::wire::{org_json, session_json, user_json};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use wt_api::{ClientKind, LoginRequest, LoginResponse, Page, SessionInfo, WhoAmI};
use wt_core::clock::rfc3339;
use wt_core::permissions::Permission;

pub async fn login(
    State(state): State<AppState>,
    meta: ClientMeta,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    let client = req.client;
    if client == ClientKind::Console {
        check_same_origin(&state, &headers)?;
        if !state.settings.cookies_allowed {
            return Err(ApiError::Validation(
                "console sessions need HTTPS: serve with --tls-cert/--tls-key or on loopback"
                    .into(),
            ));
        }
    }
    match service::auth::login(&state, req, &meta).await? {
        LoginOutcome::Session(issued) => session_response(&state, client, *issued),
        LoginOutcome::Challenge(challenge) => Ok(axum::Json(LoginResponse {
            mfa_required: true,
            challenge: Some(challenge.expose().to_string()),
            ..Default::default()
        })
        .into_response()),
    }
}

/// The answer to a completed login: the bearer token in the body for CLI clients, the
/// HttpOnly cookie (and no token in the body) for the console.
pub fn session_response(
    state: &AppState,
    client: ClientKind,
    issued: IssuedSession,
) -> Result<Response, ApiError> {
    let session = Some(session_json(&issued.session, &issued.session.id));
    let mfa_enrollment_required = issued.mfa_enrollment_required;
    match client {
        ClientKind::Cli => Ok(axum::Json(LoginResponse {
            token: Some(issued.token.expose().to_string()),
            session,
            mfa_enrollment_required,
            ..Default::default()
        })
        .into_response()),
        ClientKind::Console => {
            let cookie = cookies::for_session(state, &issued)?;
            let mut resp = axum::Json(LoginResponse {
                session,
                mfa_enrollment_required,
                ..Default::default()
            })
            .into_response();
            resp.headers_mut().insert(header::SET_COOKIE, cookie);
            Ok(resp)
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
) -> Result<Response, ApiError> {
    if auth.via == Via::Token {
        return Err(ApiError::Forbidden(
            "an automation token is not a session: revoke it with `wt token revoke ID`".into(),
        ));
    }
    service::sessions::logout(&state, &auth, &meta).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if auth.via == Via::Cookie
        && let Some(c) = cookies::cleared()
    {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(resp)
}

pub async fn whoami(auth: Auth) -> Result<axum::Json<WhoAmI>, ApiError> {
    auth.require(Permission::SelfRead)?;
    Ok(axum::Json(WhoAmI {
        user: user_json(&auth.user),
        org: org_json(&auth.org),
        role: auth.role,
        mfa_enabled: auth.user.mfa_enabled,
        mfa_enrollment_required: auth.mfa_enrollment_required,
        mfa_grace_until: auth
            .mfa_grace_until
            .filter(|_| auth.mfa_enrollment_required && !auth.mfa_restricted)
            .map(rfc3339),
        session_id: auth.session.id.clone(),
        expires_at: rfc3339(auth.session.expires_at),
    }))
}

pub async fn list_sessions(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<axum::Json<Page<SessionInfo>>, ApiError> {
    auth.require(Permission::SelfRead)?;
    auth.require_person()?;
    let sessions = state
        .store
        .list_sessions(&auth.org.id, &auth.user.id, state.now())
        .await?;
    Ok(axum::Json(Page {
        items: sessions
            .iter()
            .map(|s| session_json(s, &auth.session.id))
            .collect(),
        next_cursor: None,
    }))
}

pub async fn revoke_session(
    State(state): State<AppState>,
    meta: ClientMeta,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::sessions::revoke_own_session(&state, &auth, &meta, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
