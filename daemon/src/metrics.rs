//! Prometheus metrics: requests by route and status, latency by route, logins by outcome,
//! mail deliveries and the outbox's backlog, the PostgreSQL connection pool.
//!
//! Route labels are the matched route templates (`/api/v1/auth/sessions/{id}`), never raw
//! paths, so label cardinality stays bounded and no id or token ends up in a label.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::{Arc, Mutex};
use wt_store::postgres::PoolStats;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: &'static str,
    pub route: &'static str,
    pub status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OrgLabels {
    /// The org's slug: orgs are few (an installation hosts a handful of tenants), so the
    /// cardinality stays small.
    pub org: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FailureLabels {
    /// A `wt_core::mail::DeliveryFailure` id (`certificate_untrusted`, `auth_failed`, ...).
    pub class: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SqlStateLabels {
    /// A SQLSTATE class (`57` operator intervention, `55` lock not available, `08`
    /// connection ...), or `connection` for a connection lost without one.
    pub class: String,
}

/// The PostgreSQL pool's numbers as read at the last scrape (none on SQLite: nothing is
/// shown). They live in the store; a collector shows the copy.
#[derive(Debug, Default, Clone)]
struct DatabaseCollector(Arc<Mutex<Option<PoolStats>>>);

impl Collector for DatabaseCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(s) = self.0.lock().ok().and_then(|s| s.clone()) else {
            return Ok(());
        };
        let gauges: [(&str, &str, usize); 4] = [
            ("database_pool_max", "Database connections at most", s.max),
            (
                "database_pool_open",
                "Database connections open (idle or in use)",
                s.open,
            ),
            (
                "database_pool_idle",
                "Database connections idle in the pool",
                s.idle,
            ),
            (
                "database_pool_in_use",
                "Database connections held by a request (or being opened)",
                s.in_use,
            ),
        ];
        for (name, help, v) in gauges {
            let g = ConstGauge::new(i64::try_from(v).unwrap_or(i64::MAX));
            g.encode(encoder.encode_descriptor(name, help, None, g.metric_type())?)?;
        }
        let counters: [(&str, &str, u64); 5] = [
            (
                "database_pool_waits",
                "Requests that found every database connection busy and waited",
                s.waits,
            ),
            (
                "database_pool_acquire_timeouts",
                "Requests that got no database connection within the acquire timeout (503)",
                s.acquire_timeouts,
            ),
            (
                "database_connects",
                "Database connections opened",
                s.connects,
            ),
            (
                "database_connect_failures",
                "Attempts to open a database connection that failed",
                s.connect_failures,
            ),
            (
                "database_retries",
                "Calls run again on a fresh connection after theirs broke (e.g. a restart)",
                s.retries,
            ),
        ];
        for (name, help, v) in counters {
            let c = ConstCounter::new(v);
            c.encode(encoder.encode_descriptor(name, help, None, c.metric_type())?)?;
        }
        let mut family = encoder.encode_descriptor(
            "database_errors",
            "Database errors by SQLSTATE class",
            None,
            prometheus_client::metrics::MetricType::Counter,
        )?;
        for (class, n) in s.errors {
            let labels = SqlStateLabels { class };
            ConstCounter::new(n).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

fn latency_histogram() -> Histogram {
    // 1 ms .. ~16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The daemon's metrics and their registry.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    pub logins: Family<OutcomeLabels, Counter>,
    /// Mail delivery attempts by outcome (`sent`, `failed`): failures are retried.
    pub mail: Family<OutcomeLabels, Counter>,
    /// Failed mail deliveries by class of cause: what to fix.
    pub mail_failures: Family<FailureLabels, Counter>,
    /// Undelivered mail in the outbox (every org's), read from the store at each scrape.
    pub mail_undelivered: Gauge,
    /// Age in seconds of the oldest undelivered mail; 0 when none.
    pub mail_oldest_age: Gauge,
    /// Events stored by ingestion.
    pub ingest_events: Counter,
    /// Key checks refused, by reason (`unknown_key`, `revoked`, `ip_not_allowed_by_org`, ...):
    /// ingestion, the gateway's authorize and `keys/verify` alike (one check).
    pub ingest_rejections: Family<OutcomeLabels, Counter>,
    /// Events stored per org, as last counted (read from the store at each scrape).
    pub events_stored: Family<OrgLabels, Gauge>,
    /// Their approximate size (payload characters) per org.
    pub events_stored_bytes: Family<OrgLabels, Gauge>,
    /// Audit sink sends by outcome (`delivered`, `failed`): failures are retried.
    pub audit_sink_sends: Family<OutcomeLabels, Counter>,
    /// Audit entries accepted by sinks (every sink's).
    pub audit_sink_entries: Counter,
    /// Keys in the key cache, as read at each scrape.
    pub key_cache_keys: Gauge,
    /// Whole loads of the key cache since start (one at start; a refresh reads only the
    /// changed rows, so this stays at 1 while keys change elsewhere).
    pub key_cache_loads: Gauge,
    /// Changed rows (keys and orgs) the key cache's refreshes have applied since start.
    pub key_cache_refresh_rows: Gauge,
    /// The PostgreSQL pool, as read at the last scrape.
    database: DatabaseCollector,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("wt");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let logins = Family::<OutcomeLabels, Counter>::default();
        let mail = Family::<OutcomeLabels, Counter>::default();
        let mail_failures = Family::<FailureLabels, Counter>::default();
        let mail_undelivered = Gauge::default();
        let mail_oldest_age = Gauge::default();
        let ingest_events = Counter::default();
        let ingest_rejections = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "ingest_events",
            "Events stored by ingestion",
            ingest_events.clone(),
        );
        registry.register(
            "ingest_rejections",
            "Ingest requests refused, by reason",
            ingest_rejections.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        registry.register("logins", "Login attempts by outcome", logins.clone());
        registry.register(
            "mail_deliveries",
            "Mail delivery attempts by outcome",
            mail.clone(),
        );
        registry.register(
            "mail_delivery_failures",
            "Failed mail deliveries by class of cause (retried until delivered)",
            mail_failures.clone(),
        );
        registry.register(
            "mail_undelivered",
            "Mail in the outbox not delivered yet",
            mail_undelivered.clone(),
        );
        registry.register(
            "mail_oldest_undelivered_age_seconds",
            "Age of the oldest undelivered mail in seconds (0 when none)",
            mail_oldest_age.clone(),
        );
        let events_stored = Family::<OrgLabels, Gauge>::default();
        let events_stored_bytes = Family::<OrgLabels, Gauge>::default();
        registry.register(
            "events_stored",
            "Ingested events stored per org (counted by the prune task, at most a minute behind)",
            events_stored.clone(),
        );
        registry.register(
            "events_stored_bytes",
            "Approximate size of the stored events' payloads per org",
            events_stored_bytes.clone(),
        );
        let audit_sink_sends = Family::<OutcomeLabels, Counter>::default();
        let audit_sink_entries = Counter::default();
        registry.register(
            "audit_sink_sends",
            "Audit sink sends (batches) by outcome",
            audit_sink_sends.clone(),
        );
        registry.register(
            "audit_sink_entries",
            "Audit entries accepted by audit sinks",
            audit_sink_entries.clone(),
        );
        let key_cache_keys = Gauge::default();
        let key_cache_loads = Gauge::default();
        let key_cache_refresh_rows = Gauge::default();
        registry.register(
            "key_cache_keys",
            "Keys in the key cache",
            key_cache_keys.clone(),
        );
        registry.register(
            "key_cache_loads",
            "Whole loads of the key cache since start",
            key_cache_loads.clone(),
        );
        registry.register(
            "key_cache_refresh_rows",
            "Changed rows applied by the key cache's refreshes since start",
            key_cache_refresh_rows.clone(),
        );
        let database = DatabaseCollector::default();
        registry.register_collector(Box::new(database.clone()));
        Self {
            key_cache_keys,
            key_cache_loads,
            key_cache_refresh_rows,
            audit_sink_sends,
            audit_sink_entries,
            events_stored,
            events_stored_bytes,
            database,
            registry,
            requests,
            latency,
            logins,
            mail,
            mail_failures,
            mail_undelivered,
            mail_oldest_age,
            ingest_events,
            ingest_rejections,
        }
    }
}

impl Metrics {
    /// Counts one login attempt: `succeeded`, `failed`, `throttled` or `mfa_required`.
    pub fn login(&self, outcome: &'static str) {
        self.logins.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// Counts one audit sink send: `delivered` or `failed`.
    pub fn audit_sink(&self, outcome: &'static str) {
        self.audit_sink_sends
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// Counts entries a sink accepted (one `delivered` send).
    pub fn audit_sink_entries(&self, n: u64) {
        self.audit_sink("delivered");
        self.audit_sink_entries.inc_by(n);
    }

    /// Counts one mail delivery attempt: `sent` or `failed`.
    pub fn mail(&self, outcome: &'static str) {
        self.mail.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// Counts one failed delivery, by its class (also as a `failed` attempt).
    pub fn mail_failed(&self, class: wt_core::mail::DeliveryFailure) {
        self.mail("failed");
        self.mail_failures
            .get_or_create(&FailureLabels { class: class.id() })
            .inc();
    }

    /// The outbox as last read: undelivered mail and the oldest one's age.
    pub fn mail_backlog(&self, undelivered: i64, oldest_age_seconds: i64) {
        self.mail_undelivered.set(undelivered);
        self.mail_oldest_age.set(oldest_age_seconds);
    }

    /// Counts stored events.
    pub fn ingest_accepted(&self, events: u64) {
        self.ingest_events.inc_by(events);
    }

    /// Counts a refused ingest request by reason.
    pub fn ingest_rejected(&self, outcome: &'static str) {
        self.ingest_rejections
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// The connection pool as the store reports it now (`None`: SQLite, no pool).
    pub fn database_pool(&self, stats: Option<PoolStats>) {
        if let Ok(mut s) = self.database.0.lock() {
            *s = stats;
        }
    }

    /// Every org's event storage as read now: `(slug, events, bytes)`.
    pub fn event_storage(&self, orgs: impl IntoIterator<Item = (String, i64, i64)>) {
        for (org, events, bytes) in orgs {
            let labels = OrgLabels { org };
            self.events_stored.get_or_create(&labels).set(events);
            self.events_stored_bytes.get_or_create(&labels).set(bytes);
        }
    }

    /// The key cache's size and refresh work as read now: `(keys, whole loads, rows applied)`.
    pub fn key_cache(&self, keys: usize, loads: u64, rows: u64) {
        self.key_cache_keys
            .set(i64::try_from(keys).unwrap_or(i64::MAX));
        self.key_cache_loads
            .set(i64::try_from(loads).unwrap_or(i64::MAX));
        self.key_cache_refresh_rows
            .set(i64::try_from(rows).unwrap_or(i64::MAX));
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_is_shown_with_counters_gauges_and_error_classes() {
        let m = Metrics::default();
        assert!(!m.render().contains("database_"), "nothing without a pool");
        m.database_pool(Some(PoolStats {
            max: 8,
            open: 3,
            idle: 2,
            in_use: 1,
            waits: 4,
            acquire_timeouts: 5,
            connects: 6,
            connect_failures: 7,
            retries: 9,
            errors: vec![("57".into(), 2), ("connection".into(), 1)],
        }));
        let text = m.render();
        for line in [
            "wt_database_pool_max 8",
            "wt_database_pool_open 3",
            "wt_database_pool_idle 2",
            "wt_database_pool_in_use 1",
            "wt_database_pool_waits_total 4",
            "wt_database_pool_acquire_timeouts_total 5",
            "wt_database_connects_total 6",
            "wt_database_connect_failures_total 7",
            "wt_database_retries_total 9",
            "wt_database_errors_total{class=\"57\"} 2",
            "wt_database_errors_total{class=\"connection\"} 1",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
    }
}
