//! Password hashing and verification off the async executor, bounded in concurrency.

use crate::error::ApiError;
use crate::state::AppState;

/// One of the bounded argon2 slots; waits when all are taken.
async fn permit(state: &AppState) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
    state
        .hash_permits
        .acquire()
        .await
        .map_err(|_| ApiError::Unavailable("shutting down"))
}

/// Hashes on the blocking pool, at most `state::hash_concurrency()` at once.
pub async fn hash(state: &AppState, password: String) -> Result<String, ApiError> {
    let _permit = permit(state).await?;
    let pw = wt_core::secret::SecretString::new(password);
    tokio::task::spawn_blocking(move || wt_core::password::hash(pw.expose()))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Verifies on the blocking pool. `phc = None` verifies against the dummy hash, so an
/// unknown account costs the same as a wrong password. Always false for `None`.
pub async fn verify(
    state: &AppState,
    password: String,
    phc: Option<String>,
) -> Result<bool, ApiError> {
    let _permit = permit(state).await?;
    let pw = wt_core::secret::SecretString::new(password);
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => wt_core::password::verify(pw.expose(), &phc),
        None => wt_core::password::verify_dummy(pw.expose()),
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// The policy for a new password of a member with `role` in `org` (SECURITY.md A.2-A.4):
/// 8 characters where the role must use MFA, else 15; not breached or common; not built on
/// the org's name or slug, the email or the person's `name`; guessable in no fewer than
/// `wt_core::password::MIN_GUESSES` guesses. The refusal says why.
pub async fn check_new_password(
    state: &AppState,
    password: &str,
    role: wt_api::Role,
    org: &wt_store::OrgRecord,
    email: &str,
    name: &str,
) -> Result<(), ApiError> {
    let mfa_enforced = org.mfa_required_roles.contains(&role);
    check(
        state,
        password,
        mfa_enforced,
        &[&org.name, &org.slug, email, name],
    )
    .await
}

/// [`wt_core::password::check_policy`] with its refusal as the API's `password_policy`.
/// Run on the blocking pool under a hash slot, like hashing: zxcvbn's estimate is under a
/// millisecond for everyday passwords but some 15 ms at worst (64 characters of digits and
/// symbols; `wt-core/benches/password_policy.rs`), too long for an executor thread.
pub async fn check(
    state: &AppState,
    password: &str,
    mfa_enforced: bool,
    context: &[&str],
) -> Result<(), ApiError> {
    let _permit = permit(state).await?;
    let pw = wt_core::secret::SecretString::new(password.to_string());
    let context: Vec<String> = context.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let context: Vec<&str> = context.iter().map(String::as_str).collect();
        wt_core::password::check_policy(pw.expose(), mfa_enforced, &context)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::PasswordPolicy(e.to_string()))
}
