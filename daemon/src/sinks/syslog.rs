//! Syslog sinks: RFC 5424 messages, octet-counting framing (RFC 6587) over TCP, or over
//! TLS (RFC 5425) with the server's certificate verified against the sink's CAs or the
//! system's trusted roots, and its name checked.
//!
//! Syslog over TCP has no acknowledgement. So that "sent" means "the receiver read it",
//! each batch has a connection of its own: the messages are written, our half is closed
//! (TLS `close_notify`, then FIN), and the batch counts as accepted only once the
//! receiver closes its side in turn, which it does after reading everything we sent. A
//! receiver that died before reading resets the connection: the batch fails and is sent
//! again (receivers drop duplicates by the `seq` parameter).

use super::{Prepared, SEND_TIMEOUT, SendError};
use crate::state::AppState;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use wt_core::audit::AuditRecord;
use wt_core::audit_sinks::{
    SD_ID, SinkTarget, SyslogTransport, checkpoint_message, octet_frame, sd_escape, syslog_message,
};
use wt_store::CheckpointRecord;

/// The CA certificates of a PEM text; an error names what is wrong.
pub fn parse_ca_pem(pem: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("ca_pem: not PEM certificates ({e})"))?;
    if certs.is_empty() {
        return Err("ca_pem: no PEM certificate (-----BEGIN CERTIFICATE-----)".into());
    }
    let mut store = rustls::RootCertStore::empty();
    let (added, _) = store.add_parsable_certificates(certs.clone());
    if added == 0 {
        return Err("ca_pem: no usable CA certificate".into());
    }
    Ok(certs)
}

/// A client certificate chain and its key, checked to go together; an error names what is
/// wrong (never the key).
pub fn parse_client_auth(
    cert_pem: &str,
    key_pem: &[u8],
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), String> {
    let certs = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "client_cert_pem: not PEM certificates".to_string())?;
    if certs.is_empty() {
        return Err("client_cert_pem: no PEM certificate".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| {
        "client_key_pem: not a PEM private key (PKCS#8, PKCS#1 or SEC1)".to_string()
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_client_auth_cert(certs.clone(), key.clone_key())
        .map_err(|e| format!("client_cert_pem and client_key_pem do not go together: {e}"))?;
    Ok((certs, key))
}

fn tls_config(sink: &Prepared) -> Result<rustls::ClientConfig, SendError> {
    let ca_pem = sink.config.ca_pem.as_deref();
    let mut roots = rustls::RootCertStore::empty();
    match ca_pem {
        Some(pem) => {
            roots.add_parsable_certificates(parse_ca_pem(pem).map_err(SendError)?);
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(SendError(
                    "the system's trust store holds no CA certificate: install one \
                     (Debian: ca-certificates) or give the sink its CA (--ca-file)"
                        .into(),
                ));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SendError(format!("TLS: {e}")))?
        .with_root_certificates(roots);
    match (&sink.config.client_cert_pem, &sink.client_key) {
        (Some(cert), Some(key)) => {
            let (certs, key) = parse_client_auth(cert, key).map_err(SendError)?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| SendError(format!("TLS client certificate: {e}")))
        }
        _ => Ok(builder.with_no_client_auth()),
    }
}

/// Writes `frames`, closes our half and waits for the receiver to close its own.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    frames: &[u8],
) -> Result<(), SendError> {
    s.write_all(frames).await?;
    s.flush().await?;
    s.shutdown().await?;
    let mut buf = [0u8; 512];
    loop {
        match s.read(&mut buf).await {
            Ok(0) => return Ok(()),
            Ok(_) => continue,
            // A TLS peer that closes without close_notify after reading everything.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e.into()),
        }
    }
}

async fn deliver(sink: &Prepared, frames: Vec<u8>) -> Result<(), SendError> {
    let SinkTarget::Syslog {
        transport,
        host,
        port,
    } = &sink.target
    else {
        return Err(SendError("not a syslog sink".into()));
    };
    let work = async {
        let tcp = TcpStream::connect((host.as_str(), *port)).await?;
        tcp.set_nodelay(true)?;
        match transport {
            SyslogTransport::Tcp => exchange(tcp, &frames).await,
            SyslogTransport::Tls => {
                let config = tls_config(sink)?;
                let name = ServerName::try_from(host.clone())
                    .map_err(|e| SendError(format!("{host}: not a server name: {e}")))?;
                let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
                    .connect(name, tcp)
                    .await?;
                exchange(tls, &frames).await
            }
        }
    };
    match tokio::time::timeout(SEND_TIMEOUT, work).await {
        Ok(r) => r,
        Err(_) => Err(SendError(format!(
            "no answer from {} within {} s",
            sink.target.display(),
            SEND_TIMEOUT.as_secs()
        ))),
    }
}

/// Sends entries as RFC 5424 messages, one connection per batch.
pub async fn send_entries(
    state: &AppState,
    sink: &Prepared,
    entries: &[AuditRecord],
    checkpoint: Option<&CheckpointRecord>,
) -> Result<(), SendError> {
    let host = super::hostname(state);
    let mut frames = Vec::new();
    for e in entries {
        let json = serde_json::to_string(&crate::wire::audit_entry_json(e.clone()))
            .map_err(|e| SendError(e.to_string()))?;
        frames.extend(octet_frame(&syslog_message(&sink.org_id, &host, e, &json)));
    }
    if let Some(c) = checkpoint {
        let at = wt_core::clock::rfc3339(c.created_at);
        frames.extend(octet_frame(&checkpoint_message(
            &sink.org_id,
            &host,
            &at,
            c.size,
            &c.note,
        )));
    }
    deliver(sink, frames).await
}

/// Sends one test message (MSGID `audit.test`, no `seq`).
pub async fn send_test(state: &AppState, sink: &Prepared) -> Result<(), SendError> {
    let msg = format!(
        "<110>1 {} {} {} - audit.test [{SD_ID} org=\"{}\" sink=\"{}\"] WatchTower audit sink test",
        wt_core::clock::rfc3339(state.now()),
        super::hostname(state),
        wt_core::audit_sinks::APP_NAME,
        sd_escape(&sink.org_id),
        sd_escape(&sink.name),
    );
    deliver(sink, octet_frame(&msg)).await
}
