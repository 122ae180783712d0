//! Thin handlers, one module per resource: parse, authorize, call a service, map.

pub mod allowed_ips;
pub mod audit;
pub mod audit_checkpoints;
pub mod audit_sinks;
pub mod auth;
pub mod device;
pub mod events;
pub mod health;
pub mod invites;
pub mod keys;
pub mod leaks;
pub mod members;
pub mod mfa;
pub mod orgs;
pub mod passkeys;
pub mod passwords;
pub mod readiness;
pub mod setup;
pub mod step_up;
pub mod tokens;
