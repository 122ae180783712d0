//! Prometheus metrics: requests by route and status, latency by route, logins by outcome,
//! mail deliveries and the outbox's backlog.
//!
//! Route labels are the matched route templates (`/api/v1/auth/sessions/{id}`), never raw
//! paths, so label cardinality stays bounded and no id or token ends up in a label.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

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
pub struct FailureLabels {
    /// A `wt_core::mail::DeliveryFailure` id (`certificate_untrusted`, `auth_failed`, ...).
    pub class: &'static str,
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
    /// Ingest requests refused, by reason (`unknown_key`, `revoked`, `ip_not_allowed_by_org`, ...).
    pub ingest_rejections: Family<OutcomeLabels, Counter>,
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
        Self {
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

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
