//! Why an SMTP delivery failed: a lettre error read down to its cause (a rustls certificate
//! error inside an I/O error inside lettre's connection error, an SMTP reply code, ...) and
//! named by its [`DeliveryFailure`] class, so the log and the readiness report can say what
//! to do.

use super::Failure;
use lettre::transport::smtp::Error;
use rustls::CertificateError;
use std::error::Error as StdError;
use wt_core::mail::DeliveryFailure;

/// Reply codes of refused authentication (RFC 4954): 530 authentication required, 534
/// mechanism too weak, 535 credentials invalid, 538 encryption required for it.
const AUTH_CODES: [&str; 4] = ["530", "534", "535", "538"];

/// The error and every cause below it, looking inside `std::io::Error`s too (their
/// `source()` skips the error they wrap, which is where rustls puts its own).
fn causes<'a>(e: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut next = Some(e);
    while let Some(cur) = next {
        out.push(cur);
        next = match cur
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => cur.source(),
        };
    }
    out
}

/// The class of a TLS error from rustls.
fn tls_class(e: &rustls::Error) -> DeliveryFailure {
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => DeliveryFailure::CertificateUntrusted,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                DeliveryFailure::CertificateNameMismatch
            }
            _ => DeliveryFailure::CertificateInvalid,
        },
        _ => DeliveryFailure::Tls,
    }
}

/// The class of a failed SMTP delivery.
pub fn classify(e: &Error) -> DeliveryFailure {
    let chain = causes(e);
    if let Some(t) = chain.iter().find_map(|c| c.downcast_ref::<rustls::Error>()) {
        return tls_class(t);
    }
    let text = e.to_string();
    if let Some(code) = e.status().map(|c| c.to_string()) {
        if AUTH_CODES.contains(&code.as_str()) {
            return DeliveryFailure::AuthFailed;
        }
        return DeliveryFailure::Rejected;
    }
    if e.is_tls() {
        return DeliveryFailure::Tls;
    }
    if e.is_client() {
        // lettre's own refusals carry no type of their own, only these words.
        if text.contains("STARTTLS") {
            return DeliveryFailure::StarttlsUnavailable;
        }
        if text.contains("authentication mechanism") {
            return DeliveryFailure::AuthFailed;
        }
        return DeliveryFailure::Other;
    }
    if e.is_timeout() || !e.is_response() {
        // Connection and network errors: refused, unresolved, reset, timed out.
        return DeliveryFailure::Unreachable;
    }
    DeliveryFailure::Other
}

/// A failed SMTP delivery as the mailer records it. lettre's pool wraps a connection
/// error in another (`Connection error: Connection error: ...`): said once.
pub fn failure(e: &Error) -> Failure {
    let text = e.to_string();
    let mut parts: Vec<&str> = Vec::new();
    for p in text.split(": ") {
        if parts.last() != Some(&p) {
            parts.push(p);
        }
    }
    Failure::new(classify(e), parts.join(": "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_error_is_found_inside_an_io_error() {
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        let found = causes(&io)
            .iter()
            .find_map(|c| c.downcast_ref::<rustls::Error>())
            .map(tls_class);
        assert_eq!(found, Some(DeliveryFailure::CertificateUntrusted));
        assert_eq!(
            tls_class(&rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName
            )),
            DeliveryFailure::CertificateNameMismatch
        );
        assert_eq!(
            tls_class(&rustls::Error::InvalidCertificate(
                CertificateError::Expired
            )),
            DeliveryFailure::CertificateInvalid
        );
        assert_eq!(
            tls_class(&rustls::Error::DecryptError),
            DeliveryFailure::Tls
        );
    }
}
