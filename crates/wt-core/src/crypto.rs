//! The master key and authenticated encryption of secrets at rest (SECURITY.md E.39).
//!
//! The master key is 32 random bytes kept in a 0600 file beside, not inside, the
//! database, so a copy of the database alone does not reveal TOTP secrets. Ciphertexts are
//! `v1:` + base64(24-byte nonce || XChaCha20-Poly1305 ciphertext), with associated data
//! binding each ciphertext to its row (e.g. the user id), so a ciphertext copied onto
//! another row does not decrypt.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Length of the master key in bytes.
pub const KEY_LEN: usize = 32;

/// Errors of the master key and of decryption. Deliberately vague: a decryption failure
/// says nothing about why.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("the master key file is not a valid key (expected 64 hex characters)")]
    BadKey,
    #[error("ciphertext could not be decrypted")]
    Decrypt,
}

/// The daemon's master key. Zeroized on drop; `Debug` prints nothing of it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MasterKey([u8; KEY_LEN]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

impl MasterKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        Self(crate::token::random_bytes::<KEY_LEN>())
    }

    /// The file format: 64 hex characters and a newline.
    pub fn to_file_contents(&self) -> String {
        format!("{}\n", hex::encode(self.0))
    }

    /// Parses the file format.
    pub fn from_file_contents(s: &str) -> Result<Self, CryptoError> {
        let mut bytes = hex::decode(s.trim()).map_err(|_| CryptoError::BadKey)?;
        let key: [u8; KEY_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| CryptoError::BadKey)?;
        bytes.zeroize();
        Ok(Self(key))
    }

    /// A 32-byte subkey for one purpose (`label`), as HMAC-SHA256(master key, label). Used
    /// e.g. as the pepper of ingestion-key hashes, so a copy of the database alone cannot
    /// test guesses offline.
    pub fn derive(&self, label: &str) -> [u8; KEY_LEN] {
        use hmac::Mac;
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(label.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Encrypts `plaintext`, bound to `aad` (e.g. the owning row's id).
    pub fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> String {
        let cipher = XChaCha20Poly1305::new(Key::from_slice(&self.0));
        let nonce = crate::token::random_bytes::<24>();
        // Encryption with a valid key and nonce cannot fail for in-memory buffers.
        let ct = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .unwrap_or_default();
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ct);
        format!("v1:{}", STANDARD.encode(blob))
    }

    /// Decrypts what [`MasterKey::encrypt`] produced with the same `aad`.
    pub fn decrypt(&self, sealed: &str, aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let b64 = sealed.strip_prefix("v1:").ok_or(CryptoError::Decrypt)?;
        let blob = STANDARD.decode(b64).map_err(|_| CryptoError::Decrypt)?;
        if blob.len() < 24 + 16 {
            return Err(CryptoError::Decrypt);
        }
        let (nonce, ct) = blob.split_at(24);
        XChaCha20Poly1305::new(Key::from_slice(&self.0))
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
            .map_err(|_| CryptoError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_the_same_key_and_aad() {
        let k = MasterKey::generate();
        let sealed = k.encrypt(b"totp secret", b"usr_1");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("totp secret"));
        assert_eq!(
            k.decrypt(&sealed, b"usr_1").ok(),
            Some(b"totp secret".to_vec())
        );
    }

    #[test]
    fn another_row_or_key_or_tampering_fails() {
        let k = MasterKey::generate();
        let sealed = k.encrypt(b"secret", b"usr_1");
        assert_eq!(k.decrypt(&sealed, b"usr_2"), Err(CryptoError::Decrypt));
        assert_eq!(
            MasterKey::generate().decrypt(&sealed, b"usr_1"),
            Err(CryptoError::Decrypt)
        );
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(k.decrypt(&tampered, b"usr_1").is_err());
        assert!(k.decrypt("garbage", b"usr_1").is_err());
    }

    #[test]
    fn key_file_round_trips_and_rejects_junk() {
        let k = MasterKey::generate();
        let again = MasterKey::from_file_contents(&k.to_file_contents());
        let sealed = k.encrypt(b"x", b"");
        assert_eq!(
            again.ok().and_then(|k2| k2.decrypt(&sealed, b"").ok()),
            Some(b"x".to_vec())
        );
        assert!(MasterKey::from_file_contents("abcd").is_err());
        assert!(format!("{k:?}").contains("***"));
    }
}
