//! The Readiness tab: the API's readiness report (`service::readiness::evaluate`, the
//! checklist `wt check` prints) as a page. Evidence the role may not read is already left
//! out by the service and only counted; the page adds, for a failing or warning item, the
//! console page that acts on it when the viewer may open that page.

use super::guard::{Signed, page};
use super::pages::{self, CheckView, Tab};
use super::{PageResult, viewer};
use crate::extract::Auth;
use crate::service;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use wt_core::permissions::Permission;

/// The console page for a check, if one acts on it and the viewer may open it; other
/// checks have their `wt` command only (keys and mail have no tab yet).
fn console_link(auth: &Auth, check_id: &str) -> Option<(&'static str, &'static str)> {
    match check_id {
        "mfa" if auth.can(Permission::MembersRead) => Some((
            "/members",
            "Open the Members tab: members without the two-factor authentication their role requires are highlighted",
        )),
        "mfa" => Some((
            "/security",
            "Set up two-factor authentication on the Security tab",
        )),
        "phishing_resistant_mfa" => Some((
            "/security",
            "Add a passkey on the Security tab (each listed member, on their own account)",
        )),
        "least_privilege" if auth.can(Permission::MembersManage) => {
            Some(("/members", "Review roles on the Members tab"))
        }
        "audit_reviewed" if auth.can(Permission::AuditReview) => Some((
            "/audit",
            "Open the Audit log tab: read the entries, then mark them reviewed",
        )),
        _ => None,
    }
}

pub(super) async fn readiness(State(state): State<AppState>, Signed(auth): Signed) -> PageResult {
    let report = service::readiness::evaluate(&state, &auth).await?;
    let checks = report
        .checks
        .iter()
        .map(|check| CheckView {
            check,
            link: console_link(&auth, &check.id),
        })
        .collect();
    let csrf = super::csrf::csrf_token(&state, &auth.session.id);
    let view = pages::ReadinessView {
        viewer: viewer(&auth, &csrf, Some(Tab::Readiness)),
        report: &report,
        checks,
    };
    Ok(page(StatusCode::OK, pages::readiness(&view)))
}
