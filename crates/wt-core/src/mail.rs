//! Why a mail was not delivered, in words an operator can act on: the vocabulary shared by
//! the daemon's mailer (which classifies each failure and logs it), the outbox (which
//! stores the class with the last error) and the readiness checklist (which reports it).
//!
//! A class names the cause (the relay's certificate is not trusted, the password was
//! refused, ...) and carries the remedy: the `wtd serve` settings that fix it. Classes of
//! the relay itself ([`DeliveryFailure::is_relay`]) fail every mail alike, so the mailer
//! stops a delivery round at the first one instead of trying each queued mail.

/// The cause of a failed delivery. The ids ([`DeliveryFailure::id`]) are stable: they are
/// stored with the last error, label the failure counter of `/metrics` and appear in the
/// readiness report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryFailure {
    /// The relay's certificate does not chain to a trusted CA.
    CertificateUntrusted,
    /// The relay's certificate is valid for other names than the one dialled.
    CertificateNameMismatch,
    /// The relay's certificate is expired, not yet valid, revoked or malformed.
    CertificateInvalid,
    /// The TLS handshake failed for another reason (e.g. implicit TLS against a plain port).
    Tls,
    /// TLS is required but the relay does not offer STARTTLS.
    StarttlsUnavailable,
    /// The relay refused the user and password, or wants authentication none was given.
    AuthFailed,
    /// The password file could not be read.
    PasswordUnreadable,
    /// The relay could not be reached: refused, timed out, name not resolved.
    Unreachable,
    /// The relay answered the mail itself with an error (a refused recipient or sender).
    Rejected,
    /// Anything else (the mail could not be built or decrypted, an unexpected answer).
    Other,
}

impl DeliveryFailure {
    /// Every class, for parsing and tests.
    pub const ALL: [DeliveryFailure; 10] = [
        Self::CertificateUntrusted,
        Self::CertificateNameMismatch,
        Self::CertificateInvalid,
        Self::Tls,
        Self::StarttlsUnavailable,
        Self::AuthFailed,
        Self::PasswordUnreadable,
        Self::Unreachable,
        Self::Rejected,
        Self::Other,
    ];

    /// The stable id.
    pub fn id(self) -> &'static str {
        match self {
            Self::CertificateUntrusted => "certificate_untrusted",
            Self::CertificateNameMismatch => "certificate_name_mismatch",
            Self::CertificateInvalid => "certificate_invalid",
            Self::Tls => "tls_failed",
            Self::StarttlsUnavailable => "starttls_unavailable",
            Self::AuthFailed => "auth_failed",
            Self::PasswordUnreadable => "password_unreadable",
            Self::Unreachable => "relay_unreachable",
            Self::Rejected => "rejected",
            Self::Other => "other",
        }
    }

    /// The class of a stored id.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == id)
    }

    /// True when the relay itself is the problem: every mail would fail alike.
    pub fn is_relay(self) -> bool {
        !matches!(self, Self::Rejected | Self::Other)
    }

    /// What happened, in one clause.
    pub fn explains(self) -> &'static str {
        match self {
            Self::CertificateUntrusted => {
                "the relay's TLS certificate is not signed by a CA this daemon trusts"
            }
            Self::CertificateNameMismatch => {
                "the relay's TLS certificate is not valid for the host name in --smtp-url"
            }
            Self::CertificateInvalid => {
                "the relay's TLS certificate is expired, not yet valid or malformed"
            }
            Self::Tls => "the TLS handshake with the relay failed",
            Self::StarttlsUnavailable => {
                "the relay does not offer STARTTLS, which this daemon requires"
            }
            Self::AuthFailed => "the relay refused the SMTP user and password",
            Self::PasswordUnreadable => "the SMTP password file cannot be read",
            Self::Unreachable => "the relay cannot be reached",
            Self::Rejected => "the relay refused the mail",
            Self::Other => "the mail could not be sent",
        }
    }

    /// What to do about it, naming the settings of `wtd serve`.
    pub fn remedy(self) -> &'static str {
        match self {
            Self::CertificateUntrusted => {
                "trust the relay's CA: pass its PEM certificate with --smtp-ca-file FILE \
                 (WT_SMTP_CA_FILE), or install it in the OS trust store (Debian: copy it to \
                 /usr/local/share/ca-certificates/ and run update-ca-certificates), then \
                 restart wtd"
            }
            Self::CertificateNameMismatch => {
                "name the relay in --smtp-url by a host name its certificate lists (not an \
                 IP address or an alias), or have the relay's certificate reissued for that \
                 name, then restart wtd"
            }
            Self::CertificateInvalid => {
                "have the relay's certificate renewed (and check this machine's clock)"
            }
            Self::Tls => {
                "check the scheme and port of --smtp-url: smtps:// is implicit TLS (port \
                 465), smtp:// upgrades with STARTTLS (port 587 or 25)"
            }
            Self::StarttlsUnavailable => {
                "enable STARTTLS on the relay, or use its implicit TLS port (smtps://HOST:465); \
                 only on a network you trust, add ?tls=none to --smtp-url to send in plain text"
            }
            Self::AuthFailed => {
                "check the user (--smtp-url's user or --smtp-user) and the password \
                 (--smtp-password-file, WT_SMTP_PASSWORD or the URL); a password file is \
                 read again for every new connection, so fixing it needs no restart"
            }
            Self::PasswordUnreadable => {
                "make --smtp-password-file readable by wtd only (chmod 600) and holding the \
                 password on one line"
            }
            Self::Unreachable => {
                "check the host and port of --smtp-url, and that this machine may connect there"
            }
            Self::Rejected => "read the relay's answer in wtd's log (`mail delivery failed`)",
            Self::Other => "read wtd's log (`mail delivery failed`)",
        }
    }

    /// The text stored as a mail's last error: `<id>: <detail>`.
    pub fn record(self, detail: &str) -> String {
        format!("{}: {detail}", self.id())
    }

    /// The class of a stored last error (`None` for one stored without a class).
    pub fn of_record(last_error: &str) -> Option<Self> {
        last_error
            .split_once(": ")
            .and_then(|(id, _)| Self::from_id(id))
    }
}

impl std::fmt::Display for DeliveryFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_read_back_from_a_stored_error() {
        for c in DeliveryFailure::ALL {
            assert_eq!(DeliveryFailure::from_id(c.id()), Some(c));
            let stored = c.record("invalid peer certificate: UnknownIssuer");
            assert_eq!(DeliveryFailure::of_record(&stored), Some(c));
            assert!(!c.explains().is_empty() && !c.remedy().is_empty());
        }
        assert_eq!(DeliveryFailure::of_record("connection refused"), None);
        assert_eq!(DeliveryFailure::of_record("nope: x"), None);
    }

    #[test]
    fn certificate_remedies_name_the_ca_file_and_the_os_store() {
        let r = DeliveryFailure::CertificateUntrusted.remedy();
        assert!(
            r.contains("--smtp-ca-file") && r.contains("OS trust store"),
            "{r}"
        );
        assert!(
            DeliveryFailure::AuthFailed
                .remedy()
                .contains("--smtp-password-file")
        );
        assert!(DeliveryFailure::CertificateUntrusted.is_relay());
        assert!(!DeliveryFailure::Rejected.is_relay());
    }
}
