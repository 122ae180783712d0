//! The work behind the handlers: rules from `wt-core`, state through `wt-store`.
//! Handlers parse and authorize; services decide and persist. One file per noun of the
//! CLI and the URL (`wt invite` -> `invites.rs`, `/orgs/members` -> `members.rs`), plus
//! the pieces several of them use: `attempts` (counted attempts at a secret), `hashing`
//! (argon2 and the password policy on the blocking pool), `notices` and `resets` (mail),
//! `sessions` (issuing and ending sessions). Dependencies point down that list, never
//! in a circle.

pub mod allowed_ips;
pub mod attempts;
pub mod audit;
pub mod audit_checkpoints;
pub mod audit_sinks;
pub mod auth;
pub mod device_grants;
pub mod events;
pub mod hashing;
pub mod ingest;
pub mod invites;
pub mod keys;
pub mod leaks;
pub mod members;
pub mod mfa;
pub mod notices;
pub mod orgs;
pub mod passkeys;
pub mod passwordless;
pub mod passwords;
pub mod readiness;
pub mod resets;
pub mod sessions;
pub mod tokens;
