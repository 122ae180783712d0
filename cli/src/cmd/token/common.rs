//! What the `wt token` subcommands share: the API path and how a token's status reads.

use wt_api::AccessTokenStatus;

/// `GET` (list) and `POST` (create) automation tokens; `/{id}` to revoke one.
pub const TOKENS_PATH: &str = "/orgs/access-tokens";

/// The path of one token (`id` already checked by `client::id_segment`).
pub fn token_path(id: &str) -> String {
    format!("{TOKENS_PATH}/{id}")
}

/// The wire name of a token status (`active`, `expired`, `revoked`).
pub fn status_name(s: AccessTokenStatus) -> &'static str {
    match s {
        AccessTokenStatus::Active => "active",
        AccessTokenStatus::Expired => "expired",
        AccessTokenStatus::Revoked => "revoked",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    /// A complete token as the API lists it.
    pub(crate) fn token_json(id: &str, role: &str, status: &str) -> serde_json::Value {
        serde_json::json!({
            "id": id, "name": "ci-readiness", "role": role, "status": status,
            "created_by": "owner@example.com", "created_at": "2026-01-01T00:00:00Z",
            "expires_at": "2030-04-01T00:00:00Z", "revoked_at": null,
            "last_used_at": "2026-01-02T00:00:00Z", "last_used_ip": "10.1.2.3",
            "scopes": []
        })
    }
}
