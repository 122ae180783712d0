//! The one error type of the daemon, mapped once to RFC 9457 problem+json.
//!
//! Handlers return `Result<_, ApiError>` and use `?`. Internal errors are logged with
//! their cause and answered with a generic body: no stack traces, SQL or paths reach a
//! client (SECURITY.md I.58).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use wt_api::{PROBLEM_CONTENT_TYPE, Problem, codes};
use wt_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    Validation(String),
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("the request body is larger than the server's limit (wtd --body-limit)")]
    PayloadTooLarge,
    #[error("authentication required: log in again (wt login)")]
    Unauthenticated,
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Csrf(&'static str),
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    Conflict(String),
    #[error("too many attempts: try again in {retry_after} seconds")]
    RateLimited { retry_after: u64 },
    /// An ingestion key over its rate limit (ingest, authorize): 429 with `Retry-After`
    /// and the `RateLimit-Policy` / `RateLimit` fields.
    #[error("this key is over its rate limit ({rate}): retry in {retry_after} s")]
    KeyThrottled {
        rate: wt_core::ratelimit::KeyRate,
        retry_after: u64,
    },
    #[error(
        "the setup token is invalid, used or expired: run `wtd org create` on the daemon host for a new one"
    )]
    SetupTokenInvalid,
    #[error("{0}")]
    PasswordPolicy(String),
    #[error("you belong to several orgs: choose one with --org ({0})")]
    OrgRequired(String),
    #[error("your role requires MFA: run `wt mfa enroll` (until then only enrollment is allowed)")]
    MfaEnrollmentRequired,
    #[error("the code is wrong, expired or already used")]
    InvalidCode,
    #[error("the login attempt expired or had too many wrong codes: log in again")]
    ChallengeInvalid,
    #[error("the passkey was not accepted: try again, or use another second factor")]
    PasskeyNotAccepted,
    #[error("the invite link is invalid or has expired: ask for a new invite")]
    InviteInvalid,
    #[error("the reset link is invalid or has expired: request a new one (wt password forgot)")]
    ResetTokenInvalid,
    #[error("the org must keep at least one owner")]
    LastOwner,
    #[error(
        "this email already has an account: log in to it (wt login) and accept again, or accept with that account's current password"
    )]
    AccountExists,
    #[error(
        "two-factor authentication is on for this account: send a current code (or a recovery code)"
    )]
    MfaCodeRequired,
    #[error("invalid, unknown, expired or revoked ingestion key")]
    InvalidKey,
    #[error("{0}")]
    WrongCredential(&'static str),
    #[error(
        "your address is not in the allowed-IP list of this org (or of this key): ask an admin (wt allowed-ips)"
    )]
    IpNotAllowed,
    #[error(
        "this org refuses ingestion from browser code: keep ingestion keys on servers (or an admin sets browser_ingest to allow)"
    )]
    BrowserNotAllowed,
    #[error("{0}")]
    EnvironmentMismatch(String),
    #[error("{0}")]
    BatchTooLarge(String),
    #[error(
        "this Idempotency-Key was already used for a different batch in the last 24 hours: send a new key for new events"
    )]
    IdempotencyKeyReused,
    #[error(
        "this change needs a recent sign-in: confirm your password (POST /api/v1/auth/step-up; wt asks for it)"
    )]
    StepUpRequired,
    #[error("{0}")]
    WouldLockOut(String),
    #[error("the request took too long")]
    Timeout,
    #[error(
        "/metrics needs its bearer token: Authorization: Bearer <the contents of wtd's --metrics-token-file>"
    )]
    MetricsTokenRequired,
    #[error("{0}")]
    MisdirectedRequest(String),
    #[error("{0}")]
    Unavailable(&'static str),
    /// The cause is logged, never sent.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status this error answers with (the console renders its pages with it).
    pub fn status(&self) -> StatusCode {
        self.parts().0
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        use ApiError::*;
        match self {
            Malformed(_) => (
                StatusCode::BAD_REQUEST,
                codes::MALFORMED_REQUEST,
                "Malformed request",
            ),
            Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::VALIDATION_FAILED,
                "Validation failed",
            ),
            UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                codes::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type",
            ),
            PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::PAYLOAD_TOO_LARGE,
                "Payload too large",
            ),
            Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                codes::UNAUTHENTICATED,
                "Unauthenticated",
            ),
            InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                codes::INVALID_CREDENTIALS,
                "Invalid credentials",
            ),
            Forbidden(_) => (StatusCode::FORBIDDEN, codes::FORBIDDEN, "Forbidden"),
            Csrf(_) => (
                StatusCode::FORBIDDEN,
                codes::CSRF_REJECTED,
                "Cross-site request rejected",
            ),
            NotFound => (StatusCode::NOT_FOUND, codes::NOT_FOUND, "Not found"),
            MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                codes::METHOD_NOT_ALLOWED,
                "Method not allowed",
            ),
            Conflict(_) => (StatusCode::CONFLICT, codes::CONFLICT, "Conflict"),
            RateLimited { .. } | KeyThrottled { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                codes::RATE_LIMITED,
                "Too many requests",
            ),
            SetupTokenInvalid => (
                StatusCode::UNAUTHORIZED,
                codes::SETUP_TOKEN_INVALID,
                "Setup token invalid",
            ),
            PasswordPolicy(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::PASSWORD_POLICY,
                "Password refused",
            ),
            OrgRequired(_) => (StatusCode::BAD_REQUEST, codes::ORG_REQUIRED, "Org required"),
            MfaEnrollmentRequired => (
                StatusCode::FORBIDDEN,
                codes::MFA_ENROLLMENT_REQUIRED,
                "MFA enrollment required",
            ),
            InvalidCode => (
                StatusCode::UNAUTHORIZED,
                codes::INVALID_CODE,
                "Invalid code",
            ),
            ChallengeInvalid => (
                StatusCode::UNAUTHORIZED,
                codes::CHALLENGE_INVALID,
                "Challenge invalid",
            ),
            PasskeyNotAccepted => (
                StatusCode::UNAUTHORIZED,
                codes::PASSKEY_NOT_ACCEPTED,
                "Passkey not accepted",
            ),
            InviteInvalid => (
                StatusCode::UNAUTHORIZED,
                codes::INVITE_INVALID,
                "Invite invalid",
            ),
            ResetTokenInvalid => (
                StatusCode::UNAUTHORIZED,
                codes::RESET_TOKEN_INVALID,
                "Reset token invalid",
            ),
            LastOwner => (StatusCode::CONFLICT, codes::LAST_OWNER, "Last owner"),
            AccountExists => (
                StatusCode::UNAUTHORIZED,
                codes::ACCOUNT_EXISTS,
                "Account exists",
            ),
            MfaCodeRequired => (
                StatusCode::UNAUTHORIZED,
                codes::MFA_CODE_REQUIRED,
                "MFA code required",
            ),
            InvalidKey => (
                StatusCode::UNAUTHORIZED,
                codes::UNAUTHENTICATED,
                "Invalid ingestion key",
            ),
            WrongCredential(_) => (
                StatusCode::FORBIDDEN,
                codes::WRONG_CREDENTIAL,
                "Wrong kind of credential",
            ),
            IpNotAllowed => (
                StatusCode::FORBIDDEN,
                codes::IP_NOT_ALLOWED,
                "Address not allowed",
            ),
            BrowserNotAllowed => (
                StatusCode::FORBIDDEN,
                codes::BROWSER_NOT_ALLOWED,
                "Browser ingestion refused",
            ),
            EnvironmentMismatch(_) => (
                StatusCode::FORBIDDEN,
                codes::ENVIRONMENT_MISMATCH,
                "Environment mismatch",
            ),
            BatchTooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::BATCH_TOO_LARGE,
                "Batch too large",
            ),
            IdempotencyKeyReused => (
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::IDEMPOTENCY_KEY_REUSED,
                "Idempotency key reused",
            ),
            StepUpRequired => (
                StatusCode::FORBIDDEN,
                codes::STEP_UP_REQUIRED,
                "Step-up required",
            ),
            WouldLockOut(_) => (
                StatusCode::CONFLICT,
                codes::WOULD_LOCK_OUT,
                "Would lock you out",
            ),
            Timeout => (
                StatusCode::REQUEST_TIMEOUT,
                codes::TIMEOUT,
                "Request timeout",
            ),
            MetricsTokenRequired => (
                StatusCode::UNAUTHORIZED,
                codes::UNAUTHENTICATED,
                "Unauthenticated",
            ),
            MisdirectedRequest(_) => (
                StatusCode::MISDIRECTED_REQUEST,
                codes::MISDIRECTED_REQUEST,
                "Misdirected request",
            ),
            Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                codes::UNAVAILABLE,
                "Service unavailable",
            ),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                codes::INTERNAL,
                "Internal error",
            ),
        }
    }
}

/// Seconds a client is asked to wait after a 503 (`Retry-After`): a database restart or a
/// pool briefly exhausted is over by then, more often than not.
pub const UNAVAILABLE_RETRY_AFTER: u64 = 2;

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::SetupTokenInvalid => ApiError::SetupTokenInvalid,
            StoreError::InviteInvalid => ApiError::InviteInvalid,
            StoreError::LastOwner => ApiError::LastOwner,
            StoreError::Unavailable(cause) => {
                tracing::error!(%cause, "the database cannot answer right now");
                ApiError::Unavailable(
                    "the database cannot answer right now (busy, locked, restarting, or unable to write): retry later",
                )
            }
            StoreError::Connect(cause) => {
                tracing::error!(%cause, "the database cannot be reached");
                ApiError::Unavailable(
                    "the database cannot be reached right now: nothing was changed, retry later",
                )
            }
            StoreError::Internal(m) => ApiError::Internal(m),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, title) = self.parts();
        if let ApiError::Internal(cause) = &self {
            tracing::error!(%cause, "internal error");
        }
        let retry_after = match &self {
            ApiError::RateLimited { retry_after } | ApiError::KeyThrottled { retry_after, .. } => {
                Some((*retry_after).max(1))
            }
            ApiError::Unavailable(_) => Some(UNAVAILABLE_RETRY_AFTER),
            _ => None,
        };
        let problem = Problem {
            type_uri: format!("https://watchtower.dev/problems/{code}"),
            title: title.to_string(),
            status: status.as_u16(),
            code: code.to_string(),
            detail: Some(self.to_string()),
            retry_after,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut resp = (status, body).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        );
        if let Some(secs) = retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            h.insert(header::RETRY_AFTER, v);
        }
        if let ApiError::KeyThrottled { rate, .. } = &self {
            rate_limit_headers(h, *rate, 0);
        }
        resp
    }
}

/// Sets `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers) for a
/// key's limit with `remaining` requests left.
pub fn rate_limit_headers(
    h: &mut axum::http::HeaderMap,
    rate: wt_core::ratelimit::KeyRate,
    remaining: u32,
) {
    for (name, value) in [
        ("ratelimit-policy", rate.policy_header()),
        ("ratelimit", rate.state_header(remaining)),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn internal_errors_hide_their_cause() {
        let resp =
            ApiError::Internal("SELECT * FROM secret_table at /var/lib/x".into()).into_response();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&body);
        assert!(
            !text.contains("SELECT") && !text.contains("/var/lib"),
            "{text}"
        );
        assert!(text.contains("\"code\":\"internal\""));
    }

    #[tokio::test]
    async fn an_unavailable_database_is_503_with_retry_after() {
        for e in [
            StoreError::Unavailable("57014: canceling statement due to statement timeout".into()),
            StoreError::Connect("cannot connect to db:5432".into()),
        ] {
            let resp = ApiError::from(e).into_response();
            assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(
                resp.headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok()),
                Some("2")
            );
        }
    }

    #[tokio::test]
    async fn rate_limited_sets_retry_after() {
        let resp = ApiError::RateLimited { retry_after: 30 }.into_response();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            resp.headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("30")
        );
        assert_eq!(
            resp.headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some(PROBLEM_CONTENT_TYPE)
        );
    }
}
