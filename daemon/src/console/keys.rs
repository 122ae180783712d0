//! The Ingestion keys tab: the list per environment (for roles the permission matrix lets
//! read keys), a page per key with its hourly chart and the addresses it is used from,
//! and for owners and admins create, rotate (with a grace period) and revoke. Each is the
//! API's `service::keys` call; the API asks no step-up for keys, so neither does the
//! console, but rotate and revoke need a ticked box that names the key.
//!
//! A new secret is shown once: on the answer to the post that made it, with
//! `Cache-Control: no-store`, never in a URL. The key page's "used from" list is
//! refreshed by `console.js` from `/keys/{id}/sources` (the same markup, also no-store);
//! without JavaScript a reload does the same.
//!
//! Order of checks on a post: the CSRF token, the role (403 page), the key in this org
//! (404 page, whatever org the id is from), the confirmation box, then the service, whose
//! refusal (already revoked, already rotating) is shown on the key's page.

use super::csrf::{check_csrf, csrf_token};
use super::guard::{ConsoleError, Form, Signed, page};
use super::pages::{self, KeyForm, KeyRow, KeySection, Tab};
use super::{PageResult, viewer};
use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::service;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wt_api::{ApiKeyCreateRequest, ApiKeyListQuery, ApiKeyRotateRequest, Environment};
use wt_core::clock::rfc3339;
use wt_core::permissions::Permission;

#[derive(Debug, Default, Deserialize)]
pub(super) struct KeysQuery {
    #[serde(default)]
    done: Option<String>,
    /// One environment's keys only, paged by `cursor`.
    #[serde(default)]
    environment: Option<Environment>,
    #[serde(default)]
    cursor: Option<String>,
}

/// Fixed messages for `?done=` (never text from the URL itself).
fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "revoked" => Some("The key is revoked: it stopped working at once."),
        _ => None,
    }
}

/// A response that no browser or proxy may keep (a secret, or a live fragment).
fn no_store(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// The field of the create form an error is about, from the service's message.
fn error_field(e: &ApiError) -> Option<&'static str> {
    let ApiError::Validation(msg) = e else {
        return None;
    };
    ["owner_email", "expires", "allowed_cidrs", "environment"]
        .into_iter()
        .find(|f| msg.starts_with(f))
        .or_else(|| (msg.contains("CIDR") || msg.contains("network")).then_some("allowed_cidrs"))
        .or(Some("name"))
}

/// Keys per page of an environment's section.
pub const KEYS_PER_PAGE: u32 = 50;

async fn keys_page(
    state: &AppState,
    auth: &Auth,
    q: KeysQuery,
    error: Option<ApiError>,
    form: KeyForm<'_>,
) -> PageResult {
    // Both environments' first pages, or one environment's page at `cursor`: each section
    // is the API's list call (`GET /orgs/api-keys?environment=..&limit=50&include=usage`).
    let envs = match q.environment {
        Some(env) => vec![env],
        None => vec![Environment::Production, Environment::Sandbox],
    };
    let mut sections = Vec::with_capacity(envs.len());
    for env in envs {
        let page = service::keys::list(
            state,
            auth,
            ApiKeyListQuery {
                environment: Some(env),
                limit: Some(KEYS_PER_PAGE),
                cursor: q.environment.and(q.cursor.clone()),
                include: Some("usage".into()),
            },
        )
        .await?;
        sections.push(KeySection {
            environment: env,
            rows: page.items.into_iter().map(KeyRow::from).collect(),
            next: page.next_cursor,
            paged: q.environment.is_some() && q.cursor.as_deref().is_some_and(|c| !c.is_empty()),
        });
    }
    let csrf = csrf_token(state, &auth.session.id);
    let msg = error.as_ref().map(super::guard::message);
    let view = pages::KeysView {
        viewer: viewer(auth, &csrf, Some(Tab::Keys)),
        sections,
        one_environment: q.environment.is_some(),
        manage: auth.can(Permission::KeysManage),
        notice: notice(q.done.as_deref()),
        error: msg.as_deref(),
        form,
    };
    let status = error.as_ref().map_or(StatusCode::OK, ApiError::status);
    Ok(page(status, pages::keys(&view)))
}

pub(super) async fn keys(
    State(state): State<AppState>,
    Signed(auth): Signed,
    crate::extract::Query(q): crate::extract::Query<KeysQuery>,
) -> PageResult {
    keys_page(&state, &auth, q, None, KeyForm::default()).await
}

/// The create form.
#[derive(Debug, Deserialize)]
pub(super) struct CreateForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    environment: String,
    #[serde(default)]
    owner_email: String,
    #[serde(default)]
    expires: String,
    #[serde(default)]
    allowed_cidrs: String,
}

/// The expiry a choice of the form means, from `now`.
fn expiry(choice: &str, now: i64) -> Result<Option<String>, ApiError> {
    let days = match choice {
        "" | "never" => return Ok(None),
        "30d" => 30,
        "90d" => 90,
        "365d" => 365,
        _ => {
            return Err(ApiError::Validation(
                "expires: choose one of the lifetimes in the list".into(),
            ));
        }
    };
    Ok(Some(rfc3339(now + days * 86_400)))
}

/// CIDRs typed one per line or separated by commas or spaces.
fn split_cidrs(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

pub(super) async fn create(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<CreateForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    auth.require(Permission::KeysManage)?;
    let typed = || KeyForm {
        name: &f.name,
        environment: &f.environment,
        owner_email: &f.owner_email,
        expires: &f.expires,
        cidrs: &f.allowed_cidrs,
        error_field: None,
    };
    let req = Environment::parse(f.environment.trim())
        .ok_or_else(|| ApiError::Validation("environment: choose production or sandbox".into()))
        .and_then(|environment| {
            Ok(ApiKeyCreateRequest {
                name: f.name.clone(),
                environment,
                owner_email: f.owner_email.trim().to_string(),
                allowed_cidrs: split_cidrs(&f.allowed_cidrs),
                expires_at: expiry(f.expires.trim(), state.now())?,
            })
        });
    let outcome = match req {
        Ok(req) => service::keys::create(&state, &auth, &meta, req).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(created) => {
            let csrf = csrf_token(&state, &auth.session.id);
            let view = pages::SecretView {
                viewer: viewer(&auth, &csrf, Some(Tab::Keys)),
                key: &created.key,
                secret: &created.secret,
                previous: None,
            };
            Ok(no_store(page(StatusCode::OK, pages::key_secret(&view))))
        }
        Err(ApiError::Unauthenticated) => Err(ConsoleError(ApiError::Unauthenticated)),
        Err(e @ ApiError::Forbidden(_)) => Err(ConsoleError(e)),
        Err(e) => {
            let form = KeyForm {
                error_field: error_field(&e),
                ..typed()
            };
            keys_page(&state, &auth, KeysQuery::default(), Some(e), form).await
        }
    }
}

/// The key page, with an error (and its status) when an action was refused.
async fn key_page(
    state: &AppState,
    auth: &Auth,
    id: &str,
    notice: Option<&'static str>,
    error: Option<ApiError>,
) -> PageResult {
    let detail = service::keys::show(state, auth, id).await?;
    let usage = service::keys::usage_hours(state, auth, &[id]).await?;
    let counts = usage.of(id);
    let csrf = csrf_token(state, &auth.session.id);
    let msg = error.as_ref().map(super::guard::message);
    let view = pages::KeyView {
        viewer: viewer(auth, &csrf, Some(Tab::Keys)),
        key: &detail.key,
        sources: &detail.sources,
        usage: &counts,
        first_hour: usage.first_hour,
        manage: auth.can(Permission::KeysManage),
        notice,
        error: msg.as_deref(),
    };
    let status = error.as_ref().map_or(StatusCode::OK, ApiError::status);
    Ok(page(status, pages::key(&view)))
}

pub(super) async fn key(
    State(state): State<AppState>,
    Signed(auth): Signed,
    Path(id): Path<String>,
    crate::extract::Query(q): crate::extract::Query<KeysQuery>,
) -> PageResult {
    key_page(&state, &auth, &id, notice(q.done.as_deref()), None).await
}

/// The key page's "used from" list alone, for `console.js` to refresh it.
pub(super) async fn sources(
    State(state): State<AppState>,
    Signed(auth): Signed,
    Path(id): Path<String>,
) -> PageResult {
    let detail = service::keys::show(&state, &auth, &id).await?;
    let still = detail.key.status == wt_api::ApiKeyStatus::Rotating;
    Ok(no_store(page(
        StatusCode::OK,
        pages::key_sources(&detail.sources, still),
    )))
}

/// Rotate and revoke: the CSRF token, the confirmation box and, for a rotation, the grace
/// period in seconds (one of [`pages::GRACE_CHOICES`]).
#[derive(Debug, Deserialize)]
pub(super) struct ActionForm {
    csrf: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    grace: String,
}

/// The key `id` of the signed-in member's org, for someone who may manage keys: 403 for
/// any other role, 404 for an id that is not a key of this org. Returns its name and mask.
async fn managed(state: &AppState, auth: &Auth, id: &str) -> Result<String, ApiError> {
    auth.require(Permission::KeysManage)?;
    let detail = service::keys::show(state, auth, id).await?;
    Ok(format!(
        "{} ({})",
        detail.key.name,
        pages::key_mask(&detail.key)
    ))
}

/// The page again with `e` shown, unless the sign-in itself has lapsed.
async fn key_error(state: &AppState, auth: &Auth, id: &str, e: ApiError) -> PageResult {
    if matches!(e, ApiError::Unauthenticated) {
        return Err(ConsoleError(e));
    }
    key_page(state, auth, id, None, Some(e)).await
}

pub(super) async fn rotate(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let who = managed(&state, &auth, &id).await?;
    if f.confirm != "yes" {
        let e = ApiError::Validation(format!("tick the box to confirm that you rotate {who}"));
        return key_error(&state, &auth, &id, e).await;
    }
    let grace = f
        .grace
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|g| pages::GRACE_CHOICES.iter().any(|(s, _)| s == g));
    let Some(grace) = grace else {
        let e = ApiError::Validation("choose one of the grace periods in the list".into());
        return key_error(&state, &auth, &id, e).await;
    };
    let req = ApiKeyRotateRequest {
        grace_seconds: Some(grace),
    };
    match service::keys::rotate(&state, &auth, &meta, &id, req).await {
        Ok(rotated) => {
            let csrf = csrf_token(&state, &auth.session.id);
            let view = pages::SecretView {
                viewer: viewer(&auth, &csrf, Some(Tab::Keys)),
                key: &rotated.key,
                secret: &rotated.secret,
                previous: Some((&rotated.previous_id, &rotated.previous_expires_at)),
            };
            Ok(no_store(page(StatusCode::OK, pages::key_secret(&view))))
        }
        Err(e) => key_error(&state, &auth, &id, e).await,
    }
}

pub(super) async fn revoke(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let who = managed(&state, &auth, &id).await?;
    if f.confirm != "yes" {
        let e = ApiError::Validation(format!("tick the box to confirm that you revoke {who}"));
        return key_error(&state, &auth, &id, e).await;
    }
    match service::keys::revoke(&state, &auth, &meta, &id).await {
        Ok(()) => Ok(Redirect::to(&format!("/keys/{id}?done=revoked")).into_response()),
        Err(e) => key_error(&state, &auth, &id, e).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_fixed_text() {
        assert_eq!(notice(Some("<b>hi</b>")), None);
        assert!(notice(Some("revoked")).is_some());
    }

    #[test]
    fn expiry_choices_and_cidr_lists() {
        assert_eq!(expiry("never", 0).ok(), Some(None));
        assert_eq!(
            expiry("30d", 0).ok().flatten().as_deref(),
            Some("1970-01-31T00:00:00Z")
        );
        assert!(expiry("5y", 0).is_err());
        assert_eq!(
            split_cidrs("10.0.0.0/8,\n 192.0.2.1/32  2001:db8::/32"),
            vec!["10.0.0.0/8", "192.0.2.1/32", "2001:db8::/32"]
        );
        assert!(split_cidrs(" \n,").is_empty());
    }

    #[test]
    fn errors_point_at_their_field() {
        let v = |m: &str| error_field(&ApiError::Validation(m.into()));
        assert_eq!(v("owner_email: x is not a member"), Some("owner_email"));
        assert_eq!(v("invalid CIDR 10.0.0.0/33"), Some("allowed_cidrs"));
        assert_eq!(v("name is longer than 100 characters"), Some("name"));
        assert_eq!(error_field(&ApiError::NotFound), None);
    }
}
