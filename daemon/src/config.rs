//! Settings of `wtd serve`, resolved once at start-up: flags and `WT_*` environment
//! variables (clap reads both), then the TOML config file, then the defaults below.

use crate::cli::ServeArgs;
use crate::mailer::relay::{PASSWORD_ENV, RelayInputs, RelaySettings};
use anyhow::{Context, bail};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Default listen address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8470";
/// Default largest request body: 1 MiB. Larger bodies get 413 before they are read.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// Default longest request, in seconds. A slower request gets 408 and its work is dropped.
pub const DEFAULT_REQUEST_TIMEOUT: u64 = 30;
/// Seconds a client may take to send a request's headers (`--header-timeout`).
pub const DEFAULT_HEADER_TIMEOUT: u64 = 10;
/// Seconds a keep-alive connection may sit idle between requests (`--keepalive-timeout`);
/// see `keepalive.rs` for why 75.
pub const DEFAULT_KEEPALIVE_TIMEOUT: u64 = 75;
/// Default invite lifetime (SECURITY.md C.20): 72 hours.
pub const DEFAULT_INVITE_TTL: i64 = 72 * 60 * 60;
/// Default From address of outgoing mail.
pub const DEFAULT_MAIL_FROM: &str = "WatchTower <noreply@localhost>";
/// Default console idle timeout (SECURITY.md B.13): 30 minutes.
pub const DEFAULT_CONSOLE_IDLE: i64 = 30 * 60;
/// Default CLI idle timeout: 12 hours (a CLI session is used in bursts, from a keyring).
pub const DEFAULT_CLI_IDLE: i64 = 12 * 60 * 60;
/// Default absolute session lifetime (SECURITY.md B.13): 12 hours.
pub const DEFAULT_SESSION_LIFETIME: i64 = 12 * 60 * 60;

/// The config file's keys: the long flag names with `_` for `-`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    insecure_http: Option<bool>,
    public_url: Option<String>,
    body_limit: Option<usize>,
    request_timeout: Option<u64>,
    header_timeout: Option<u64>,
    keepalive_timeout: Option<u64>,
    console_idle_timeout: Option<i64>,
    cli_idle_timeout: Option<i64>,
    session_lifetime: Option<i64>,
    totp_issuer: Option<String>,
    smtp_url: Option<String>,
    smtp_ca_file: Option<PathBuf>,
    smtp_user: Option<String>,
    smtp_password_file: Option<PathBuf>,
    mail_from: Option<String>,
    invite_ttl: Option<i64>,
    event_retention: Option<String>,
    event_prune_interval: Option<String>,
    checkpoint_every_entries: Option<u64>,
    checkpoint_every: Option<String>,
    audit_sink_poll: Option<String>,
    audit_sink_lease: Option<String>,
    audit_sink_backoff_min: Option<String>,
    audit_sink_backoff_max: Option<String>,
    trusted_proxy: Option<Vec<String>>,
    metrics_token_file: Option<PathBuf>,
    secret_scanning_keys: Option<PathBuf>,
    /// The database (the global --database-url / --database-url-file, which win).
    database_url: Option<String>,
    database_url_file: Option<PathBuf>,
}

/// TLS certificate and key files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Everything `serve` needs, resolved and validated.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub data_dir: PathBuf,
    /// The database: SQLite in the data directory unless `--database-url` says otherwise.
    pub database: crate::database::Database,
    pub listen: SocketAddr,
    pub tls: Option<TlsFiles>,
    pub insecure_http: bool,
    pub public_url: Option<String>,
    pub body_limit: usize,
    pub request_timeout: u64,
    /// Seconds to receive a request's headers.
    pub header_timeout: u64,
    /// Seconds a keep-alive connection may be idle between requests.
    pub keepalive_timeout: u64,
    pub console_idle_timeout: i64,
    pub cli_idle_timeout: i64,
    pub session_lifetime: i64,
    pub totp_issuer: String,
    /// The SMTP relay (its TLS, CAs and credentials); `None` writes .eml files to
    /// `<data-dir>/outbox/`. `Debug` shows no password.
    pub smtp: Option<RelaySettings>,
    pub mail_from: lettre::message::Mailbox,
    /// Invite lifetime in seconds.
    pub invite_ttl: i64,
    /// How long ingested events are kept unless an org says otherwise, in seconds.
    pub event_retention: i64,
    /// How often the prune task runs.
    pub event_prune_interval: std::time::Duration,
    /// Sign an audit checkpoint after this many new entries.
    pub checkpoint_every_entries: u64,
    /// ...or after this long when the log grew.
    pub checkpoint_every: std::time::Duration,
    /// The audit sink delivery task's settings (`--audit-sink-*`).
    pub audit_sinks: crate::sinks::Settings,
    /// Proxies whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The file with /metrics' bearer token; `None`: /metrics for loopback clients only.
    pub metrics_token_file: Option<PathBuf>,
    /// The secret-scanning partner's public keys; `None`: the endpoint is off.
    pub secret_scanning_keys: Option<PathBuf>,
}

/// The data directory: `--data-dir` / `WT_DATA_DIR`, else `$XDG_DATA_HOME/watchtower`,
/// else `~/.local/share/watchtower`.
pub fn data_dir(flag: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(d) = flag {
        return Ok(d);
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(x).join("watchtower"));
    }
    let home = std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .context("cannot find a data directory: set --data-dir or WT_DATA_DIR")?;
    Ok(PathBuf::from(home).join(".local/share/watchtower"))
}

/// `--event-retention` (a duration), else the file's `event_retention` (a duration
/// string), else 7 days; within wt_core's bounds.
fn event_retention(flag: Option<std::time::Duration>, file: Option<String>) -> anyhow::Result<i64> {
    let d = match (flag, file) {
        (Some(d), _) => d,
        (None, Some(s)) => humantime::parse_duration(&s)
            .map_err(|e| anyhow::anyhow!("event_retention {s:?}: {e} (e.g. \"7d\")"))?,
        (None, None) => return Ok(wt_core::events::DEFAULT_RETENTION),
    };
    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    wt_core::events::check_retention(secs).map_err(|e| anyhow::anyhow!("--event-retention: {e}"))
}

fn read_file_config(path: &Path, explicit: bool) -> anyhow::Result<FileConfig> {
    match std::fs::read_to_string(path) {
        // The parser's message quotes the offending line, which may hold the database
        // URL's password: only the line number and the reason are repeated.
        Ok(text) => toml::from_str(&text).map_err(|e| {
            let line = e.span().map_or(0, |s| {
                text[..s.start.min(text.len())].lines().count().max(1)
            });
            anyhow::anyhow!(
                "invalid config file {}, line {line}: {}",
                path.display(),
                e.message()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            Ok(FileConfig::default())
        }
        Err(e) => Err(e).with_context(|| format!("cannot read config file {}", path.display())),
    }
}

/// Where the database is, for every command: `--database-url` or `--database-url-file`
/// (flags or `WT_*`) when given, else `database_url` or `database_url_file` of the config
/// file (`config`, else `<data-dir>/wtd.toml` when present). Both (`None`, `None`): the
/// embedded SQLite file.
pub fn database_location(
    data_dir: &Path,
    config: Option<&Path>,
    url: Option<String>,
    url_file: Option<PathBuf>,
) -> anyhow::Result<(Option<String>, Option<PathBuf>)> {
    if url.is_some() || url_file.is_some() {
        return Ok((url, url_file));
    }
    let file = match config {
        Some(p) => read_file_config(p, true)?,
        None => read_file_config(&data_dir.join("wtd.toml"), false)?,
    };
    if file.database_url.is_some() && file.database_url_file.is_some() {
        bail!("the config file sets both database_url and database_url_file: keep one");
    }
    Ok((file.database_url, file.database_url_file))
}

impl ServeConfig {
    /// Resolves flags, environment, config file and defaults, and refuses unsafe choices.
    pub fn resolve(data_dir: PathBuf, args: &ServeArgs) -> anyhow::Result<Self> {
        let file = match &args.config {
            Some(p) => read_file_config(p, true)?,
            None => read_file_config(&data_dir.join("wtd.toml"), false)?,
        };
        let listen = match args.listen.or(file.listen) {
            Some(l) => l,
            None => DEFAULT_LISTEN.parse()?,
        };
        let tls = match (
            args.tls_cert.clone().or(file.tls_cert),
            args.tls_key.clone().or(file.tls_key),
        ) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => bail!("TLS needs both a certificate and a key: set --tls-cert and --tls-key"),
        };
        let insecure_http = args.insecure_http || file.insecure_http.unwrap_or(false);
        if tls.is_none() && !listen.ip().is_loopback() && !insecure_http {
            bail!(
                "refusing to serve plain HTTP on the non-loopback address {listen}: \
                 pass --tls-cert FILE --tls-key FILE to serve HTTPS, or --insecure-http \
                 if a TLS-terminating proxy sits in front of wtd"
            );
        }
        let public_url = args.public_url.clone().or(file.public_url);
        if let Some(u) = &public_url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            bail!("--public-url must start with https:// (or http:// for loopback)");
        }
        wt_core::hosts::HostPolicy::new(public_url.as_deref(), listen.ip())
            .map_err(|e| anyhow::anyhow!(e))?;
        let totp_issuer = args
            .totp_issuer
            .clone()
            .or(file.totp_issuer)
            .unwrap_or_else(|| wt_core::mfa::DEFAULT_ISSUER.to_string());
        if totp_issuer.trim().is_empty() || totp_issuer.contains(':') || totp_issuer.len() > 64 {
            bail!("--totp-issuer must be 1-64 characters without ':'");
        }
        let mail_from = args
            .mail_from
            .clone()
            .or(file.mail_from)
            .unwrap_or_else(|| DEFAULT_MAIL_FROM.to_string());
        let mail_from = mail_from
            .parse()
            .with_context(|| format!("--mail-from: {mail_from:?} is not a mail address"))?;
        let positive = |name: &str, v: i64| -> anyhow::Result<i64> {
            if v <= 0 {
                bail!("{name} must be a positive number of seconds");
            }
            Ok(v)
        };
        Ok(Self {
            metrics_token_file: args.metrics_token_file.clone().or(file.metrics_token_file),
            secret_scanning_keys: args
                .secret_scanning_keys
                .clone()
                .or(file.secret_scanning_keys),
            database: crate::database::Database::Sqlite(data_dir.join(wt_store::sqlite::DB_FILE)),
            data_dir,
            listen,
            tls,
            insecure_http,
            public_url: public_url.map(|u| u.trim_end_matches('/').to_string()),
            body_limit: args
                .body_limit
                .or(file.body_limit)
                .unwrap_or(DEFAULT_BODY_LIMIT),
            request_timeout: args
                .request_timeout
                .or(file.request_timeout)
                .unwrap_or(DEFAULT_REQUEST_TIMEOUT)
                .max(1),
            header_timeout: args
                .header_timeout
                .or(file.header_timeout)
                .unwrap_or(DEFAULT_HEADER_TIMEOUT)
                .max(1),
            keepalive_timeout: args
                .keepalive_timeout
                .or(file.keepalive_timeout)
                .unwrap_or(DEFAULT_KEEPALIVE_TIMEOUT)
                .max(1),
            console_idle_timeout: positive(
                "--console-idle-timeout",
                args.console_idle_timeout
                    .or(file.console_idle_timeout)
                    .unwrap_or(DEFAULT_CONSOLE_IDLE),
            )?,
            cli_idle_timeout: positive(
                "--cli-idle-timeout",
                args.cli_idle_timeout
                    .or(file.cli_idle_timeout)
                    .unwrap_or(DEFAULT_CLI_IDLE),
            )?,
            session_lifetime: positive(
                "--session-lifetime",
                args.session_lifetime
                    .or(file.session_lifetime)
                    .unwrap_or(DEFAULT_SESSION_LIFETIME),
            )?,
            totp_issuer,
            smtp: RelaySettings::resolve(RelayInputs {
                url: args
                    .smtp_url
                    .clone()
                    .or(file.smtp_url)
                    .map(wt_core::secret::SecretString::new),
                ca_file: args.smtp_ca_file.clone().or(file.smtp_ca_file),
                user: args.smtp_user.clone().or(file.smtp_user),
                password_file: args.smtp_password_file.clone().or(file.smtp_password_file),
                password_env: std::env::var(PASSWORD_ENV)
                    .ok()
                    .filter(|p| !p.is_empty())
                    .map(wt_core::secret::SecretString::new),
            })?,
            mail_from,
            invite_ttl: positive(
                "--invite-ttl",
                args.invite_ttl
                    .or(file.invite_ttl)
                    .unwrap_or(DEFAULT_INVITE_TTL),
            )?,
            event_retention: event_retention(args.event_retention, file.event_retention)?,
            event_prune_interval: match (args.event_prune_interval, file.event_prune_interval) {
                (Some(d), _) => d,
                (None, Some(s)) => humantime::parse_duration(&s)
                    .map_err(|e| anyhow::anyhow!("event_prune_interval {s:?}: {e}"))?,
                (None, None) => crate::service::events::PRUNE_EVERY,
            }
            .max(std::time::Duration::from_millis(100)),
            checkpoint_every_entries: args
                .checkpoint_every_entries
                .or(file.checkpoint_every_entries)
                .unwrap_or(crate::service::audit_checkpoints::DEFAULT_EVERY_ENTRIES)
                .max(1),
            checkpoint_every: match (args.checkpoint_every, file.checkpoint_every) {
                (Some(d), _) => d,
                (None, Some(s)) => humantime::parse_duration(&s)
                    .map_err(|e| anyhow::anyhow!("checkpoint_every {s:?}: {e}"))?,
                (None, None) => crate::service::audit_checkpoints::DEFAULT_EVERY,
            }
            .max(std::time::Duration::from_secs(1)),
            audit_sinks: {
                let d = crate::sinks::Settings::default();
                let pick = |name: &str,
                            arg: Option<std::time::Duration>,
                            file: &Option<String>,
                            default: std::time::Duration|
                 -> anyhow::Result<std::time::Duration> {
                    Ok(match (arg, file) {
                        (Some(d), _) => d,
                        (None, Some(s)) => humantime::parse_duration(s)
                            .map_err(|e| anyhow::anyhow!("{name} {s:?}: {e}"))?,
                        (None, None) => default,
                    })
                };
                let secs = |d: std::time::Duration| (d.as_secs() as i64).max(1);
                let backoff_min = secs(pick(
                    "audit_sink_backoff_min",
                    args.audit_sink_backoff_min,
                    &file.audit_sink_backoff_min,
                    std::time::Duration::from_secs(d.backoff_min as u64),
                )?);
                crate::sinks::Settings {
                    poll: pick(
                        "audit_sink_poll",
                        args.audit_sink_poll,
                        &file.audit_sink_poll,
                        d.poll,
                    )?
                    .max(std::time::Duration::from_millis(50)),
                    lease: secs(pick(
                        "audit_sink_lease",
                        args.audit_sink_lease,
                        &file.audit_sink_lease,
                        std::time::Duration::from_secs(d.lease as u64),
                    )?)
                    .max(2),
                    backoff_min,
                    backoff_max: secs(pick(
                        "audit_sink_backoff_max",
                        args.audit_sink_backoff_max,
                        &file.audit_sink_backoff_max,
                        std::time::Duration::from_secs(d.backoff_max as u64),
                    )?)
                    .max(backoff_min),
                    holder: d.holder,
                }
            },
            trusted_proxies: {
                let list = if args.trusted_proxies.is_empty() {
                    file.trusted_proxy.unwrap_or_default()
                } else {
                    args.trusted_proxies.clone()
                };
                list.iter()
                    .map(|c| {
                        wt_core::netaddr::parse_cidr(c)
                            .map_err(|e| anyhow::anyhow!("--trusted-proxy {c:?}: {e}"))
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(listen: &str) -> ServeArgs {
        ServeArgs {
            listen: listen.parse().ok(),
            ..Default::default()
        }
    }

    #[test]
    fn plain_http_on_a_public_address_is_refused_with_a_remedy() {
        let dir = std::env::temp_dir();
        let err = ServeConfig::resolve(dir, &args("0.0.0.0:8470"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("--tls-cert") && err.contains("--insecure-http"),
            "{err}"
        );
    }

    #[test]
    fn insecure_http_is_an_explicit_opt_in() {
        let mut a = args("0.0.0.0:8470");
        a.insecure_http = true;
        assert!(ServeConfig::resolve(std::env::temp_dir(), &a).is_ok());
    }

    #[test]
    fn loopback_defaults_are_fine() {
        let c = ServeConfig::resolve(
            std::env::temp_dir().join("nonexistent-wt"),
            &ServeArgs::default(),
        );
        let c = c.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(c.body_limit, DEFAULT_BODY_LIMIT);
        assert_eq!(c.console_idle_timeout, 1800);
        assert_eq!(c.session_lifetime, 43200);
    }

    #[test]
    fn config_file_is_read_and_flags_win() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("wtd.toml"),
            "listen = \"127.0.0.1:9999\"\nconsole_idle_timeout = 60\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let c = ServeConfig::resolve(dir.path().into(), &ServeArgs::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.listen.port(), 9999);
        assert_eq!(c.console_idle_timeout, 60);
        let c = ServeConfig::resolve(dir.path().into(), &args("127.0.0.1:7777"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.listen.port(), 7777);
    }

    /// The long names of `wtd serve`'s own flags (not the global ones, not --config).
    fn serve_flags() -> Vec<String> {
        let cmd = crate::cli::command();
        let serve = cmd.find_subcommand("serve").cloned().unwrap_or_default();
        serve
            .get_arguments()
            .filter(|a| !a.is_global_set())
            .filter_map(|a| a.get_long().map(str::to_string))
            .filter(|l| l != "config")
            .collect()
    }

    #[test]
    fn the_example_config_parses_and_names_every_setting() {
        let text = include_str!("../../docs/wtd.toml.example");
        let parsed: Result<FileConfig, _> = toml::from_str(text);
        assert!(parsed.is_ok(), "{parsed:?}");
        let flags = serve_flags();
        assert!(flags.len() >= 14, "{flags:?}");
        for flag in flags {
            let key = flag.replace('-', "_");
            assert!(
                text.lines()
                    .any(|l| l.trim_start_matches("# ").starts_with(&format!("{key} ="))),
                "docs/wtd.toml.example does not mention {key}"
            );
        }
    }

    #[test]
    fn the_readme_configuration_table_names_every_flag() {
        let readme = include_str!("../../README.md");
        for flag in serve_flags() {
            assert!(
                readme.contains(&format!("`--{flag}")),
                "README.md does not document --{flag}"
            );
        }
    }

    #[test]
    fn the_database_comes_from_flags_then_the_config_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let none =
            database_location(dir.path(), None, None, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(none, (None, None));
        std::fs::write(
            dir.path().join("wtd.toml"),
            "database_url = \"postgres://wt@db/wt?sslmode=verify-full\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let from_file =
            database_location(dir.path(), None, None, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            from_file.0.as_deref(),
            Some("postgres://wt@db/wt?sslmode=verify-full")
        );
        let flag = database_location(dir.path(), None, None, Some("/etc/wt/url".into()))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(flag, (None, Some(PathBuf::from("/etc/wt/url"))));
    }

    #[test]
    fn a_bad_config_file_is_not_quoted_back() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("wtd.toml"),
            "listen = \"127.0.0.1:1\"\ndatabase_url = \"postgres://wt:hunter2@db/wt\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let err = database_location(dir.path(), None, None, None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("line 2") && !err.contains("hunter2"), "{err}");
    }

    #[test]
    fn relay_settings_come_from_the_file_and_flags_win() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("wtd.toml"),
            "smtp_url = \"smtp://relay.corp.example\"\nsmtp_user = \"mailer\"\n\
             smtp_password_file = \"/run/secrets/smtp\"\nsmtp_ca_file = \"/etc/ca.pem\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let c = ServeConfig::resolve(dir.path().into(), &ServeArgs::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let relay = c.smtp.map(|s| s.describe()).unwrap_or_default();
        assert_eq!(
            relay,
            "smtp://mailer@relay.corp.example:587 (STARTTLS required; CAs of /etc/ca.pem; \
             password from /run/secrets/smtp)"
        );
        let args = ServeArgs {
            smtp_url: Some("smtps://relay2.corp.example".into()),
            smtp_password_file: Some("/etc/wt/smtp".into()),
            ..Default::default()
        };
        let c = ServeConfig::resolve(dir.path().into(), &args).unwrap_or_else(|e| panic!("{e}"));
        let relay = c.smtp.map(|s| s.describe()).unwrap_or_default();
        assert!(
            relay.starts_with("smtps://mailer@relay2.corp.example:465 (implicit TLS")
                && relay.ends_with("password from /etc/wt/smtp)"),
            "{relay}"
        );
        // Relay settings without a relay are a mistake, not ignored.
        std::fs::write(dir.path().join("wtd.toml"), "smtp_user = \"mailer\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let err = ServeConfig::resolve(dir.path().into(), &ServeArgs::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("--smtp-user") && err.contains("--smtp-url"),
            "{err}"
        );
    }

    #[test]
    fn unknown_config_keys_are_errors() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("wtd.toml"), "lsten = \"x\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(ServeConfig::resolve(dir.path().into(), &ServeArgs::default()).is_err());
    }
}
