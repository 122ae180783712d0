//! The SMTP relay: its settings, resolved once at start (`--smtp-url` and its TLS mode, the
//! CAs to trust, the user and where the password comes from), and the lettre transport
//! built for each delivery round with the password as it is then.
//!
//! - TLS: `smtps://` is TLS from the first byte; `smtp://` must upgrade with STARTTLS before
//!   anything is sent (`?tls=required`), except to a loopback host, which is plain text by
//!   default. Plain text to another host is `?tls=none` (or `?tls=opportunistic`), asked
//!   for explicitly and warned about at start; never with a password.
//! - Trust: the relay's certificate is verified against the OS trust store (lettre's
//!   rustls with rustls-native-certs, which honours `SSL_CERT_FILE` and `SSL_CERT_DIR`), or,
//!   with `--smtp-ca-file`, against the CAs of that PEM file instead.
//! - Password: in the URL, in `WT_SMTP_PASSWORD`, or in `--smtp-password-file`, which is
//!   read again for every round's connection, so a rotated password needs no restart.
//!   Never printed: [`RelaySettings::describe`] and `Debug` leave it out.

use super::Failure;
use anyhow::{Context, bail};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{
    Certificate, CertificateStore, Tls, TlsParameters, TlsParametersBuilder,
};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use std::path::{Path, PathBuf};
use std::time::Duration;
use wt_core::mail::DeliveryFailure;
use wt_core::secret::SecretString;

/// Longest wait for the relay's answer to any one command (connect, TLS, AUTH, DATA).
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);
/// Environment variable holding the SMTP password (no flag: a secret never goes in argv).
pub const PASSWORD_ENV: &str = "WT_SMTP_PASSWORD";

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// `smtps://`: TLS from the first byte (port 465).
    Implicit,
    /// STARTTLS must succeed before anything else is sent (`?tls=required`; the default
    /// of `smtp://` to every host but a loopback one).
    Required,
    /// STARTTLS when the relay offers it, else plain text (`?tls=opportunistic`).
    Opportunistic,
    /// Plain text (`?tls=none`; the default of `smtp://` to a loopback host).
    None,
}

impl TlsMode {
    fn describe(self) -> &'static str {
        match self {
            TlsMode::Implicit => "implicit TLS",
            TlsMode::Required => "STARTTLS required",
            TlsMode::Opportunistic => "STARTTLS if offered, else plain text",
            TlsMode::None => "plain text",
        }
    }
}

/// Where the password comes from.
#[derive(Debug, Clone)]
enum Password {
    /// The URL's password or `WT_SMTP_PASSWORD`.
    Given(SecretString),
    /// `--smtp-password-file`, read for every connection.
    File(PathBuf),
}

/// What the operator gave for the relay, before it is checked.
#[derive(Debug, Default)]
pub struct RelayInputs {
    /// `--smtp-url`.
    pub url: Option<SecretString>,
    /// `--smtp-ca-file`.
    pub ca_file: Option<PathBuf>,
    /// `--smtp-user`.
    pub user: Option<String>,
    /// `--smtp-password-file`.
    pub password_file: Option<PathBuf>,
    /// `WT_SMTP_PASSWORD`.
    pub password_env: Option<SecretString>,
}

/// The relay, as resolved from the settings (no I/O yet). `Debug` shows no password.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    scheme: &'static str,
    /// The host to dial and to find in the certificate (IPv6 without brackets).
    host: String,
    port: u16,
    tls: TlsMode,
    /// The EHLO name (the URL's path), else lettre's default (this machine's name).
    hello_name: Option<String>,
    /// `--smtp-ca-file`: these CAs instead of the OS trust store.
    ca_file: Option<PathBuf>,
    user: Option<String>,
    password: Option<Password>,
    loopback: bool,
}

impl RelaySettings {
    /// Checks the relay settings; `None` without `--smtp-url` (mail goes to `.eml` files).
    pub fn resolve(inputs: RelayInputs) -> anyhow::Result<Option<Self>> {
        let Some(raw) = inputs.url else {
            let orphans: Vec<&str> = [
                (inputs.ca_file.is_some(), "--smtp-ca-file"),
                (inputs.user.is_some(), "--smtp-user"),
                (inputs.password_file.is_some(), "--smtp-password-file"),
                (inputs.password_env.is_some(), PASSWORD_ENV),
            ]
            .into_iter()
            .filter_map(|(set, name)| set.then_some(name))
            .collect();
            if !orphans.is_empty() {
                bail!(
                    "{} set without --smtp-url: name the relay (e.g. --smtp-url \
                     smtp://relay.example.com:587), or unset them",
                    orphans.join(", ")
                );
            }
            return Ok(None);
        };
        // The parser's messages never quote the URL, so its password cannot leak here.
        let url = url::Url::parse(raw.expose()).map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?;
        let scheme = match url.scheme() {
            "smtp" => "smtp",
            "smtps" => "smtps",
            other => bail!("--smtp-url: unknown scheme {other:?}: use smtp:// or smtps://"),
        };
        let (host, loopback) = match url.host() {
            // smtp: is not a scheme the URL standard knows, so an IPv4 host comes as a name.
            Some(url::Host::Domain(d)) => match d.parse::<std::net::IpAddr>() {
                Ok(ip) => (ip.to_string(), ip.is_loopback()),
                Err(_) => (d.to_string(), d.eq_ignore_ascii_case("localhost")),
            },
            Some(url::Host::Ipv4(ip)) => (ip.to_string(), ip.is_loopback()),
            Some(url::Host::Ipv6(ip)) => (ip.to_string(), ip.is_loopback()),
            None => bail!("--smtp-url: no host (smtp://HOST[:PORT])"),
        };
        let mut tls_param = None;
        for (k, v) in url.query_pairs() {
            match k.as_ref() {
                "tls" if tls_param.is_none() => tls_param = Some(v.into_owned()),
                other => bail!(
                    "--smtp-url: unknown or repeated parameter {other:?} (only tls=required, \
                     tls=opportunistic or tls=none)"
                ),
            }
        }
        let tls = match (scheme, tls_param.as_deref()) {
            ("smtps", None) => TlsMode::Implicit,
            ("smtps", Some(_)) => {
                bail!("--smtp-url: smtps:// is always TLS; drop its ?tls= parameter")
            }
            (_, Some("required")) => TlsMode::Required,
            (_, Some("opportunistic")) => TlsMode::Opportunistic,
            (_, Some("none")) => TlsMode::None,
            (_, Some(other)) => {
                bail!("--smtp-url: tls={other:?} is not one of required, opportunistic or none")
            }
            (_, None) if loopback => TlsMode::None,
            (_, None) => TlsMode::Required,
        };
        let port = url.port().unwrap_or(match tls {
            TlsMode::Implicit => 465,
            TlsMode::Required | TlsMode::Opportunistic => 587,
            TlsMode::None => 25,
        });
        let hello_name = Some(url.path().trim_matches('/'))
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|d| d.into_owned())
                .context("--smtp-url: the user or password is not UTF-8")
        };
        let url_user = Some(url.username())
            .filter(|u| !u.is_empty())
            .map(decode)
            .transpose()?;
        let url_password = url
            .password()
            .map(|p| decode(p).map(SecretString::new))
            .transpose()?;
        let user = match (url_user, inputs.user) {
            (Some(_), Some(_)) => {
                bail!("the SMTP user is given twice: in --smtp-url and --smtp-user; keep one")
            }
            (u, f) => u.or(f).filter(|u| !u.is_empty()),
        };
        let mut passwords: Vec<(&str, Password)> = Vec::new();
        if let Some(p) = url_password {
            passwords.push(("--smtp-url", Password::Given(p)));
        }
        if let Some(p) = inputs.password_env {
            passwords.push((PASSWORD_ENV, Password::Given(p)));
        }
        if let Some(f) = inputs.password_file {
            passwords.push(("--smtp-password-file", Password::File(f)));
        }
        if passwords.len() > 1 {
            let names: Vec<&str> = passwords.iter().map(|(n, _)| *n).collect();
            bail!(
                "the SMTP password is given {} times ({}); keep one (better \
                 --smtp-password-file, which can be rotated without a restart)",
                names.len(),
                names.join(", ")
            );
        }
        let password = passwords.pop().map(|(_, p)| p);
        match (&user, &password) {
            (None, Some(_)) => bail!(
                "an SMTP password needs a user: put it in --smtp-url \
                 (smtp://USER@HOST) or --smtp-user"
            ),
            (Some(_), None) => bail!(
                "the SMTP user needs a password: --smtp-password-file FILE or \
                 {PASSWORD_ENV}"
            ),
            _ => {}
        }
        let plain = matches!(tls, TlsMode::None | TlsMode::Opportunistic);
        if plain && password.is_some() && !loopback {
            bail!(
                "refusing to send the SMTP password to {host} over a connection that may be \
                 plain text (tls={}): use STARTTLS (drop ?tls= from --smtp-url) or smtps://",
                if tls == TlsMode::None {
                    "none"
                } else {
                    "opportunistic"
                }
            );
        }
        if tls == TlsMode::None && inputs.ca_file.is_some() {
            bail!(
                "--smtp-ca-file is for TLS, but mail to {host} goes in plain text: add \
                 ?tls=required to --smtp-url (or use smtps://)"
            );
        }
        Ok(Some(Self {
            scheme,
            host,
            port,
            tls,
            hello_name,
            ca_file: inputs.ca_file,
            user,
            password,
            loopback,
        }))
    }

    /// The relay for logs and errors: `smtp://user@host:587 (STARTTLS required; CAs of
    /// the OS trust store)`. Never the password.
    pub fn describe(&self) -> String {
        let user = self
            .user
            .as_deref()
            .map(|u| format!("{u}@"))
            .unwrap_or_default();
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let trust = match (self.tls, &self.ca_file) {
            (TlsMode::None, _) => String::new(),
            (_, Some(f)) => format!("; CAs of {}", f.display()),
            (_, None) => "; CAs of the OS trust store".to_string(),
        };
        let password = match &self.password {
            Some(Password::File(f)) => format!("; password from {}", f.display()),
            Some(Password::Given(_)) => "; password given".to_string(),
            None => String::new(),
        };
        format!(
            "{}://{user}{host}:{} ({}{trust}{password})",
            self.scheme,
            self.port,
            self.tls.describe()
        )
    }

    /// What the operator should hear at start: plain text to another machine.
    pub fn warnings(&self) -> Vec<String> {
        match self.tls {
            _ if self.loopback => vec![],
            TlsMode::None => vec![format!(
                "mail to the relay {} goes in plain text (?tls=none): invite and reset links \
                 can be read on the way; use STARTTLS (drop ?tls=none) or smtps://",
                self.host
            )],
            TlsMode::Opportunistic => vec![format!(
                "mail to the relay {} may go in plain text (?tls=opportunistic): anyone on the \
                 way can strip STARTTLS; use ?tls=required or smtps://",
                self.host
            )],
            TlsMode::Implicit | TlsMode::Required => vec![],
        }
    }
}

/// The relay, ready to connect: the TLS configuration built once (CAs loaded), the password
/// read per round.
pub struct Relay {
    settings: RelaySettings,
    tls: Tls,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Relay({})", self.settings.describe())
    }
}

impl Relay {
    /// Loads the CAs (the `--smtp-ca-file`, or the OS trust store, reporting how many it
    /// holds) and checks the password file, so a mistake stops the start instead of every
    /// delivery.
    pub fn new(settings: RelaySettings) -> anyhow::Result<Self> {
        let tls = match settings.tls {
            TlsMode::None => Tls::None,
            mode => {
                let params = tls_parameters(&settings)?;
                match mode {
                    TlsMode::Implicit => Tls::Wrapper(params),
                    TlsMode::Opportunistic => Tls::Opportunistic(params),
                    _ => Tls::Required(params),
                }
            }
        };
        if let Some(Password::File(f)) = &settings.password {
            read_password_file(f)?;
        }
        for w in settings.warnings() {
            tracing::warn!("{w}");
        }
        tracing::info!(relay = %settings.describe(), "mail goes through an SMTP relay");
        Ok(Self { settings, tls })
    }

    /// The relay as logs show it (no password).
    pub fn describe(&self) -> String {
        self.settings.describe()
    }

    /// A transport for one delivery round, with the password as it is now. Its pool keeps
    /// one connection for the round; [`super::deliver_due`] shuts it down after.
    pub async fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, Failure> {
        let s = &self.settings;
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host)
            .port(s.port)
            .tls(self.tls.clone())
            .timeout(Some(SMTP_TIMEOUT));
        if let Some(name) = &s.hello_name {
            b = b.hello_name(ClientId::Domain(name.clone()));
        }
        if let (Some(user), Some(password)) = (&s.user, &s.password) {
            let password = match password {
                Password::Given(p) => p.clone(),
                Password::File(f) => {
                    let f = f.clone();
                    tokio::task::spawn_blocking(move || read_password_file(&f))
                        .await
                        .map_err(|e| Failure::new(DeliveryFailure::PasswordUnreadable, e))?
                        .map_err(|e| {
                            Failure::new(DeliveryFailure::PasswordUnreadable, format!("{e:#}"))
                        })?
                }
            };
            b = b.credentials(Credentials::new(
                user.clone(),
                password.expose().to_string(),
            ));
        }
        Ok(b.build())
    }
}

/// The TLS configuration: `--smtp-ca-file`'s CAs alone, or the OS trust store.
fn tls_parameters(s: &RelaySettings) -> anyhow::Result<TlsParameters> {
    let mut b = TlsParametersBuilder::new(s.host.clone());
    match &s.ca_file {
        Some(f) => {
            let pem = std::fs::read(f)
                .with_context(|| format!("--smtp-ca-file: cannot read {}", f.display()))?;
            let n = pem_certificates(&pem);
            if n == 0 {
                bail!(
                    "--smtp-ca-file: {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                    f.display()
                );
            }
            let cas = Certificate::from_pem(&pem)
                .map_err(|e| anyhow::anyhow!("--smtp-ca-file: {}: {e}", f.display()))?;
            b = b
                .certificate_store(CertificateStore::None)
                .add_root_certificate(cas);
            tracing::info!(file = %f.display(), certificates = n, "the SMTP relay's certificate is verified against the CAs of --smtp-ca-file");
        }
        None => {
            // Loaded here only to say what the store holds; lettre loads it for itself.
            let found = rustls_native_certs::load_native_certs();
            for e in &found.errors {
                tracing::warn!(error = %e, "part of the OS trust store could not be read");
            }
            if found.certs.is_empty() {
                tracing::warn!(
                    "the OS trust store holds no CA certificate: no relay certificate can be \
                     verified; install the ca-certificates package or the relay's CA, or pass \
                     --smtp-ca-file"
                );
            } else {
                tracing::info!(
                    certificates = found.certs.len(),
                    "the SMTP relay's certificate is verified against the OS trust store"
                );
            }
            b = b.certificate_store(CertificateStore::Default);
        }
    }
    b.build_rustls()
        .map_err(|e| anyhow::anyhow!("cannot set up TLS for the SMTP relay: {e}"))
}

/// How many certificates a PEM text holds.
fn pem_certificates(pem: &[u8]) -> usize {
    String::from_utf8_lossy(pem)
        .matches("-----BEGIN CERTIFICATE-----")
        .count()
}

/// The password in `path`: its first line, the file private to this user.
fn read_password_file(path: &Path) -> anyhow::Result<SecretString> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .with_context(|| format!("--smtp-password-file: cannot read {}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        bail!(
            "--smtp-password-file: {} is readable by other users: run `chmod 600 {}`",
            path.display(),
            path.display()
        );
    }
    let text = SecretString::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("--smtp-password-file: cannot read {}", path.display()))?,
    );
    let line = text.expose().lines().next().unwrap_or_default();
    if line.is_empty() {
        bail!(
            "--smtp-password-file: {} is empty (the password goes on its first line)",
            path.display()
        );
    }
    Ok(SecretString::new(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(url: &str) -> RelayInputs {
        RelayInputs {
            url: Some(SecretString::new(url)),
            ..Default::default()
        }
    }

    fn resolve(i: RelayInputs) -> Result<RelaySettings, String> {
        match RelaySettings::resolve(i) {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err("no relay".into()),
            Err(e) => Err(format!("{e:#}")),
        }
    }

    fn ok(i: RelayInputs) -> RelaySettings {
        resolve(i).unwrap_or_else(|e| panic!("{e}"))
    }

    fn err(i: RelayInputs) -> String {
        match resolve(i) {
            Ok(s) => panic!("accepted: {}", s.describe()),
            Err(e) => e,
        }
    }

    #[test]
    fn starttls_is_required_by_default_except_to_a_loopback_host() {
        let s = ok(inputs("smtp://relay.corp.example"));
        assert_eq!((s.tls, s.port), (TlsMode::Required, 587));
        assert!(s.warnings().is_empty());
        let s = ok(inputs("smtp://relay.corp.example:25"));
        assert_eq!((s.tls, s.port), (TlsMode::Required, 25));
        let s = ok(inputs("smtp://relay.corp.example?tls=required"));
        assert_eq!(s.tls, TlsMode::Required);
        for local in [
            "smtp://127.0.0.1:2525",
            "smtp://localhost",
            "smtp://[::1]:25",
        ] {
            let s = ok(inputs(local));
            assert_eq!(s.tls, TlsMode::None, "{local}");
            assert!(s.warnings().is_empty(), "{local}");
        }
        let s = ok(inputs("smtp://[::1]:2525"));
        assert_eq!(s.host, "::1");
        assert_eq!(s.describe(), "smtp://[::1]:2525 (plain text)");
        let s = ok(inputs("smtps://mail.example.com"));
        assert_eq!((s.tls, s.port), (TlsMode::Implicit, 465));
        let s = ok(inputs("smtp://localhost?tls=required"));
        assert_eq!(s.tls, TlsMode::Required, "loopback may ask for TLS");
    }

    #[test]
    fn plain_text_to_another_host_is_explicit_and_warned_about() {
        let s = ok(inputs("smtp://relay.corp.example:25?tls=none"));
        assert_eq!((s.tls, s.port), (TlsMode::None, 25));
        let w = s.warnings().join(" ");
        assert!(
            w.contains("plain text") && w.contains("relay.corp.example"),
            "{w}"
        );
        let s = ok(inputs("smtp://relay.corp.example?tls=opportunistic"));
        assert_eq!(s.tls, TlsMode::Opportunistic);
        assert!(!s.warnings().is_empty());
    }

    #[test]
    fn bad_urls_are_refused_without_quoting_the_password() {
        for (url, want) in [
            ("http://u:hunter2@relay", "scheme"),
            ("smtp://u:hunter2@relay?tls=requierd", "tls="),
            ("smtp://u:hunter2@relay?tsl=required", "unknown"),
            ("smtps://u:hunter2@relay?tls=none", "always TLS"),
            ("smtp://u:hunter2@relay:99999", "--smtp-url"),
        ] {
            let e = err(inputs(url));
            assert!(e.contains(want), "{url}: {e}");
            assert!(!e.contains("hunter2"), "{url}: {e}");
        }
    }

    #[test]
    fn the_password_comes_from_one_place_and_is_never_shown() {
        let s = ok(inputs("smtp://mailer:p%40ss%20word@relay.corp.example:587"));
        assert_eq!(s.user.as_deref(), Some("mailer"));
        match &s.password {
            Some(Password::Given(p)) => assert_eq!(p.expose(), "p@ss word"),
            other => panic!("{other:?}"),
        }
        let shown = format!("{} {s:?}", s.describe());
        assert!(
            !shown.contains("p@ss") && !shown.contains("p%40ss"),
            "{shown}"
        );
        assert!(
            s.describe()
                .starts_with("smtp://mailer@relay.corp.example:587 (STARTTLS required; CAs of the OS trust store; password given)"),
            "{}",
            s.describe()
        );

        let mut i = inputs("smtps://relay.corp.example");
        i.user = Some("mailer".into());
        i.password_file = Some("/run/secrets/smtp".into());
        let s = ok(i);
        assert!(s.describe().contains("password from /run/secrets/smtp"));

        let mut i = inputs("smtps://relay.corp.example");
        i.user = Some("mailer".into());
        i.password_env = Some(SecretString::new("hunter2"));
        let s = ok(i);
        assert!(!format!("{} {s:?}", s.describe()).contains("hunter2"));

        let mut i = inputs("smtps://mailer:hunter2@relay.corp.example");
        i.password_file = Some("/run/secrets/smtp".into());
        let e = err(i);
        assert!(
            e.contains("given 2 times") && e.contains("--smtp-password-file"),
            "{e}"
        );
        assert!(!e.contains("hunter2"), "{e}");

        let mut i = inputs("smtps://mailer@relay.corp.example");
        i.user = Some("other".into());
        assert!(err(i).contains("user is given twice"));

        let mut i = inputs("smtps://relay.corp.example");
        i.password_env = Some(SecretString::new("hunter2"));
        assert!(err(i).contains("needs a user"));

        let mut i = inputs("smtps://relay.corp.example");
        i.user = Some("mailer".into());
        let e = err(i);
        assert!(
            e.contains("--smtp-password-file") && e.contains(PASSWORD_ENV),
            "{e}"
        );
    }

    #[test]
    fn a_password_never_goes_to_another_host_in_plain_text() {
        for url in [
            "smtp://u:hunter2@relay.corp.example?tls=none",
            "smtp://u:hunter2@relay.corp.example?tls=opportunistic",
        ] {
            let e = err(inputs(url));
            assert!(e.contains("refusing to send the SMTP password"), "{e}");
        }
        // To this machine's own relay it may (nothing leaves the host).
        ok(inputs("smtp://u:hunter2@127.0.0.1:2525"));
    }

    #[test]
    fn relay_settings_without_a_relay_are_refused() {
        let e = err(RelayInputs {
            ca_file: Some("ca.pem".into()),
            password_env: Some(SecretString::new("x")),
            ..Default::default()
        });
        assert!(
            e.contains("--smtp-ca-file") && e.contains(PASSWORD_ENV) && e.contains("--smtp-url"),
            "{e}"
        );
        assert!(matches!(
            RelaySettings::resolve(RelayInputs::default()),
            Ok(None)
        ));
        let mut i = inputs("smtp://relay.corp.example?tls=none");
        i.ca_file = Some("ca.pem".into());
        assert!(err(i).contains("tls=required"));
    }

    #[test]
    fn the_password_file_is_private_and_read_to_its_first_line() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let f = dir.path().join("smtp-password");
        std::fs::write(&f, "s3cret with spaces \nsecond line\n").unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600))
            .unwrap_or_else(|e| panic!("{e}"));
        let p = read_password_file(&f).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.expose(), "s3cret with spaces ");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644))
            .unwrap_or_else(|e| panic!("{e}"));
        let e = read_password_file(&f)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("chmod 600"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
        std::fs::write(&f, "\n").unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(read_password_file(&f).is_err());
    }

    #[test]
    fn a_ca_file_without_a_certificate_stops_the_start() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let f = dir.path().join("ca.pem");
        std::fs::write(&f, "not a certificate\n").unwrap_or_else(|e| panic!("{e}"));
        let mut i = inputs("smtps://relay.corp.example");
        i.ca_file = Some(f);
        let e = Relay::new(ok(i))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("no PEM certificate"), "{e}");
        let mut i = inputs("smtps://relay.corp.example");
        i.ca_file = Some(dir.path().join("missing.pem"));
        let e = Relay::new(ok(i))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("cannot read"), "{e}");
    }
}
