//! End-to-end: real `wtd` processes on free ports, the real `wt` binary, raw HTTP.
//! One test binary for the whole suite (link once, run in parallel).

mod audit;
mod backup;
mod bursts;
mod cli;
mod console;
mod console_audit;
mod console_keys;
mod console_polish;
mod crash;
mod daemon;
mod docs;
mod events;
mod files;
mod gateway;
mod harness;
mod headless;
mod hygiene;
mod keys;
mod mfa;
mod pace;
mod passkeys;
mod pooler;
mod postgres_pool;
mod postgres_tls;
mod proxies;
mod qr;
mod readiness;
mod replicas;
mod roles;
mod screenshots;
mod skeleton;
mod smtp_tls;
mod soak;
mod team;
mod webdriver;
