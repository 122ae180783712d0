//! The credential store: where `wt` keeps its session token, per server.
//!
//! Everything lives in the OS keyring (service `watchtower`, user = the normalised server
//! URL); the secret is a small JSON document `{token, email, org, expires_at}`. Nothing is
//! ever written to a file. Backend choice, made once and lazily (a command that needs no
//! credential never opens a keyring):
//! 1. `WT_TOKEN` in the environment overrides everything for authentication (CI, containers);
//! 2. `WT_KEYRING=secret-service|keyutils` forces a backend;
//! 3. otherwise the Secret Service when `DBUS_SESSION_BUS_ADDRESS` is set and it answers,
//!    else the kernel keyutils keyring ([`KernelKeyring`]: the user's persistent keyring,
//!    which works on a headless server without any login session);
//! 4. if none works: a clear error naming the remedies (never a plaintext fallback).
//!
//! `wt login` makes sure the chosen keyring can store and read back an entry *before* it
//! asks the daemon for a session ([`Credentials::check_usable`]), so a keyring that cannot
//! be used leaves no session and no token behind.
//!
//! Keyring calls may block on D-Bus (an unlock prompt, a hung daemon), so each runs on the
//! blocking pool with a timeout ([`KEYRING_TIMEOUT`]). The backend sits behind the small
//! [`SecretStore`] trait; tests use keyring-core's mock store through the same code path.

use crate::error::CliError;
use crate::secret::Secret;
use keyring_core::Entry;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Keyring service name of every `wt` entry.
pub const SERVICE: &str = "watchtower";

/// How long one keyring operation may take before we give up. A locked Secret Service
/// can wait for an unlock dialog forever; the user gets an error instead of a hang.
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(10);

/// What to do when no keyring works (shown verbatim).
const NO_KEYRING_REMEDY: &str = "no OS keyring available: start a Secret Service (e.g. gnome-keyring) in a D-Bus session, or enable the kernel keyring (the `keyctl` syscalls; containers may block them), or use an automation token in WT_TOKEN instead of `wt login`";

/// Where the credential in use comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialSource {
    /// The `WT_TOKEN` environment variable.
    Environment,
    /// The freedesktop Secret Service (gnome-keyring, KWallet) over D-Bus.
    SecretService,
    /// The Linux kernel keyutils session keyring.
    Keyutils,
    /// keyring-core's in-memory mock store (tests only).
    Mock,
}

impl CredentialSource {
    /// The stable, human-readable name (also used in `wt auth status --output json`).
    pub fn describe(self) -> &'static str {
        match self {
            CredentialSource::Environment => "environment variable WT_TOKEN",
            CredentialSource::SecretService => "Secret Service keyring",
            CredentialSource::Keyutils => "kernel keyutils keyring",
            CredentialSource::Mock => "mock keyring",
        }
    }
}

/// What `wt login` stores for one server.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCredential {
    /// The session bearer token.
    pub token: Secret,
    /// Who logged in (for `wt auth status` without a round trip).
    pub email: String,
    /// The org slug the session is bound to.
    pub org: Option<String>,
    /// Absolute expiry of the session (RFC 3339).
    pub expires_at: Option<String>,
}

/// The JSON document inside the keyring entry.
#[derive(Serialize, Deserialize)]
struct StoredDoc<'a> {
    token: &'a str,
    email: &'a str,
    #[serde(default)]
    org: Option<&'a str>,
    #[serde(default)]
    expires_at: Option<&'a str>,
}

impl StoredCredential {
    /// Encodes to the JSON stored in the keyring (kept in a zeroizing buffer).
    pub fn encode(&self) -> Result<Secret, CliError> {
        let doc = StoredDoc {
            token: self.token.expose(),
            email: &self.email,
            org: self.org.as_deref(),
            expires_at: self.expires_at.as_deref(),
        };
        serde_json::to_string(&doc)
            .map(Secret::new)
            .map_err(|e| CliError::Keyring(format!("cannot encode the credential: {e}")))
    }

    /// Decodes the JSON stored in the keyring.
    pub fn decode(raw: &Secret) -> Result<StoredCredential, CliError> {
        let doc: StoredDoc<'_> = serde_json::from_str(raw.expose()).map_err(|_| {
            CliError::Keyring(
                "the keyring entry for this server is not a wt credential; run `wt logout` then `wt login`"
                    .into(),
            )
        })?;
        Ok(StoredCredential {
            token: Secret::new(doc.token.to_string()),
            email: doc.email.to_string(),
            org: doc.org.map(str::to_string),
            expires_at: doc.expires_at.map(str::to_string),
        })
    }
}

/// The few keyring operations `wt` needs. Implementations may block.
pub trait SecretStore: Send + Sync {
    /// Which backend this is.
    fn source(&self) -> CredentialSource;
    /// The secret for `user`, `None` when there is no entry.
    fn get(&self, user: &str) -> Result<Option<Secret>, CliError>;
    /// Creates or replaces the secret for `user`.
    fn set(&self, user: &str, secret: &Secret) -> Result<(), CliError>;
    /// Deletes the entry for `user`; `false` when there was none.
    fn delete(&self, user: &str) -> Result<bool, CliError>;
}

/// A [`SecretStore`] over any keyring-core credential store.
pub struct KeyringStore {
    store: Arc<keyring_core::CredentialStore>,
    source: CredentialSource,
}

impl KeyringStore {
    /// Wraps a keyring-core store.
    pub fn new(store: Arc<keyring_core::CredentialStore>, source: CredentialSource) -> Self {
        KeyringStore { store, source }
    }

    /// The Secret Service over D-Bus (blocks; fails without a bus or a service on it).
    pub fn secret_service() -> Result<Self, CliError> {
        let store = zbus_secret_service_keyring_store::Store::new()
            .map_err(|e| CliError::Keyring(format!("Secret Service: {e}")))?;
        Ok(KeyringStore::new(store, CredentialSource::SecretService))
    }

    fn entry(&self, user: &str) -> Result<Entry, CliError> {
        Entry::new_in_store(&self.store, SERVICE, user).map_err(|e| self.fail(e))
    }

    fn fail(&self, e: keyring_core::Error) -> CliError {
        // Storage that can't be reached (e.g. keyutils as root without a session keyring)
        // gets the remedies; other errors speak for themselves.
        let hint = match e {
            keyring_core::Error::NoStorageAccess(_) | keyring_core::Error::PlatformFailure(_) => {
                format!(" ({NO_KEYRING_REMEDY})")
            }
            _ => String::new(),
        };
        CliError::Keyring(format!("{}: {e}{hint}", self.source.describe()))
    }
}

impl SecretStore for KeyringStore {
    fn source(&self) -> CredentialSource {
        self.source
    }

    fn get(&self, user: &str) -> Result<Option<Secret>, CliError> {
        match self.entry(user)?.get_password() {
            Ok(s) => Ok(Some(Secret::new(s))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.fail(e)),
        }
    }

    fn set(&self, user: &str, secret: &Secret) -> Result<(), CliError> {
        self.entry(user)?
            .set_password(secret.expose())
            .map_err(|e| self.fail(e))
    }

    fn delete(&self, user: &str) -> Result<bool, CliError> {
        match self.entry(user)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(self.fail(e)),
        }
    }
}

/// The kernel keyutils keyring, as `keyctl` users know it. Entries live in the user's
/// persistent keyring (persistent-keyring(7): it outlives the login session and every
/// process, and expires 3 days after its last use, `/proc/sys/kernel/keys/
/// persistent_keyring_expiry`), or, on a kernel without persistent keyrings, in the user
/// keyring (until the user's last process ends). Either is first linked into this
/// process's own keyring, so the process possesses it and may read what an earlier `wt`
/// wrote: from an SSH login, a tmux server started outside any session, `docker exec`, a
/// systemd unit or `su -` alike. (The session keyring, which such processes share with
/// the whole user or lack, gives only "access denied" on read.)
pub struct KernelKeyring;

impl KernelKeyring {
    /// Checks the kernel keyring can be reached (a few syscalls).
    pub fn open() -> Result<Self, CliError> {
        Self::possessed().map(|_| KernelKeyring)
    }

    /// The keyring entries live in, linked into this thread's process keyring so that
    /// this thread possesses it. Done again for every operation: a process keyring lives
    /// in the credentials of the thread that made it, and keyring calls run on whichever
    /// blocking-pool thread is free.
    fn possessed() -> Result<linux_keyutils::KeyRing, CliError> {
        use linux_keyutils::{KeyRing, KeyRingIdentifier};
        let process =
            KeyRing::from_special_id(KeyRingIdentifier::Process, true).map_err(Self::fail)?;
        match KeyRing::get_persistent(KeyRingIdentifier::Process) {
            Ok(persistent) => Ok(persistent),
            Err(_) => {
                let user =
                    KeyRing::from_special_id(KeyRingIdentifier::User, true).map_err(Self::fail)?;
                process.link_keyring(user).map_err(Self::fail)?;
                Ok(user)
            }
        }
    }

    fn description(user: &str) -> String {
        format!("{SERVICE}:{user}")
    }

    fn fail(e: linux_keyutils::KeyError) -> CliError {
        CliError::Keyring(format!(
            "kernel keyutils keyring: {e:?} ({NO_KEYRING_REMEDY})"
        ))
    }
}

impl SecretStore for KernelKeyring {
    fn source(&self) -> CredentialSource {
        CredentialSource::Keyutils
    }

    fn get(&self, user: &str) -> Result<Option<Secret>, CliError> {
        use linux_keyutils::KeyError;
        let key = match Self::possessed()?.search(&Self::description(user)) {
            Ok(k) => k,
            Err(KeyError::KeyDoesNotExist) => return Ok(None),
            Err(e) => return Err(Self::fail(e)),
        };
        let bytes = zeroize::Zeroizing::new(key.read_to_vec().map_err(Self::fail)?);
        String::from_utf8(bytes.to_vec())
            .map(|s| Some(Secret::new(s)))
            .map_err(|_| CliError::Keyring("the keyring entry is not text".into()))
    }

    fn set(&self, user: &str, secret: &Secret) -> Result<(), CliError> {
        // Adding a key with the description of one already in the keyring replaces it.
        let key = Self::possessed()?
            .add_key(&Self::description(user), secret.expose())
            .map_err(Self::fail)?;
        // The kernel drops the entry when the session it holds ends (its absolute expiry),
        // rather than keeping a dead token for as long as the persistent keyring lives.
        let expires = StoredCredential::decode(secret)
            .ok()
            .and_then(|c| c.expires_at)
            .and_then(|t| {
                time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).ok()
            });
        if let Some(at) = expires {
            let left = (at - time::OffsetDateTime::now_utc()).whole_seconds();
            if left > 0 {
                key.set_timeout(left as usize).map_err(Self::fail)?;
            }
        }
        Ok(())
    }

    fn delete(&self, user: &str) -> Result<bool, CliError> {
        use linux_keyutils::KeyError;
        let ring = Self::possessed()?;
        match ring.search(&Self::description(user)) {
            // Unlinked at once (an invalidated key lingers until the kernel collects it,
            // and a search meanwhile answers "access denied").
            Ok(key) => ring.unlink_key(key).map(|()| true).map_err(Self::fail),
            Err(KeyError::KeyDoesNotExist) => Ok(false),
            Err(e) => Err(Self::fail(e)),
        }
    }
}

/// Picks the system keyring per the rules in the module doc. Blocks.
pub fn open_system_store(
    forced: Option<&str>,
    dbus_session: bool,
) -> Result<Arc<dyn SecretStore>, CliError> {
    match forced {
        Some("secret-service") => KeyringStore::secret_service()
            .map(|s| Arc::new(s) as Arc<dyn SecretStore>)
            .map_err(|e| {
                CliError::Keyring(format!(
                    "WT_KEYRING=secret-service, but {e}; {NO_KEYRING_REMEDY}"
                ))
            }),
        Some("keyutils") => KernelKeyring::open()
            .map(|s| Arc::new(s) as Arc<dyn SecretStore>)
            .map_err(|e| {
                CliError::Keyring(format!("WT_KEYRING=keyutils, but {e}; {NO_KEYRING_REMEDY}"))
            }),
        Some(other) => Err(CliError::Usage(format!(
            "WT_KEYRING must be `secret-service` or `keyutils`, not `{other}`"
        ))),
        None => {
            let ss_reason = if dbus_session {
                match KeyringStore::secret_service() {
                    Ok(s) => return Ok(Arc::new(s)),
                    Err(e) => e.to_string(),
                }
            } else {
                "Secret Service: DBUS_SESSION_BUS_ADDRESS is not set".to_string()
            };
            match KernelKeyring::open() {
                Ok(s) => Ok(Arc::new(s)),
                Err(e) => Err(CliError::Keyring(format!(
                    "{NO_KEYRING_REMEDY} ({ss_reason}; {e})"
                ))),
            }
        }
    }
}

type Opener = Arc<dyn Fn() -> Result<Arc<dyn SecretStore>, CliError> + Send + Sync>;

/// The credential for one server: `WT_TOKEN` or the keyring entry, opened lazily.
pub struct Credentials {
    /// Keyring user: the normalised server URL.
    user: String,
    /// `WT_TOKEN`, which takes precedence over the keyring for authentication.
    env_token: Option<Secret>,
    /// Opens the keyring backend (blocking); run at most once.
    opener: Opener,
    store: tokio::sync::OnceCell<Arc<dyn SecretStore>>,
    timeout: Duration,
}

impl Credentials {
    /// The real environment: `WT_TOKEN`, `WT_KEYRING`, `DBUS_SESSION_BUS_ADDRESS`.
    pub fn from_env(server: &str) -> Self {
        let env_token = std::env::var("WT_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
            .map(Secret::new);
        let forced = std::env::var("WT_KEYRING").ok().filter(|s| !s.is_empty());
        let dbus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
        let opener: Opener = Arc::new(move || open_system_store(forced.as_deref(), dbus));
        Credentials {
            user: server.to_string(),
            env_token,
            opener,
            store: tokio::sync::OnceCell::new(),
            timeout: KEYRING_TIMEOUT,
        }
    }

    /// A fixed store (tests), with an optional `WT_TOKEN` value.
    pub fn with_store(
        server: &str,
        env_token: Option<Secret>,
        store: Arc<dyn SecretStore>,
    ) -> Self {
        Credentials {
            user: server.to_string(),
            env_token,
            opener: Arc::new(move || Ok(store.clone())),
            store: tokio::sync::OnceCell::new(),
            timeout: KEYRING_TIMEOUT,
        }
    }

    /// The `WT_TOKEN` value, if set.
    pub fn env_token(&self) -> Option<&Secret> {
        self.env_token.as_ref()
    }

    /// The keyring user (normalised server URL) of this credential.
    pub fn user(&self) -> &str {
        &self.user
    }

    async fn store(&self) -> Result<Arc<dyn SecretStore>, CliError> {
        let opener = self.opener.clone();
        let timeout = self.timeout;
        self.store
            .get_or_try_init(|| blocking(timeout, move || opener()))
            .await
            .cloned()
    }

    /// Which keyring backend is (or would be) used.
    pub async fn keyring_source(&self) -> Result<CredentialSource, CliError> {
        Ok(self.store().await?.source())
    }

    /// Proves the keyring can store, read back and delete an entry (a probe beside this
    /// server's), so `wt login` fails before a session exists rather than after.
    pub async fn check_usable(&self) -> Result<CredentialSource, CliError> {
        let store = self.store().await?;
        let probe = format!("{}#probe-{}", self.user, std::process::id());
        let source = store.source();
        blocking(self.timeout, move || {
            let value = Secret::new("probe".to_string());
            store.set(&probe, &value)?;
            let back = store.get(&probe)?;
            store.delete(&probe)?;
            match back {
                Some(v) if v.expose() == value.expose() => Ok(()),
                _ => Err(CliError::Keyring(format!(
                    "{}: an entry written could not be read back ({NO_KEYRING_REMEDY})",
                    source.describe()
                ))),
            }
        })
        .await?;
        Ok(source)
    }

    /// The stored credential, `None` when this server has none.
    pub async fn load(&self) -> Result<Option<StoredCredential>, CliError> {
        let store = self.store().await?;
        let user = self.user.clone();
        let raw = blocking(self.timeout, move || store.get(&user)).await?;
        raw.as_ref().map(StoredCredential::decode).transpose()
    }

    /// Stores (or replaces) the credential; returns where it went.
    pub async fn save(&self, cred: &StoredCredential) -> Result<CredentialSource, CliError> {
        let store = self.store().await?;
        let user = self.user.clone();
        let raw = cred.encode()?;
        let source = store.source();
        blocking(self.timeout, move || store.set(&user, &raw)).await?;
        Ok(source)
    }

    /// Deletes the stored credential; `false` when there was none.
    pub async fn delete(&self) -> Result<bool, CliError> {
        let store = self.store().await?;
        let user = self.user.clone();
        blocking(self.timeout, move || store.delete(&user)).await
    }

    /// The bearer token to send: `WT_TOKEN` first, else the keyring entry.
    pub async fn bearer(&self) -> Result<(Secret, CredentialSource), CliError> {
        if let Some(t) = &self.env_token {
            return Ok((t.clone(), CredentialSource::Environment));
        }
        let source = self.keyring_source().await?;
        match self.load().await? {
            Some(c) => Ok((c.token, source)),
            None => Err(CliError::NotLoggedIn {
                server: self.user.clone(),
            }),
        }
    }
}

/// Runs a blocking keyring call on the blocking pool, bounded by `timeout`.
async fn blocking<T: Send + 'static>(
    timeout: Duration,
    f: impl FnOnce() -> Result<T, CliError> + Send + 'static,
) -> Result<T, CliError> {
    match tokio::time::timeout(timeout, tokio::task::spawn_blocking(f)).await {
        Err(_) => Err(CliError::Keyring(format!(
            "the OS keyring did not answer within {} s (is it locked, or waiting for an unlock prompt?)",
            timeout.as_secs()
        ))),
        Ok(Err(join)) => Err(CliError::Keyring(format!("keyring call failed: {join}"))),
        Ok(Ok(result)) => result,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn mock_store() -> Arc<dyn SecretStore> {
        match keyring_core::mock::Store::new() {
            Ok(store) => Arc::new(KeyringStore::new(store, CredentialSource::Mock)),
            Err(e) => panic!("mock store: {e}"),
        }
    }

    pub(crate) fn sample() -> StoredCredential {
        StoredCredential {
            token: Secret::new("wts_abc123".into()),
            email: "owner@example.com".into(),
            org: Some("acme".into()),
            expires_at: Some("2030-01-01T00:00:00Z".into()),
        }
    }

    #[tokio::test]
    async fn credential_round_trips_through_the_mock_keyring() {
        let creds = Credentials::with_store("http://127.0.0.1:8470", None, mock_store());
        assert_eq!(creds.load().await.ok().flatten(), None);
        let source = creds.save(&sample()).await.ok();
        assert_eq!(source, Some(CredentialSource::Mock));
        assert_eq!(creds.load().await.ok().flatten(), Some(sample()));
        let (token, from) = creds.bearer().await.map_err(|e| e.to_string()).unwrap();
        assert_eq!(token.expose(), "wts_abc123");
        assert_eq!(from, CredentialSource::Mock);
        assert!(creds.delete().await.unwrap_or(false));
        assert_eq!(creds.load().await.ok().flatten(), None);
        assert!(
            !creds.delete().await.unwrap_or(true),
            "second delete finds nothing"
        );
    }

    #[tokio::test]
    async fn credentials_are_kept_per_server() {
        let store = mock_store();
        let a = Credentials::with_store("http://a:1", None, store.clone());
        let b = Credentials::with_store("http://b:1", None, store);
        a.save(&sample()).await.ok();
        assert!(a.load().await.ok().flatten().is_some());
        assert_eq!(b.load().await.ok().flatten(), None);
    }

    #[tokio::test]
    async fn wt_token_takes_precedence_over_the_keyring() {
        let creds =
            Credentials::with_store("http://x", Some(Secret::new("wt_env".into())), mock_store());
        creds.save(&sample()).await.ok();
        let (token, from) = creds.bearer().await.map_err(|e| e.to_string()).unwrap();
        assert_eq!(token.expose(), "wt_env");
        assert_eq!(from, CredentialSource::Environment);
    }

    #[tokio::test]
    async fn no_credential_is_not_logged_in_exit_3() {
        let creds = Credentials::with_store("http://x", None, mock_store());
        match creds.bearer().await {
            Err(e) => assert_eq!(e.exit_code(), 3),
            Ok(_) => panic!("expected not logged in"),
        }
    }

    #[test]
    fn stored_document_is_json_with_the_documented_fields() {
        let raw = sample().encode().map_err(|e| e.to_string()).unwrap();
        let v: serde_json::Value = serde_json::from_str(raw.expose()).unwrap_or_default();
        assert_eq!(v["token"], "wts_abc123");
        assert_eq!(v["email"], "owner@example.com");
        assert_eq!(v["org"], "acme");
        assert_eq!(v["expires_at"], "2030-01-01T00:00:00Z");
        assert!(!format!("{:?}", sample()).contains("wts_abc123"));
    }

    #[test]
    fn unknown_wt_keyring_value_is_a_usage_error() {
        match open_system_store(Some("plaintext-file"), false) {
            Err(e) => assert_eq!(e.exit_code(), 2),
            Ok(_) => panic!("expected an error"),
        }
    }

    /// Exercises the REAL Secret Service (set/get/delete of a throwaway entry).
    /// Skipped without a D-Bus session, unless `WT_REQUIRE_SECRET_SERVICE=1` (CI runs it
    /// under `dbus-run-session` with gnome-keyring), in which case it must work.
    #[test]
    fn real_secret_service_set_get_delete_round_trip() {
        let required = std::env::var("WT_REQUIRE_SECRET_SERVICE").is_ok_and(|v| v == "1");
        let has_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
        if !has_bus {
            assert!(
                !required,
                "WT_REQUIRE_SECRET_SERVICE=1 but DBUS_SESSION_BUS_ADDRESS is not set"
            );
            println!("SKIPPED: no D-Bus session (DBUS_SESSION_BUS_ADDRESS unset)");
            return;
        }
        let store = match KeyringStore::secret_service() {
            Ok(s) => s,
            Err(e) if !required => {
                println!("SKIPPED: Secret Service unavailable on this D-Bus session: {e}");
                return;
            }
            Err(e) => panic!("WT_REQUIRE_SECRET_SERVICE=1 but: {e}"),
        };
        let user = format!(
            "wt-cli-test-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        );
        let secret = sample().encode().map_err(|e| e.to_string()).unwrap();
        store
            .set(&user, &secret)
            .map_err(|e| e.to_string())
            .unwrap();
        let got = store.get(&user).map_err(|e| e.to_string()).unwrap();
        assert_eq!(got.as_ref().map(Secret::expose), Some(secret.expose()));
        assert!(store.delete(&user).map_err(|e| e.to_string()).unwrap());
        assert_eq!(store.get(&user).map_err(|e| e.to_string()).unwrap(), None);
    }
}
