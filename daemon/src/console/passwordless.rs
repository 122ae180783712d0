//! Passwordless sign-in in the console: the login page's offer (a button, and conditional
//! UI in the address field's autofill), the ceremony page and its answer. Thin, over
//! `service::passwordless`; the markup is `pages::passkeys`.

use super::guard::Form;
use super::pages::passkeys::{self as pk_pages, Ceremony, CeremonyView, SigninOffer};
use super::pages::{self, Problem};
use super::{PageResult, after_sign_in, form_error, login_link, next_of, ok, with_session};
use crate::error::ApiError;
use crate::extract::ClientMeta;
use crate::service;
use crate::state::AppState;
use axum::extract::State;
use serde::Deserialize;

/// The login page with the passwordless offer: the conditional-UI ceremony is started
/// here (when passkeys are available; the page works without it).
pub(super) async fn login_page(state: &AppState, conditional: bool, next: &str) -> maud::Markup {
    if service::passkeys::availability(state).is_err() {
        return pages::login(None, "", "", false, next);
    }
    let started = if conditional {
        service::passwordless::begin(state).await.ok()
    } else {
        None
    };
    let offer = SigninOffer {
        org: "",
        ask_org: false,
        conditional: started
            .as_ref()
            .map(|s| (s.id.as_str(), s.options_json.as_str())),
        next,
    };
    pages::login_with(None, "", "", false, Some(&offer), next)
}

/// The login page again with a message about the passkey sign-in (and the org field of
/// the passkey offer when the account is in several orgs).
fn signin_error(e: ApiError, org: &str, next: &str) -> PageResult {
    let ask_org = matches!(e, ApiError::OrgRequired(_)) || !org.trim().is_empty();
    let offer = SigninOffer {
        org,
        ask_org,
        conditional: None,
        next,
    };
    form_error(e, |m| {
        pages::login_with(Some(Problem::form(m)), "", "", false, Some(&offer), next)
    })
}

#[derive(Debug, Deserialize)]
pub(super) struct StartForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    next: String,
}

/// "Sign in with a passkey": the ceremony page (the browser's passkey prompt).
pub(super) async fn start(State(state): State<AppState>, Form(f): Form<StartForm>) -> PageResult {
    let org = f.org.trim().to_string();
    let next = next_of(&f.next);
    let started = match service::passwordless::begin(&state).await {
        Ok(s) => s,
        Err(e) => return signin_error(e, &org, next),
    };
    let back = login_link(next, "password");
    ok(pk_pages::ceremony(&CeremonyView {
        viewer: None,
        title: "Sign in with a passkey",
        intro: "Your browser will ask you to pick one of your passkeys for this site and confirm with your screen lock or security key. This page lapses in 5 minutes.",
        kind: Ceremony::Get,
        options_json: &started.options_json,
        action: "/login/passkey/signin",
        hidden: vec![("ceremony", &started.id), ("org", &org), ("next", next)],
        button: "Use a passkey",
        back: (&back, "Sign in with a password instead"),
        error: None,
    }))
}

#[derive(Debug, Deserialize)]
pub(super) struct AnswerForm {
    ceremony: String,
    #[serde(default)]
    credential: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    next: String,
}

/// The browser's answer: a session, as after password + second factor.
pub(super) async fn finish(
    State(state): State<AppState>,
    meta: ClientMeta,
    Form(f): Form<AnswerForm>,
) -> PageResult {
    let org = f.org.trim();
    let slug = (!org.is_empty()).then_some(org);
    let next = next_of(&f.next);
    match service::passwordless::finish(&state, &meta, &f.ceremony, &f.credential, slug).await {
        Ok(issued) => with_session(&state, &issued, after_sign_in(next)),
        Err(e) => signin_error(e, org, next),
    }
}
