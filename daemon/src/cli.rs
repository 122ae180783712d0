//! The command line of `wtd`. Every flag of `serve` also reads a `WT_*` environment
//! variable and a key of the optional TOML config file (flags win, then environment, then
//! the file, then the defaults).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use wt_store::postgres::options;

/// WatchTower control plane daemon.
#[derive(Debug, Parser)]
#[command(
    name = "wtd",
    version,
    about = "WatchTower control plane daemon",
    long_about = "wtd serves the WatchTower control plane API (team access, MFA, passwords, \
ingestion keys, allowed IPs, audit log) over an embedded SQLite database.\n\n\
First run:\n  wtd init --org \"Acme\" --owner-email you@acme.example\n  wtd serve\n  \
wt setup --token-stdin     # paste the token wtd init printed",
    after_help = "Exit status: 0 success, 1 failure, 2 usage or refused configuration."
)]
pub struct Cli {
    /// Data directory (database, master key, outbox, logs).
    /// Default: $XDG_DATA_HOME/watchtower, else ~/.local/share/watchtower.
    #[arg(long, global = true, env = "WT_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// PostgreSQL database shared by several daemons: postgres://USER@HOST:PORT/DB, with
    /// libpq's sslmode (disable, prefer, require, verify-ca, verify-full), sslrootcert
    /// (FILE or system), sslcert, sslkey and passfile parameters. The password: in
    /// PGPASSWORD or ~/.pgpass (PGPASSFILE), read again for every new connection; better
    /// not in this flag, which other users see in `ps`. Default: the embedded SQLite file
    /// in the data directory (or database_url in wtd.toml). Every replica also needs the
    /// same master key file in its data directory.
    #[arg(
        long,
        global = true,
        env = "WT_DATABASE_URL",
        hide_env_values = true,
        value_name = "URL",
        conflicts_with = "database_url_file"
    )]
    pub database_url: Option<String>,

    /// File holding the --database-url (one line; mode 0600 when it holds a password).
    /// Read again, for its password, by every new connection: a rotated password needs
    /// no restart.
    #[arg(long, global = true, env = "WT_DATABASE_URL_FILE", value_name = "FILE")]
    pub database_url_file: Option<PathBuf>,

    /// Connections to PostgreSQL kept by each daemon at most.
    #[arg(long, global = true, env = "WT_DATABASE_POOL_SIZE", default_value_t = wt_store::postgres::DEFAULT_POOL_SIZE, value_name = "N")]
    pub database_pool_size: usize,

    /// Connections to PostgreSQL kept open even when idle.
    #[arg(long, global = true, env = "WT_DATABASE_POOL_MIN", default_value_t = options::DEFAULT_POOL_MIN, value_name = "N")]
    pub database_pool_min: usize,

    /// How long a request waits for a database connection (every one busy, or the server
    /// restarting) before it is answered 503 with Retry-After; a shorter restart is only
    /// a wait. /readyz fails when no connection comes within it.
    #[arg(long, global = true, env = "WT_DATABASE_ACQUIRE_TIMEOUT", value_parser = humantime::parse_duration, default_value = "5s", value_name = "DURATION")]
    pub database_acquire_timeout: Duration,

    /// Database connections are closed and replaced after this long.
    #[arg(long, global = true, env = "WT_DATABASE_MAX_LIFETIME", value_parser = humantime::parse_duration, default_value = "30m", value_name = "DURATION")]
    pub database_max_lifetime: Duration,

    /// Idle database connections above --database-pool-min are closed after this long
    /// (giving a role's connection limit back to busier replicas).
    #[arg(long, global = true, env = "WT_DATABASE_IDLE_TIMEOUT", value_parser = humantime::parse_duration, default_value = "5m", value_name = "DURATION")]
    pub database_idle_timeout: Duration,

    /// PostgreSQL cancels a statement of `wtd serve` running longer (statement_timeout):
    /// the request gets 503 and its transaction is rolled back. With
    /// --database-acquire-timeout it must stay under two thirds of --request-timeout.
    #[arg(long, global = true, env = "WT_DATABASE_STATEMENT_TIMEOUT", value_parser = humantime::parse_duration, default_value = "5s", value_name = "DURATION")]
    pub database_statement_timeout: Duration,

    /// PostgreSQL gives up waiting for a lock after this long (lock_timeout): a table
    /// locked by someone else is a quick 503, not a hung request.
    #[arg(long, global = true, env = "WT_DATABASE_LOCK_TIMEOUT", value_parser = humantime::parse_duration, default_value = "2s", value_name = "DURATION")]
    pub database_lock_timeout: Duration,

    /// PostgreSQL ends a session left inside a transaction this long
    /// (idle_in_transaction_session_timeout), releasing its locks.
    #[arg(long, global = true, env = "WT_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT", value_parser = humantime::parse_duration, default_value = "5s", value_name = "DURATION")]
    pub database_idle_in_transaction_timeout: Duration,

    /// A connection pooler between wtd and PostgreSQL: `transaction` for pgbouncer in
    /// transaction mode (or a managed service's transaction pooler); nothing then
    /// outlives a transaction (no named prepared statements, session settings or
    /// session locks; set the database timeouts on the role instead: ALTER ROLE ... SET
    /// statement_timeout = '5s'). Default: none (wtd connects to PostgreSQL itself).
    #[arg(long, global = true, env = "WT_DATABASE_POOLER", value_enum, default_value_t = PoolerArg::None, value_name = "MODE")]
    pub database_pooler: PoolerArg,

    /// Log format on stderr.
    #[arg(long, global = true, env = "WT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database, the master key and the first org; print a one-time setup token.
    #[command(
        long_about = "Creates the data directory, the database, a 0600 master key file \
(used to encrypt secrets at rest) and the first org. Prints a one-time setup token on stdout: \
claim the owner account with `wt setup --token-stdin` within 24 hours. The token is stored \
only as a hash and dies after use.\n\nExample:\n  wtd init --org Acme --owner-email ops@acme.example"
    )]
    Init(InitArgs),
    /// Serve the API.
    #[command(
        long_about = "Serves the WatchTower API. Listens on 127.0.0.1:8470 by default. \
A non-loopback address needs TLS (--tls-cert and --tls-key) unless you pass --insecure-http \
(for a TLS-terminating proxy in front). Stops gracefully on SIGTERM or SIGINT.\n\n\
Example:\n  wtd serve --listen 0.0.0.0:8470 --tls-cert cert.pem --tls-key key.pem"
    )]
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Operator actions on orgs.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Operator actions on the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Copy the database to a file, online (the daemon may keep serving).
    #[command(
        long_about = "Copies the database to FILE while the daemon keeps serving: one \
consistent snapshot (SQLite backup API), integrity-checked, with every org's audit chain \
verified. FILE must not exist. The master key is not included: back up \
<data-dir>/master.key separately and keep it apart.\n\nExample:\n  \
wtd backup --to /backups/watchtower-$(date +%F).db"
    )]
    Backup(BackupArgs),
    /// Replace the database with a backup (stop the daemon first).
    #[command(
        long_about = "Replaces the database with a backup made by `wtd backup`, after checking \
its integrity, migrating it to this version's schema and verifying every audit chain. Refuses \
while a daemon serves the data directory, and refuses to replace an existing database \
without --force. Restore the master key file from its own backup too.\n\nExample:\n  \
wtd restore --from /backups/watchtower-2026-11-29.db --force"
    )]
    Restore(RestoreArgs),
    /// Copy a whole installation into another, empty database (SQLite to PostgreSQL).
    #[command(
        long_about = "Copies every row (users, sessions, MFA, keys, invites, the whole audit log) from one database into another, empty one, in one transaction on each side, then verifies every org's audit chain on the destination. The source is read as one consistent snapshot. The master key is not in the database: give every daemon of the new database the same <data-dir>/master.key.

Examples:
  wtd copy --to postgres://wt@db.internal:5432/watchtower      # from this data dir's SQLite
  wtd copy --from sqlite:/var/lib/watchtower/watchtower.db --to postgres://wt@db/watchtower"
    )]
    Copy(CopyArgs),
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// Source: sqlite:PATH or postgres://... Default: this data directory's SQLite file.
    #[arg(long, value_name = "URL")]
    pub from: Option<String>,
    /// Destination: postgres://USER@HOST:PORT/DB (or sqlite:PATH); must hold no data.
    #[arg(long, value_name = "URL")]
    pub to: String,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy (must not exist).
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file to restore.
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// Replace an existing database (everything written since the backup is lost).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Display name of the first org.
    #[arg(long, value_name = "NAME")]
    pub org: String,
    /// Email of the owner who will claim the account with the setup token.
    #[arg(long, value_name = "EMAIL")]
    pub owner_email: String,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Add another org with its own one-time owner setup token.
    Create(InitArgs),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain of every org's audit log (exit 1 if any is broken).
    Verify {
        /// Threads to hash with (the result is the same for any number).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
        jobs: u32,
    },
}

#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Address to listen on. Port 0 picks a free port (the address is printed on stdout).
    #[arg(long, env = "WT_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// PEM certificate chain for TLS.
    #[arg(long, env = "WT_TLS_CERT", value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for TLS.
    #[arg(long, env = "WT_TLS_KEY", value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Allow plain HTTP on a non-loopback address (only behind a TLS-terminating proxy).
    #[arg(long, env = "WT_INSECURE_HTTP")]
    pub insecure_http: bool,
    /// TOML config file. Default: <data-dir>/wtd.toml when it exists.
    #[arg(long, env = "WT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Public base URL of this server (`https://host[:port]`): the base of the web console's
    /// links in invitation and reset mails, the console's expected Origin, and the one host
    /// name served besides loopback ones (`localhost`, 127.x, [::1]) and the listener's own
    /// IP: a request naming another `Host` gets 421 (DNS-rebinding defence; /healthz,
    /// /readyz and /metrics answer any). Without it, a loopback listener's own address is
    /// used for links; elsewhere mails carry the token alone.
    #[arg(long, env = "WT_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Largest request body accepted, in bytes [default: 1048576].
    #[arg(long, env = "WT_BODY_LIMIT", value_name = "BYTES")]
    pub body_limit: Option<usize>,
    /// Longest a request may take, in seconds [default: 30].
    #[arg(long, env = "WT_REQUEST_TIMEOUT", value_name = "SECS")]
    pub request_timeout: Option<u64>,
    /// Longest a client may take to send a request's headers, in seconds; slower
    /// connections are closed (slow-loris protection) [default: 10].
    #[arg(long, env = "WT_HEADER_TIMEOUT", value_name = "SECS")]
    pub header_timeout: Option<u64>,
    /// How long a keep-alive connection may sit idle between requests, in seconds, before
    /// it is closed; longer than the proxies usually in front (AWS ALB 60 s) [default: 75].
    #[arg(long, env = "WT_KEEPALIVE_TIMEOUT", value_name = "SECS")]
    pub keepalive_timeout: Option<u64>,
    /// Idle timeout of console sessions, in seconds [default: 1800].
    #[arg(long, env = "WT_CONSOLE_IDLE_TIMEOUT", value_name = "SECS")]
    pub console_idle_timeout: Option<i64>,
    /// Idle timeout of CLI sessions, in seconds [default: 43200].
    #[arg(long, env = "WT_CLI_IDLE_TIMEOUT", value_name = "SECS")]
    pub cli_idle_timeout: Option<i64>,
    /// SMTP relay for outgoing mail: `smtp://[USER@]HOST[:PORT]` upgrades with STARTTLS,
    /// which must succeed (`?tls=required`, port 587 by default), except to a loopback host
    /// (plain text); `smtps://HOST` is implicit TLS (port 465). Plain text to another host
    /// only with `?tls=none` (warned at start; never with a password). Without it, mail is
    /// written as .eml files to <data-dir>/outbox/.
    #[arg(long, env = "WT_SMTP_URL", value_name = "URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// PEM file of the CA certificate(s) that sign the relay's certificate (a company CA),
    /// trusted for the relay instead of the OS trust store [default: the OS trust store;
    /// SSL_CERT_FILE and SSL_CERT_DIR point it elsewhere].
    #[arg(long, env = "WT_SMTP_CA_FILE", value_name = "FILE")]
    pub smtp_ca_file: Option<PathBuf>,
    /// SMTP user, when not in --smtp-url.
    #[arg(long, env = "WT_SMTP_USER", value_name = "USER")]
    pub smtp_user: Option<String>,
    /// File holding the SMTP password on its first line (mode 0600), read again for every
    /// new connection: a rotated password needs no restart. Or set WT_SMTP_PASSWORD.
    #[arg(long, env = "WT_SMTP_PASSWORD_FILE", value_name = "FILE")]
    pub smtp_password_file: Option<PathBuf>,
    /// From address of outgoing mail [default: WatchTower <noreply@localhost>].
    #[arg(long, env = "WT_MAIL_FROM", value_name = "ADDRESS")]
    pub mail_from: Option<String>,
    /// How long an invite stays valid, in seconds [default: 259200 (72 h)].
    #[arg(long, env = "WT_INVITE_TTL", value_name = "SECS")]
    pub invite_ttl: Option<i64>,
    /// How long ingested events are kept (e.g. 7d, 36h), unless an org sets its own
    /// (`wt org set event-retention`); older ones are pruned in small batches, 1 h to
    /// 3650 d [default: 7d].
    #[arg(long, env = "WT_EVENT_RETENTION", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub event_retention: Option<std::time::Duration>,
    /// How often the prune task counts new events (storage per org) and deletes expired
    /// ones, in batches of 1,000 [default: 60s].
    #[arg(long, env = "WT_EVENT_PRUNE_INTERVAL", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub event_prune_interval: Option<std::time::Duration>,
    /// Sign a checkpoint of each org's audit log after this many new entries (`wt audit
    /// checkpoint`) [default: 1000].
    #[arg(long, env = "WT_CHECKPOINT_EVERY_ENTRIES", value_name = "N")]
    pub checkpoint_every_entries: Option<u64>,
    /// ...or after this long (e.g. 10m, 1h) when the log grew at all [default: 10m].
    #[arg(long, env = "WT_CHECKPOINT_EVERY", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub checkpoint_every: Option<std::time::Duration>,
    /// How often the audit sink task looks for entries to stream (`wt audit sinks`)
    /// [default: 1s].
    #[arg(long, env = "WT_AUDIT_SINK_POLL", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub audit_sink_poll: Option<std::time::Duration>,
    /// How long a daemon's claim on a sink lasts without progress: another daemon (or
    /// this one restarted) takes over a dead daemon's sinks after it [default: 30s].
    #[arg(long, env = "WT_AUDIT_SINK_LEASE", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub audit_sink_lease: Option<std::time::Duration>,
    /// First wait after a failed delivery to a sink; doubles per failure, with jitter
    /// [default: 2s].
    #[arg(long, env = "WT_AUDIT_SINK_BACKOFF_MIN", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub audit_sink_backoff_min: Option<std::time::Duration>,
    /// Longest wait between attempts to deliver to a failing sink [default: 5m].
    #[arg(long, env = "WT_AUDIT_SINK_BACKOFF_MAX", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub audit_sink_backoff_max: Option<std::time::Duration>,
    /// Issuer name shown in authenticator apps [default: WatchTower].
    #[arg(long, env = "WT_TOTP_ISSUER", value_name = "NAME")]
    pub totp_issuer: Option<String>,
    /// Absolute lifetime of every session, in seconds [default: 43200].
    #[arg(long, env = "WT_SESSION_LIFETIME", value_name = "SECS")]
    pub session_lifetime: Option<i64>,
    /// A reverse proxy (CIDR) whose X-Forwarded-For is believed; repeat for several, or
    /// comma-separate in WT_TRUSTED_PROXIES. The client address is the rightmost hop that is
    /// not a trusted proxy [default: none: the socket peer is the client].
    #[arg(
        long = "trusted-proxy",
        env = "WT_TRUSTED_PROXIES",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<String>,
    /// File holding the bearer token /metrics requires (one line, at least 32 characters,
    /// mode 0600; Prometheus: `authorization: {credentials_file: FILE}`). Without it,
    /// /metrics answers only clients on loopback (the socket peer, never X-Forwarded-For).
    #[arg(long, env = "WT_METRICS_TOKEN_FILE", value_name = "FILE")]
    pub metrics_token_file: Option<PathBuf>,
    /// File with the public keys of the secret-scanning partner (GitHub) that signs leak
    /// reports to POST /api/v1/leaks/github: GitHub's published JSON document
    /// (https://api.github.com/meta/public_keys/secret_scanning), or PEM blocks each after
    /// a `# key_identifier: ID` line. Without it, the endpoint answers 404. Keys are read
    /// at start (restart to pick up a new one); nothing is fetched.
    #[arg(long, env = "WT_SECRET_SCANNING_KEYS", value_name = "FILE")]
    pub secret_scanning_keys: Option<PathBuf>,
}

/// The clap command, for man pages and completions.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn command_definition_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn tls_cert_without_key_is_a_usage_error() {
        let r = Cli::try_parse_from(["wtd", "serve", "--tls-cert", "c.pem"]);
        assert!(r.is_err());
    }

    #[test]
    fn database_pool_flags_default_to_the_documented_values_and_read_durations() {
        use wt_store::postgres::PgOptions;
        let cli = Cli::try_parse_from(["wtd", "serve"]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cli.pg_options(), PgOptions::default());
        let cli = Cli::try_parse_from([
            "wtd",
            "serve",
            "--database-pool-size",
            "4",
            "--database-pool-min",
            "2",
            "--database-acquire-timeout",
            "1500ms",
            "--database-max-lifetime",
            "1h",
            "--database-idle-timeout",
            "90s",
            "--database-statement-timeout",
            "3s",
            "--database-lock-timeout",
            "1s",
            "--database-idle-in-transaction-timeout",
            "4s",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let o = cli.pg_options();
        assert_eq!((o.pool_size, o.pool_min), (4, 2));
        assert_eq!(o.acquire_timeout, Duration::from_millis(1500));
        assert_eq!(o.max_lifetime, Duration::from_secs(3600));
        assert_eq!(o.idle_timeout, Duration::from_secs(90));
        let s = o
            .session
            .unwrap_or_else(|| panic!("serve sends the limits"));
        assert_eq!(
            (
                s.statement_timeout,
                s.lock_timeout,
                s.idle_in_transaction_timeout
            ),
            (
                Duration::from_secs(3),
                Duration::from_secs(1),
                Duration::from_secs(4)
            )
        );
        // One-off commands run without the server-side limits.
        let cli = Cli::try_parse_from(["wtd", "migrate"]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cli.pg_options().session, None);
        // A duration without its unit is a usage error naming the flag.
        let e = Cli::try_parse_from(["wtd", "serve", "--database-acquire-timeout", "5"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("--database-acquire-timeout"), "{e}");
    }

    #[test]
    fn init_requires_org_and_owner() {
        assert!(Cli::try_parse_from(["wtd", "init", "--org", "Acme"]).is_err());
        let ok = Cli::try_parse_from(["wtd", "init", "--org", "Acme", "--owner-email", "a@b.c"]);
        assert!(ok.is_ok());
    }
}

/// `--database-pooler`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PoolerArg {
    /// wtd connects to PostgreSQL itself.
    None,
    /// A pooler in transaction mode (pgbouncer `pool_mode = transaction`).
    Transaction,
}

impl Cli {
    /// The PostgreSQL connection settings the flags give. The server-side time limits
    /// apply to `wtd serve` only: `migrate`, `copy` and the other one-off commands may
    /// rightly run statements for minutes.
    pub fn pg_options(&self) -> wt_store::postgres::PgOptions {
        use wt_store::postgres::{PgOptions, Pooler, SessionLimits};
        let options = PgOptions {
            pool_min: self.database_pool_min,
            acquire_timeout: self.database_acquire_timeout,
            max_lifetime: self.database_max_lifetime,
            idle_timeout: self.database_idle_timeout,
            session: Some(SessionLimits {
                statement_timeout: self.database_statement_timeout,
                lock_timeout: self.database_lock_timeout,
                idle_in_transaction_timeout: self.database_idle_in_transaction_timeout,
            }),
            pooler: match self.database_pooler {
                PoolerArg::None => Pooler::None,
                PoolerArg::Transaction => Pooler::Transaction,
            },
            ..PgOptions::with_pool_size(self.database_pool_size)
        };
        match self.command {
            Command::Serve(_) => options,
            _ => options.without_session_limits(),
        }
    }
}
