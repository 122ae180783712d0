//! Signed checkpoints of each org's audit log and the Merkle proofs behind them (issue 28):
//! rules in `wt_core::merkle` / `wt_core::checkpoint`, nodes, keys and checkpoints in
//! `wt_store::AuditCheckpointStore`.
//!
//! **Keys.** One installation key pair (made on first use, sealed with the master key)
//! signs every org's checkpoints under the org's origin as the key name, so its key id
//! differs per org; an org that rotates gets a key of its own (the previous one is retired
//! and stays listed). **When.** A checkpoint is signed when the tree has grown by
//! `--checkpoint-every-entries` since the last one, or when `--checkpoint-every` has passed
//! and it grew at all (the signer task, and before answering `latest`), and on demand
//! (`POST`, audited). **Proofs** read the O(log n) nodes they need in one query.

use crate::error::ApiError;
use crate::extract::{Auth, ClientMeta};
use crate::state::AppState;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::time::Duration;
use wt_api::{AuditCheckpoint, AuditConsistencyProof, AuditInclusionProof, AuditSigningKey};
use wt_core::audit::AuditEvent;
use wt_core::checkpoint::{self, Checkpoint, SignerKey, VerifierKey};
use wt_core::clock::rfc3339;
use wt_core::ids;
use wt_core::merkle::{self, Hash};
use wt_core::permissions::Permission;
use wt_store::{CheckpointRecord, SigningKeyRecord};

/// Sign after this many new entries by default (`--checkpoint-every-entries`).
pub const DEFAULT_EVERY_ENTRIES: u64 = 1000;
/// ...or after this long if the log grew (`--checkpoint-every`).
pub const DEFAULT_EVERY: Duration = Duration::from_secs(10 * 60);
/// The signer task's period at most (it also wakes every `--checkpoint-every`).
const TICK_MAX: Duration = Duration::from_secs(30);
/// Entries per backfill transaction.
const BACKFILL_BATCH: u32 = 1000;

pub const ACTION_SIGNED: &str = "audit.checkpoint.signed";
pub const ACTION_KEY_ROTATED: &str = "audit.signing_key.rotated";

/// The name an installation key is made under (each org uses it under its origin).
const INSTALLATION_KEY_NAME: &str = "watchtower";

fn b64(h: &Hash) -> String {
    B64.encode(h)
}

/// The public host of the origin: the public URL's `host[:port]`, else `localhost`.
pub fn public_host(state: &AppState) -> String {
    state
        .settings
        .public_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| {
            let host = u.host_str()?.to_string();
            Some(match u.port() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            })
        })
        .unwrap_or_else(|| "localhost".to_string())
}

/// The org's log origin, `<public host>/watchtower/<org id>`.
pub fn origin(state: &AppState, org_id: &str) -> String {
    checkpoint::origin(&public_host(state), org_id)
}

fn aad(key_id: &str) -> Vec<u8> {
    format!("audit_signing_key:{key_id}").into_bytes()
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// A new key pair, sealed.
fn new_key(state: &AppState, org_id: Option<&str>) -> Result<SigningKeyRecord, ApiError> {
    sealed_key(&state.master_key, org_id, state.now())
}

/// A new key pair, sealed with `master_key` (`wtd init` has no `AppState`).
fn sealed_key(
    master_key: &wt_core::crypto::MasterKey,
    org_id: Option<&str>,
    now: i64,
) -> Result<SigningKeyRecord, ApiError> {
    let id = ids::new_id("ask");
    let signer = SignerKey::generate(INSTALLATION_KEY_NAME).map_err(internal)?;
    let secret = signer.to_secret_string();
    Ok(SigningKeyRecord {
        private_sealed: master_key.encrypt(secret.expose().as_bytes(), &aad(&id)),
        public_key: signer.verifier().public_key().to_vec(),
        id,
        org_id: org_id.map(str::to_string),
        created_at: now,
        retired_at: None,
    })
}

/// `wtd init`: the installation's signing key, made with the installation (sealed with
/// the master key). Nothing when one exists (the store adds an installation key only
/// when no unretired one does).
pub async fn init_installation_key(
    store: &dyn wt_store::Store,
    master_key: &wt_core::crypto::MasterKey,
    now: i64,
) -> Result<(), ApiError> {
    store
        .audit_signing_key_add(sealed_key(master_key, None, now)?, None)
        .await?;
    Ok(())
}

/// The key that signs the org's new checkpoints: its own unretired key, else the
/// installation's (made here on first use).
async fn active_key(state: &AppState, org_id: &str) -> Result<SigningKeyRecord, ApiError> {
    for _ in 0..2 {
        let keys = state.store.audit_signing_keys(org_id).await?;
        if let Some(k) = pick_active(&keys) {
            return Ok(k.clone());
        }
        let key = new_key(state, None)?;
        state.store.audit_signing_key_add(key, None).await?;
    }
    Err(internal("no installation signing key after making one"))
}

fn pick_active(keys: &[SigningKeyRecord]) -> Option<&SigningKeyRecord> {
    let live = |org: bool| {
        keys.iter()
            .filter(move |k| k.retired_at.is_none() && k.org_id.is_some() == org)
            .max_by_key(|k| (k.created_at, k.id.clone()))
    };
    live(true).or_else(|| live(false))
}

/// Makes sure the installation key exists (`wtd serve` at start).
pub async fn ensure_installation_key(state: &AppState) -> Result<(), ApiError> {
    active_key(state, "").await.map(|_| ())
}

fn signer(state: &AppState, key: &SigningKeyRecord, origin: &str) -> Result<SignerKey, ApiError> {
    let raw = zeroize::Zeroizing::new(
        state
            .master_key
            .decrypt(&key.private_sealed, &aad(&key.id))
            .map_err(|_| {
                internal("a checkpoint signing key does not decrypt with the master key")
            })?,
    );
    let text = std::str::from_utf8(&raw).map_err(internal)?;
    SignerKey::parse(text)
        .and_then(|k| k.with_name(origin))
        .map_err(internal)
}

fn verifier(key: &SigningKeyRecord, origin: &str) -> Result<VerifierKey, ApiError> {
    let pk: [u8; 32] = key
        .public_key
        .as_slice()
        .try_into()
        .map_err(|_| internal("a stored public key is not 32 bytes"))?;
    let id = checkpoint::key_id(origin, &pk);
    let mut raw = vec![1u8];
    raw.extend_from_slice(&pk);
    VerifierKey::parse(&format!("{origin}+{id:08x}+{}", B64.encode(raw))).map_err(internal)
}

/// The root of the org's first `size` entries from the stored nodes (one query).
async fn stored_root(state: &AppState, org_id: &str, size: u64) -> Result<Hash, ApiError> {
    let ids = merkle::root_nodes(size).map_err(internal)?;
    let found = state.store.audit_tree_nodes(org_id, ids).await?;
    merkle::root(&found, size).map_err(internal)
}

/// Signs the org's tree as it is now and stores the checkpoint (`audit` when on demand).
async fn sign(
    state: &AppState,
    org_id: &str,
    audit: Option<AuditEvent>,
) -> Result<CheckpointRecord, ApiError> {
    let size = state.store.audit_tree_size(org_id).await?;
    let root = stored_root(state, org_id, size).await?;
    let key = active_key(state, org_id).await?;
    let origin = origin(state, org_id);
    let note = Checkpoint::new(origin.clone(), size, root)
        .sign(&[&signer(state, &key, &origin)?])
        .map_err(internal)?;
    let rec = CheckpointRecord {
        org_id: org_id.to_string(),
        size,
        root,
        note,
        key_id: key.id.clone(),
        created_at: state.now(),
    };
    let audit = audit.map(|ev| {
        ev.target("audit_checkpoint", &size.to_string())
            .details(serde_json::json!({ "size": size, "root": b64(&root), "key": key.id }))
    });
    if state.store.audit_checkpoint_add(rec.clone(), audit).await? {
        return Ok(rec);
    }
    // Already signed at this size (another daemon, or no entry since): that one stands.
    state
        .store
        .audit_checkpoint_at(org_id, size)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Signs when the policy says so: `--checkpoint-every-entries` new entries, or
/// `--checkpoint-every` elapsed and the tree grew; the first checkpoint at once.
pub async fn sign_if_due(state: &AppState, org_id: &str) -> Result<(), ApiError> {
    let size = state.store.audit_tree_size(org_id).await?;
    // The tree is still being built from an older log (the backfill at start): sign once
    // it covers the log.
    if (size as i64) < state.store.audit_last_seq(org_id).await? {
        return Ok(());
    }
    let due = match state.store.audit_checkpoint_latest(org_id).await? {
        None => true,
        Some(last) => {
            size > last.size
                && (size - last.size >= state.settings.checkpoint_every_entries
                    || state.now() - last.created_at
                        >= state.settings.checkpoint_every.as_secs() as i64)
        }
    };
    if due {
        sign(state, org_id, None).await?;
    }
    Ok(())
}

/// Builds the tree of every org whose log predates it (batched, each batch one short
/// transaction under the org's audit lock), then makes sure each org has a checkpoint.
pub async fn backfill_all(state: &AppState) -> Result<u64, ApiError> {
    let mut total = 0;
    for org in state.store.list_orgs().await? {
        loop {
            let n = state
                .store
                .audit_tree_backfill(&org.id, BACKFILL_BATCH)
                .await?;
            if n == 0 {
                break;
            }
            total += n;
        }
    }
    Ok(total)
}

/// One round of the signer task: every org's checkpoint if due.
pub async fn sign_round(state: &AppState) -> Result<(), ApiError> {
    for org in state.store.list_orgs().await? {
        sign_if_due(state, &org.id).await?;
    }
    Ok(())
}

/// The background task: backfill once, then sign what is due every tick until shutdown.
pub async fn run_signer(state: AppState) {
    match backfill_all(&state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(entries = n, "built the audit tree of older entries"),
        Err(e) => tracing::warn!(error = ?e, "could not build the audit tree of older entries"),
    }
    if let Err(e) = ensure_installation_key(&state).await {
        tracing::warn!(error = ?e, "could not make the checkpoint signing key");
    }
    let period = state
        .settings
        .checkpoint_every
        .min(TICK_MAX)
        .max(Duration::from_millis(100));
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(e) = sign_round(&state).await {
                    tracing::warn!(error = ?e, "could not sign audit checkpoints");
                }
            }
            _ = state.shutdown_requested() => break,
        }
    }
}

fn wire(state: &AppState, r: CheckpointRecord) -> AuditCheckpoint {
    AuditCheckpoint {
        origin: origin(state, &r.org_id),
        size: r.size,
        root: b64(&r.root),
        note: r.note,
        key: r.key_id,
        created_at: rfc3339(r.created_at),
    }
}

/// `GET .../checkpoints/latest`: the newest checkpoint (signed first when due).
pub async fn latest(state: &AppState, auth: &Auth) -> Result<AuditCheckpoint, ApiError> {
    auth.require(Permission::AuditRead)?;
    sign_if_due(state, &auth.org.id).await?;
    let rec = state
        .store
        .audit_checkpoint_latest(&auth.org.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(wire(state, rec))
}

/// Parses a tree size from the URL or query: a clear 4xx for anything else.
pub fn parse_size(name: &str, s: &str) -> Result<u64, ApiError> {
    s.parse::<u64>()
        .ok()
        .filter(|n| *n <= i64::MAX as u64)
        .ok_or_else(|| ApiError::Validation(format!("{name}: a tree size, 0 or more ({s:?})")))
}

/// `GET .../checkpoints/{size}`: the checkpoint signed at that size (404 if none was).
pub async fn at(state: &AppState, auth: &Auth, size: u64) -> Result<AuditCheckpoint, ApiError> {
    auth.require(Permission::AuditRead)?;
    let rec = state
        .store
        .audit_checkpoint_at(&auth.org.id, size)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(wire(state, rec))
}

/// `POST .../checkpoints`: signs one now (admins; audited).
pub async fn create(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
) -> Result<AuditCheckpoint, ApiError> {
    auth.require(Permission::OrgManage)?;
    let ev = AuditEvent::new(auth.actor(), ACTION_SIGNED, &meta.audit());
    let rec = sign(state, &auth.org.id, Some(ev)).await?;
    Ok(wire(state, rec))
}

/// The tree size a proof is asked against: at most the stored tree's.
async fn check_size(state: &AppState, org_id: &str, name: &str, size: u64) -> Result<(), ApiError> {
    let have = state.store.audit_tree_size(org_id).await?;
    if size > have {
        return Err(ApiError::Validation(format!(
            "{name}: {size} is larger than the log ({have} entries)"
        )));
    }
    Ok(())
}

/// `GET .../proofs/inclusion?seq=S&size=N` (N: the latest checkpoint's size by default).
pub async fn inclusion(
    state: &AppState,
    auth: &Auth,
    seq: i64,
    size: Option<u64>,
) -> Result<AuditInclusionProof, ApiError> {
    auth.require(Permission::AuditRead)?;
    let org_id = &auth.org.id;
    let size = match size {
        Some(s) => s,
        None => latest(state, auth).await?.size,
    };
    check_size(state, org_id, "size", size).await?;
    if seq < 1 || seq as u64 > size {
        return Err(ApiError::Validation(format!(
            "seq: 1 to {size} (the entries of a tree of size {size})"
        )));
    }
    let index = seq as u64 - 1;
    let mut ids = merkle::inclusion_nodes(index, size).map_err(internal)?;
    ids.push(merkle::NodeId::new(0, index));
    let found = state.store.audit_tree_nodes(org_id, ids).await?;
    let proof = merkle::inclusion_proof(&found, index, size).map_err(internal)?;
    let root = merkle::root(&found, size).map_err(internal)?;
    let leaf = found
        .get(&merkle::NodeId::new(0, index))
        .copied()
        .ok_or_else(|| internal("a leaf is missing from the audit tree"))?;
    Ok(AuditInclusionProof {
        seq,
        index,
        size,
        leaf_hash: b64(&leaf),
        root: b64(&root),
        proof: proof.iter().map(b64).collect(),
    })
}

/// `GET .../proofs/consistency?old=M&new=N` (N: the latest checkpoint's size by default).
pub async fn consistency(
    state: &AppState,
    auth: &Auth,
    old: u64,
    new: Option<u64>,
) -> Result<AuditConsistencyProof, ApiError> {
    auth.require(Permission::AuditRead)?;
    let org_id = &auth.org.id;
    let new = match new {
        Some(n) => n,
        None => latest(state, auth).await?.size,
    };
    check_size(state, org_id, "new", new).await?;
    if old > new {
        return Err(ApiError::Validation(format!(
            "old: at most new ({new}); got {old}"
        )));
    }
    let ids = merkle::consistency_nodes(old, new).map_err(internal)?;
    let found = state.store.audit_tree_nodes(org_id, ids).await?;
    let proof = merkle::consistency_proof(&found, old, new).map_err(internal)?;
    Ok(AuditConsistencyProof {
        old_size: old,
        new_size: new,
        old_root: b64(&merkle::root(&found, old).map_err(internal)?),
        new_root: b64(&merkle::root(&found, new).map_err(internal)?),
        proof: proof.iter().map(b64).collect(),
    })
}

/// `GET .../signing-keys`: every key the org's checkpoints were or are signed with.
pub async fn keys(state: &AppState, auth: &Auth) -> Result<Vec<AuditSigningKey>, ApiError> {
    auth.require(Permission::AuditRead)?;
    let org_id = &auth.org.id;
    let mut keys = state.store.audit_signing_keys(org_id).await?;
    if keys.is_empty() {
        active_key(state, org_id).await?;
        keys = state.store.audit_signing_keys(org_id).await?;
    }
    let origin = origin(state, org_id);
    let active = pick_active(&keys).map(|k| k.id.clone());
    keys.iter()
        .map(|k| {
            Ok(AuditSigningKey {
                id: k.id.clone(),
                verifier_key: verifier(k, &origin)?.to_string(),
                scope: if k.org_id.is_some() {
                    "org"
                } else {
                    "installation"
                }
                .into(),
                active: active.as_deref() == Some(k.id.as_str()),
                created_at: rfc3339(k.created_at),
                retired_at: k.retired_at.map(rfc3339),
            })
        })
        .collect()
}

/// `POST .../signing-keys/rotate`: a new key of the org's own (admins; audited); the
/// previous one stays listed, retired; a checkpoint is signed with the new key at once.
pub async fn rotate(
    state: &AppState,
    auth: &Auth,
    meta: &ClientMeta,
) -> Result<AuditSigningKey, ApiError> {
    auth.require(Permission::OrgManage)?;
    let org_id = &auth.org.id;
    let key = new_key(state, Some(org_id))?;
    let origin = origin(state, org_id);
    let vk = verifier(&key, &origin)?;
    let ev = AuditEvent::new(auth.actor(), ACTION_KEY_ROTATED, &meta.audit())
        .target("audit_signing_key", &key.id)
        .details(serde_json::json!({ "verifier_key": vk.to_string() }));
    let out = AuditSigningKey {
        id: key.id.clone(),
        verifier_key: vk.to_string(),
        scope: "org".into(),
        active: true,
        created_at: rfc3339(key.created_at),
        retired_at: None,
    };
    state.store.audit_signing_key_add(key, Some(ev)).await?;
    sign(state, org_id, None).await?;
    Ok(out)
}
