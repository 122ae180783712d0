//! The Invites tab (an owner's or admin's view of the org's invites; the invitee's link
//! is `invite`): the list for roles that may read members, and for those that may manage
//! them, inviting one person or a pasted CSV list, resending and revoking. Each is the
//! API's `service::invites` call; granting admin or owner needs a recent sign-in, which
//! the optional password (and code) on the forms renews.

use super::csrf::{check_csrf, csrf_token};
use super::guard::{ConsoleError, Form, Signed, page};
use super::members::grantable;
use super::pages::{self, CsvOutcome, InviteRow, Tab};
use super::{PageResult, nonempty, viewer};
use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::service;
use crate::state::AppState;
use crate::wire::invite_json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use wt_api::{InviteCreateRequest, InviteStatus, Role, StepUpRequest};
use wt_core::permissions::Permission;

/// The most lines one pasted list may have: each is an invite and a mail.
pub const MAX_CSV_LINES: usize = 200;

#[derive(Debug, Deserialize)]
pub(super) struct InvitesQuery {
    #[serde(default)]
    done: Option<String>,
}

/// Fixed messages for `?done=` (never text from the URL itself).
fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "invited" => Some("The invite is sent."),
        "resent" => Some("The invite is sent again with a new link; the old link no longer works."),
        "revoked" => Some("The invite is revoked; its link no longer works."),
        _ => None,
    }
}

fn status_key(s: InviteStatus) -> &'static str {
    match s {
        InviteStatus::Pending => "pending",
        InviteStatus::Accepted => "accepted",
        InviteStatus::Expired => "expired",
        InviteStatus::Revoked => "revoked",
    }
}

/// What a page of the tab shows besides the list.
#[derive(Default)]
struct Extra<'a> {
    notice: Option<&'a str>,
    error: Option<ApiError>,
    csv: Vec<CsvOutcome>,
    email: &'a str,
    csv_text: &'a str,
}

async fn invites_page(state: &AppState, auth: &Auth, extra: Extra<'_>) -> PageResult {
    let now = state.now();
    let rows = service::invites::list(state, auth)
        .await?
        .iter()
        .map(|i| {
            let j = invite_json(i, now);
            InviteRow {
                status: status_key(j.status),
                id: j.id,
                email: j.email,
                role: j.role.to_string(),
                invited_by: j.invited_by.unwrap_or_else(|| "-".into()),
                expires_at: j.expires_at,
            }
        })
        .collect();
    let csrf = csrf_token(state, &auth.session.id);
    let msg = extra.error.as_ref().map(super::guard::message);
    let view = pages::InvitesView {
        viewer: viewer(auth, &csrf, Some(Tab::Invites)),
        rows,
        manage: auth.can(Permission::MembersManage),
        grantable: grantable(auth),
        code: auth.user.mfa_enabled,
        notice: extra.notice,
        error: msg.as_deref(),
        csv: extra.csv,
        email: extra.email,
        csv_text: extra.csv_text,
    };
    let status = extra
        .error
        .as_ref()
        .map_or(StatusCode::OK, ApiError::status);
    Ok(page(status, pages::invites(&view)))
}

/// The page again with `e` shown, unless the sign-in itself has lapsed.
async fn invites_error(state: &AppState, auth: &Auth, e: ApiError, extra: Extra<'_>) -> PageResult {
    if matches!(e, ApiError::Unauthenticated) {
        return Err(ConsoleError(e));
    }
    let extra = Extra {
        error: Some(e),
        ..extra
    };
    invites_page(state, auth, extra).await
}

pub(super) async fn invites(
    State(state): State<AppState>,
    Signed(auth): Signed,
    crate::extract::Query(q): crate::extract::Query<InvitesQuery>,
) -> PageResult {
    let extra = Extra {
        notice: notice(q.done.as_deref()),
        ..Extra::default()
    };
    invites_page(&state, &auth, extra).await
}

/// Renews the session's step-up when a password was typed (optional on these forms).
async fn maybe_step_up(
    state: &AppState,
    auth: &mut Auth,
    meta: &ClientMeta,
    password: String,
    code: String,
) -> Result<(), ApiError> {
    if password.is_empty() {
        return Ok(());
    }
    let req = StepUpRequest {
        password,
        code: nonempty(code),
    };
    service::mfa::session_step_up(state, auth, meta, req).await?;
    // The store has the step-up; this request's copy of the session gets it too.
    auth.session.step_up_at = Some(state.now());
    Ok(())
}

fn parse_role(s: &str) -> Result<Role, ApiError> {
    let s = s.trim().to_ascii_lowercase();
    Role::parse(&s).ok_or_else(|| {
        ApiError::Validation(format!(
            "unknown role {s:?}: one of owner, admin, risk_lead, analyst, viewer"
        ))
    })
}

#[derive(Debug, Deserialize)]
pub(super) struct InviteForm {
    csrf: String,
    email: String,
    role: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

pub(super) async fn create(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(mut auth): Signed,
    Form(f): Form<InviteForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    auth.require(Permission::MembersManage)?;
    let kept = Extra {
        email: &f.email,
        ..Extra::default()
    };
    let result = async {
        let role = parse_role(&f.role)?;
        maybe_step_up(&state, &mut auth, &meta, f.password.clone(), f.code.clone()).await?;
        let req = InviteCreateRequest {
            email: f.email.clone(),
            role,
        };
        service::invites::create(&state, &auth, &meta, req).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/invites?done=invited").into_response()),
        Err(e) => invites_error(&state, &auth, e, kept).await,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct CsvForm {
    csrf: String,
    csv: String,
    role: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

/// One line of a pasted list: its number (from 1) and the email and role it names.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct CsvLine {
    line: usize,
    email: String,
    role: Result<Role, String>,
}

/// Reads a pasted list: `email[,role]` per line (RFC 4180 quoting allowed), blank lines
/// and a header line `email,...` skipped, `default` for lines without a role. More than
/// [`MAX_CSV_LINES`] lines, or text that is not CSV, is refused whole.
pub(super) fn parse_csv(text: &str, default: Role) -> Result<Vec<CsvLine>, ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| {
            ApiError::Validation(format!("the list is not CSV (line {}): {e}", i + 1))
        })?;
        let line = rec.position().map_or(i + 1, |p| p.line() as usize);
        let email = rec.get(0).unwrap_or_default();
        if email.is_empty() || (out.is_empty() && email.eq_ignore_ascii_case("email")) {
            continue;
        }
        if out.len() == MAX_CSV_LINES {
            return Err(ApiError::Validation(format!(
                "the list has more than {MAX_CSV_LINES} people: send it in parts"
            )));
        }
        let role = match rec.get(1).filter(|r| !r.is_empty()) {
            None => Ok(default),
            Some(r) => parse_role(r).map_err(|e| super::guard::message(&e)),
        };
        out.push(CsvLine {
            line,
            email: email.to_string(),
            role,
        });
    }
    if out.is_empty() {
        return Err(ApiError::Validation(
            "the list is empty: one email (and role) a line".into(),
        ));
    }
    Ok(out)
}

pub(super) async fn create_csv(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(mut auth): Signed,
    Form(f): Form<CsvForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    auth.require(Permission::MembersManage)?;
    let kept = Extra {
        csv_text: &f.csv,
        ..Extra::default()
    };
    let lines = match parse_role(&f.role).and_then(|default| parse_csv(&f.csv, default)) {
        Ok(lines) => lines,
        Err(e) => return invites_error(&state, &auth, e, kept).await,
    };
    if let Err(e) = maybe_step_up(&state, &mut auth, &meta, f.password, f.code).await {
        return invites_error(&state, &auth, e, kept).await;
    }
    let mut csv = Vec::with_capacity(lines.len());
    for l in lines {
        let result = match l.role {
            Err(why) => Err(why),
            Ok(role) => {
                let req = InviteCreateRequest {
                    email: l.email.clone(),
                    role,
                };
                match service::invites::create(&state, &auth, &meta, req).await {
                    Ok(rec) => Ok(rec.role.to_string()),
                    Err(ApiError::Unauthenticated) => {
                        return Err(ConsoleError(ApiError::Unauthenticated));
                    }
                    Err(e) => Err(super::guard::message(&e)),
                }
            }
        };
        csv.push(CsvOutcome {
            line: l.line,
            email: l.email,
            result,
        });
    }
    let extra = Extra {
        notice: Some("The list is processed: see each line's result."),
        csv,
        ..Extra::default()
    };
    invites_page(&state, &auth, extra).await
}

/// The invite `id` of the signed-in member's org, for someone who may manage members:
/// 403 for any other role, 404 for an id that is not this org's.
async fn managed(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> Result<wt_store::InviteRecord, ApiError> {
    auth.require(Permission::MembersManage)?;
    service::invites::list(state, auth)
        .await?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or(ApiError::NotFound)
}

#[derive(Debug, Deserialize)]
pub(super) struct ResendForm {
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

pub(super) async fn resend(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(mut auth): Signed,
    Path(id): Path<String>,
    Form(f): Form<ResendForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    let invite = managed(&state, &auth, &id).await?;
    let result = async {
        maybe_step_up(&state, &mut auth, &meta, f.password, f.code).await?;
        service::invites::resend(&state, &auth, &meta, &id).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/invites?done=resent").into_response()),
        // Granting admin or owner: ask for the password (and code), naming the invitee.
        Err(
            e @ (ApiError::StepUpRequired
            | ApiError::InvalidCredentials
            | ApiError::MfaCodeRequired
            | ApiError::InvalidCode),
        ) => {
            let csrf = csrf_token(&state, &auth.session.id);
            let shown = (!matches!(e, ApiError::StepUpRequired)).then(|| super::guard::message(&e));
            Ok(page(
                e.status(),
                pages::invite_step_up(
                    &viewer(&auth, &csrf, Some(Tab::Invites)),
                    &invite.id,
                    &invite.email,
                    auth.user.mfa_enabled,
                    shown.as_deref(),
                ),
            ))
        }
        Err(e) => invites_error(&state, &auth, e, Extra::default()).await,
    }
}

pub(super) async fn revoke(
    State(state): State<AppState>,
    meta: ClientMeta,
    Signed(auth): Signed,
    Path(id): Path<String>,
    Form(f): Form<super::CsrfForm>,
) -> PageResult {
    check_csrf(&state, &auth, &f.csrf)?;
    managed(&state, &auth, &id).await?;
    match service::invites::revoke(&state, &auth, &meta, &id).await {
        Ok(()) => Ok(Redirect::to("/invites?done=revoked").into_response()),
        Err(e) => invites_error(&state, &auth, e, Extra::default()).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_lines_with_and_without_roles() {
        let text = "email,role\nann@a.test, analyst\n\n\"bob@a.test\"\ncy@a.test,wizard\n";
        let lines = parse_csv(text, Role::Viewer).unwrap_or_default();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(lines[0].email, "ann@a.test");
        assert_eq!(lines[0].role, Ok(Role::Analyst));
        assert_eq!(lines[0].line, 2);
        assert_eq!(lines[1].role, Ok(Role::Viewer), "the default");
        assert!(lines[2].role.as_ref().is_err_and(|e| e.contains("wizard")));
    }

    #[test]
    fn empty_or_oversized_lists_are_refused() {
        assert!(parse_csv("\n  \n", Role::Viewer).is_err());
        let many: String = (0..=MAX_CSV_LINES)
            .map(|i| format!("p{i}@a.test\n"))
            .collect();
        assert!(parse_csv(&many, Role::Viewer).is_err());
        let most: String = (0..MAX_CSV_LINES)
            .map(|i| format!("p{i}@a.test\n"))
            .collect();
        assert_eq!(
            parse_csv(&most, Role::Viewer).map(|l| l.len()).ok(),
            Some(MAX_CSV_LINES)
        );
    }

    #[test]
    fn notices_are_fixed_text() {
        assert_eq!(notice(Some("<i>x</i>")), None);
        assert!(notice(Some("revoked")).is_some());
    }
}
