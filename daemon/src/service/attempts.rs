//! Counted attempts at a secret: passwords, TOTP and recovery codes, invite and reset
//! tokens (SECURITY.md A.6, D.31, E.42, J.60).
//!
//! An attempt is counted on every key it is limited by *before* the secret is checked,
//! in one store transaction ([`wt_store::ThrottleStore::throttle_take`]). Requests that
//! arrive at once therefore cannot get more checks than the bound, however many are in
//! flight: the first ones in are counted, the rest are refused with 429 without any
//! hashing. A right answer then gets its count back ([`Attempt::succeeded`]): an
//! account's or a second factor's key starts afresh (as a successful login always did),
//! an address's key gets just this one attempt back (one person's success must not wipe
//! what others from the same address did).

use crate::error::ApiError;
use crate::state::AppState;
use std::net::IpAddr;
use wt_core::throttle::{Policy, Settle, State, Taken};

/// What a right answer does to a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnSuccess {
    /// Forget every failure: the key belongs to the person who just proved themselves.
    Clear,
    /// Give back this attempt only: the key is shared (an address).
    Refund,
}

/// One key an attempt is counted on.
#[derive(Debug, Clone)]
pub struct Key {
    name: String,
    policy: Policy,
    on_success: OnSuccess,
}

impl Key {
    /// Password guesses at one account, from anywhere.
    pub fn account(email: &str) -> Self {
        Self::new(format!("acct:{email}"), Policy::ACCOUNT, OnSuccess::Clear)
    }

    /// Password guesses from one address, at any account (known or not).
    pub fn address(ip: IpAddr) -> Self {
        Self::new(format!("ip:{ip}"), Policy::IP, OnSuccess::Refund)
    }

    /// Second-factor codes (TOTP or recovery) of one account, across sessions and
    /// addresses (E.42).
    pub fn second_factor(user_id: &str) -> Self {
        Self::new(format!("mfa:{user_id}"), Policy::MFA, OnSuccess::Clear)
    }

    /// Passwords re-entered in one signed-in session (step-up, password change): counted
    /// there, so that anonymous guesses locking the account cannot keep its owner from a
    /// step-up; each failure also counts on the account ([`failed_on`]).
    pub fn session(session_id: &str) -> Self {
        Self::new(
            format!("ses:{session_id}"),
            Policy::ACCOUNT,
            OnSuccess::Clear,
        )
    }

    /// Invite and reset tokens tried from one address (D.31).
    pub fn tokens(ip: IpAddr) -> Self {
        Self::new(format!("tok:{ip}"), Policy::IP, OnSuccess::Refund)
    }

    /// Device codes asked for from one address (`wt login --web`): every request counts,
    /// none is given back, so one address gets a burst of them and then waits.
    pub fn device_requests(ip: IpAddr) -> Self {
        Self::new(format!("dev:{ip}"), Policy::IP, OnSuccess::Refund)
    }

    /// User codes typed on the console's device page by one member, from anywhere: a
    /// wrong one counts, a right one starts afresh (the 8-letter code is guessable only
    /// at this pace).
    pub fn user_codes(user_id: &str) -> Self {
        Self::new(
            format!("ucode:{user_id}"),
            Policy::ACCOUNT,
            OnSuccess::Clear,
        )
    }

    fn new(name: String, policy: Policy, on_success: OnSuccess) -> Self {
        Self {
            name,
            policy,
            on_success,
        }
    }
}

/// An attempt counted on its keys; dropping it leaves it counted as a failure.
#[must_use = "a right answer must call `succeeded`, or it stays counted as a failure"]
#[derive(Debug)]
pub struct Attempt {
    counted: Vec<(Key, State, State)>,
}

/// Counts an attempt on `keys`, or refuses it with 429 (nothing counted) while any key
/// waits.
pub async fn begin(state: &AppState, keys: Vec<Key>) -> Result<Attempt, ApiError> {
    let wanted = keys
        .iter()
        .map(|k| (k.name.clone(), k.policy))
        .collect::<Vec<_>>();
    match state.store.throttle_take(wanted, state.now()).await? {
        Taken::Locked(retry_after) => Err(ApiError::RateLimited { retry_after }),
        Taken::Counted(states) => Ok(Attempt {
            counted: keys
                .into_iter()
                .zip(states)
                .map(|(k, (before, charged))| (k, before, charged))
                .collect(),
        }),
    }
}

/// Counts a failure on `key` without gating anything on it (a wrong password in a
/// session still counts toward the account's login throttle, D.35).
pub async fn failed_on(state: &AppState, key: Key) -> Result<(), ApiError> {
    state
        .store
        .throttle_fail(&key.name, key.policy, state.now())
        .await?;
    Ok(())
}

impl Attempt {
    /// The secret was right: the attempt is given back on each key (see the module docs),
    /// in one store transaction.
    pub async fn succeeded(self, state: &AppState) -> Result<(), ApiError> {
        let settles = self
            .counted
            .into_iter()
            .map(|(key, before, charged)| Settle {
                clear: key.on_success == OnSuccess::Clear,
                key: key.name,
                policy: key.policy,
                before,
                charged,
            })
            .collect();
        Ok(state.store.throttle_settle(settles).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_start_afresh_and_addresses_get_one_attempt_back() {
        let ip: IpAddr = "192.0.2.7".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert_eq!(Key::account("a@b.test").on_success, OnSuccess::Clear);
        assert_eq!(Key::second_factor("usr_1").on_success, OnSuccess::Clear);
        assert_eq!(Key::address(ip).on_success, OnSuccess::Refund);
        assert_eq!(Key::tokens(ip).on_success, OnSuccess::Refund);
        assert_eq!(Key::address(ip).name, "ip:192.0.2.7");
    }
}
