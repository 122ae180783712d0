//! How the daemon reaches PostgreSQL: the URL (given, or read from a file), TLS
//! ([`super::tls`]) and the password, looked up for every new connection.
//!
//! The `postgres` driver's URL parser refuses parameters it does not know, so libpq's
//! `sslmode` (with `verify-ca` and `verify-full`), `sslrootcert`, `sslcert`, `sslkey` and
//! `passfile` are taken out of the URL here ([`split_params`]) and the rest goes to the
//! driver.
//!
//! The password, in libpq's order: the URL's own (a URL file is read again each time),
//! then `PGPASSWORD`, then the password file ([`super::passfile`]). It is looked up when a
//! connection is opened, never once at start, so rotating it needs no restart: change it
//! in the database, then in the file, and the next new connection uses it.

use super::passfile::{self, Lookup};
use super::redact;
use super::tls::{SslMode, TlsParams, TlsPolicy};
use crate::StoreError;
use postgres::config::Host;
use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tokio_postgres_rustls::MakeRustlsConnect;
use wt_core::secret::SecretString;

/// The parameters this module handles itself, taken out of a URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnParams {
    pub tls: TlsParams,
    /// libpq's `passfile`.
    pub passfile: Option<PathBuf>,
    /// The URL's password (`USER:PASSWORD@` or `password=`), kept out of the driver's
    /// configuration: it is set per connection.
    pub password: Option<SecretString>,
}

/// Splits `url` into the parameters handled here and the URL for the driver (the rest of
/// the query string, untouched). Values are percent-decoded, as the driver does.
pub fn split_params(url: &str) -> Result<(OwnParams, String), String> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut own = OwnParams::default();
    let base = match userinfo_password(base) {
        Some((without, password)) => {
            own.password = Some(decode(password, "the password")?.into());
            without
        }
        None => base.to_string(),
    };
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded = || decode(value, key);
        match key {
            "password" => own.password = Some(decoded()?.into()),
            "sslmode" => own.tls.sslmode = Some(SslMode::parse(&decoded()?)?),
            "sslrootcert" => own.tls.sslrootcert = Some(decoded()?),
            "sslcert" => own.tls.sslcert = Some(PathBuf::from(decoded()?)),
            "sslkey" => own.tls.sslkey = Some(PathBuf::from(decoded()?)),
            "passfile" => own.passfile = Some(PathBuf::from(decoded()?)),
            "sslpassword" => {
                return Err(
                    "sslpassword is not supported: give sslkey an unencrypted key \
                            file (mode 0600)"
                        .into(),
                );
            }
            _ => rest.push(pair),
        }
    }
    let url = if rest.is_empty() {
        base
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((own, url))
}

fn decode(value: &str, what: &str) -> Result<String, String> {
    percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .map(|v| v.into_owned())
        .map_err(|_| format!("the value of {what} is not UTF-8"))
}

/// `scheme://user:password@hosts/...` -> (`scheme://user@hosts/...`, `password`), when
/// the URL (without its query string) has a password.
fn userinfo_password(base: &str) -> Option<(String, &str)> {
    let start = base.find("://")? + 3;
    let end = base[start..].find('/').map_or(base.len(), |i| start + i);
    let at = start + base[start..end].rfind('@')?;
    let colon = start + base[start..at].find(':')?;
    Some((
        format!("{}{}", &base[..colon], &base[at..]),
        &base[colon + 1..at],
    ))
}

/// Where the URL came from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// Given on the command line, in the environment or the config file.
    Given,
    /// `--database-url-file`: read again, for its password, by every new connection.
    File(PathBuf),
}

/// Everything needed to open connections to one database. `Debug` shows the URL without
/// its password.
pub struct PgConnector {
    /// The driver's configuration, without a password (added per connection).
    config: postgres::Config,
    /// The URL's own password, when the URL was given (a URL file is read each time).
    url_password: Option<SecretString>,
    source: Source,
    passfile: Option<PathBuf>,
    policy: TlsPolicy,
    tls: Option<MakeRustlsConnect>,
    /// The URL, password hidden: for messages and logs.
    display: String,
    /// The last URL file whose non-password parts differed from the start's (warned once).
    warned_changed: Mutex<Option<String>>,
}

impl std::fmt::Debug for PgConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConnector")
            .field("database", &self.display)
            .finish()
    }
}

impl PartialEq for PgConnector {
    fn eq(&self, other: &Self) -> bool {
        self.display == other.display && self.source == other.source
    }
}

impl Eq for PgConnector {}

/// A failure to build a connector or to connect, in words that may be shown (never a
/// password).
fn connect_error(message: impl Into<String>) -> StoreError {
    StoreError::Connect(message.into())
}

/// Parses a URL: the driver's configuration (without the password) and ours.
fn parse(url: &str) -> Result<(postgres::Config, Option<SecretString>, OwnParams), StoreError> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(connect_error(
            "not a PostgreSQL URL (expected postgres://USER@HOST:PORT/DB)",
        ));
    }
    let (mut own, rest) = split_params(url).map_err(connect_error)?;
    let config: postgres::Config = rest
        .parse()
        .map_err(|e| connect_error(format!("not a valid PostgreSQL URL: {e}")))?;
    // libpq: an empty password is no password.
    let password = own.password.take().filter(|p| !p.expose().is_empty());
    Ok((config, password, own))
}

/// Reads a URL file: its first line, trimmed. With a password in it, the file must be
/// private to its user.
fn read_url_file(path: &Path) -> Result<SecretString, StoreError> {
    let name = path.display();
    let text = std::fs::read_to_string(path)
        .map(SecretString::new)
        .map_err(|e| connect_error(format!("cannot read the database URL file {name}: {e}")))?;
    let url = SecretString::new(text.expose().trim());
    if url.expose().is_empty() || url.expose().contains('\n') {
        return Err(connect_error(format!(
            "the database URL file {name} must hold one URL on one line"
        )));
    }
    let has_password = redact(url.expose()) != url.expose();
    let open = std::fs::metadata(path).map_or(0, |m| m.permissions().mode() & 0o077);
    if has_password && open != 0 {
        return Err(connect_error(format!(
            "the database URL file {name} holds a password and other users may read it: \
             run `chmod 600 {name}`"
        )));
    }
    Ok(url)
}

impl PgConnector {
    /// A connector for `url`. Reads the TLS files now (a missing one stops here).
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        Self::build(url, Source::Given)
    }

    /// A connector for the URL in `path` (one line; a trailing newline is fine). The file
    /// is read again for its password by every new connection.
    pub fn from_url_file(path: &Path) -> Result<Self, StoreError> {
        let url = read_url_file(path)?;
        Self::build(url.expose(), Source::File(path.to_path_buf()))
    }

    fn build(url: &str, source: Source) -> Result<Self, StoreError> {
        let (mut config, url_password, own) = parse(url)?;
        let policy = own.tls.policy().map_err(connect_error)?;
        let everywhere_unix = !config.get_hosts().is_empty()
            && config
                .get_hosts()
                .iter()
                .all(|h| matches!(h, Host::Unix(_)));
        // As libpq: no TLS over a Unix socket (the server offers none there).
        let driver_mode = match policy.mode {
            _ if everywhere_unix => postgres::config::SslMode::Disable,
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            _ => postgres::config::SslMode::Require,
        };
        config.ssl_mode(driver_mode);
        let tls = policy
            .client_config()
            .map_err(connect_error)?
            .map(MakeRustlsConnect::new);
        Ok(PgConnector {
            config,
            url_password,
            source,
            passfile: own.passfile,
            policy,
            tls,
            display: redact(url),
            warned_changed: Mutex::new(None),
        })
    }

    /// The URL without its password.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// What this connector does about TLS.
    pub fn tls_policy(&self) -> &TlsPolicy {
        &self.policy
    }

    /// True when every host is on this machine: a loopback address, `localhost`, or a Unix
    /// socket (where plain text crosses no network).
    pub fn is_local(&self) -> bool {
        let hosts = self.config.get_hosts();
        let addrs = self.config.get_hostaddrs();
        if hosts.is_empty() && addrs.is_empty() {
            return true;
        }
        hosts.iter().all(|h| match h {
            Host::Unix(_) => true,
            Host::Tcp(name) => {
                name.eq_ignore_ascii_case("localhost")
                    || name
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            }
        }) && addrs.iter().all(IpAddr::is_loopback)
    }

    /// The hosts and ports, for messages (`db.internal:5432`).
    pub fn hosts(&self) -> String {
        let ports = self.config.get_ports();
        let port = |i: usize| ports.get(i).or(ports.first()).copied().unwrap_or(5432);
        let mut names: Vec<String> = self
            .config
            .get_hosts()
            .iter()
            .enumerate()
            .map(|(i, h)| match h {
                Host::Tcp(name) => format!("{name}:{}", port(i)),
                Host::Unix(dir) => format!("{} (Unix socket)", dir.display()),
            })
            .collect();
        if names.is_empty() {
            names = self
                .config
                .get_hostaddrs()
                .iter()
                .enumerate()
                .map(|(i, a)| format!("{a}:{}", port(i)))
                .collect();
        }
        names.join(", ")
    }

    /// What the password file is searched for: the first host, its port, the database and
    /// the user, with libpq's defaults.
    fn lookup(&self) -> Lookup {
        let host = match (
            self.config.get_hosts().first(),
            self.config.get_hostaddrs().first(),
        ) {
            (Some(Host::Tcp(name)), _) => name.clone(),
            (Some(Host::Unix(dir)), _) => {
                // libpq: the default socket directory counts as `localhost`.
                if dir == Path::new("/var/run/postgresql")
                    || dir == Path::new("/run/postgresql")
                    || dir == Path::new("/tmp")
                {
                    "localhost".into()
                } else {
                    dir.display().to_string()
                }
            }
            (None, Some(addr)) => addr.to_string(),
            (None, None) => "localhost".into(),
        };
        let user = self
            .config
            .get_user()
            .map(str::to_string)
            .or_else(|| whoami::username().ok())
            .unwrap_or_default();
        Lookup {
            host,
            port: self
                .config
                .get_ports()
                .first()
                .copied()
                .unwrap_or(5432)
                .to_string(),
            database: self
                .config
                .get_dbname()
                .map_or_else(|| user.clone(), str::to_string),
            user,
        }
    }

    /// The password for a new connection, looked up now: the URL's (a URL file is read
    /// again), else `PGPASSWORD`, else the password file.
    fn password(&self) -> Result<Option<SecretString>, StoreError> {
        let from_url = match &self.source {
            Source::Given => self.url_password.clone(),
            Source::File(path) => {
                let url = read_url_file(path)?;
                let (_, password, _) = parse(url.expose())?;
                self.warn_if_changed(path, &redact(url.expose()));
                password
            }
        };
        if from_url.is_some() {
            return Ok(from_url);
        }
        if let Some(p) = std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty()) {
            return Ok(Some(SecretString::new(p)));
        }
        Ok(passfile::location(self.passfile.as_deref())
            .and_then(|file| passfile::password(&file, &self.lookup())))
    }

    /// A URL file whose URL changed beyond its password: only the password is used until
    /// a restart. Warned once per change.
    fn warn_if_changed(&self, path: &Path, now: &str) {
        if now == self.display {
            return;
        }
        if let Ok(mut last) = self.warned_changed.lock()
            && last.as_deref() != Some(now)
        {
            tracing::warn!(
                file = %path.display(),
                "the database URL file changed beyond its password: new connections use \
                 its new password only; restart wtd to use the rest"
            );
            *last = Some(now.to_string());
        }
    }

    /// Opens a connection (blocking: call it off the async executor). Failures say what
    /// went wrong (the TLS cause by name), never a password.
    pub fn connect(&self) -> Result<postgres::Client, StoreError> {
        self.open(None, None).map_err(|f| f.error)
    }

    /// Opens a connection for the pool: `startup` is added to the startup packet's
    /// `options` (server settings such as `-c statement_timeout=5000`), and connecting
    /// gives up after `timeout` (a server that does not answer at all). Says whether
    /// trying again shortly may succeed.
    pub(crate) fn open(
        &self,
        startup: Option<&str>,
        timeout: Option<std::time::Duration>,
    ) -> Result<postgres::Client, ConnectFailure> {
        let mut config = self.config.clone();
        let password = self.password().map_err(|error| ConnectFailure {
            error,
            transient: false,
        })?;
        if let Some(p) = password {
            config.password(p.expose());
        }
        if let Some(extra) = startup {
            let options = match config.get_options() {
                Some(given) if !given.is_empty() => format!("{given} {extra}"),
                _ => extra.to_string(),
            };
            config.options(&options);
        }
        if let Some(t) = timeout {
            config.connect_timeout(t.max(std::time::Duration::from_millis(100)));
        }
        let result = match &self.tls {
            Some(tls) => config.connect(tls.clone()),
            None => config.connect(postgres::NoTls),
        };
        result.map_err(|e| ConnectFailure {
            transient: transient(&e)
                && super::tls::describe_failure(&e, &self.policy, "").is_none(),
            error: self.describe_error(&e),
        })
    }

    fn describe_error(&self, e: &postgres::Error) -> StoreError {
        let hosts = self.hosts();
        if let Some(tls) = super::tls::describe_failure(e, &self.policy, &hosts) {
            return connect_error(tls);
        }
        match e.as_db_error() {
            // pgbouncer refuses the session time limits wtd sends in the startup packet:
            // it is a pooler, and wtd was not told.
            Some(db) if db.message().contains("unsupported startup parameter") => {
                connect_error(format!(
                    "the database server at {hosts} refused the connection: {}: {}; {} \
                     (behind a pooler in session mode, set ignore_startup_parameters = \
                     options in its configuration instead)",
                    db.code().code(),
                    db.message(),
                    super::statements::POOLER_HINT
                ))
            }
            Some(db) => connect_error(format!(
                "the database server at {hosts} refused the connection: {}: {}",
                db.code().code(),
                db.message()
            )),
            None => connect_error(format!("cannot connect to {hosts}: {e}")),
        }
    }
}

/// Why a connection could not be opened.
#[derive(Debug)]
pub(crate) struct ConnectFailure {
    pub error: StoreError,
    /// The server is restarting, full or out of reach: the same attempt may succeed in a
    /// moment. A refused password or certificate is not transient.
    pub transient: bool,
}

/// Whether a failure to connect may go away by itself: no answer, a refused or reset
/// connection (a restart), "the database system is starting up / shutting down", too
/// many connections.
fn transient(e: &postgres::Error) -> bool {
    match e.code().map(|c| c.code()) {
        Some(code) => {
            code.starts_with("08")
                || code.starts_with("53")
                || matches!(code, "57P01" | "57P02" | "57P03")
        }
        None => true,
    }
}

/// One connection to `url`, opened like the store's (TLS parameters, password lookup):
/// for tools and tests that run SQL of their own. Blocking.
pub fn client(url: &str) -> Result<postgres::Client, StoreError> {
    PgConnector::from_url(url)?.connect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connector(url: &str) -> PgConnector {
        PgConnector::from_url(url).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn our_parameters_are_taken_out_and_the_rest_is_kept() {
        let (own, rest) = split_params(
            "postgres://wt@db.internal/wt?connect_timeout=5&sslmode=verify-full\
             &sslrootcert=%2Fetc%2Fwt%2Fca.pem&sslcert=/c.pem&sslkey=/c.key\
             &application_name=wtd&passfile=/etc/wt/pgpass",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            rest,
            "postgres://wt@db.internal/wt?connect_timeout=5&application_name=wtd"
        );
        assert_eq!(own.tls.sslmode, Some(SslMode::VerifyFull));
        assert_eq!(own.tls.sslrootcert.as_deref(), Some("/etc/wt/ca.pem"));
        assert_eq!(own.tls.sslcert, Some(PathBuf::from("/c.pem")));
        assert_eq!(own.tls.sslkey, Some(PathBuf::from("/c.key")));
        assert_eq!(own.passfile, Some(PathBuf::from("/etc/wt/pgpass")));
        let (own, rest) =
            split_params("postgres://wt@db/wt?sslmode=require").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rest, "postgres://wt@db/wt");
        assert_eq!(own.tls.sslmode, Some(SslMode::Require));
    }

    #[test]
    fn verify_modes_are_accepted_where_the_driver_refused_them() {
        for mode in ["disable", "prefer", "require", "verify-ca", "verify-full"] {
            let url = format!("postgres://wt@127.0.0.1/wt?sslmode={mode}");
            // verify-* fall back on the system store, which may be empty in a sandbox.
            match PgConnector::from_url(&url) {
                Ok(c) => assert_eq!(c.tls_policy().mode.as_str(), mode),
                Err(e) => assert!(e.to_string().contains("system's trust store"), "{e}"),
            }
        }
        let err = PgConnector::from_url("postgres://wt@db/wt?sslmode=allow")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("sslmode=allow is not supported"), "{err}");
    }

    #[test]
    fn the_url_password_is_kept_apart_and_hidden() {
        let c = connector("postgres://wt:s3cret@db.internal:6432/wt?sslmode=disable");
        assert_eq!(
            c.display(),
            "postgres://wt:***@db.internal:6432/wt?sslmode=disable"
        );
        assert!(!format!("{c:?}").contains("s3cret"));
        assert_eq!(
            c.url_password.as_ref().map(SecretString::expose),
            Some("s3cret")
        );
        assert_eq!(c.config.get_password(), None);
        let (own, rest) = split_params("postgres://wt:p%40ss@db/wt?password=other&x=1")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rest, "postgres://wt@db/wt?x=1");
        assert_eq!(
            own.password.as_ref().map(SecretString::expose),
            Some("other")
        );
        assert_eq!(c.hosts(), "db.internal:6432");
    }

    #[test]
    fn the_password_file_is_searched_with_libpq_defaults() {
        let c = connector("postgres://wt_app@db.internal/wt?sslmode=disable");
        assert_eq!(
            c.lookup(),
            Lookup {
                host: "db.internal".into(),
                port: "5432".into(),
                database: "wt".into(),
                user: "wt_app".into()
            }
        );
        // No database: the user's name.
        let c = connector("postgres://wt_app@db.internal:6432?sslmode=disable");
        assert_eq!(c.lookup().database, "wt_app");
        assert_eq!(c.lookup().port, "6432");
    }

    #[test]
    fn loopback_hosts_and_sockets_are_local_others_are_not() {
        let local = |url: &str| connector(url).is_local();
        assert!(local("postgres://wt@127.0.0.1:5432/wt"));
        assert!(local("postgres://wt@localhost/wt"));
        assert!(local("postgres://wt@[::1]/wt"));
        assert!(local("postgres://wt@%2Fvar%2Frun%2Fpostgresql/wt"));
        assert!(!local("postgres://wt@db.internal/wt"));
        assert!(!local("postgres://wt@10.0.0.5/wt"));
        assert!(!local("postgres://wt@localhost,db.internal/wt"));
    }

    #[test]
    fn a_url_file_is_trimmed_and_must_be_private_when_it_holds_a_password() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("url");
        std::fs::write(&path, "postgres://wt:pw@db/wt?sslmode=disable\n")
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
            .unwrap_or_else(|e| panic!("{e}"));
        let err = PgConnector::from_url_file(&path)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("chmod 600") && !err.contains("pw@"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .unwrap_or_else(|e| panic!("{e}"));
        let c = PgConnector::from_url_file(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.display(), "postgres://wt:***@db/wt?sslmode=disable");
        // Read again for every connection: the new password is the one used.
        std::fs::write(&path, "postgres://wt:rotated@db/wt?sslmode=disable\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let pw = c.password().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pw.as_ref().map(SecretString::expose), Some("rotated"));
    }

    #[test]
    fn the_url_password_comes_before_pgpassword_and_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let pgpass = dir.path().join("pgpass");
        std::fs::write(&pgpass, "*:*:*:*:from-file\n").unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600))
            .unwrap_or_else(|e| panic!("{e}"));
        let param = format!("passfile={}", pgpass.display());
        let with = PgConnector::from_url(&format!("postgres://wt:from-url@db/wt?{param}"))
            .unwrap_or_else(|e| panic!("{e}"));
        let pw = with.password().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pw.as_ref().map(SecretString::expose), Some("from-url"));
        // PGPASSWORD is not set in the test environment (the suite never sets it): the
        // file's password.
        if std::env::var_os("PGPASSWORD").is_none() {
            let without = PgConnector::from_url(&format!("postgres://wt@db/wt?{param}"))
                .unwrap_or_else(|e| panic!("{e}"));
            let pw = without.password().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(pw.as_ref().map(SecretString::expose), Some("from-file"));
        }
    }
}
