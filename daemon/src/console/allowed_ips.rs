//! The Allowed IPs tab: the org's list for roles that may read it, and for owners and
//! admins adding and removing networks. No edit happens straight from the list: the add
//! form and each remove button post to a dry run (`service::allowed_ips::check`, the
//! API's `POST /orgs/allowed-ips/check` that `wt allowed-ips check` calls) of the list the
//! edit would make; its page shows who would be cut off and holds the confirmation form,
//! which renews the session's step-up with the password (and code) and calls the API's
//! `add` or `remove`, whose lock-out guard still applies.
//!
//! Order of checks on a post: the CSRF token, the role (403 page), the entry in this org
//! (404 page otherwise), the input, the step-up, then the service.

use super::csrf::{check_csrf, csrf_token};
use super::guard::{ConsoleError, Form, Signed, page};
use super::pages::{self, IpChange, Tab};
use super::{PageResult, nonempty, viewer};
use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::service;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use wt_api::{AllowedIp, AllowedIpCheckRequest, AllowedIpCreateRequest, StepUpRequest};
use wt_core::permissions::Permission;

#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    done: Option<String>,
}

/// Fixed messages for `?done=` (never text from the URL itself).
fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "added" => Some("The network is allowed; the list applies from the next request."),
        "removed" => Some("The network is removed; the list applies from the next request."),
        _ => None,
    }
}

/// The list page; `error` (with its status) and the add form's values after a refusal.
async fn list_page(
    state: &AppState,
    auth: &Auth,
    notice: Option<&str>,
    error: Option<ApiError>,
    cidr: &str,
    note: &str,
) -> PageResult {
    if matches!(error, Some(ApiError::Unauthenticated)) {
        return Err(ConsoleError(ApiError::Unauthenticated));
    }
    let entries = service::allowed_ips::list(state, auth).await?;
    let csrf = csrf_token(state, &auth.session.id);
    let msg = error.as_ref().map(super::guard::message);
    let view = pages::AllowedIpsView {
        viewer: viewer(auth, &csrf, Some(Tab::AllowedIps)),
        entries,
        manage: auth.can(Permission::AllowedIpsManage),
        notice,
        error: msg.as_deref(),
        cidr,
        note,
    };
    let status = error.as_ref().map_or(StatusCode::OK, ApiError::status);
    Ok(page(status, pages::allowed_ips(&view)))
}

pub(super) async fn allowed_ips(
    State(state): State<AppState>,
    Signed(auth): Signed,
    crate::extract::Query(q): crate::extract::Query<ListQuery>,
) -> PageResult {
    list_page(&state, &auth, notice(q.done.as_deref()), None, "", "").await
}

/// The entry `id` of the signed-in member's org, for someone who may edit the list: 403
/// for any other role, 404 for an id that is not this org's.
async fn managed(state: &AppState, auth: &Auth, id: &str) -> Result<AllowedIp, ApiError> {
    auth.require(Permission::AllowedIpsManage)?;
    service::allowed_ips::list(state, auth)
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or(ApiError::NotFound)
}

/// The list an edit would make, as CIDR strings for the dry run.
async fn proposed(
    state: &AppState,
    auth: &Auth,
    change: &IpChange<'_>,
) -> Result<Vec<String>, ApiError> {
    let current = service::allowed_ips::list(state, auth).await?;
    Ok(match change {
        IpChange::Add { cidr, .. } => current
            .into_iter()
            .map(|e| e.cidr)
            .chain(std::iter::once(cidr.to_string()))
            .collect(),
        IpChange::Remove { id, .. } => current
            .into_iter()
            .filter(|e| e.id != *id)
            .map(|e| e.cidr)
            .collect(),
    })
}

/// The dry run of `change` and its confirmation form, with `error` when a confirmation
/// was refused. A dry run that itself fails (a malformed network) is shown on the list.
async fn dry_run_page(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
    change: IpChange<'_>,
    error: Option<ApiError>,
) -> PageResult {
    if matches!(error, Some(ApiError::Unauthenticated)) {
        return Err(ConsoleError(ApiError::Unauthenticated));
    }
    let check = async {
        let cidrs = proposed(state, auth, &change).await?;
        let req = AllowedIpCheckRequest { cidrs: Some(cidrs) };
        service::allowed_ips::check(state, auth, meta, req).await
    }
    .await;
    let result = match check {
        Ok(r) => r,
        Err(e) => {
            let (cidr, note) = match change {
                IpChange::Add { cidr, note } => (cidr, note),
                IpChange::Remove { .. } => ("", ""),
            };
            return list_page(state, auth, None, Some(e), cidr, note).await;
        }
    };
    let csrf = csrf_token(state, &auth.session.id);
    let msg = error.as_ref().map(super::guard::message);
    let view = pages::DryRunView {
        viewer: viewer(auth, &csrf, Some(Tab::AllowedIps)),
        change,
        result: &result,
        code: auth.user.mfa_enabled,
        passkey: service::passkeys::offer_step_up(state, auth).await,
        error: msg.as_deref(),
    };
    let status = error.as_ref().map_or(StatusCode::OK, ApiError::status);
    Ok(page(status, pages::allowed_ips_dry_run(&view)))
}

/// A network as typed, normalised (`10.1.2.3/8` is `10.0.0.0/8`), or why not.
fn parse_network(cidr: &str) -> Result<String, ApiError> {
    let cidr = cidr.trim();
    if cidr.is_empty() {
        return Err(ApiError::Validation(
            "type a network (10.0.0.0/8, 2001:db8::/32) or a single address".into(),
        ));
    }
    wt_core::netaddr::parse_cidr(cidr)
        .map(|n| n.to_string())
        .map_err(|e| ApiError::Validation(e.to_string()))
}

#[derive(Debug, Deserialize)]
pub(super) struct AddCheckForm {
    csrf: String,
    #[serde(default)]
    cidr: String,
    #[serde(default)]
    note: String,
}

/// The add form: the dry run of the list with the network added.
pub(super) async fn check_add(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Form(f): Form<AddCheckForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    auth.require(Permission::AllowedIpsManage)?;
    let cidr = match parse_network(&f.cidr) {
        Ok(c) => c,
        Err(e) => return list_page(&state, &auth, None, Some(e), &f.cidr, &f.note).await,
    };
    let change = IpChange::Add {
        cidr: &cidr,
        note: f.note.trim(),
    };
    dry_run_page(&state, &auth, &meta, change, None).await
}

/// A remove button: the dry run of the list without the entry.
pub(super) async fn check_remove(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Path(id): Path<String>,
    Form(f): Form<super::CsrfForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let entry = managed(&state, &auth, &id).await?;
    let change = IpChange::Remove {
        id: &entry.id,
        cidr: &entry.cidr,
    };
    dry_run_page(&state, &auth, &meta, change, None).await
}

/// The dry run's confirmation: the password (and code), and `force` when the viewer's
/// own address would be refused.
#[derive(Debug, Deserialize)]
pub(super) struct ConfirmForm {
    csrf: String,
    #[serde(default)]
    cidr: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    force: String,
}

/// Renews the session's step-up with the confirmation's password (and code).
async fn step_up(
    state: &AppState,
    auth: &mut Auth,
    meta: &ClientMeta,
    f: &ConfirmForm,
) -> Result<(), ApiError> {
    // No password after a recent sign-in or step-up (a passkey's, from this page).
    if f.password.is_empty() && super::passkeys::confirmed_recently(auth, state.now()) {
        return Ok(());
    }
    let req = StepUpRequest {
        password: f.password.clone(),
        code: nonempty(f.code.clone()),
    };
    service::mfa::session_step_up(state, auth, meta, req).await?;
    // The store has the step-up; this request's copy of the session gets it too.
    auth.session.step_up_at = Some(state.now());
    Ok(())
}

/// The confirmation of an add: step-up, then the API's add.
pub(super) async fn add(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(mut auth): Signed,
    Form(f): Form<ConfirmForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    auth.require(Permission::AllowedIpsManage)?;
    let cidr = match parse_network(&f.cidr) {
        Ok(c) => c,
        Err(e) => return list_page(&state, &auth, None, Some(e), &f.cidr, &f.note).await,
    };
    let result = async {
        step_up(&state, &mut auth, &meta, &f).await?;
        let req = AllowedIpCreateRequest {
            cidr: cidr.clone(),
            note: nonempty(f.note.clone()),
            force: f.force == "yes",
        };
        service::allowed_ips::add(&state, &auth, &meta, req).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/allowed-ips?done=added").into_response()),
        Err(e) => {
            let change = IpChange::Add {
                cidr: &cidr,
                note: f.note.trim(),
            };
            dry_run_page(&state, &auth, &meta, change, Some(e)).await
        }
    }
}

/// The confirmation of a removal: step-up, then the API's remove.
pub(super) async fn remove(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(mut auth): Signed,
    Path(id): Path<String>,
    Form(f): Form<ConfirmForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let entry = managed(&state, &auth, &id).await?;
    let result = async {
        step_up(&state, &mut auth, &meta, &f).await?;
        service::allowed_ips::remove(&state, &auth, &meta, &id, f.force == "yes").await
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/allowed-ips?done=removed").into_response()),
        Err(e) => {
            let change = IpChange::Remove {
                id: &entry.id,
                cidr: &entry.cidr,
            };
            dry_run_page(&state, &auth, &meta, change, Some(e)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_fixed_text() {
        assert_eq!(notice(Some("<b>x</b>")), None);
        assert!(notice(Some("added")).is_some());
    }

    #[test]
    fn networks_are_normalised_or_refused() {
        assert_eq!(
            parse_network(" 10.1.2.3/8 ").ok().as_deref(),
            Some("10.0.0.0/8")
        );
        assert!(parse_network("").is_err());
        assert!(parse_network("10.0.0.0/33").is_err());
        assert!(parse_network("example.com").is_err());
    }
}
