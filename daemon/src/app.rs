//! The router and its layers, built from an [`AppState`] (tests call this directly).

use crate::error::ApiError;
use crate::middleware;
use crate::routes::{
    allowed_ips, audit, auth, health, keys, mfa, orgs, passwords, readiness, setup, team,
};
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::{delete, get, patch, post};
use std::time::Duration;

/// Limits of one request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest body read; larger gets 413 (`DefaultBodyLimit` stops reading there).
    pub body_limit: usize,
    /// Longest a request may run; slower gets 408 and its future is dropped.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_limit: crate::config::DEFAULT_BODY_LIMIT,
            request_timeout: Duration::from_secs(crate::config::DEFAULT_REQUEST_TIMEOUT),
        }
    }
}

/// Answers a panic with a generic 500 problem (no message, no backtrace).
fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    ApiError::Internal("a handler panicked".into()).into_response()
}

pub fn router(state: AppState, limits: Limits) -> Router {
    let api = Router::new()
        .route("/setup", post(setup::setup))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/session", get(auth::whoami))
        .route("/auth/sessions", get(auth::list_sessions))
        .route("/auth/sessions/{id}", delete(auth::revoke_session))
        .route("/auth/mfa", get(mfa::status))
        .route("/auth/mfa/verify", post(mfa::verify))
        .route("/auth/mfa/totp/enroll", post(mfa::enroll))
        .route("/auth/mfa/totp/confirm", post(mfa::confirm))
        .route("/auth/mfa/totp/disable", post(mfa::disable))
        .route("/auth/mfa/recovery-codes", post(mfa::recovery_codes))
        .route(
            "/orgs/settings",
            get(orgs::settings).patch(orgs::update_settings),
        )
        .route("/orgs/members/{id}/mfa/reset", post(mfa::reset_member))
        .route(
            "/orgs/invites",
            get(team::list_invites).post(team::create_invite),
        )
        .route("/orgs/invites/{id}", delete(team::revoke_invite))
        .route("/orgs/invites/{id}/resend", post(team::resend_invite))
        .route("/invites/verify", post(team::verify_invite))
        .route("/invites/accept", post(team::accept_invite))
        .route("/orgs/members", get(team::list_members))
        .route(
            "/orgs/members/{id}",
            patch(team::update_member).delete(team::remove_member),
        )
        .route(
            "/orgs/members/reviews",
            get(team::list_reviews).post(team::create_review),
        )
        .route(
            "/orgs/members/{id}/sessions",
            delete(team::revoke_member_sessions),
        )
        .route(
            "/orgs/members/{id}/password-reset",
            post(team::send_member_reset),
        )
        .route("/orgs/audit-logs", get(audit::list))
        .route("/orgs/audit-logs/stream", get(audit::stream))
        .route("/orgs/audit-logs/verify", get(audit::verify))
        .route(
            "/orgs/audit-logs/reviews",
            get(audit::list_reviews).post(audit::create_review),
        )
        .route("/auth/password/forgot", post(passwords::forgot))
        .route("/auth/password/reset/verify", post(passwords::reset_verify))
        .route("/auth/password/reset", post(passwords::reset))
        .route("/auth/password/change", post(passwords::change))
        .route("/auth/step-up", post(allowed_ips::step_up))
        .route("/orgs/api-keys", get(keys::list).post(keys::create))
        .route(
            "/orgs/api-keys/{id}",
            get(keys::show).patch(keys::update).delete(keys::revoke),
        )
        .route("/orgs/api-keys/{id}/rotate", post(keys::rotate))
        .route(
            "/orgs/allowed-ips",
            get(allowed_ips::list).post(allowed_ips::add),
        )
        .route("/orgs/allowed-ips/{id}", delete(allowed_ips::remove))
        .route("/orgs/allowed-ips/check", post(allowed_ips::check))
        .route("/orgs/readiness", get(readiness::readiness))
        .route(
            "/orgs/access-tokens",
            get(readiness::list_tokens).post(readiness::create_token),
        )
        .route("/orgs/access-tokens/{id}", delete(readiness::revoke_token))
        .route("/openapi.json", get(health::openapi))
        // The API's CSRF rules for cookie requests (the console has its own, for forms).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::csrf,
        ));

    Router::new()
        // The ingest hot path, routed directly: outside the nested router (one prefix strip
        // fewer) and its cookie CSRF layer, which never applies here (only an ingestion key
        // in `Authorization` is read; a cookie is ignored).
        .route("/api/v1/ingest/events", post(keys::ingest_events))
        .nest(wt_api::API_PREFIX, api)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .merge(crate::console::router(state.clone()))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(limits.body_limit))
        .layer(middleware::ObserveLayer {
            state: state.clone(),
            timeout: limits.request_timeout,
        })
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        .with_state(state)
}
