//! The credential lifecycle table (SECURITY.md J.59, SECURITY-COVERAGE.md): for every
//! change of a member's standing, every credential they hold or issued is tried after it,
//! and the outcome must be the table's cell. One fresh org per change.

use super::*;
use axum::extract::ConnectInfo;
use wt_core::mfa::code_at_step;

/// Where the member's own requests come from (the allowed-IP change leaves it outside).
const MEMBER_AT: &str = "192.0.2.50:40000";
const MEMBER: &str = "m@acme.test";
const NEW_PASSWORD: &str = "a different long passphrase 9";

/// Every change of standing the table has a column for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Removed,
    Demoted,
    Disabled,
    PasswordReset,
    PasswordChanged,
    MfaReset,
    MfaDisabled,
    SessionsEnded,
    AddressRefused,
}

/// What a credential did when tried after the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    /// Works, acting as an admin (sessions and tokens).
    Admin,
    /// Works, acting as an analyst (re-scoped).
    Analyst,
    /// Works (challenges, invites, reset tokens, keys).
    Live,
    /// Refused for good (401 or invalid).
    Dead,
    /// Refused from the member's address (403), not revoked.
    Refused,
}
use Cell::*;

/// (change, CLI session, console session, automation token, pending MFA login, invite the
/// member sent, reset token, ingestion key the member owns, device code the member
/// approved in the console and `wt login --web` has not redeemed yet)
const TABLE: [(Change, [Cell; 8]); 9] = [
    (
        Change::Removed,
        [Dead, Dead, Dead, Dead, Dead, Live, Live, Dead],
    ),
    (
        Change::Demoted,
        [Analyst, Analyst, Analyst, Live, Dead, Live, Live, Dead],
    ),
    (
        Change::Disabled,
        [Dead, Dead, Dead, Dead, Dead, Dead, Live, Dead],
    ),
    (
        Change::PasswordReset,
        [Dead, Dead, Dead, Dead, Live, Dead, Live, Dead],
    ),
    (
        Change::PasswordChanged,
        [Admin, Dead, Dead, Dead, Live, Dead, Live, Dead],
    ),
    (
        Change::MfaReset,
        [Dead, Dead, Dead, Dead, Live, Live, Live, Dead],
    ),
    (
        Change::MfaDisabled,
        [Admin, Dead, Dead, Dead, Live, Live, Live, Dead],
    ),
    (
        Change::SessionsEnded,
        [Dead, Dead, Dead, Dead, Live, Live, Live, Dead],
    ),
    (
        Change::AddressRefused,
        [
            Refused, Refused, Refused, Refused, Live, Live, Refused, Refused,
        ],
    ),
];

/// What the member holds or issued before the change.
struct Held {
    id: String,
    secret: Vec<u8>,
    cli: String,
    console_cookie: String,
    token: String,
    challenge: String,
    invite: String,
    reset: String,
    key: String,
    /// A device code (`wt login --web`) the member approved from the console session.
    device_code: String,
    device_grant: String,
}

impl Fx {
    /// Sends `r` from the member's address.
    async fn as_member(&self, mut r: Request<Body>) -> Resp {
        let addr: SocketAddr = MEMBER_AT.parse().unwrap();
        r.extensions_mut().insert(ConnectInfo(addr));
        self.send(r).await
    }

    /// The current TOTP code of `secret`, one step after the last one used.
    fn next_code(&self, secret: &[u8]) -> String {
        self.clock.advance(wt_core::mfa::STEP as i64);
        code_at_step(secret, super::mfa::step_now(self))
    }
}

/// A fresh owner session (signed in now, so step-ups hold).
async fn owner_session(fx: &Fx) -> String {
    fx.token().await
}

async fn hold(fx: &Fx) -> Held {
    let owner = owner_session(fx).await;
    let first = team_member(fx, &owner, MEMBER, "admin").await;
    let (cli, secret, _) = super::mfa::enrolled_again(fx, &first).await;
    let members = fx.get("/api/v1/orgs/members", &owner).await;
    let id = members.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == MEMBER)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let t = fx
        .post(
            "/api/v1/orgs/access-tokens",
            json!({"name": "m-ci", "role": "admin", "expires_at": "2027-06-01T00:00:00Z"}),
            Some(&cli),
        )
        .await;
    assert_eq!(t.status, StatusCode::CREATED, "{:?}", t.body);
    let token = t.body["secret"].as_str().unwrap().to_string();
    let r = fx
        .post(
            "/api/v1/orgs/invites",
            json!({"email": "friend@acme.test", "role": "viewer"}),
            Some(&cli),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let invite = super::token_in_mail(fx, "friend@acme.test", "wti_").await;
    let k = fx
        .post(
            "/api/v1/orgs/api-keys",
            json!({"name": "m-key", "environment": "production", "owner_email": MEMBER}),
            Some(&owner),
        )
        .await;
    assert_eq!(k.status, StatusCode::CREATED, "{:?}", k.body);
    let key = k.body["secret"].as_str().unwrap().to_string();
    // A console session: password, then a code, as the console's client.
    let r = fx
        .post(
            "/api/v1/auth/login",
            json!({"email": MEMBER, "password": PASSWORD, "client": "console"}),
            None,
        )
        .await;
    let ch = r.body["challenge"].as_str().unwrap().to_string();
    let r = fx
        .post(
            "/api/v1/auth/mfa/verify",
            json!({"challenge": ch, "code": fx.next_code(&secret)}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let console_cookie = r.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    // A device login approved from that console session, not redeemed yet.
    let (device_code, device_grant) = approved_device_code(fx, &console_cookie, &secret).await;
    // A pending MFA login: the password was right, the code not sent yet.
    let challenge = fx.login(MEMBER, PASSWORD).await.body["challenge"]
        .as_str()
        .unwrap()
        .to_string();
    let r = fx
        .post(
            "/api/v1/auth/password/forgot",
            json!({"email": MEMBER}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let mut reset = None;
    for _ in 0..200 {
        let all = super::mails(fx).await;
        if all
            .iter()
            .any(|m| m.contains(&format!("To: {MEMBER}")) && m.contains("wtr_"))
        {
            reset = Some(super::token_in_mail(fx, MEMBER, "wtr_").await);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    Held {
        id,
        secret,
        cli,
        console_cookie,
        token,
        challenge,
        invite,
        reset: reset.expect("a reset mail"),
        key,
        device_code,
        device_grant,
    }
}

/// `wt login --web`'s request, approved on the console with a fresh code (the approve
/// screen's role posted back). Returns (device code, grant id).
async fn approved_device_code(fx: &Fx, cookie: &str, secret: &[u8]) -> (String, String) {
    use super::console::{field, form, html, page_get};
    let r = fx.post("/api/v1/auth/device", json!({}), None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let device_code = r.body["device_code"].as_str().unwrap().to_string();
    let user_code = r.body["user_code"].as_str().unwrap().to_string();
    let token = cookie.split_once('=').unwrap().1;
    let page = html(&fx.send(page_get("/device", Some(token))).await);
    let csrf = field(&page, "csrf");
    let r = fx
        .send(form(
            "/device",
            &[("csrf", &csrf), ("user_code", &user_code)],
            Some(token),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    let screen = html(&r);
    assert_eq!(field(&screen, "role"), "admin");
    let grant = field(&screen, "grant");
    let r = fx
        .send(form(
            "/device/approve",
            &[
                ("csrf", &csrf),
                ("grant", &grant),
                ("role", "admin"),
                ("code", &fx.next_code(secret)),
            ],
            Some(token),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", html(&r));
    (device_code, grant)
}

fn grant_status(fx: &Fx, id: &str) -> String {
    rusqlite_open(fx)
        .query_row(
            "SELECT status FROM device_grants WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap()
}

/// The approved device code polled by `wt login --web` from the member's address: the
/// session it yields (and its role), or refused.
async fn device_outcome(fx: &Fx, h: &Held) -> Cell {
    let mut poll = Request::post("/api/v1/auth/device/token")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("device_code={}", h.device_code)))
        .unwrap();
    poll.extensions_mut()
        .insert(ConnectInfo(MEMBER_AT.parse::<SocketAddr>().unwrap()));
    let r = fx.send(poll).await;
    match (r.status, r.body["error"].as_str()) {
        (StatusCode::OK, _) => {
            let tok = r.body["access_token"].as_str().unwrap();
            acting_as(fx, req("GET", "/api/v1/auth/session", tok, None)).await
        }
        (StatusCode::BAD_REQUEST, Some("access_denied"))
            if r.body["error_description"]
                .as_str()
                .is_some_and(|d| d.contains("allowed IPs")) =>
        {
            // Not used up: still approved, for a poll from an admitted address.
            assert_eq!(grant_status(fx, &h.device_grant), "approved");
            Refused
        }
        (StatusCode::BAD_REQUEST, Some("access_denied" | "invalid_grant")) => {
            assert_ne!(grant_status(fx, &h.device_grant), "approved");
            Dead
        }
        other => panic!("unexpected {other:?}: {:?}", r.body),
    }
}

async fn change(fx: &Fx, c: Change, h: &Held) {
    let owner = owner_session(fx).await;
    let member = format!("/api/v1/orgs/members/{}", h.id);
    let r = match c {
        Change::Removed => fx.send(req("DELETE", &member, &owner, None)).await,
        Change::Demoted => {
            fx.send(req(
                "PATCH",
                &member,
                &owner,
                Some(json!({"role": "analyst"})),
            ))
            .await
        }
        Change::Disabled => {
            rusqlite_open(fx)
                .execute(
                    "UPDATE users SET disabled_at = ?1 WHERE email = ?2",
                    rusqlite::params![fx.state.now(), MEMBER],
                )
                .unwrap();
            return;
        }
        Change::PasswordReset => {
            let body = json!({"token": h.reset, "new_password": NEW_PASSWORD, "code": fx.next_code(&h.secret)});
            fx.post("/api/v1/auth/password/reset", body, None).await
        }
        Change::PasswordChanged => {
            let body = json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "code": fx.next_code(&h.secret)});
            fx.post("/api/v1/auth/password/change", body, Some(&h.cli))
                .await
        }
        Change::MfaReset => {
            let path = format!("{member}/mfa/reset");
            fx.send(req("POST", &path, &owner, Some(json!({})))).await
        }
        Change::MfaDisabled => {
            let body = json!({"password": PASSWORD, "code": fx.next_code(&h.secret)});
            fx.post("/api/v1/auth/mfa/totp/disable", body, Some(&h.cli))
                .await
        }
        Change::SessionsEnded => {
            let path = format!("{member}/sessions");
            fx.send(req("DELETE", &path, &owner, None)).await
        }
        Change::AddressRefused => {
            let body = json!({"cidr": "127.0.0.0/8"});
            fx.post("/api/v1/orgs/allowed-ips", body, Some(&owner))
                .await
        }
    };
    assert!(r.status.is_success(), "{c:?}: {:?}", r.body);
}

/// A session or token tried from the member's address.
async fn acting_as(fx: &Fx, r: Request<Body>) -> Cell {
    let r = fx.as_member(r).await;
    match r.status {
        StatusCode::OK if r.body["role"] == "admin" => Admin,
        StatusCode::OK if r.body["role"] == "analyst" => Analyst,
        StatusCode::UNAUTHORIZED => Dead,
        StatusCode::FORBIDDEN if r.body["code"] == "ip_not_allowed" => Refused,
        other => panic!("unexpected {other}: {:?}", r.body),
    }
}

fn live_if(ok: bool) -> Cell {
    if ok { Live } else { Dead }
}

async fn outcomes(fx: &Fx, h: &Held) -> [Cell; 7] {
    let session = |tok: &str| req("GET", "/api/v1/auth/session", tok, None);
    let cli = acting_as(fx, session(&h.cli)).await;
    let console = acting_as(
        fx,
        Request::get("/api/v1/auth/session")
            .header(header::COOKIE, h.console_cookie.clone())
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let token = acting_as(fx, session(&h.token)).await;
    let mut verify = Request::post("/api/v1/auth/mfa/verify")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"challenge": h.challenge, "code": fx.next_code(&h.secret)}).to_string(),
        ))
        .unwrap();
    verify
        .extensions_mut()
        .insert(ConnectInfo(MEMBER_AT.parse::<SocketAddr>().unwrap()));
    let r = fx.send(verify).await;
    let challenge = match r.status {
        StatusCode::FORBIDDEN => Refused,
        s => live_if(s == StatusCode::OK),
    };
    let r = fx
        .post("/api/v1/invites/verify", json!({"token": h.invite}), None)
        .await;
    let invite = live_if(r.status == StatusCode::OK);
    let r = fx
        .post(
            "/api/v1/auth/password/reset/verify",
            json!({"token": h.reset}),
            None,
        )
        .await;
    let reset = live_if(r.status == StatusCode::OK);
    let r = fx
        .as_member(req(
            "POST",
            "/api/v1/ingest/events",
            &h.key,
            Some(json!({"events": [{"a": 1}]})),
        ))
        .await;
    let key = match r.status {
        StatusCode::FORBIDDEN => Refused,
        s => live_if(s.is_success()),
    };
    [cli, console, token, challenge, invite, reset, key]
}

#[tokio::test]
async fn every_credential_follows_every_change_of_its_owners_standing() {
    for (c, want) in TABLE {
        // Device logins need the address people open (`--public-url`).
        let fx = fixture_with(Settings {
            link_base: Some("http://127.0.0.1:7878".into()),
            ..Settings::default()
        })
        .await;
        fx.setup().await;
        let h = hold(&fx).await;
        assert_eq!(grant_status(&fx, &h.device_grant), "approved", "{c:?}");
        // Before the change everything works (the row is a real change, not a default).
        assert_eq!(
            outcomes(&fx, &h).await[..3],
            [Admin, Admin, Admin],
            "{c:?}: before"
        );
        let h = Held {
            challenge: fx.login(MEMBER, PASSWORD).await.body["challenge"]
                .as_str()
                .unwrap()
                .to_string(),
            ..h
        };
        change(&fx, c, &h).await;
        let got = outcomes(&fx, &h).await;
        let device = device_outcome(&fx, &h).await;
        assert_eq!([&got[..], &[device]].concat(), want.to_vec(), "{c:?}");
    }
}
