//! The work behind the handlers: rules from `wt-core`, state through `wt-store`.
//! Handlers parse and authorize; services decide and persist.

pub mod allowed_ips;
pub mod attempts;
pub mod auth;
pub mod ingest;
pub mod keys;
pub mod mfa;
pub mod notices;
pub mod password_flows;
pub mod passwords;
pub mod readiness;
pub mod team;
pub mod tokens;
