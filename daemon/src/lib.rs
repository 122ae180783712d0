//! `wtd`, the WatchTower control plane daemon, as a library (the binary only parses
//! arguments and calls in here, so tests can run the same code in process).
//!
//! Map of the modules:
//! - [`cli`]: the clap definition of `wtd` (also used to generate its man page).
//! - [`config`]: where settings come from: flags, `WT_*` environment, a TOML file, defaults.
//! - [`datadir`]: the data directory is private (0700/0600), checked on every start.
//! - [`database`]: which database a command works on (SQLite file or PostgreSQL URL).
//! - [`init`]: `wtd init` / `wtd org create`: the database, master key and setup token.
//! - [`backup`]: `wtd backup` / `wtd restore`, and the data directory's lock.
//! - [`server`]: binding, TLS, graceful shutdown; [`app`] builds the router and layers.
//! - [`state`]: what every handler shares (store, clock, settings, metrics).
//! - [`error`]: the one `ApiError`, mapped once to RFC 9457 problem+json.
//! - [`extract`]: request extractors: strict JSON bodies, client address, authentication.
//! - [`middleware`]: CSRF checks for cookie requests, metrics, timeouts, security headers.
//! - [`routes`]: thin handlers, one module per resource.
//! - [`console`]: the web console's server-rendered pages (login, emailed links, the
//!   Security tab), with their own browser-security rules; they call the same services.
//! - [`service`]: the work behind the handlers (rules from `wt-core`, queries from `wt-store`).
//! - [`keycache`]: ingestion keys and org access policies (allowed IPs) in memory, with
//!   usage coalesced and flushed in batches; [`denials`] rate-limits audit entries of refusals.
//! - [`ratelimit`]: per-key rate limits (GCRA via `governor`), per replica, beside the
//!   key cache.
//! - [`mailer`]: the mail outbox and the task that delivers it (files or SMTP).
//! - [`metrics`]: Prometheus counters and histograms.

pub mod app;
pub mod backup;
pub mod cli;
pub mod config;
pub mod console;
pub mod database;
pub mod datadir;
pub mod denials;
pub mod error;
pub mod extract;
pub mod init;
pub mod keepalive;
pub mod keycache;
pub mod mailer;
pub mod metrics;
pub mod middleware;
pub mod ratelimit;
pub mod routes;
pub mod server;
pub mod service;
pub mod sinks;
pub mod state;
pub mod wire;
