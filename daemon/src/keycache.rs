//! The in-memory view of ingestion keys and of each org's access policy: what the ingest
//! hot path and every authenticated request consult instead of the database.
//!
//! Correctness rule: this process is the only writer of keys and allowed IPs (SQLite), and
//! every change updates these maps *after* its transaction commits and *before* its HTTP
//! response is sent. So the next request after a `DELETE` sees the revocation: no TTL, no
//! staleness. Changes run one at a time (`AppState::cache_writes`), so of two concurrent
//! edits the later commit is always the one the cache ends with. With several daemons on
//! PostgreSQL, each check first learns the current `cache_version`: from the daemon's
//! `LISTEN` session, or by reading it (ARCHITECTURE.md, "Several daemons on one PostgreSQL
//! database").
//!
//! Locks are `std::sync` locks held for a map lookup or a counter update, never across an
//! `.await` or any I/O. Usage (last used, source addresses, counts) and allowed-IP hits are
//! coalesced here and written in batches by [`flush`], at most [`FLUSH_INTERVAL`] apart.

use hashbrown::HashTable;
use ipnet::IpNet;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;
use wt_api::Environment;
use wt_core::apikey::{KeyHash, KeyHasher, Lifetime};
use wt_store::{AllowedIpRecord, ApiKeyRecord, KeyUsage, OrgRecord, Store};

/// How often coalesced usage is written to the database.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(500);
/// Revoked keys stay in memory this long so refusals can be attributed (and audited).
pub const REVOKED_HORIZON: i64 = 30 * 86_400;

/// Keys read per page while the cache loads.
const LOAD_PAGE: u32 = 5_000;
/// Source addresses remembered per key between flushes (further ones still count).
const MAX_SOURCES_PER_FLUSH: usize = 64;

/// A key as the hot path needs it. Immutable: a change replaces the `Arc`; `usage` is
/// carried over so nothing counted is lost.
///
/// Kept small, as a million of them may be cached (issue #29: at most 256 bytes a key with
/// the indexes, `tests/keycache_memory.rs`): the id is a `Box<str>`, the org id is shared by
/// the org's keys, the CIDRs are a boxed slice (no allocation when empty), and the usage
/// counters are allocated on the key's first use.
#[derive(Debug)]
pub struct CachedKey {
    /// The keyed hash of the secret (the lookup key).
    pub hash: KeyHash,
    pub id: Box<str>,
    pub org_id: Arc<str>,
    pub environment: Environment,
    /// Quarantined after a leak report (org policy): refused until released.
    pub quarantined: bool,
    /// [`Lifetime`]'s three dates, [`NO_DATE`] for none (24 bytes, not 48).
    life: [i64; 3],
    pub cidrs: Box<[IpNet]>,
    usage: OnceLock<Arc<Usage>>,
    /// The key's own rate limit (else its org's default; `crate::ratelimit`).
    pub rate: Option<wt_core::ratelimit::KeyRate>,
}

/// "No date" in a [`CachedKey`]'s packed lifetime.
const NO_DATE: i64 = i64::MIN;

fn pack_date(d: Option<i64>) -> i64 {
    d.unwrap_or(NO_DATE)
}

fn unpack_date(d: i64) -> Option<i64> {
    (d != NO_DATE).then_some(d)
}

impl CachedKey {
    /// The dates that decide whether the key works.
    pub fn life(&self) -> Lifetime {
        Lifetime {
            expires_at: unpack_date(self.life[0]),
            revoked_at: unpack_date(self.life[1]),
            grace_until: unpack_date(self.life[2]),
        }
    }

    /// The key's usage since the last flush, allocated on first use.
    pub fn usage(&self) -> &Arc<Usage> {
        self.usage.get_or_init(Arc::default)
    }
}

/// Usage since the last flush.
#[derive(Debug, Default)]
pub struct Usage {
    acc: Mutex<UsageAcc>,
    dirty: AtomicBool,
}

#[derive(Debug, Default, Clone)]
struct UsageAcc {
    requests: i64,
    last_at: i64,
    last_ip: Option<IpAddr>,
    sources: HashMap<IpAddr, (i64, i64, i64)>,
    browser: i64,
    browser_last: Option<i64>,
    browser_origin: Option<String>,
    /// Requests per hour (the hour's start -> count): usually one or two hours.
    hourly: BTreeMap<i64, i64>,
    /// Requests refused by the key's rate limit, and the last one's time.
    throttled: i64,
    throttled_last: Option<i64>,
}

/// What a pending (unflushed) usage adds to a stored key, for listings.
#[derive(Debug, Clone, Default)]
pub struct PendingUsage {
    pub requests: i64,
    pub last_at: Option<i64>,
    pub last_ip: Option<String>,
    pub sources: Vec<(String, i64, i64, i64)>,
    pub browser: i64,
    pub browser_last: Option<i64>,
    pub browser_origin: Option<String>,
    /// Requests per hour: (the hour's start, count), oldest first.
    pub hourly: Vec<(i64, i64)>,
    /// Requests refused by the rate limit, and the last one's time.
    pub throttled: i64,
    pub throttled_last: Option<i64>,
}

/// An org's allowed-IP entry with its pending hits.
#[derive(Debug)]
pub struct AllowEntry {
    pub id: String,
    pub net: IpNet,
    hits: AtomicI64,
    last_hit: AtomicI64,
}

/// What requests of one org are checked against.
#[derive(Debug, Default)]
pub struct OrgPolicy {
    pub slug: String,
    pub browser_ingest_allowed: bool,
    /// Empty = every address allowed.
    pub allowed: Vec<Arc<AllowEntry>>,
    /// The default rate limit of the org's keys.
    pub key_rate: Option<wt_core::ratelimit::KeyRate>,
}

impl OrgPolicy {
    /// Whether `ip` may authenticate; counts the hit on the first matching entry.
    pub fn admits(&self, ip: IpAddr, now: i64) -> bool {
        if self.allowed.is_empty() {
            return true;
        }
        match self.allowed.iter().find(|e| e.net.contains(&ip)) {
            Some(e) => {
                e.hits.fetch_add(1, Ordering::Relaxed);
                e.last_hit.fetch_max(now, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }
}

/// The cached keys, found by secret hash and by id. Both tables hold one pointer a key (no
/// per-key map entries with their own copies of ids and hashes).
#[derive(Debug, Default)]
struct KeyIndex {
    by_hash: HashTable<Arc<CachedKey>>,
    by_id: HashTable<Arc<CachedKey>>,
}

/// The table hash of a key hash: its first 8 bytes (a keyed MAC: already uniform, and no
/// client can choose it).
fn hash_bucket(h: &KeyHash) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&h[..8]);
    u64::from_le_bytes(b)
}

/// The caches. One per daemon, in [`crate::state::AppState`].
#[derive(Debug)]
pub struct Caches {
    hasher: KeyHasher,
    keys: RwLock<KeyIndex>,
    /// Hashes key ids for [`KeyIndex::by_id`] (random per process).
    id_hasher: std::hash::RandomState,
    /// Org ids, shared by the [`CachedKey`]s of each org.
    org_ids: RwLock<HashSet<Arc<str>>>,
    orgs: RwLock<HashMap<String, Arc<OrgPolicy>>>,
    /// Usages with something to flush.
    dirty: Mutex<Vec<(String, Arc<Usage>)>>,
    loaded: AtomicBool,
    /// Whole loads, and rows (keys and orgs) applied by [`Caches::refresh`]: the work of
    /// keeping up with other daemons.
    full_loads: AtomicU64,
    rows_applied: AtomicU64,
    /// The store's cache version the last load or refresh saw (read before the rows).
    version: AtomicI64,
    /// Held for writing while a flush moves usage from memory into the store, and for
    /// reading by anyone who reads stored usage and then adds [`Caches::pending`]: without
    /// it, a flush between the two reads would leave usage in neither view.
    flushing: tokio::sync::RwLock<()>,
}

fn parse_nets(cidrs: &[String]) -> Vec<IpNet> {
    // Stored CIDRs were normalised on the way in; an unparsable one (which cannot happen)
    // is treated as matching nothing, so a key restricted to it fails closed.
    cidrs
        .iter()
        .map(|c| {
            wt_core::netaddr::parse_cidr(c).unwrap_or_else(|_| {
                IpNet::V4(
                    ipnet::Ipv4Net::new(std::net::Ipv4Addr::BROADCAST, 32).unwrap_or_default(),
                )
            })
        })
        .collect()
}

impl Caches {
    pub fn new(hasher: KeyHasher) -> Self {
        Self {
            hasher,
            keys: RwLock::default(),
            id_hasher: std::hash::RandomState::new(),
            org_ids: RwLock::default(),
            orgs: RwLock::default(),
            dirty: Mutex::default(),
            loaded: AtomicBool::new(false),
            full_loads: AtomicU64::new(0),
            rows_applied: AtomicU64::new(0),
            version: AtomicI64::new(-1),
            flushing: tokio::sync::RwLock::new(()),
        }
    }

    /// The keyed hash of a presented key.
    pub fn hash(&self, key: &str) -> KeyHash {
        self.hasher.hash(key)
    }

    /// Whether [`Caches::load`] has completed. Until then authenticated requests fail
    /// closed (503).
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// The store's cache version at the last [`Caches::load`].
    pub fn version(&self) -> i64 {
        self.version.load(Ordering::Acquire)
    }

    /// Loads every key and every org's policy from the store. The cache version is read
    /// first: a change committed during the load moves it again and is loaded next time.
    pub async fn load(&self, store: &dyn Store, now: i64) -> wt_store::Result<()> {
        // The version first: a key changed while the pages are read carries a newer
        // version, so the next refresh reads it again.
        let version = store.cache_version().await?;
        let mut after: Option<String> = None;
        loop {
            // A page at a time: the records of one page exist beside the cache, never the
            // whole key set's (issue #29: 1M keys as records are about 1 GB).
            let page = store
                .api_keys_for_cache(now - REVOKED_HORIZON, after.take(), LOAD_PAGE)
                .await?;
            self.reserve(page.len());
            for k in &page {
                self.put_key(k);
            }
            match page.last() {
                Some(last) if page.len() == LOAD_PAGE as usize => after = Some(last.id.clone()),
                _ => break,
            }
        }
        let orgs = store.list_orgs().await?;
        let ips = store.allowed_ips_all().await?;
        self.put_orgs(&orgs, &ips);
        self.full_loads.fetch_add(1, Ordering::Relaxed);
        self.version.store(version, Ordering::Release);
        self.loaded.store(true, Ordering::Release);
        Ok(())
    }

    /// Brings the caches up to the store's current version by reading only the rows changed
    /// since the version they last saw (`cache_seq`, migration 0028): revoked keys and
    /// changed policies included. Returns how many rows (keys and orgs) were applied. A
    /// cache never loaded is loaded whole.
    pub async fn refresh(&self, store: &dyn Store, now: i64) -> wt_store::Result<usize> {
        let since = self.version();
        if since < 0 || !self.is_loaded() {
            self.load(store, now).await?;
            return Ok(self.len());
        }
        let changes = store.cache_changes(since).await?;
        for k in &changes.keys {
            self.put_key(k);
        }
        self.put_orgs(&changes.orgs, &changes.allowed_ips);
        self.version.fetch_max(changes.version, Ordering::AcqRel);
        let n = changes.keys.len() + changes.orgs.len();
        self.rows_applied.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    /// Whole loads so far, and rows applied by refreshes: a refresh costs the changed
    /// rows, not the installation.
    pub fn refresh_work(&self) -> (u64, u64) {
        (
            self.full_loads.load(Ordering::Relaxed),
            self.rows_applied.load(Ordering::Relaxed),
        )
    }

    /// How many keys are cached.
    pub fn len(&self) -> usize {
        self.keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .by_hash
            .len()
    }

    /// Whether no key is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes room for `n` more keys at once (a load: no rehash per doubling).
    fn reserve(&self, n: usize) {
        let mut ix = self.keys.write().unwrap_or_else(|p| p.into_inner());
        let id_hasher = &self.id_hasher;
        ix.by_hash.reserve(n, |k| hash_bucket(&k.hash));
        ix.by_id.reserve(n, |k| id_hasher.hash_one(&*k.id));
    }

    /// Replaces the policies of `orgs`, each with its entries in `ips`.
    fn put_orgs(&self, orgs: &[OrgRecord], ips: &[AllowedIpRecord]) {
        let mut by_org: HashMap<&str, Vec<&AllowedIpRecord>> = HashMap::new();
        for e in ips {
            by_org.entry(e.org_id.as_str()).or_default().push(e);
        }
        for o in orgs {
            let list = by_org.remove(o.id.as_str()).unwrap_or_default();
            self.put_org(o, list.into_iter());
        }
    }

    /// The shared copy of an org id.
    fn org_id(&self, id: &str) -> Arc<str> {
        if let Some(a) = self
            .org_ids
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
        {
            return a.clone();
        }
        let mut set = self.org_ids.write().unwrap_or_else(|p| p.into_inner());
        if let Some(a) = set.get(id) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(id);
        set.insert(a.clone());
        a
    }

    /// Finds a key by the hash of the presented secret.
    pub fn key(&self, hash: &KeyHash) -> Option<Arc<CachedKey>> {
        self.keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .by_hash
            .find(hash_bucket(hash), |k| k.hash == *hash)
            .cloned()
    }

    /// Inserts or replaces a key after its change committed.
    pub fn put_key(&self, k: &ApiKeyRecord) {
        let Ok(raw) = hex_to_hash(&k.secret_hash) else {
            tracing::error!(key = %k.id, "stored key hash is not 32 bytes of hex");
            return;
        };
        let org_id = self.org_id(&k.org_id);
        let cidrs: Box<[IpNet]> = parse_nets(&k.allowed_cidrs).into_boxed_slice();
        let id_hasher = &self.id_hasher;
        let id_bucket = id_hasher.hash_one(k.id.as_str());
        let mut ix = self.keys.write().unwrap_or_else(|p| p.into_inner());
        let usage = OnceLock::new();
        let old = ix
            .by_hash
            .find(hash_bucket(&raw), |c| c.hash == raw)
            .or_else(|| ix.by_id.find(id_bucket, |c| *c.id == *k.id))
            .cloned();
        if let Some(u) = old.as_ref().and_then(|o| o.usage.get()) {
            let _ = usage.set(u.clone());
        }
        let new = Arc::new(CachedKey {
            hash: raw,
            id: k.id.as_str().into(),
            org_id,
            environment: k.environment,
            quarantined: k.quarantined_at.is_some(),
            life: [
                pack_date(k.expires_at),
                pack_date(k.revoked_at),
                pack_date(k.grace_until),
            ],
            cidrs,
            usage,
            rate: k.rate,
        });
        if let Some(old) = &old
            && old.hash != raw
            && let Ok(e) = ix
                .by_hash
                .find_entry(hash_bucket(&old.hash), |c| c.hash == old.hash)
        {
            e.remove();
        }
        match ix.by_hash.entry(
            hash_bucket(&raw),
            |c| c.hash == raw,
            |c| hash_bucket(&c.hash),
        ) {
            hashbrown::hash_table::Entry::Occupied(mut e) => *e.get_mut() = new.clone(),
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert(new.clone());
            }
        }
        match ix.by_id.entry(
            id_bucket,
            |c| *c.id == *k.id,
            |c| id_hasher.hash_one(&*c.id),
        ) {
            hashbrown::hash_table::Entry::Occupied(mut e) => *e.get_mut() = new,
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert(new);
            }
        }
    }

    /// The cached entry of a key id, if any.
    pub fn key_by_id(&self, id: &str) -> Option<Arc<CachedKey>> {
        self.keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .by_id
            .find(self.id_hasher.hash_one(id), |c| *c.id == *id)
            .cloned()
    }

    /// An org's policy; an org created after start-up (by `wtd org create`) has an empty
    /// list until it is loaded, which allows all, as an empty list does.
    pub fn org(&self, org_id: &str) -> Option<Arc<OrgPolicy>> {
        self.orgs
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(org_id)
            .cloned()
    }

    /// Replaces an org's policy after a change committed. Pending hits of entries that
    /// stay are carried over.
    pub fn put_org<'a>(&self, org: &OrgRecord, list: impl Iterator<Item = &'a AllowedIpRecord>) {
        let old = self.org(&org.id);
        let allowed = list
            .filter_map(|e| {
                let net = wt_core::netaddr::parse_cidr(&e.cidr).ok()?;
                if let Some(prev) = old
                    .as_ref()
                    .and_then(|o| o.allowed.iter().find(|p| p.id == e.id))
                {
                    return Some(prev.clone());
                }
                Some(Arc::new(AllowEntry {
                    id: e.id.clone(),
                    net,
                    hits: AtomicI64::new(0),
                    last_hit: AtomicI64::new(0),
                }))
            })
            .collect();
        self.orgs.write().unwrap_or_else(|p| p.into_inner()).insert(
            org.id.clone(),
            Arc::new(OrgPolicy {
                slug: org.slug.clone(),
                browser_ingest_allowed: org.browser_ingest_allowed,
                allowed,
                key_rate: org.key_rate,
            }),
        );
    }

    /// Records a successful use of `key` from `ip` at `now`.
    pub fn record_use(&self, key: &CachedKey, ip: IpAddr, now: i64) {
        {
            let mut a = key.usage().acc.lock().unwrap_or_else(|p| p.into_inner());
            a.requests += 1;
            *a.hourly.entry(hour_of(now)).or_default() += 1;
            if now >= a.last_at {
                a.last_at = now;
                a.last_ip = Some(ip);
            }
            let n = a.sources.len();
            match a.sources.get_mut(&ip) {
                Some(s) => {
                    s.0 += 1;
                    s.2 = s.2.max(now);
                }
                None if n < MAX_SOURCES_PER_FLUSH => {
                    a.sources.insert(ip, (1, now, now));
                }
                None => {}
            }
        }
        self.mark_dirty(key);
    }

    /// Records a request refused by the key's rate limit.
    pub fn record_throttled(&self, key: &CachedKey, now: i64) {
        {
            let mut a = key.usage().acc.lock().unwrap_or_else(|p| p.into_inner());
            a.throttled += 1;
            a.throttled_last = Some(a.throttled_last.map_or(now, |t| t.max(now)));
        }
        self.mark_dirty(key);
    }

    /// Records a request from browser code (accepted or refused).
    pub fn record_browser(&self, key: &CachedKey, origin: Option<&str>, now: i64) {
        {
            let mut a = key.usage().acc.lock().unwrap_or_else(|p| p.into_inner());
            a.browser += 1;
            a.browser_last = Some(now);
            if let Some(o) = origin {
                a.browser_origin = Some(o.chars().take(256).collect());
            }
        }
        self.mark_dirty(key);
    }

    fn mark_dirty(&self, key: &CachedKey) {
        let usage = key.usage();
        if !usage.dirty.swap(true, Ordering::AcqRel) {
            self.dirty
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((key.id.to_string(), usage.clone()));
        }
    }

    /// Usage of a key not yet written (listings add it, so use is visible at once).
    pub fn pending(&self, key_id: &str) -> PendingUsage {
        let Some(k) = self.key_by_id(key_id) else {
            return PendingUsage::default();
        };
        let Some(usage) = k.usage.get() else {
            return PendingUsage::default();
        };
        let a = usage.acc.lock().unwrap_or_else(|p| p.into_inner()).clone();
        PendingUsage {
            requests: a.requests,
            last_at: (a.requests > 0).then_some(a.last_at),
            last_ip: a.last_ip.map(|ip| ip.to_string()),
            sources: a
                .sources
                .iter()
                .map(|(ip, (n, f, l))| (ip.to_string(), *n, *f, *l))
                .collect(),
            browser: a.browser,
            browser_last: a.browser_last,
            browser_origin: a.browser_origin,
            hourly: a.hourly.into_iter().collect(),
            throttled: a.throttled,
            throttled_last: a.throttled_last,
        }
    }

    /// Takes everything pending: key usage and allowed-IP hits.
    fn take(&self) -> (Vec<KeyUsage>, Vec<(String, i64, i64)>) {
        let dirty = std::mem::take(&mut *self.dirty.lock().unwrap_or_else(|p| p.into_inner()));
        let mut usage = Vec::with_capacity(dirty.len());
        for (id, u) in dirty {
            u.dirty.store(false, Ordering::Release);
            let a = std::mem::take(&mut *u.acc.lock().unwrap_or_else(|p| p.into_inner()));
            usage.push(KeyUsage {
                key_id: id,
                requests: a.requests,
                last_used_at: a.last_at,
                last_used_ip: a.last_ip.map(|ip| ip.to_string()).unwrap_or_default(),
                sources: a
                    .sources
                    .into_iter()
                    .map(|(ip, (n, f, l))| (ip.to_string(), n, f, l))
                    .collect(),
                browser_requests: a.browser,
                browser_last_at: a.browser_last,
                browser_origin: a.browser_origin,
                hourly: a.hourly.into_iter().collect(),
                throttled: a.throttled,
                throttled_last_at: a.throttled_last,
            });
        }
        let mut hits = Vec::new();
        for org in self.orgs.read().unwrap_or_else(|p| p.into_inner()).values() {
            for e in &org.allowed {
                let n = e.hits.swap(0, Ordering::AcqRel);
                if n > 0 {
                    hits.push((e.id.clone(), n, e.last_hit.load(Ordering::Acquire)));
                }
            }
        }
        (usage, hits)
    }

    /// Writes what is pending. On failure the counts are lost for this round (logged);
    /// usage is bookkeeping, never a security decision.
    /// Hold the returned guard while reading stored usage and then [`Caches::pending`],
    /// so that no flush moves usage from one to the other in between.
    pub async fn settled(&self) -> tokio::sync::RwLockReadGuard<'_, ()> {
        self.flushing.read().await
    }

    pub async fn flush(&self, store: &dyn Store) {
        let _flushing = self.flushing.write().await;
        let (usage, hits) = self.take();
        if let Err(e) = store.api_key_usage_flush(usage).await {
            tracing::warn!(error = %e, "could not write key usage");
        }
        if let Err(e) = store.allowed_ip_hits_flush(hits).await {
            tracing::warn!(error = %e, "could not write allowed-IP hits");
        }
    }
}

fn hex_to_hash(s: &str) -> Result<KeyHash, hex::FromHexError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out)?;
    Ok(out)
}

/// Hex form of a key hash, as stored.
pub fn hash_hex(h: &KeyHash) -> String {
    hex::encode(h)
}

/// The start of the hour `t` is in (UTC).
pub fn hour_of(t: i64) -> i64 {
    t - t.rem_euclid(3600)
}

/// Hourly usage counts are kept this long (the charts show 7 days).
pub const USAGE_HOURS_KEPT: i64 = 8 * 86_400;

/// Deletes hourly usage older than [`USAGE_HOURS_KEPT`], once per hour of `now` (the
/// first call always runs); `last` is the hour it last ran in.
pub async fn prune_usage(store: &dyn Store, now: i64, last: &mut Option<i64>) {
    let hour = hour_of(now);
    if *last == Some(hour) {
        return;
    }
    match store.api_key_usage_prune(hour - USAGE_HOURS_KEPT).await {
        Ok(_) => *last = Some(hour),
        Err(e) => tracing::warn!(error = %e, "could not prune hourly key usage"),
    }
}

/// Flushes usage every [`FLUSH_INTERVAL`] until shutdown, then once more; prunes old
/// hourly usage once an hour.
pub async fn run_flusher(state: crate::state::AppState) {
    let mut tick = tokio::time::interval(FLUSH_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut pruned = None;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                state.caches.flush(state.store.as_ref()).await;
                prune_usage(state.store.as_ref(), state.now(), &mut pruned).await;
            }
            _ = state.shutdown_requested() => break,
        }
    }
    state.caches.flush(state.store.as_ref()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_start_on_the_hour() {
        assert_eq!(hour_of(7200), 7200);
        assert_eq!(hour_of(7199), 3600);
        assert_eq!(hour_of(1_800_001_234), 1_800_000_000);
        assert_eq!(hour_of(-1), -3600);
    }

    #[test]
    fn hex_round_trip() {
        let h = [7u8; 32];
        assert_eq!(hex_to_hash(&hash_hex(&h)).ok(), Some(h));
        assert!(hex_to_hash("zz").is_err());
    }

    #[test]
    fn org_policy_counts_hits_on_the_matching_entry() {
        let entry = Arc::new(AllowEntry {
            id: "aip_1".into(),
            net: wt_core::netaddr::parse_cidr("10.0.0.0/8").unwrap_or_default(),
            hits: AtomicI64::new(0),
            last_hit: AtomicI64::new(0),
        });
        let p = OrgPolicy {
            slug: "acme".into(),
            browser_ingest_allowed: false,
            allowed: vec![entry.clone()],
            key_rate: None,
        };
        assert!(p.admits("10.1.2.3".parse().unwrap_or(IpAddr::from([0; 4])), 5));
        assert!(!p.admits("127.0.0.1".parse().unwrap_or(IpAddr::from([0; 4])), 6));
        assert_eq!(entry.hits.load(Ordering::Relaxed), 1);
        assert_eq!(entry.last_hit.load(Ordering::Relaxed), 5);
        assert!(OrgPolicy::default().admits(IpAddr::from([1, 2, 3, 4]), 0));
    }
}
