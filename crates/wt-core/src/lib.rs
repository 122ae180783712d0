//! The rules of the WatchTower control plane, with no I/O.
//!
//! Map of the modules:
//! - [`apikey`]: ingestion key format (prefix, 256 random bits, CRC32 checksum).
//! - [`clock`]: time as an injected dependency (system clock, settable test clock).
//! - [`permissions`]: the one role -> permission matrix every route consults.
//! - [`password`]: password policy and argon2id hashing.
//! - [`token`]: opaque secret tokens (sessions, setup), their hashes and comparison.
//! - [`secret`]: a zeroizing string newtype whose `Debug` prints `***`.
//! - [`crypto`]: the master key and AEAD encryption of secrets at rest.
//! - [`device`]: `wt login --web` (RFC 8628): device and user codes, the grant's
//!   states, and what a poll of the token endpoint answers.
//! - [`events`]: ingested events: retention, the pruning horizon, the PostgreSQL read
//!   watermark (no event skipped by a consumer).
//! - [`throttle`]: time-based login backoff (never a permanent lock).
//! - [`audit`]: audit entries and the per-org hash chain.
//! - [`merkle`]: the per-org audit log as an RFC 6962 Merkle tree: hashing, stored
//!   perfect subtrees, inclusion and consistency proofs and their verification.
//! - [`checkpoint`]: signed tree heads as C2SP checkpoints in Ed25519 signed notes,
//!   signer and verifier keys (rotation: several verifier keys).
//! - [`ids`]: public identifiers and input validation helpers.
//! - [`netaddr`]: client addresses behind trusted proxies, CIDR parsing and allowlists.
//! - [`mfa`]: TOTP verification with replay protection, otpauth URIs, recovery codes.
//! - [`readiness`]: the production readiness checklist over a snapshot of live state.
//! - [`sessions`]: which kind of client a session is bound to, and when a sign-in is
//!   from a new device (the notice mail's rule).
//! - [`hosts`]: which `Host` values a request may name.
//! - [`mail`]: why a mail was not delivered (the class of a failure) and what to do.
//! - [`scopes`]: automation-token scopes (`keys:verify`, ...), a closed list, each
//!   bounded by a permission of the token's effective role.
//! - [`ratelimit`]: per-key rate limits (`500/s`, burst) and the IETF RateLimit fields.
//! - [`leaks`]: leaked-key reports: GitHub secret-scanning partner signatures (ECDSA
//!   P-256), the report and answer formats, the self-report body.
//! - [`paging`]: keyset pagination: where a page of a listing starts, as an opaque cursor.
//!
//! The domain vocabulary (roles, environments, key and check states, readiness settings)
//! is defined here with its serde names; `wt-api` re-exports it for the wire, so the two
//! never drift and rows in `wt-store` hold domain types, never wire types.
//!
//! Everything here is deterministic given its inputs (time and randomness come in from
//! outside or through [`token::random_bytes`]), so it is unit-tested without a database.

pub mod apikey;
pub mod audit;
pub mod audit_sinks;
pub mod checkpoint;
pub mod clock;
pub mod crypto;
pub mod device;
pub mod events;
pub mod hosts;
pub mod ids;
pub mod leaks;
pub mod mail;
pub mod merkle;
pub mod mfa;
pub mod netaddr;
pub mod paging;
pub mod passkey;
pub mod password;
pub mod permissions;
#[cfg(test)]
mod proptests;
pub mod ratelimit;
pub mod readiness;
pub mod redirect;
pub mod scopes;
pub mod secret;
pub mod sessions;
pub mod throttle;
pub mod token;

pub use clock::{Clock, ManualClock, SystemClock};
