//! Request extractors: strict JSON bodies, the client's address, and authentication.
//!
//! Every failure becomes an [`ApiError`], so bad input always gets problem+json.

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, header, request::Parts};
use serde::de::DeserializeOwned;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use wt_api::{ClientKind, Role};
use wt_core::audit::{Actor, RequestMeta};
use wt_core::permissions::{self, Permission};
use wt_core::scopes::Scope;
use wt_core::token;
use wt_store::{OrgRecord, SessionRecord, UserRecord};

/// Longest user agent kept (in audit entries and session lists).
const MAX_USER_AGENT: usize = 256;
/// A session's `last_seen_at` is written at most this often (one write per minute, not
/// one per request); idle timeouts are therefore precise to a minute.
const TOUCH_INTERVAL: i64 = 60;

/// A JSON body: `Content-Type: application/json` required (415 otherwise), size bounded
/// by the body limit (413), unknown fields and wrong types refused (400).
#[derive(Debug)]
pub struct Json<T>(pub T);

pub fn is_json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            let m = m.trim();
            m.eq_ignore_ascii_case("application/json")
                || (m.len() > 5 && m[m.len() - 5..].eq_ignore_ascii_case("+json"))
        })
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json_content_type(req.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        serde_json::from_slice(&bytes)
            .map(Json)
            .map_err(|e| ApiError::Malformed(describe_json_error(&e)))
    }
}

/// The body as bytes, bounded by the body limit (413 problem+json beyond it). For handlers
/// that parse only after other checks (ingestion).
#[derive(Debug)]
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::Malformed("the request body could not be read".into())
                }
            })
    }
}

/// Query parameters: unknown or malformed ones get a problem+json 400 like bodies do.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or_default();
        serde_urlencoded_from_str(q)
            .map(Query)
            .map_err(|e| ApiError::Malformed(format!("query parameters: {e}")))
    }
}

/// A query string read as the API's [`Query`] reads it (the console reads the audit
/// filters with it too).
pub(crate) fn parse_query<T: DeserializeOwned>(q: &str) -> Result<T, String> {
    serde_urlencoded_from_str(q)
}

fn serde_urlencoded_from_str<T: DeserializeOwned>(q: &str) -> Result<T, String> {
    axum::extract::Query::<T>::try_from_uri(
        &format!("/?{q}")
            .parse()
            .map_err(|_| "not a valid query string".to_string())?,
    )
    .map(|axum::extract::Query(v)| v)
    .map_err(|e| e.body_text())
}

/// A message about a JSON error that helps the caller without echoing their input.
pub fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Syntax | Category::Io => "the body is not valid JSON",
        Category::Eof => "the body ends before the JSON is complete",
        Category::Data => "the JSON does not match the expected fields and types",
    };
    // serde's message names the field or type ("unknown field `x`, expected one of ..."),
    // never the submitted value.
    let mut msg = e.to_string();
    if let Some(i) = msg.find(" at line ") {
        msg.truncate(i);
    }
    format!("{what}: {msg} (line {}, column {})", e.line(), e.column())
}

/// Where the request came from: the socket peer, or, only when the peer is a configured
/// trusted proxy (`--trusted-proxy`), the rightmost untrusted hop of `X-Forwarded-For`
/// (SECURITY.md H.54). IPv4-mapped IPv6 addresses are normalised to IPv4.
#[derive(Debug, Clone)]
pub struct ClientMeta {
    pub ip: IpAddr,
    pub user_agent: Option<String>,
}

impl ClientMeta {
    /// The audit-entry view of this request.
    pub fn audit(&self) -> RequestMeta {
        RequestMeta {
            ip: Some(self.ip.to_string()),
            user_agent: self.user_agent.clone(),
        }
    }
}

impl ClientMeta {
    /// The client of a request from `peer` (the socket's address) with these headers:
    /// `X-Forwarded-For` counts only when `peer` is one of the `trusted` proxies.
    pub fn of(peer: Option<SocketAddr>, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> Self {
        let peer = peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.ip());
        let ip = if trusted.is_empty() {
            wt_core::netaddr::normalize_ip(peer)
        } else {
            let xff: Vec<&str> = headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            let joined = xff.join(",");
            wt_core::netaddr::client_ip(peer, (!xff.is_empty()).then_some(&joined), trusted)
        };
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(MAX_USER_AGENT).collect());
        Self { ip, user_agent }
    }
}

impl FromRequestParts<AppState> for ClientMeta {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .map(|ci| ci.0)
            .ok();
        Ok(Self::of(
            peer,
            &parts.headers,
            &state.settings.trusted_proxies,
        ))
    }
}

/// How the credential was presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A CLI session's bearer token.
    Bearer,
    /// The console's session cookie.
    Cookie,
    /// An automation token (`wtat_`), as a bearer token. It acts for the member who
    /// created it with the lower of its own role and theirs (SECURITY.md J.59), and never
    /// on a person's credentials (password, MFA, sessions), security settings or anything
    /// that needs a step-up.
    Token,
}

/// The session token from `Authorization: Bearer` or, failing that, the console cookie.
/// Query strings are never consulted (SECURITY.md B.12).
pub fn presented_token(headers: &HeaderMap) -> Option<(String, Via)> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, rest) = v.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| (rest.trim().to_string(), Via::Bearer));
    }
    crate::console::cookies::presented(headers).map(|t| (t, Via::Cookie))
}

/// An authenticated member: a live session, its user, org and role. For an automation
/// token, `user` is the member who created it, `role` the lower of the token's and
/// theirs, and `session` stands for the token (its id, times and last address).
#[derive(Debug, Clone)]
pub struct Auth {
    pub session: SessionRecord,
    pub user: UserRecord,
    pub org: OrgRecord,
    pub role: Role,
    pub via: Via,
    /// The automation token's name, when the credential is one.
    pub token_name: Option<String>,
    /// The automation token's scopes (`wt_core::scopes`); empty for sessions.
    pub scopes: Vec<Scope>,
    /// The role requires MFA and none is enrolled (shown to the client as a warning).
    pub mfa_enrollment_required: bool,
    /// ...and no grace runs: only enrollment is allowed (E.46).
    pub mfa_restricted: bool,
    /// Until when the bootstrap owner may act before enrolling.
    pub mfa_grace_until: Option<i64>,
    /// The client's address (checked against the org's allowed IPs).
    pub ip: IpAddr,
}

/// How long a sign-in or step-up counts as recent for sensitive changes (SECURITY.md H.55).
pub const STEP_UP_WINDOW: i64 = 10 * 60;

impl Auth {
    /// Refuses with 403 unless the permission matrix allows this member's role, and,
    /// while required MFA is not enrolled, unless the permission is one allowed before it.
    pub fn require(&self, perm: Permission) -> Result<(), ApiError> {
        if self.via == Via::Token
            && matches!(
                perm,
                Permission::SelfManage
                    | Permission::MfaEnroll
                    | Permission::TokensManage
                    | Permission::OrgManage
            )
        {
            return Err(ApiError::Forbidden(
                "automation tokens cannot manage credentials, tokens or security settings: sign in as a member (wt login)"
                    .into(),
            ));
        }
        if self.mfa_restricted && !permissions::allowed_before_mfa(perm) {
            return Err(ApiError::MfaEnrollmentRequired);
        }
        if permissions::allows(self.role, perm) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "your role ({}) does not allow this",
                self.role
            )))
        }
    }

    /// For a service endpoint: refuses with 403 naming `scope` unless the credential is an
    /// automation token holding it, and unless its effective role (the lower of its own and
    /// its creator's current role) still has the scope's permission. Scopes restrict to
    /// these endpoints; they never extend a role (`wt_core::scopes`).
    pub fn require_scope(&self, scope: Scope) -> Result<(), ApiError> {
        if self.via != Via::Token || !self.scopes.contains(&scope) {
            return Err(ApiError::Forbidden(format!(
                "this needs an automation token with the scope {scope} (wt token create --scope {scope})"
            )));
        }
        self.require(scope.permission()).map_err(|e| match e {
            ApiError::Forbidden(_) => ApiError::Forbidden(format!(
                "the scope {scope} needs a role that may {}; this token acts as {}",
                match scope.permission() {
                    Permission::KeysRead => "read keys",
                    Permission::AuditRead => "read the audit log",
                    Permission::EventsRead => "read ingested events",
                    _ => "read the readiness checklist",
                },
                self.role
            )),
            other => other,
        })
    }

    /// Refuses an automation token: for what only a person has (their own sessions, MFA
    /// status, a step-up).
    pub fn require_person(&self) -> Result<(), ApiError> {
        if self.via == Via::Token {
            return Err(ApiError::Forbidden(
                "an automation token has no sessions, password or MFA of its own: sign in as a member (wt login)"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Whether [`Auth::require`] would allow `perm` (for answers that show more to those
    /// who may read more, like the readiness report's evidence).
    pub fn can(&self, perm: Permission) -> bool {
        self.require(perm).is_ok()
    }

    /// Making someone an admin or owner, by a role change or an invite, needs a fresh
    /// sign-in or step-up, which automation tokens never have (SECURITY.md J.65).
    pub fn require_step_up_to_grant(&self, role: Role, now: i64) -> Result<(), ApiError> {
        if permissions::rank(role) >= permissions::rank(Role::Admin) {
            self.require_step_up(now)?;
        }
        Ok(())
    }

    /// Refuses with `step_up_required` unless the session signed in or stepped up within
    /// [`STEP_UP_WINDOW`].
    pub fn require_step_up(&self, now: i64) -> Result<(), ApiError> {
        if self.via == Via::Token {
            return Err(ApiError::Forbidden(
                "automation tokens cannot make this change: sign in as a member (wt login)".into(),
            ));
        }
        let last = self
            .session
            .step_up_at
            .unwrap_or(self.session.created_at)
            .max(self.session.created_at);
        if now - last < STEP_UP_WINDOW {
            Ok(())
        } else {
            Err(ApiError::StepUpRequired)
        }
    }

    /// The audit actor for this member.
    pub fn actor(&self) -> Actor {
        if let Some(name) = &self.token_name {
            return Actor::token(&self.session.id, name);
        }
        Actor::user(&self.user.id, &self.user.email)
    }

    pub fn client(&self) -> ClientKind {
        self.session.client
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let meta = ClientMeta::from_request_parts(parts, state).await?;
        authenticate(state, &parts.headers, &meta).await
    }
}

/// Authenticates a request from its headers: a live session, its user, org and role, from
/// an address the org's allowed-IP list admits. Every credential failure is the same
/// [`ApiError::Unauthenticated`]; an ingestion key gets 403 (keys authenticate only
/// ingestion, G.51); an address outside the list gets 403 and a rate-limited audit entry.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    meta: &ClientMeta,
) -> Result<Auth, ApiError> {
    let (tok, via) = presented_token(headers).ok_or(ApiError::Unauthenticated)?;
    authenticate_presented(state, &tok, via, meta).await
}

/// [`authenticate`] for a credential already taken from the request (the console reads
/// only its cookie; a session it has just issued is authenticated the same way).
pub async fn authenticate_presented(
    state: &AppState,
    tok: &str,
    via: Via,
    meta: &ClientMeta,
) -> Result<Auth, ApiError> {
    authenticate_as(state, tok, via, meta, Use::Request).await
}

/// Whether an authentication is a use of the credential (it keeps a session from idling
/// out and records where it was used) or only a check that it still holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// A request made with it.
    Request,
    /// A long-lived answer re-checking it (the audit stream): not a use (SECURITY.md B.13).
    Recheck,
}

/// [`authenticate_presented`], saying whether this counts as a use.
pub async fn authenticate_as(
    state: &AppState,
    tok: &str,
    via: Via,
    meta: &ClientMeta,
    usage: Use,
) -> Result<Auth, ApiError> {
    if tok.starts_with("wtk_") {
        return Err(ApiError::WrongCredential(
            "ingestion keys work only on POST /api/v1/ingest/events: log in for this (wt login)",
        ));
    }
    if token::has_shape(tok, token::ACCESS_TOKEN_PREFIX) {
        return authenticate_token(state, tok, meta, usage).await;
    }
    if !token::has_shape(tok, token::SESSION_PREFIX) {
        return Err(ApiError::Unauthenticated);
    }
    let found = state
        .store
        .session_by_token_hash(&token::hash(tok))
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let now = state.now();
    // A session works only as what it was issued for: a console session only as the
    // cookie, a CLI session only as a bearer token (SECURITY.md B.12).
    let kind_matches = match via {
        Via::Cookie => found.session.client == ClientKind::Console,
        Via::Bearer | Via::Token => found.session.client == ClientKind::Cli,
    };
    if !found.session.is_live(now) || found.user.disabled || !kind_matches {
        return Err(ApiError::Unauthenticated);
    }
    check_address(state, &found.user, &found.org.id, meta, now).await?;
    let ip = meta.ip.to_string();
    if usage == Use::Request
        && (now - found.session.last_seen_at >= TOUCH_INTERVAL
            || found.session.last_ip.as_deref() != Some(ip.as_str()))
    {
        state
            .store
            .touch_session(&found.session.id, now, &ip)
            .await?;
    }
    let mfa_enrollment_required = permissions::mfa_enrollment_required(
        found.role,
        &found.org.mfa_required_roles,
        found.user.mfa_enabled,
    );
    Ok(Auth {
        mfa_restricted: permissions::mfa_restricted(
            mfa_enrollment_required,
            found.mfa_grace_until,
            now,
        ),
        mfa_grace_until: found.mfa_grace_until,
        session: found.session,
        user: found.user,
        org: found.org,
        role: found.role,
        via,
        token_name: None,
        scopes: Vec::new(),
        mfa_enrollment_required,
        ip: meta.ip,
    })
}

/// Authenticates an automation token: live (not revoked, not expired), made by a member
/// who still belongs to the org and is not disabled, from an address the org's list
/// admits. It acts for that member with the lower of its own role and theirs, and is
/// restricted like them while they owe required MFA (SECURITY.md J.59).
async fn authenticate_token(
    state: &AppState,
    tok: &str,
    meta: &ClientMeta,
    usage: Use,
) -> Result<Auth, ApiError> {
    let found = state
        .store
        .access_token_by_hash(&token::hash(tok))
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let (t, org, creator) = (found.token, found.org, found.creator);
    let now = state.now();
    let creator_role = found
        .creator_role
        .filter(|_| t.revoked_at.is_none() && now < t.expires_at && !creator.disabled)
        .ok_or(ApiError::Unauthenticated)?;
    check_address(state, &creator, &org.id, meta, now).await?;
    let ip = meta.ip.to_string();
    if usage == Use::Request
        && (t.last_used_at.is_none_or(|at| now - at >= TOUCH_INTERVAL)
            || t.last_used_ip.as_deref() != Some(ip.as_str()))
    {
        state.store.access_token_touch(&t.id, now, &ip).await?;
    }
    let owed = permissions::mfa_enrollment_required(
        creator_role,
        &org.mfa_required_roles,
        creator.mfa_enabled,
    );
    Ok(Auth {
        session: SessionRecord {
            id: t.id.clone(),
            org_id: org.id.clone(),
            user_id: creator.id.clone(),
            client: ClientKind::Cli,
            created_at: t.created_at,
            last_seen_at: now,
            expires_at: t.expires_at,
            idle_timeout: t.expires_at - t.created_at,
            ip: None,
            user_agent: None,
            step_up_at: None,
            last_ip: Some(ip),
        },
        user: creator,
        org,
        role: permissions::lower(t.role, creator_role),
        via: Via::Token,
        token_name: Some(t.name),
        scopes: t.scopes,
        mfa_enrollment_required: false,
        mfa_restricted: permissions::mfa_restricted(owed, found.creator_mfa_grace_until, now),
        mfa_grace_until: None,
        ip: meta.ip,
    })
}

/// The org's allowed-IP list, checked on every authenticated request (sessions and
/// tokens, and a login before it creates one); fails closed while it is not loaded
/// (SECURITY.md H.55). A refusal is audited.
pub(crate) async fn check_address(
    state: &AppState,
    user: &UserRecord,
    org_id: &str,
    meta: &ClientMeta,
    now: i64,
) -> Result<(), ApiError> {
    if !state.caches.is_loaded() {
        return Err(ApiError::Unavailable("the daemon is starting"));
    }
    state.fresh_caches().await?;
    if let Some(policy) = state.caches.org(org_id)
        && !policy.admits(meta.ip, now)
    {
        deny_address(state, user, org_id, meta, now).await;
        return Err(ApiError::IpNotAllowed);
    }
    Ok(())
}

/// Audits (once per window per member and address) a session refused by the allowed-IP
/// list.
async fn deny_address(
    state: &AppState,
    user: &UserRecord,
    org_id: &str,
    meta: &ClientMeta,
    now: i64,
) {
    let Some(suppressed) = state
        .denials
        .should_log(&format!("{}:{}:ip", user.id, meta.ip), now)
    else {
        return;
    };
    let ev = wt_core::audit::AuditEvent::new(
        Actor::user(&user.id, &user.email),
        wt_core::audit::actions::ACCESS_DENIED_IP,
        &meta.audit(),
    )
    .outcome("failure")
    .details(serde_json::json!({ "suppressed_since_last": suppressed }));
    if let Err(e) = state.store.append_audit(org_id, ev, now).await {
        tracing::warn!(error = %e, "could not audit a refused address");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_wins_over_cookie_and_query_is_ignored() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; __Host-wt_session=wts_cookie"),
        );
        assert_eq!(
            presented_token(&h),
            Some(("wts_cookie".into(), Via::Cookie))
        );
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer wts_bearer"),
        );
        assert_eq!(
            presented_token(&h),
            Some(("wts_bearer".into(), Via::Bearer))
        );
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(
            presented_token(&h),
            None,
            "a non-bearer Authorization is not a session"
        );
    }

    #[test]
    fn json_content_types() {
        let mut h = HeaderMap::new();
        assert!(!is_json_content_type(&h));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert!(is_json_content_type(&h));
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(!is_json_content_type(&h));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        assert!(!is_json_content_type(&h));
    }

    #[test]
    fn json_errors_do_not_echo_input() {
        let e =
            serde_json::from_str::<wt_api::LoginRequest>(r#"{"email": 5, "password": "sekrit"}"#)
                .err()
                .map(|e| describe_json_error(&e))
                .unwrap_or_default();
        assert!(!e.contains("sekrit"), "{e}");
        assert!(e.contains("expected"), "{e}");
    }
}
