//! Leaked-key reports: the rules of the kill switch, no I/O.
//!
//! - GitHub's secret-scanning partner program posts a JSON array of
//!   `{token, type, url, source}` signed with ECDSA P-256 over SHA-256 of the raw body: the
//!   DER signature, base64, in `Github-Public-Key-Signature`, the key's id in
//!   `Github-Public-Key-Identifier`. [`PartnerKeys`] holds the public keys (GitHub's
//!   published JSON document, or PEM blocks each preceded by `# key_identifier: ID`) and
//!   verifies; [`parse_report`] bounds and parses the body; the answer labels each token
//!   ([`Label`]).
//! - The public self-report endpoint takes a few raw keys ([`parse_self_report`]).
//!
//! [`KEY_PATTERN`] is the regular expression partners register: prefix, 43 base62
//! characters, a 6-character CRC32 checksum, so a scanner can drop look-alikes itself.

use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{DerSignature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde::{Deserialize, Serialize};

/// The pattern of an ingestion key, for scanner registration (GitHub, GitLab, ...).
pub const KEY_PATTERN: &str = r"\bwtk_(live|test)_[0-9A-Za-z]{49}\b";
/// The `type` name registered with GitHub for our keys.
pub const TOKEN_TYPE: &str = "watchtower_ingestion_key";
/// Largest report body accepted (GitHub batches matches; 1,000 tokens of ~600 bytes).
pub const MAX_REPORT_BYTES: usize = 1024 * 1024;
/// Most tokens in one partner report.
pub const MAX_REPORT_TOKENS: usize = 1_000;
/// Most keys in one self-report.
pub const MAX_SELF_REPORT_KEYS: usize = 20;
/// Largest self-report body.
pub const MAX_SELF_REPORT_BYTES: usize = 16 * 1024;

/// Why a partner report was refused (nothing is revoked).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeakError {
    #[error("unknown public key identifier")]
    UnknownKey,
    #[error("the signature is not valid base64 DER")]
    SignatureEncoding,
    #[error("the signature does not match the body")]
    BadSignature,
    #[error("the body is not a JSON array of {{token, type, url, source}}: {0}")]
    Body(String),
    #[error("too many tokens in one report (at most {MAX_REPORT_TOKENS})")]
    TooMany,
    #[error("public keys: {0}")]
    Keys(String),
}

/// One public key of a partner.
#[derive(Debug, Clone)]
struct PartnerKey {
    id: String,
    key: VerifyingKey,
}

/// The partner's public keys, as configured in `wtd` (a file).
#[derive(Debug, Clone, Default)]
pub struct PartnerKeys {
    keys: Vec<PartnerKey>,
}

#[derive(Deserialize)]
struct Published {
    public_keys: Vec<PublishedKey>,
}

#[derive(Deserialize)]
struct PublishedKey {
    key_identifier: String,
    key: String,
}

impl PartnerKeys {
    /// Parses GitHub's published document (`{"public_keys": [{"key_identifier", "key",
    /// "is_current"}]}`) or PEM blocks each preceded by a `# key_identifier: ID` line.
    pub fn parse(text: &str) -> Result<PartnerKeys, LeakError> {
        let mut keys = Vec::new();
        if text.trim_start().starts_with('{') {
            let doc: Published =
                serde_json::from_str(text).map_err(|e| LeakError::Keys(e.to_string()))?;
            for k in doc.public_keys {
                keys.push(PartnerKey {
                    key: pem_key(&k.key, &k.key_identifier)?,
                    id: k.key_identifier,
                });
            }
        } else {
            let mut id: Option<String> = None;
            let mut pem = String::new();
            for line in text.lines() {
                let line = line.trim();
                if let Some(rest) = line.strip_prefix("# key_identifier:") {
                    id = Some(rest.trim().to_string());
                } else if !line.is_empty() && !line.starts_with('#') {
                    pem.push_str(line);
                    pem.push('\n');
                    if line.starts_with("-----END") {
                        let kid = id.take().ok_or_else(|| {
                            LeakError::Keys(
                                "each PEM block needs a `# key_identifier: ID` line before it"
                                    .into(),
                            )
                        })?;
                        keys.push(PartnerKey {
                            key: pem_key(&pem, &kid)?,
                            id: kid,
                        });
                        pem.clear();
                    }
                }
            }
        }
        if keys.is_empty() {
            return Err(LeakError::Keys("no public key in the file".into()));
        }
        Ok(PartnerKeys { keys })
    }

    /// How many keys are configured.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is configured.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Verifies `signature_b64` (DER, base64) of `body` under the key named `key_id`.
    pub fn verify(&self, key_id: &str, signature_b64: &str, body: &[u8]) -> Result<(), LeakError> {
        use base64::Engine;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == key_id)
            .ok_or(LeakError::UnknownKey)?;
        let der = base64::engine::general_purpose::STANDARD
            .decode(signature_b64.trim())
            .map_err(|_| LeakError::SignatureEncoding)?;
        let sig =
            DerSignature::try_from(der.as_slice()).map_err(|_| LeakError::SignatureEncoding)?;
        key.key
            .verify(body, &sig)
            .map_err(|_| LeakError::BadSignature)
    }
}

fn pem_key(pem: &str, id: &str) -> Result<VerifyingKey, LeakError> {
    VerifyingKey::from_public_key_pem(pem.trim())
        .map_err(|e| LeakError::Keys(format!("key {id:?} is not a P-256 public key in PEM: {e}")))
}

/// One match in a partner report.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportedToken {
    pub token: String,
    #[serde(default, rename = "type")]
    pub token_type: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub source: String,
}

/// Parses a (verified) partner report body.
pub fn parse_report(body: &[u8]) -> Result<Vec<ReportedToken>, LeakError> {
    let list: Vec<ReportedToken> =
        serde_json::from_slice(body).map_err(|e| LeakError::Body(e.to_string()))?;
    if list.len() > MAX_REPORT_TOKENS {
        return Err(LeakError::TooMany);
    }
    Ok(list)
}

/// The label of a reported token in the answer: `true_positive` when it was one of our
/// live keys (now revoked or quarantined), else `false_positive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    TruePositive,
    FalsePositive,
}

/// One entry of the answer to a partner report, in GitHub's format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenLabel {
    pub token_raw: String,
    pub token_type: String,
    pub label: Label,
}

/// What happens to a reported key, per org policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakPolicy {
    /// Revoked at once (the default).
    #[default]
    Revoke,
    /// Suspended: refused like a revoked key, until an admin revokes, rotates or releases
    /// it (a false positive).
    Quarantine,
}

impl LeakPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            LeakPolicy::Revoke => "revoke",
            LeakPolicy::Quarantine => "quarantine",
        }
    }

    pub fn parse(s: &str) -> Option<LeakPolicy> {
        match s {
            "revoke" => Some(LeakPolicy::Revoke),
            "quarantine" => Some(LeakPolicy::Quarantine),
            _ => None,
        }
    }
}

/// The body of a self-report: raw keys someone found, and optionally where.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfReport {
    pub keys: Vec<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// Parses and bounds a self-report body.
pub fn parse_self_report(body: &[u8]) -> Result<SelfReport, String> {
    if body.len() > MAX_SELF_REPORT_BYTES {
        return Err(format!(
            "the body is larger than {MAX_SELF_REPORT_BYTES} bytes"
        ));
    }
    let r: SelfReport = serde_json::from_slice(body)
        .map_err(|e| format!("expected {{\"keys\": [\"wtk_...\"], \"url\": \"...\"}}: {e}"))?;
    if r.keys.is_empty() || r.keys.len() > MAX_SELF_REPORT_KEYS {
        return Err(format!("keys: 1 to {MAX_SELF_REPORT_KEYS} keys"));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer;
    use p256::pkcs8::{EncodePublicKey, LineEnding};

    fn pair(seed: u8) -> (SigningKey, String) {
        let sk = SigningKey::from_slice(&[seed; 32]).unwrap_or_else(|e| panic!("{e}"));
        let pem = sk
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_else(|e| panic!("{e}"));
        (sk, pem)
    }

    fn sign(sk: &SigningKey, body: &[u8]) -> String {
        let sig: DerSignature = sk.sign(body);
        base64::engine::general_purpose::STANDARD.encode(sig.as_bytes())
    }

    #[test]
    fn a_signed_report_verifies_and_a_changed_one_does_not() {
        let (sk, pem) = pair(7);
        let doc = serde_json::json!({"public_keys": [
            {"key_identifier": "k1", "key": pem, "is_current": true}
        ]});
        let keys = PartnerKeys::parse(&doc.to_string()).unwrap_or_else(|e| panic!("{e}"));
        let body = br#"[{"token":"x","type":"t","url":"","source":"content"}]"#;
        let sig = sign(&sk, body);
        assert_eq!(keys.verify("k1", &sig, body), Ok(()));
        assert_eq!(keys.verify("k1", &sig, b"[]"), Err(LeakError::BadSignature));
        assert_eq!(keys.verify("k2", &sig, body), Err(LeakError::UnknownKey));
        assert_eq!(
            keys.verify("k1", "!!", body),
            Err(LeakError::SignatureEncoding)
        );
        let (other, _) = pair(9);
        assert_eq!(
            keys.verify("k1", &sign(&other, body), body),
            Err(LeakError::BadSignature)
        );
    }

    #[test]
    fn pem_files_name_their_keys() {
        let (_, a) = pair(1);
        let (_, b) = pair(2);
        let text = format!("# key_identifier: a\n{a}\n# key_identifier: b\n{b}");
        let keys = PartnerKeys::parse(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(keys.len(), 2);
        assert!(PartnerKeys::parse(&a).is_err(), "a PEM block without an id");
        assert!(PartnerKeys::parse("").is_err());
    }

    #[test]
    fn reports_are_bounded() {
        let one = r#"{"token":"t","type":"x","url":"u","source":"gist"}"#;
        let many = format!("[{}]", vec![one; MAX_REPORT_TOKENS + 1].join(","));
        assert_eq!(
            parse_report(many.as_bytes()).err(),
            Some(LeakError::TooMany)
        );
        assert!(parse_report(b"{}").is_err());
        assert_eq!(
            parse_report(format!("[{one}]").as_bytes()).map(|v| v.len()),
            Ok(1)
        );
    }

    #[test]
    fn the_pattern_matches_generated_keys() {
        // The pattern is documented for partners; check its shape against a real key.
        let key = crate::apikey::generate(crate::apikey::Environment::Production);
        let k = key.expose();
        assert!(k.starts_with("wtk_live_"));
        assert_eq!(
            k.len() - "wtk_live_".len(),
            crate::apikey::BODY_LEN + crate::apikey::CHECKSUM_LEN
        );
        assert!(KEY_PATTERN.contains("{49}"));
        assert_eq!(crate::apikey::BODY_LEN + crate::apikey::CHECKSUM_LEN, 49);
    }

    #[test]
    fn self_reports_are_bounded() {
        assert!(parse_self_report(br#"{"keys": []}"#).is_err());
        assert!(parse_self_report(br#"{"keys": ["a"], "url": "https://x"}"#).is_ok());
        let many = serde_json::json!({ "keys": vec!["k"; MAX_SELF_REPORT_KEYS + 1] });
        assert!(parse_self_report(many.to_string().as_bytes()).is_err());
        assert!(parse_self_report(br#"{"keys": ["a"], "x": 1}"#).is_err());
    }
}
