//! The Members tab: the list (for roles the permission matrix lets read it) and, for
//! owners and admins, a page per member to change their role, end their sessions, reset
//! their MFA or remove them. Each action is the API's `service` call, after the acting
//! member confirms with their password (and code) — a step-up of the session — and ticks
//! a box that names the person.
//!
//! Order of checks on a post: the CSRF token (no token, nothing else happens), the role
//! (403 page), the member in this org (404 page otherwise, whatever org the id is from),
//! the confirmation box, the step-up, then the service with its guard rails (last owner,
//! no self-change, nothing above one's own role), whose refusal is shown on the page.

use super::csrf::{check_csrf, csrf_token};
use super::guard::{Form, Signed, page};
use super::pages::{self, MemberRow, MfaCell, Tab};
use super::{PageResult, viewer};
use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::service;
use crate::service::members::{MemberOverview, MfaState};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use wt_api::{Role, StepUpRequest};
use wt_core::permissions::{Permission, check_role_grant};

#[derive(Debug, Deserialize)]
pub(super) struct MembersQuery {
    #[serde(default)]
    done: Option<String>,
}

/// Fixed messages for `?done=` (never text from the URL itself).
fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "role" => Some("The role is changed."),
        "sessions" => Some("Their sessions have ended."),
        "mfa" => Some(
            "Their two-factor authentication is reset; they set it up again at their next sign-in.",
        ),
        "removed" => Some("The member is removed; their sessions have ended."),
        _ => None,
    }
}

fn row(o: MemberOverview, auth: &Auth) -> MemberRow {
    MemberRow {
        is_you: o.member.user.id == auth.user.id,
        id: o.member.user.id,
        name: o.member.user.name,
        email: o.member.user.email,
        role: o.member.role.to_string(),
        mfa: match o.mfa {
            MfaState::On => MfaCell::On,
            MfaState::Off => MfaCell::Off,
            MfaState::Missing => MfaCell::Missing,
        },
        mfa_methods: o.mfa_methods,
        last_sign_in: o.last_sign_in,
        sessions: o.sessions,
    }
}

pub(super) async fn members(
    State(state): State<AppState>,
    Signed(auth): Signed,
    crate::extract::Query(q): crate::extract::Query<MembersQuery>,
) -> PageResult {
    let rows = service::members::overview(&state, &auth)
        .await?
        .into_iter()
        .map(|o| row(o, &auth))
        .collect();
    let csrf = csrf_token(&state, &auth.session.id);
    let view = pages::MembersView {
        viewer: viewer(&auth, &csrf, Some(Tab::Members)),
        rows,
        manage: auth.can(Permission::MembersManage),
        notice: notice(q.done.as_deref()),
        error: None,
    };
    Ok(page(StatusCode::OK, pages::members(&view)))
}

/// The member `id` of the signed-in member's org, for someone who may manage members:
/// 403 for any other role, 404 for an id that is not a member of this org.
async fn managed(state: &AppState, auth: &Auth, id: &str) -> Result<MemberRow, ApiError> {
    auth.require(Permission::MembersManage)?;
    Ok(row(
        service::members::overview_one(state, auth, id).await?,
        auth,
    ))
}

/// Roles the signed-in member may grant anyone, for the role menu (the service checks
/// the target too).
pub(super) fn grantable(auth: &Auth) -> Vec<&'static str> {
    Role::ALL
        .into_iter()
        .filter(|r| check_role_grant(auth.role, false, None, *r).is_ok())
        .map(Role::as_str)
        .collect()
}

/// The member page, with an error (and its status) when an action was refused.
async fn member_page(
    state: &AppState,
    auth: &Auth,
    id: &str,
    error: Option<ApiError>,
) -> PageResult {
    let row = managed(state, auth, id).await?;
    let csrf = csrf_token(state, &auth.session.id);
    let msg = error.as_ref().map(super::guard::message);
    let view = pages::MemberView {
        viewer: viewer(auth, &csrf, Some(Tab::Members)),
        row: &row,
        grantable: grantable(auth),
        code: auth.user.mfa_enabled,
        passkey: service::passkeys::offer_step_up(state, auth).await,
        error: msg.as_deref(),
    };
    let status = error.as_ref().map_or(StatusCode::OK, ApiError::status);
    Ok(page(status, pages::member(&view)))
}

pub(super) async fn member(
    State(state): State<AppState>,
    Signed(auth): Signed,
    Path(id): Path<String>,
) -> PageResult {
    member_page(&state, &auth, &id, None).await
}

/// Every member action's form: the CSRF token, the confirmation box, the step-up and,
/// for a role change, the new role.
#[derive(Debug, Deserialize)]
pub(super) struct ActionForm {
    csrf: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    role: String,
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Role,
    EndSessions,
    ResetMfa,
    Remove,
}

async fn act(
    state: AppState,
    meta: ClientMeta,
    mut auth: Auth,
    id: String,
    f: ActionForm,
    action: Action,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let target = managed(&state, &auth, &id).await?;
    if f.confirm != "yes" {
        let e = ApiError::Validation(format!(
            "tick the box to confirm that this is about {} ({})",
            target.name, target.email
        ));
        return member_page(&state, &auth, &id, Some(e)).await;
    }
    // No password after a recent sign-in or step-up (a passkey's, on this page).
    if !(f.password.is_empty() && super::passkeys::confirmed_recently(&auth, state.now())) {
        let step_up = StepUpRequest {
            password: f.password,
            code: super::nonempty(f.code),
        };
        if let Err(e) = service::mfa::session_step_up(&state, &auth, &meta, step_up).await {
            return member_page(&state, &auth, &id, Some(e)).await;
        }
        // The store has the step-up; this request's copy of the session gets it too.
        auth.session.step_up_at = Some(state.now());
    }
    let (done, outcome) = match action {
        Action::Role => (
            "role",
            match Role::parse(f.role.trim()) {
                Some(r) => service::members::set_role(&state, &auth, &meta, &id, r)
                    .await
                    .map(drop),
                None => Err(ApiError::Validation(
                    "choose one of the roles in the list".into(),
                )),
            },
        ),
        Action::EndSessions => (
            "sessions",
            service::members::revoke_sessions(&state, &auth, &meta, &id)
                .await
                .map(drop),
        ),
        Action::ResetMfa => (
            "mfa",
            service::mfa::reset_member(&state, &auth, &meta, &id).await,
        ),
        Action::Remove => (
            "removed",
            service::members::remove(&state, &auth, &meta, &id).await,
        ),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/members?done={done}")).into_response()),
        Err(e) if matches!(e, ApiError::Unauthenticated) => Err(e.into()),
        Err(e) => member_page(&state, &auth, &id, Some(e)).await,
    }
}

pub(super) async fn change_role(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    act(state, meta, auth, id, f, Action::Role).await
}

pub(super) async fn end_sessions(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    act(state, meta, auth, id, f, Action::EndSessions).await
}

pub(super) async fn reset_mfa(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    act(state, meta, auth, id, f, Action::ResetMfa).await
}

pub(super) async fn remove(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    act(state, meta, auth, id, f, Action::Remove).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_fixed_text() {
        assert_eq!(notice(Some("<b>hi</b>")), None);
        assert!(notice(Some("removed")).is_some());
    }
}
