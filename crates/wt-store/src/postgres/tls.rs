//! TLS to PostgreSQL with rustls, with libpq's `sslmode` semantics:
//!
//! | sslmode | TLS | certificate chain | host name |
//! |---|---|---|---|
//! | `disable` | never | | |
//! | `prefer` (the default) | when the server offers it | only with `sslrootcert` | no |
//! | `require` | always | only with `sslrootcert` (then like `verify-ca`) | no |
//! | `verify-ca` | always | checked | no |
//! | `verify-full` | always | checked | checked |
//!
//! The trust anchors are `sslrootcert` (a PEM file), or the system's store for
//! `sslrootcert=system` (which, as in libpq, demands `verify-full`) and for `verify-ca` /
//! `verify-full` without `sslrootcert`. `sslcert` and `sslkey` give a client certificate.
//! Everything is read once, when the connector is built: a missing or unreadable file
//! stops the start with its name.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ClientConfig, WebPkiServerVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    /// The mode as libpq spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// `allow` is libpq's too, but it would try plain text first: not offered.
    pub fn parse(s: &str) -> Result<SslMode, String> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(format!(
                    "sslmode={other} is not supported: use disable, prefer, require, verify-ca \
                     or verify-full"
                ));
            }
        })
    }

    /// Whether the connection fails rather than go on in plain text.
    pub fn requires_tls(self) -> bool {
        matches!(
            self,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull
        )
    }
}

/// Where the CA certificates that sign the server's certificate come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    /// `sslrootcert=FILE`.
    File(PathBuf),
    /// `sslrootcert=system`, or `verify-ca`/`verify-full` without `sslrootcert`.
    System,
}

impl Roots {
    /// For messages: `sslrootcert=/etc/wt/ca.pem`, or the system's store.
    pub fn describe(&self) -> String {
        match self {
            Roots::File(p) => format!("sslrootcert={}", p.display()),
            Roots::System => "the system's trust store".into(),
        }
    }
}

/// The TLS parameters of a database URL, as libpq names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsParams {
    pub sslmode: Option<SslMode>,
    /// `sslrootcert`: a file, or `system`.
    pub sslrootcert: Option<String>,
    pub sslcert: Option<PathBuf>,
    pub sslkey: Option<PathBuf>,
}

/// What the connection does about TLS, resolved from [`TlsParams`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsPolicy {
    pub mode: SslMode,
    /// `None`: the server's certificate is not checked (`prefer`/`require` without a CA).
    pub roots: Option<Roots>,
    /// Whether the certificate must name the host.
    pub check_host: bool,
    /// Client certificate chain and key files.
    pub client: Option<(PathBuf, PathBuf)>,
}

impl TlsParams {
    /// libpq's rules, from the parameters alone (no file is read).
    pub fn policy(&self) -> Result<TlsPolicy, String> {
        let system = self.sslrootcert.as_deref() == Some("system");
        let mode = match self.sslmode {
            Some(m) => m,
            // libpq: sslrootcert=system makes verify-full the default.
            None if system => SslMode::VerifyFull,
            None => SslMode::Prefer,
        };
        if system && mode != SslMode::VerifyFull {
            return Err(format!(
                "weak sslmode={} may not be used with sslrootcert=system (use verify-full)",
                mode.as_str()
            ));
        }
        let roots = match (&self.sslrootcert, mode) {
            (_, SslMode::Disable) => None,
            (Some(r), _) if r == "system" => Some(Roots::System),
            (Some(r), _) => Some(Roots::File(PathBuf::from(r))),
            (None, SslMode::VerifyCa | SslMode::VerifyFull) => Some(Roots::System),
            (None, _) => None,
        };
        let client = match (&self.sslcert, &self.sslkey) {
            (Some(c), Some(k)) => Some((c.clone(), k.clone())),
            (None, None) => None,
            _ => return Err("a client certificate needs both sslcert and sslkey".into()),
        };
        Ok(TlsPolicy {
            mode,
            roots,
            check_host: mode == SslMode::VerifyFull,
            client,
        })
    }
}

/// The rustls provider: *ring*, named here because the tree builds rustls with two.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl TlsPolicy {
    /// Whether the server's identity is checked (a CA, perhaps also the host name).
    pub fn verifies(&self) -> bool {
        self.roots.is_some()
    }

    /// The rustls client configuration (`None` for `disable`): reads the CA, client
    /// certificate and key files now.
    pub fn client_config(&self) -> Result<Option<ClientConfig>, String> {
        if self.mode == SslMode::Disable {
            return Ok(None);
        }
        let provider = provider();
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?;
        let chain = match &self.roots {
            None => None,
            Some(roots) => Some(
                WebPkiServerVerifier::builder_with_provider(
                    Arc::new(root_store(roots)?),
                    Arc::clone(&provider),
                )
                .build()
                .map_err(|e| format!("{}: {e}", roots.describe()))?,
            ),
        };
        let verifier: Arc<dyn ServerCertVerifier> = match chain {
            Some(webpki) if self.check_host => webpki,
            chain => Arc::new(LaxVerifier {
                chain,
                algorithms: provider.signature_verification_algorithms,
            }),
        };
        let builder = builder
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let config = match &self.client {
            None => builder.with_no_client_auth(),
            Some((cert, key)) => {
                let chain = read_certs(cert, "sslcert")?;
                let key = read_key(key)?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| format!("sslcert and sslkey do not go together: {e}"))?
            }
        };
        Ok(Some(config))
    }
}

fn root_store(roots: &Roots) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    match roots {
        Roots::File(path) => {
            let certs = read_certs(path, "sslrootcert")?;
            let (added, _) = store.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!(
                    "sslrootcert={}: no usable CA certificate in the file",
                    path.display()
                ));
            }
        }
        Roots::System => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(
                    "the system's trust store holds no CA certificate: install one \
                     (Debian: ca-certificates) or set sslrootcert=FILE"
                        .into(),
                );
            }
        }
    }
    Ok(store)
}

/// Every certificate of a PEM file; `param` names the URL parameter in messages.
fn read_certs(path: &Path, param: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let name = || format!("{param}={}", path.display());
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read {}: {}", name(), pem_error(&e)))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot read {}: {}", name(), pem_error(&e)))?;
    if certs.is_empty() {
        return Err(format!("{}: no PEM certificate in the file", name()));
    }
    Ok(certs)
}

/// The client key, refused (as libpq does) when others may read it.
fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("cannot read sslkey={}: {e}", path.display()))?;
    let mode = meta.permissions().mode();
    // libpq: u=rw (0600) or less when owned by the current user, u=rw,g=r (0640) when
    // owned by root.
    let too_open = if meta.uid() == 0 {
        mode & 0o037 != 0
    } else {
        mode & 0o077 != 0
    };
    if too_open {
        return Err(format!(
            "sslkey={} has group or world access: run `chmod 600 {}`",
            path.display(),
            path.display()
        ));
    }
    PrivateKeyDer::from_pem_file(path).map_err(|e| {
        format!(
            "cannot read sslkey={}: {} (an unencrypted PEM key is needed)",
            path.display(),
            pem_error(&e)
        )
    })
}

fn pem_error(e: &rustls::pki_types::pem::Error) -> String {
    match e {
        rustls::pki_types::pem::Error::Io(io) => io.to_string(),
        rustls::pki_types::pem::Error::NoItemsFound => "no PEM item of that kind".into(),
        other => format!("not PEM ({other:?})"),
    }
}

/// `verify-ca` (and `require`/`prefer` with a CA): the chain up to a trusted CA, validity
/// dates included, but not the host name. Without a CA (`prefer` and `require` alone, as
/// in libpq): encrypted, the certificate not checked; the daemon warns about it. Either
/// way the handshake's signatures are checked.
#[derive(Debug)]
struct LaxVerifier {
    /// `None`: no certificate check.
    chain: Option<Arc<WebPkiServerVerifier>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for LaxVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            // The name is checked last, once the chain has passed: this error means the
            // chain was good.
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A failed connection's TLS cause in words that name it, or `None` when TLS was not the
/// cause. `hosts` names the host(s) tried.
pub fn describe_failure(e: &postgres::Error, policy: &TlsPolicy, hosts: &str) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(rustls) = err.downcast_ref::<rustls::Error>() {
            return Some(describe_rustls(rustls, policy, hosts));
        }
        if let Some(rustls) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(describe_rustls(rustls, policy, hosts));
        }
        if err.to_string() == "server does not support TLS" {
            return Some(format!(
                "the database server at {hosts} does not accept TLS connections, but \
                 sslmode={} requires TLS: turn on `ssl` in the server's postgresql.conf \
                 (or, for a server on this machine only, use sslmode=disable)",
                policy.mode.as_str()
            ));
        }
        source = err.source();
    }
    None
}

fn describe_rustls(e: &rustls::Error, policy: &TlsPolicy, hosts: &str) -> String {
    let roots = policy
        .roots
        .as_ref()
        .map_or_else(|| "no CA".to_string(), Roots::describe);
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => format!(
                "the database's certificate is not signed by a CA in {roots} (sslmode={}): \
                 point sslrootcert at the CA that issued the server's certificate",
                policy.mode.as_str()
            ),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!(
                    "the database's certificate is not valid for the host {hosts} \
                     (sslmode=verify-full checks it): connect by a name the certificate \
                     lists, or use sslmode=verify-ca to check only the CA"
                )
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the database's certificate has expired".into()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the database's certificate is not valid yet (is this machine's clock right?)"
                    .into()
            }
            other => format!("the database's certificate was refused: {other:?}"),
        },
        rustls::Error::AlertReceived(alert) => format!(
            "the database server ended the TLS handshake ({alert:?}); if it asks for a client \
             certificate, check sslcert and sslkey"
        ),
        other => format!("TLS handshake with the database failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(mode: Option<&str>, root: Option<&str>) -> TlsParams {
        TlsParams {
            sslmode: mode.map(|m| SslMode::parse(m).unwrap_or_else(|e| panic!("{e}"))),
            sslrootcert: root.map(str::to_string),
            ..TlsParams::default()
        }
    }

    fn policy(mode: Option<&str>, root: Option<&str>) -> TlsPolicy {
        params(mode, root)
            .policy()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn sslmodes_are_spelled_as_libpq_spells_them() {
        for m in ["disable", "prefer", "require", "verify-ca", "verify-full"] {
            assert_eq!(SslMode::parse(m).map(SslMode::as_str), Ok(m));
        }
        let err = SslMode::parse("verify_full").err().unwrap_or_default();
        assert!(err.contains("verify-full"), "{err}");
    }

    #[test]
    fn prefer_is_the_default_and_checks_nothing_without_a_ca() {
        let p = policy(None, None);
        assert_eq!(p.mode, SslMode::Prefer);
        assert!(!p.verifies() && !p.check_host);
    }

    #[test]
    fn require_with_a_root_certificate_behaves_like_verify_ca() {
        let p = policy(Some("require"), Some("/etc/wt/ca.pem"));
        assert_eq!(p.roots, Some(Roots::File("/etc/wt/ca.pem".into())));
        assert!(!p.check_host);
        assert_eq!(policy(Some("require"), None).roots, None);
    }

    #[test]
    fn verify_full_checks_the_host_and_defaults_to_the_system_store() {
        let p = policy(Some("verify-full"), None);
        assert_eq!(p.roots, Some(Roots::System));
        assert!(p.check_host);
        let p = policy(Some("verify-ca"), Some("/ca.pem"));
        assert!(p.verifies() && !p.check_host);
    }

    #[test]
    fn sslrootcert_system_means_verify_full() {
        let p = policy(None, Some("system"));
        assert_eq!(
            (p.mode, p.roots),
            (SslMode::VerifyFull, Some(Roots::System))
        );
        let err = params(Some("require"), Some("system"))
            .policy()
            .err()
            .unwrap_or_default();
        assert!(err.contains("verify-full"), "{err}");
    }

    #[test]
    fn a_client_certificate_needs_its_key() {
        let p = TlsParams {
            sslcert: Some("/c.pem".into()),
            ..TlsParams::default()
        };
        assert!(p.policy().is_err());
    }

    #[test]
    fn unreadable_files_are_named() {
        let p = policy(Some("verify-full"), Some("/nonexistent/ca.pem"));
        let err = p.client_config().err().unwrap_or_default();
        assert!(err.contains("sslrootcert=/nonexistent/ca.pem"), "{err}");
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let empty = dir.path().join("ca.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap_or_else(|e| panic!("{e}"));
        let p = policy(Some("verify-ca"), empty.to_str());
        let err = p.client_config().err().unwrap_or_default();
        assert!(err.contains("no PEM certificate"), "{err}");
    }

    #[test]
    fn a_readable_client_key_is_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let key = dir.path().join("client.key");
        std::fs::write(&key, "x").unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644))
            .unwrap_or_else(|e| panic!("{e}"));
        let err = read_key(&key).err().unwrap_or_default();
        assert!(err.contains("chmod 600"), "{err}");
    }
}
