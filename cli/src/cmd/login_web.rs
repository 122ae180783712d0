//! `wt login --web`: the device authorization grant (RFC 8628). Asks the daemon for a
//! device code, shows the verification URL, the user code and (on a terminal) a QR code
//! of the URL with the code filled in, then polls the token endpoint as the RFC says:
//! every `interval` seconds, 5 more after each `slow_down`, until `expires_in` is over.
//! The session is stored by `wt login`'s own path (`login::store_and_report`).
//!
//! Everything for the person goes to stderr, so `--output json` on stdout stays the same
//! as `wt login`'s.

use crate::cmd::login::{Issued, store_and_report};
use crate::secret::Secret;
use crate::{CliError, Ctx};
use std::time::{Duration, Instant};
use wt_api::{
    DeviceAuthorizationRequest, DeviceAuthorizationResponse, DeviceTokenError, DeviceTokenRequest,
    DeviceTokenResponse, device_errors as err,
};

/// Transport failures in a row (a daemon restarting, a connection a proxy dropped) a
/// poll survives before the login gives up: each waits the interval again.
const MAX_TRANSPORT_FAILURES: u32 = 5;

/// The `os` field sent with the request, shown to the approver.
fn os() -> String {
    format!("{} {}", std::env::consts::OS, std::env::consts::ARCH)
}

/// What one poll told us.
#[derive(Debug)]
enum Next {
    /// Wait this long and poll again.
    Wait(Duration),
    Done(Box<DeviceTokenResponse>),
}

/// Reads one answer of the token endpoint (`interval` is the current interval).
fn read_answer(
    server: &str,
    status: u16,
    body: &[u8],
    interval: &mut u64,
) -> Result<Next, CliError> {
    if status == 200 {
        let tok: DeviceTokenResponse =
            serde_json::from_slice(body).map_err(|e| CliError::Transport {
                server: server.to_string(),
                reason: format!("unexpected token answer: {e}"),
            })?;
        return Ok(Next::Done(Box::new(tok)));
    }
    let Ok(e) = serde_json::from_slice::<DeviceTokenError>(body) else {
        // Not an RFC 6749 error: a problem+json of the daemon (429, 500, ...).
        let problem = serde_json::from_slice::<wt_api::Problem>(body).ok();
        return Err(CliError::Api(Box::new(crate::error::ApiError {
            server: server.to_string(),
            status,
            retry_after: problem.as_ref().and_then(|p| p.retry_after),
            problem,
        })));
    };
    let why = e.error_description.clone().unwrap_or_default();
    match e.error.as_str() {
        err::AUTHORIZATION_PENDING => Ok(Next::Wait(Duration::from_secs(*interval))),
        err::SLOW_DOWN => {
            // RFC 8628 §3.5: 5 seconds more for this and every later poll (or what the
            // server says, if more).
            *interval = e
                .interval
                .map_or(*interval + 5, |i| i.max(1) as u64)
                .max(*interval + 5);
            Ok(Next::Wait(Duration::from_secs(*interval)))
        }
        err::ACCESS_DENIED => Err(CliError::DeviceDenied(format!(
            "the login was denied in the console ({why}); nothing was stored"
        ))),
        err::EXPIRED_TOKEN => Err(CliError::DeviceExpired(
            "the code lapsed before anyone approved it: run `wt login --web` again".into(),
        )),
        other => Err(CliError::Other(format!(
            "the server refused the device login ({other}: {why}): run `wt login --web` again"
        ))),
    }
}

/// Runs `wt login --web`.
pub async fn run(org: Option<String>, ctx: &Ctx) -> Result<(), CliError> {
    let io = &ctx.io;
    if ctx.credentials.env_token().is_some() {
        io.eprintln(
            "warning: WT_TOKEN is set and takes precedence over the credential stored by this login",
        );
    }
    // A keyring that cannot be used fails before anyone approves anything.
    ctx.credentials.check_usable().await?;
    let client = ctx.client()?;
    let start: DeviceAuthorizationResponse = client
        .post(
            "/auth/device",
            &DeviceAuthorizationRequest {
                client_id: Some(wt_api::WT_CLIENT_ID.into()),
                org: org.clone(),
                client_version: Some(env!("CARGO_PKG_VERSION").to_string()),
                os: Some(os()),
            },
            None,
        )
        .await?;
    let device_code = Secret::new(start.device_code.clone());
    show(ctx, &start);

    let deadline = Instant::now() + Duration::from_secs(start.expires_in.max(1) as u64);
    let mut interval = start.interval.max(1) as u64;
    let mut failures = 0;
    let mut wait = Duration::from_secs(interval);
    let token = loop {
        tokio::time::sleep(wait).await;
        if Instant::now() >= deadline {
            return Err(CliError::DeviceExpired(
                "the code lapsed before anyone approved it: run `wt login --web` again".into(),
            ));
        }
        let req = DeviceTokenRequest {
            grant_type: Some(GRANT_TYPE.into()),
            device_code: device_code.expose().to_string(),
            client_id: Some(wt_api::WT_CLIENT_ID.into()),
        };
        // The RFC's encoding (§3.4): a form, as any OAuth server expects.
        let (status, body) = match client.post_form_raw("/auth/device/token", &req).await {
            Ok(r) => {
                failures = 0;
                r
            }
            Err(e @ (CliError::Transport { .. } | CliError::Unreachable { .. }))
                if failures < MAX_TRANSPORT_FAILURES =>
            {
                failures += 1;
                io.eprintln(&format!("note: {e}; trying again"));
                wait = Duration::from_secs(interval);
                continue;
            }
            Err(e) => return Err(e),
        };
        match read_answer(&ctx.server, status, &body, &mut interval)? {
            Next::Wait(d) => wait = d,
            Next::Done(tok) => break tok,
        }
    };
    io.eprintln("Approved.");
    store_and_report(
        ctx,
        Issued {
            token: Secret::new(token.access_token.clone()),
            email: String::new(),
            org,
            expires_at: Some(token.session.expires_at.clone()),
            mfa_enrollment_required: token.mfa_enrollment_required,
        },
    )
    .await
}

/// RFC 8628's grant type (the daemon also accepts it omitted).
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The instructions on stderr: the URL, the code, and a QR code of the URL with the code
/// in it when stderr is a terminal with colours (the QR code is drawn with them).
fn show(ctx: &Ctx, start: &DeviceAuthorizationResponse) {
    let io = &ctx.io;
    io.eprintln(&format!(
        "To sign in, open {} on any device and enter the code {}",
        start.verification_uri, start.user_code
    ));
    io.eprintln(&format!("(or open {})", start.verification_uri_complete));
    if io.stderr_tty && !io.no_color {
        match qr2term::generate_qr_string(&start.verification_uri_complete) {
            Ok(qr) => {
                io.eprintln("Or scan this QR code with a phone:");
                io.eprintln(qr.trim_end_matches('\n'));
            }
            Err(e) => io.eprintln(&format!("note: cannot draw the QR code ({e})")),
        }
    }
    io.eprintln(&format!(
        "Waiting for approval (the code lapses in {} minutes; Ctrl-C to give up)...",
        (start.expires_in + 59) / 60
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(&v).unwrap_or_default()
    }

    #[test]
    fn pending_waits_the_interval_and_slow_down_adds_five_seconds() {
        let mut i = 5;
        let pending = body(serde_json::json!({"error": "authorization_pending"}));
        assert!(
            matches!(read_answer("s", 400, &pending, &mut i), Ok(Next::Wait(d)) if d == Duration::from_secs(5))
        );
        let slow = body(serde_json::json!({"error": "slow_down", "interval": 10}));
        assert!(
            matches!(read_answer("s", 400, &slow, &mut i), Ok(Next::Wait(d)) if d == Duration::from_secs(10))
        );
        // Without the server's number: 5 more, and it stays for later polls.
        let slow = body(serde_json::json!({"error": "slow_down"}));
        assert!(read_answer("s", 400, &slow, &mut i).is_ok());
        assert_eq!(i, 15);
        assert!(
            matches!(read_answer("s", 400, &pending, &mut i), Ok(Next::Wait(d)) if d == Duration::from_secs(15))
        );
    }

    #[test]
    fn denied_and_expired_have_their_own_exit_codes() {
        let mut i = 5;
        let denied = body(serde_json::json!({"error": "access_denied"}));
        let e = read_answer("s", 400, &denied, &mut i).err();
        assert_eq!(
            e.map(|e| e.exit_code()),
            Some(crate::error::exit::DEVICE_DENIED)
        );
        let expired = body(serde_json::json!({"error": "expired_token"}));
        let e = read_answer("s", 400, &expired, &mut i).err();
        assert_eq!(
            e.map(|e| e.exit_code()),
            Some(crate::error::exit::DEVICE_EXPIRED)
        );
        let used = body(serde_json::json!({"error": "invalid_grant"}));
        let e = read_answer("s", 400, &used, &mut i).err();
        assert_eq!(e.map(|e| e.exit_code()), Some(crate::error::exit::FAILURE));
        // A throttled address answers problem+json: exit 7.
        let limited = body(
            serde_json::json!({"type": "about:blank", "title": "Too Many Requests", "status": 429, "code": "rate_limited"}),
        );
        let e = read_answer("s", 429, &limited, &mut i).err();
        assert_eq!(
            e.map(|e| e.exit_code()),
            Some(crate::error::exit::RATE_LIMITED)
        );
    }

    #[test]
    fn web_login_takes_no_password_flags() {
        let ok = crate::parse_from(["wt", "login", "--web", "--org", "acme"]);
        assert!(ok.is_ok());
        let bad = crate::parse_from(["wt", "login", "--web", "--password-stdin"]);
        assert!(bad.is_err());
    }
}
