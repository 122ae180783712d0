//! Signed checkpoints of an org's audit tree: C2SP tlog-checkpoint bodies in C2SP
//! signed-note envelopes, signed with Ed25519.
//!
//! **Checkpoint body** ([`Checkpoint`]): the origin line, the tree size in ASCII decimal (no
//! leading zeros), the root hash in standard base64, then optional non-empty extension
//! lines; every line ends in `\n`. The origin names the installation and the org:
//! `<public host>/watchtower/<org id>` ([`origin`]), e.g. `wt.example.com/watchtower/org_1`.
//!
//! **Signed note**: the body, a blank line, then one line per signature,
//! `— <key name> <base64(key id || signature)>` (U+2014 EM DASH). The key id is the first
//! four bytes of `SHA-256(key name || 0x0A || 0x01 || public key)`, `0x01` being Ed25519's
//! signature type. The signature is Ed25519 over the body bytes (the text up to and
//! including its final newline). As C2SP recommends, a log's key name is its origin, so an
//! org's checkpoints are signed under the name `<host>/watchtower/<org id>`, and
//! [`Checkpoint::open`] requires a good signature by a key of that name: one installation
//! key pair serves every org ([`SignerKey::with_name`]; the key id differs per org), and
//! no org's key vouches for another org's tree.
//!
//! **Keys**: a verifier key is `<name>+<8 hex digits key id>+<base64(0x01 || 32-byte
//! public key)>` ([`VerifierKey`], what `wt audit pubkey` prints); a signer key is
//! `PRIVATE+KEY+<name>+<key id>+<base64(0x01 || 32-byte seed)>` ([`SignerKey`]), the
//! format Go's `golang.org/x/mod/sumdb/note` reads. Rotation: a new key pair gets a new
//! key id; [`open`] takes every listed verifier key, ignores signatures by keys it does not
//! know, rejects a note with a bad signature by a key it knows, and requires at least one
//! good one.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::merkle::Hash;
use crate::secret::SecretString;

/// Ed25519's signature type byte in key ids and key encodings.
const ALG_ED25519: u8 = 0x01;
/// The signature line prefix: EM DASH, space.
const SIG_PREFIX: &str = "\u{2014} ";
/// At most this many signatures on one note (as Go's implementation).
const MAX_SIGNATURES: usize = 100;

/// Why a key, a note or a checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("invalid key name {0:?}: it must be non-empty, without spaces or '+'")]
    KeyName(String),
    #[error("malformed verifier key: {0}")]
    VerifierKey(&'static str),
    #[error("malformed signer key: {0}")]
    SignerKey(&'static str),
    #[error("malformed note: {0}")]
    MalformedNote(&'static str),
    #[error("the signature by {name} (key id {id:08x}) does not verify")]
    BadSignature { name: String, id: u32 },
    #[error("the note has no signature by a known key")]
    NoKnownSignature,
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),
    #[error("the checkpoint is for {got:?}, not {want:?}")]
    WrongOrigin { got: String, want: String },
    #[error("the checkpoint for {0:?} has no good signature by a key of that name (the log's own)")]
    NotSignedByLog(String),
}

/// The origin of an org's log: `<public host>/watchtower/<org id>`.
pub fn origin(public_host: &str, org_id: &str) -> String {
    format!("{public_host}/watchtower/{org_id}")
}

/// A key name: non-empty, no Unicode whitespace, no `+` (signed-note).
fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('+') && !name.chars().any(char::is_whitespace)
}

/// The key id of an Ed25519 key: `SHA-256(name || "\n" || 0x01 || key)[..4]`, big-endian.
pub fn key_id(name: &str, public_key: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(public_key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// A public key that verifies notes: name, key id, Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl VerifierKey {
    /// Parses `<name>+<hex key id>+<base64(0x01 || key)>`, checking the id matches.
    pub fn parse(s: &str) -> Result<Self, CheckpointError> {
        let s = s.trim();
        let mut parts = s.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(CheckpointError::VerifierKey(
                "expected <name>+<key id>+<key>",
            ));
        };
        if !valid_name(name) {
            return Err(CheckpointError::KeyName(name.to_string()));
        }
        let id = parse_key_id(id_hex).ok_or(CheckpointError::VerifierKey(
            "the key id is not 8 lowercase hex digits",
        ))?;
        let raw = B64
            .decode(key_b64)
            .map_err(|_| CheckpointError::VerifierKey("the key is not base64"))?;
        let Some((&ALG_ED25519, key)) = raw.split_first() else {
            return Err(CheckpointError::VerifierKey(
                "the key is not an Ed25519 key",
            ));
        };
        let key: [u8; 32] = key
            .try_into()
            .map_err(|_| CheckpointError::VerifierKey("an Ed25519 key is 32 bytes"))?;
        let vk = VerifyingKey::from_bytes(&key)
            .map_err(|_| CheckpointError::VerifierKey("not a valid Ed25519 point"))?;
        if vk.is_weak() {
            return Err(CheckpointError::VerifierKey("a small-order Ed25519 key"));
        }
        if key_id(name, &key) != id {
            return Err(CheckpointError::VerifierKey(
                "the key id does not match the name and key",
            ));
        }
        Ok(VerifierKey {
            name: name.to_string(),
            id,
            key: vk,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    /// The raw 32-byte public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }
}

impl std::fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(&self.key.to_bytes());
        write!(f, "{}+{:08x}+{}", self.name, self.id, B64.encode(raw))
    }
}

fn parse_key_id(s: &str) -> Option<u32> {
    if s.len() != 8 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// A private key that signs notes. `Debug` never prints the key.
pub struct SignerKey {
    name: String,
    id: u32,
    key: SigningKey,
}

impl std::fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignerKey({}+{:08x}+***)", self.name, self.id)
    }
}

impl SignerKey {
    /// A new random key pair named `name`.
    pub fn generate(name: &str) -> Result<Self, CheckpointError> {
        let seed = zeroize::Zeroizing::new(crate::token::random_bytes::<32>());
        Self::from_seed(name, &seed)
    }

    /// The key pair of a 32-byte Ed25519 seed.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, CheckpointError> {
        if !valid_name(name) {
            return Err(CheckpointError::KeyName(name.to_string()));
        }
        let key = SigningKey::from_bytes(seed);
        let id = key_id(name, &key.verifying_key().to_bytes());
        Ok(SignerKey {
            name: name.to_string(),
            id,
            key,
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>`.
    pub fn parse(s: &str) -> Result<Self, CheckpointError> {
        let rest = s
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(CheckpointError::SignerKey("expected PRIVATE+KEY+..."))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(CheckpointError::SignerKey(
                "expected PRIVATE+KEY+<name>+<key id>+<key>",
            ));
        };
        let id = parse_key_id(id_hex).ok_or(CheckpointError::SignerKey(
            "the key id is not 8 lowercase hex digits",
        ))?;
        let raw = zeroize::Zeroizing::new(
            B64.decode(key_b64)
                .map_err(|_| CheckpointError::SignerKey("the key is not base64"))?,
        );
        let Some((&ALG_ED25519, seed)) = raw.split_first() else {
            return Err(CheckpointError::SignerKey("the key is not an Ed25519 key"));
        };
        let seed: zeroize::Zeroizing<[u8; 32]> = zeroize::Zeroizing::new(
            seed.try_into()
                .map_err(|_| CheckpointError::SignerKey("an Ed25519 seed is 32 bytes"))?,
        );
        let k = Self::from_seed(name, &seed)?;
        if k.id != id {
            return Err(CheckpointError::SignerKey(
                "the key id does not match the name and key",
            ));
        }
        Ok(k)
    }

    /// The same key pair under another name (another org's origin): the key id changes
    /// with the name, the Ed25519 key does not.
    pub fn with_name(&self, name: &str) -> Result<Self, CheckpointError> {
        Self::from_seed(name, self.key.as_bytes())
    }

    /// The signer key string (a secret: store it encrypted, never log it).
    pub fn to_secret_string(&self) -> SecretString {
        let mut raw = zeroize::Zeroizing::new(vec![ALG_ED25519]);
        raw.extend_from_slice(self.key.as_bytes());
        SecretString::new(format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id,
            B64.encode(&*raw)
        ))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    /// The matching verifier key.
    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// The signature line of `text` by this key (with its trailing newline).
    fn signature_line(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes());
        let mut raw = self.id.to_be_bytes().to_vec();
        raw.extend_from_slice(&sig.to_bytes());
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(raw))
    }
}

/// Checks note text: non-empty, valid UTF-8 (a `&str`), ending in a newline, no control
/// characters but newlines, no blank line inside.
fn check_text(text: &str) -> Result<(), CheckpointError> {
    if !text.ends_with('\n') {
        return Err(CheckpointError::MalformedNote(
            "the text does not end in a newline",
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(CheckpointError::MalformedNote(
            "the text contains a control character",
        ));
    }
    if text.contains("\n\n") || text.starts_with('\n') {
        return Err(CheckpointError::MalformedNote(
            "the text contains a blank line",
        ));
    }
    Ok(())
}

/// Signs `text` with each key (at least one): the signed note.
pub fn sign(text: &str, keys: &[&SignerKey]) -> Result<String, CheckpointError> {
    check_text(text)?;
    if keys.is_empty() {
        return Err(CheckpointError::MalformedNote("no signing key"));
    }
    let mut note = format!("{text}\n");
    for k in keys {
        note.push_str(&k.signature_line(text));
    }
    Ok(note)
}

/// A note whose signatures were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedNote {
    /// The signed text, up to and including its final newline.
    pub text: String,
    /// `(name, key id)` of each known key whose signature verified.
    pub verified_by: Vec<(String, u32)>,
    /// `(name, key id)` of each signature by a key not in the list (not checked).
    pub unknown: Vec<(String, u32)>,
}

/// Splits a note, checks every signature by a listed key and requires at least one.
pub fn open(note: &str, keys: &[VerifierKey]) -> Result<OpenedNote, CheckpointError> {
    let Some(split) = note.rfind("\n\n") else {
        return Err(CheckpointError::MalformedNote(
            "no blank line before the signatures",
        ));
    };
    let (text, sigs) = (&note[..=split], &note[split + 2..]);
    check_text(text)?;
    if sigs.is_empty() || !sigs.ends_with('\n') {
        return Err(CheckpointError::MalformedNote(
            "the signature block does not end in a newline",
        ));
    }
    let lines: Vec<&str> = sigs[..sigs.len() - 1].split('\n').collect();
    if lines.len() > MAX_SIGNATURES {
        return Err(CheckpointError::MalformedNote("too many signatures"));
    }
    let mut out = OpenedNote {
        text: text.to_string(),
        verified_by: Vec::new(),
        unknown: Vec::new(),
    };
    for line in lines {
        let rest = line
            .strip_prefix(SIG_PREFIX)
            .ok_or(CheckpointError::MalformedNote(
                "a signature line does not start with an em dash and a space",
            ))?;
        let (name, b64) = rest.split_once(' ').ok_or(CheckpointError::MalformedNote(
            "a signature line has no signature",
        ))?;
        if !valid_name(name) {
            return Err(CheckpointError::KeyName(name.to_string()));
        }
        let raw = B64
            .decode(b64)
            .map_err(|_| CheckpointError::MalformedNote("a signature is not base64"))?;
        if raw.len() < 5 {
            return Err(CheckpointError::MalformedNote("a signature is too short"));
        }
        let id = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        let entry = (name.to_string(), id);
        let Some(key) = keys.iter().find(|k| k.name == name && k.id == id) else {
            if !out.unknown.contains(&entry) {
                out.unknown.push(entry);
            }
            continue;
        };
        let good = ed25519_dalek::Signature::from_slice(&raw[4..])
            .is_ok_and(|sig| key.key.verify_strict(text.as_bytes(), &sig).is_ok());
        if !good {
            return Err(CheckpointError::BadSignature {
                name: name.to_string(),
                id,
            });
        }
        if !out.verified_by.contains(&entry) {
            out.verified_by.push(entry);
        }
    }
    if out.verified_by.is_empty() {
        return Err(CheckpointError::NoKnownSignature);
    }
    Ok(out)
}

/// A C2SP tlog-checkpoint: what a signed tree head says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Optional extension lines (non-empty, without the newline).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Self {
        Checkpoint {
            origin: origin.into(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text of this checkpoint.
    pub fn body(&self) -> Result<String, CheckpointError> {
        if self.origin.is_empty() || self.origin.contains('\n') {
            return Err(CheckpointError::MalformedCheckpoint(
                "the origin is empty or has a newline",
            ));
        }
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for e in &self.extensions {
            if e.is_empty() || e.contains('\n') {
                return Err(CheckpointError::MalformedCheckpoint(
                    "an extension line is empty or has a newline",
                ));
            }
            s.push_str(e);
            s.push('\n');
        }
        check_text(&s)?;
        Ok(s)
    }

    /// Parses note text as a checkpoint.
    pub fn parse_body(text: &str) -> Result<Self, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::MalformedCheckpoint(
                "the text does not end in a newline",
            ))?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(CheckpointError::MalformedCheckpoint("the origin is empty"));
        }
        let size = lines
            .next()
            .ok_or(CheckpointError::MalformedCheckpoint("no tree size line"))?;
        let size_ok = !size.is_empty()
            && size.bytes().all(|b| b.is_ascii_digit())
            && (size == "0" || !size.starts_with('0'));
        let size: u64 =
            size.parse()
                .ok()
                .filter(|_| size_ok)
                .ok_or(CheckpointError::MalformedCheckpoint(
                    "the tree size is not a decimal number without leading zeros",
                ))?;
        let root_b64 = lines
            .next()
            .ok_or(CheckpointError::MalformedCheckpoint("no root hash line"))?;
        let root: Hash = B64
            .decode(root_b64)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or(CheckpointError::MalformedCheckpoint(
                "the root hash is not 32 bytes of base64",
            ))?;
        let extensions: Vec<String> = lines.map(str::to_string).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(CheckpointError::MalformedCheckpoint(
                "an extension line is empty",
            ));
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions,
        })
    }

    /// The signed note of this checkpoint.
    pub fn sign(&self, keys: &[&SignerKey]) -> Result<String, CheckpointError> {
        sign(&self.body()?, keys)
    }

    /// Verifies a signed checkpoint with the listed keys and, when given, checks its
    /// origin (a checkpoint of another org or installation is refused). One good signature
    /// must be by a key named as the origin (the log's own key; others, e.g. witnesses',
    /// may sign too), so one org's key can never vouch for another org's tree.
    pub fn open(
        note: &str,
        keys: &[VerifierKey],
        want_origin: Option<&str>,
    ) -> Result<(Self, OpenedNote), CheckpointError> {
        let opened = open(note, keys)?;
        let cp = Self::parse_body(&opened.text)?;
        if let Some(want) = want_origin
            && cp.origin != want
        {
            return Err(CheckpointError::WrongOrigin {
                got: cp.origin,
                want: want.to_string(),
            });
        }
        if !opened
            .verified_by
            .iter()
            .any(|(name, _)| *name == cp.origin)
        {
            return Err(CheckpointError::NotSignedByLog(cp.origin));
        }
        Ok((cp, opened))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example key and note of Go's golang.org/x/mod/sumdb/note (its tests and docs).
    const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const GO_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                           then you don't know what your problem is.\n";
    const GO_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    fn go_note() -> String {
        format!("{GO_TEXT}\n{GO_SIG}")
    }

    #[test]
    fn the_go_reference_key_and_note_match_byte_for_byte() {
        let v = VerifierKey::parse(GO_VKEY).expect("vkey");
        assert_eq!(v.name(), "PeterNeumann");
        assert_eq!(v.id(), 0xc74f20a3);
        assert_eq!(v.to_string(), GO_VKEY);
        let s = SignerKey::parse(GO_SKEY).expect("skey");
        assert_eq!(s.verifier(), v);
        assert_eq!(s.to_secret_string().expose(), GO_SKEY);
        // Ed25519 is deterministic: signing reproduces Go's note exactly.
        assert_eq!(sign(GO_TEXT, &[&s]), Ok(go_note()));
        let opened = open(&go_note(), std::slice::from_ref(&v)).expect("opens");
        assert_eq!(opened.text, GO_TEXT);
        assert_eq!(
            opened.verified_by,
            vec![("PeterNeumann".into(), 0xc74f20a3)]
        );
    }

    #[test]
    fn mangled_verifier_keys_are_refused() {
        let b = GO_VKEY.as_bytes();
        for i in 0..b.len() {
            let mut m = b.to_vec();
            m[i] = m[i].wrapping_add(1);
            if let Ok(s) = String::from_utf8(m) {
                assert!(VerifierKey::parse(&s).is_err(), "{s}");
            }
            // Every proper prefix.
            assert!(VerifierKey::parse(&GO_VKEY[..i]).is_err());
        }
        assert!(VerifierKey::parse("PeterNeumann+c74f20a3+AA==").is_err());
        assert!(VerifierKey::parse("").is_err());
    }

    #[test]
    fn a_tampered_note_fails_and_says_which_key() {
        let v = VerifierKey::parse(GO_VKEY).expect("vkey");
        let bad = go_note().replace("cryptography", "cryptographY");
        assert_eq!(
            open(&bad, std::slice::from_ref(&v)),
            Err(CheckpointError::BadSignature {
                name: "PeterNeumann".into(),
                id: 0xc74f20a3
            })
        );
        let e = open(&bad, &[v]).unwrap_err().to_string();
        assert!(e.contains("PeterNeumann") && e.contains("c74f20a3"), "{e}");
    }

    #[test]
    fn rotation_unknown_keys_are_ignored_but_one_known_signature_is_required() {
        let old = SignerKey::from_seed("wt.example/watchtower/org_1", &[1; 32]).expect("key");
        let new = SignerKey::generate("wt.example/watchtower/org_1").expect("key");
        assert_ne!(old.id(), new.id());
        let cp = Checkpoint::new("wt.example/watchtower/org_1", 5, [7; 32]);
        let note = cp.sign(&[&new]).expect("sign");
        // Both keys listed (old ones stay listed): opens with the new one.
        let keys = [old.verifier(), new.verifier()];
        let (got, o) = Checkpoint::open(&note, &keys, Some(&cp.origin)).expect("opens");
        assert_eq!(got, cp);
        assert_eq!(o.verified_by, vec![(new.name().to_string(), new.id())]);
        // Only the old key known: the new signature is unknown, so nothing verifies.
        assert_eq!(
            open(&note, &[old.verifier()]),
            Err(CheckpointError::NoKnownSignature)
        );
        // Signed by both: either key alone verifies; an unknown signer is listed.
        let both = cp.sign(&[&old, &new]).expect("sign");
        let o = open(&both, &[old.verifier()]).expect("opens");
        assert_eq!(o.unknown, vec![(new.name().to_string(), new.id())]);
        // A forged signature by a known key fails even next to a good one.
        let forged = both.replacen(
            &both[both.rfind(' ').unwrap_or(0) + 1..both.len() - 1],
            &B64.encode([new.id().to_be_bytes().to_vec(), vec![0; 64]].concat()),
            1,
        );
        assert!(matches!(
            open(&forged, &keys),
            Err(CheckpointError::BadSignature { .. })
        ));
    }

    #[test]
    fn one_installation_key_signs_for_each_org_under_its_origin() {
        let k = SignerKey::generate("h/watchtower/org_1").expect("key");
        let k2 = k.with_name("h/watchtower/org_2").expect("renamed");
        assert_eq!(k.verifier().public_key(), k2.verifier().public_key());
        assert_ne!(k.id(), k2.id());
        let note = Checkpoint::new("h/watchtower/org_2", 3, [9; 32])
            .sign(&[&k2])
            .expect("sign");
        // Org 1's verifier key does not accept org 2's checkpoint.
        assert_eq!(
            open(&note, &[k.verifier()]),
            Err(CheckpointError::NoKnownSignature)
        );
        assert!(open(&note, &[k2.verifier()]).is_ok());
        // Org 1's key signing a checkpoint that claims org 2's origin: the note verifies,
        // the checkpoint does not.
        let forged = Checkpoint::new("h/watchtower/org_2", 3, [9; 32])
            .sign(&[&k])
            .expect("sign");
        assert!(open(&forged, &[k.verifier()]).is_ok());
        assert_eq!(
            Checkpoint::open(&forged, &[k.verifier(), k2.verifier()], None),
            Err(CheckpointError::NotSignedByLog("h/watchtower/org_2".into()))
        );
        let mut bad = Checkpoint::new("h/watchtower/org_1\n7", 3, [9; 32]);
        assert!(bad.sign(&[&k]).is_err());
        bad.origin = String::new();
        assert!(bad.body().is_err());
    }

    /// One signed checkpoint (with an extension line) and its key, made once: Ed25519 is
    /// slow in a debug build.
    fn signed_example() -> &'static (String, [VerifierKey; 1]) {
        static EX: std::sync::OnceLock<(String, [VerifierKey; 1])> = std::sync::OnceLock::new();
        EX.get_or_init(|| {
            let k = SignerKey::from_seed("h/watchtower/org_1", &[3; 32]).expect("key");
            let mut cp = Checkpoint::new("h/watchtower/org_1", 1234, [0xab; 32]);
            cp.extensions.push("ext".into());
            let note = cp.sign(&[&k]).expect("sign");
            let keys = [k.verifier()];
            assert!(Checkpoint::open(&note, &keys, None).is_ok());
            (note, keys)
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(100)
        ))]

        /// Any single changed byte of a signed checkpoint makes it fail to open.
        #[test]
        fn any_changed_byte_of_a_signed_checkpoint_is_refused(
            pos in proptest::prelude::any::<usize>(), byte in 0x20u8..0x7f,
        ) {
            let (note, keys) = signed_example();
            let mut b = note.clone().into_bytes();
            let i = pos % b.len();
            proptest::prop_assume!(b[i] != byte);
            b[i] = byte;
            if let Ok(m) = String::from_utf8(b) {
                proptest::prop_assert!(Checkpoint::open(&m, keys, None).is_err(), "{:?}", m);
            }
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,200}", t in "[a-z+/=0-9\n\u{2014} ]{0,120}") {
            let _ = VerifierKey::parse(&s);
            let _ = SignerKey::parse(&s);
            let _ = Checkpoint::parse_body(&s);
            let _ = open(&s, &[]);
            let _ = open(&t, &[]);
            let _ = Checkpoint::parse_body(&t);
        }
    }

    #[test]
    fn checkpoints_round_trip_and_malformed_ones_are_named() {
        let k = SignerKey::from_seed("h/watchtower/org_1", &[2; 32]).expect("key");
        let mut cp = Checkpoint::new(origin("h", "org_1"), 0, [0; 32]);
        cp.extensions.push("extra line".into());
        let note = cp.sign(&[&k]).expect("sign");
        assert!(note.starts_with("h/watchtower/org_1\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nextra line\n\n\u{2014} h/watchtower/org_1 "));
        let (got, _) = Checkpoint::open(&note, &[k.verifier()], None).expect("opens");
        assert_eq!(got, cp);
        assert_eq!(
            Checkpoint::open(&note, &[k.verifier()], Some("h/watchtower/org_2")),
            Err(CheckpointError::WrongOrigin {
                got: "h/watchtower/org_1".into(),
                want: "h/watchtower/org_2".into()
            })
        );
        let root = B64.encode([0u8; 32]);
        for bad in [
            String::new(),
            "o\n".to_string(),
            format!("o\n01\n{root}\n"),
            format!("o\n-1\n{root}\n"),
            format!("o\n1\n{}\n", B64.encode([0u8; 31])),
            format!("\n1\n{root}\n"),
            format!("o\n18446744073709551616\n{root}\n"),
            format!("o\n1\n{root}"),
        ] {
            assert!(Checkpoint::parse_body(&bad).is_err(), "{bad:?}");
        }
        for bad_note in [
            "",
            "no blank line\n",
            "a\n\n",
            "a\n\n- h/watchtower/org_1 AAAA\n",
            "a\n\n\u{2014} h AAAA\n",
            "a\r\n\n\u{2014} h AAAAAAAA\n",
            "a\n\n\u{2014} h AAAAAAAA",
        ] {
            assert!(open(bad_note, &[k.verifier()]).is_err(), "{bad_note:?}");
        }
        assert!(sign("no newline", &[&k]).is_err());
        assert!(sign("a\n\nb\n", &[&k]).is_err());
        assert!(sign("a\n", &[]).is_err());
        assert!(SignerKey::from_seed("bad name", &[0; 32]).is_err());
        assert!(SignerKey::from_seed("a+b", &[0; 32]).is_err());
        assert_eq!(
            format!("{k:?}"),
            format!("SignerKey(h/watchtower/org_1+{:08x}+***)", k.id())
        );
    }
}
