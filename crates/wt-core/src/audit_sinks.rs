//! Audit sinks (`wt audit sinks`): the rules of streaming an org's audit log to a SIEM,
//! without I/O.
//!
//! - Where: [`SinkTarget`] parses a sink's URL. A webhook is `https://...` (plain `http://`
//!   only to a loopback host: tests and a local relay); syslog is `tcp://host:port`
//!   (RFC 6587 octet counting) or `tls://host[:6514]` (RFC 5425).
//! - Webhooks are signed per the Standard Webhooks convention: `webhook-id`,
//!   `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256(key, id.timestamp.body)>`,
//!   the key being the base64 part of a `whsec_...` secret; during a rotation's overlap
//!   both secrets sign (two space-separated signatures), so receivers switch at leisure.
//! - Syslog messages are RFC 5424 with the entry's fields in one SD-ELEMENT
//!   (`[watchtower@32473 seq="..." ...]`, values escaped per RFC 5424 6.3.3), framed by
//!   octet counting (RFC 6587 3.4.1).
//! - Retries back off exponentially with jitter ([`backoff`]).

use crate::audit::AuditRecord;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::Mac;
use std::net::IpAddr;

/// Prefix of a webhook signing secret (the Standard Webhooks convention).
pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes of a new webhook secret.
pub const SECRET_BYTES: usize = 32;
/// The SD-ID of the structured data: ours, under the enterprise number RFC 5612 reserves
/// for documentation and examples (there is no registered one).
pub const SD_ID: &str = "watchtower@32473";
/// The syslog APP-NAME.
pub const APP_NAME: &str = "watchtower";
/// Facility 13, "log audit" (RFC 5424 table 1).
const FACILITY: u8 = 13;
/// Default port of syslog over TLS (RFC 5425).
pub const TLS_PORT: u16 = 6514;
/// Most bytes of a sink's name.
pub const MAX_NAME: usize = 64;

/// Why a sink's settings are refused; the message is shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SinkError {
    #[error("{0}")]
    Invalid(String),
}

fn invalid(s: impl Into<String>) -> SinkError {
    SinkError::Invalid(s.into())
}

/// What kind of receiver a sink is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkKind {
    Webhook,
    Syslog,
}

impl SinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SinkKind::Webhook => "webhook",
            SinkKind::Syslog => "syslog",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "webhook" => Some(SinkKind::Webhook),
            "syslog" => Some(SinkKind::Syslog),
            _ => None,
        }
    }
}

/// How a syslog sink is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyslogTransport {
    /// TCP with octet-counting framing (RFC 6587).
    Tcp,
    /// TLS (RFC 5425), the server's certificate verified.
    Tls,
}

/// Where a sink delivers, parsed from its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkTarget {
    Webhook {
        url: url::Url,
    },
    Syslog {
        transport: SyslogTransport,
        host: String,
        port: u16,
    },
}

fn is_loopback_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        url::Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

impl SinkTarget {
    /// Parses a sink's URL for its kind.
    pub fn parse(kind: SinkKind, raw: &str) -> Result<Self, SinkError> {
        let raw = raw.trim();
        if raw.len() > 2048 {
            return Err(invalid("url: at most 2048 characters"));
        }
        let url = url::Url::parse(raw).map_err(|e| invalid(format!("url: {e}")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "url: no credentials in the URL (a webhook is authenticated by its signature)",
            ));
        }
        let host = url
            .host()
            .ok_or_else(|| invalid("url: a host is required"))?;
        match kind {
            SinkKind::Webhook => match url.scheme() {
                "https" => Ok(SinkTarget::Webhook { url }),
                "http" if is_loopback_host(&host) => Ok(SinkTarget::Webhook { url }),
                "http" => Err(invalid(
                    "url: a webhook must use https:// (plain http:// only to a loopback address)",
                )),
                s => Err(invalid(format!(
                    "url: a webhook is https://..., not {s}://"
                ))),
            },
            SinkKind::Syslog => {
                let transport = match url.scheme() {
                    "tcp" => SyslogTransport::Tcp,
                    "tls" => SyslogTransport::Tls,
                    s => {
                        return Err(invalid(format!(
                            "url: syslog is tls://host[:port] (RFC 5425) or tcp://host:port (RFC 6587), not {s}://"
                        )));
                    }
                };
                if !matches!(url.path(), "" | "/") || url.query().is_some() {
                    return Err(invalid("url: a syslog URL is only a host and a port"));
                }
                let port = match (url.port(), transport) {
                    (Some(p), _) => p,
                    (None, SyslogTransport::Tls) => TLS_PORT,
                    (None, SyslogTransport::Tcp) => {
                        return Err(invalid("url: tcp:// needs a port (tcp://host:514)"));
                    }
                };
                let host = match host {
                    url::Host::Ipv6(ip) => ip.to_string(),
                    h => h.to_string(),
                };
                Ok(SinkTarget::Syslog {
                    transport,
                    host,
                    port,
                })
            }
        }
    }

    /// The URL as shown (never holds a secret: credentials are refused).
    pub fn display(&self) -> String {
        match self {
            SinkTarget::Webhook { url } => url.to_string(),
            SinkTarget::Syslog {
                transport,
                host,
                port,
            } => {
                let scheme = match transport {
                    SyslogTransport::Tcp => "tcp",
                    SyslogTransport::Tls => "tls",
                };
                if host.contains(':') {
                    format!("{scheme}://[{host}]:{port}")
                } else {
                    format!("{scheme}://{host}:{port}")
                }
            }
        }
    }
}

/// A sink's name: 1 to 64 letters, digits, `.`, `_` or `-`.
pub fn validate_name(name: &str) -> Result<(), SinkError> {
    // The first character is a letter or digit: `.` and `..` never reach a URL path.
    let ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "name: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. splunk-prod)",
        ))
    }
}

/// A new webhook signing secret: `whsec_` + base64 of 32 random bytes.
pub fn new_webhook_secret() -> String {
    format!(
        "{SECRET_PREFIX}{}",
        STANDARD.encode(crate::token::random_bytes::<SECRET_BYTES>())
    )
}

/// The HMAC key of a `whsec_...` secret (the bytes its base64 part encodes).
pub fn secret_key(secret: &str) -> Result<Vec<u8>, SinkError> {
    let b64 = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD
        .decode(b64)
        .map_err(|_| invalid("the webhook secret is not whsec_<base64>"))
}

/// `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: one signature per key (the current secret first, then
/// the previous one while a rotation's overlap lasts), space-separated.
pub fn signature_header(keys: &[&[u8]], id: &str, timestamp: i64, body: &[u8]) -> String {
    keys.iter()
        .map(|k| signature(k, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `webhook-id` of a batch: the same for every retry of the same entries, so a
/// receiver can drop a batch it already took (each entry also carries its `seq`).
pub fn message_id(sink_id: &str, first_seq: i64, last_seq: i64) -> String {
    format!("msg_{sink_id}_{first_seq}_{last_seq}")
}

/// Escapes a PARAM-VALUE (RFC 5424 6.3.3): `"`, `\` and `]` get a backslash.
pub fn sd_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Printable US-ASCII for header fields (RFC 5424 PRINTUSASCII), at most `max`
/// characters; `-` (NILVALUE) when nothing is left.
fn header_field(s: &str, max: usize) -> String {
    let f: String = s
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(max)
        .collect();
    if f.is_empty() { "-".into() } else { f }
}

/// One entry as an RFC 5424 message: `<PRI>1 TIMESTAMP HOSTNAME watchtower - MSGID
/// [watchtower@32473 seq=".." ...] MSG`, MSGID the action, MSG the entry as JSON
/// (`msg_json`, what the API returns). Failures and refusals are notices, the rest
/// informational; facility "log audit".
pub fn syslog_message(org_id: &str, hostname: &str, e: &AuditRecord, msg_json: &str) -> String {
    let severity = if e.outcome == "success" { 6 } else { 5 };
    let pri = FACILITY * 8 + severity;
    let mut sd = format!("[{SD_ID}");
    let mut param = |name: &str, value: Option<&str>| {
        if let Some(v) = value {
            sd.push_str(&format!(" {name}=\"{}\"", sd_escape(v)));
        }
    };
    let seq = e.seq.to_string();
    let details = e.details.to_string();
    param("seq", Some(&seq));
    param("org", Some(org_id));
    param("action", Some(&e.action));
    param("outcome", Some(&e.outcome));
    param("occurred_at", Some(&e.occurred_at));
    param("actor_type", Some(&e.actor.kind));
    param("actor_id", e.actor.id.as_deref());
    param("actor_email", e.actor.email.as_deref());
    param("target_type", e.target.as_ref().map(|t| t.kind.as_str()));
    param("target_id", e.target.as_ref().map(|t| t.id.as_str()));
    param("ip", e.ip.as_deref());
    param("user_agent", e.user_agent.as_deref());
    param("details", Some(&details));
    param("hash", Some(&e.hash));
    param("prev_hash", Some(&e.prev_hash));
    sd.push(']');
    format!(
        "<{pri}>1 {} {} {APP_NAME} - {} {sd} {msg_json}",
        header_field(&e.occurred_at, 48),
        header_field(hostname, 255),
        header_field(&e.action, 32),
    )
}

/// The RFC 5424 message that carries a signed checkpoint to a syslog sink: MSGID
/// `audit.checkpoint`, the org and the tree size as structured data, the C2SP signed note
/// (several lines) as MSG. Sent after a batch's entries while the org has a checkpoint.
pub fn checkpoint_message(org_id: &str, hostname: &str, at: &str, size: u64, note: &str) -> String {
    let pri = FACILITY * 8 + 6;
    format!(
        "<{pri}>1 {} {} {APP_NAME} - audit.checkpoint [{SD_ID} org=\"{}\" size=\"{size}\"] {note}",
        header_field(at, 48),
        header_field(hostname, 255),
        sd_escape(org_id),
    )
}

/// Octet-counting framing (RFC 6587 3.4.1): `MSG-LEN SP SYSLOG-MSG`, the length in bytes.
pub fn octet_frame(msg: &str) -> Vec<u8> {
    let mut out = format!("{} ", msg.len()).into_bytes();
    out.extend_from_slice(msg.as_bytes());
    out
}

/// Seconds to wait after `failures` consecutive failures (1 or more): `min` doubling up to
/// `max`, then scaled by `jitter` in [0, 1) into [half, all] of it ("equal jitter"), so
/// daemons and sinks that failed together do not retry together. Never below 1 second.
pub fn backoff(failures: i64, min: i64, max: i64, jitter: f64) -> i64 {
    let exp = failures.saturating_sub(1).clamp(0, 30) as u32;
    let full = min.max(1).saturating_mul(1i64 << exp).min(max.max(1));
    let half = full / 2;
    let j = jitter.clamp(0.0, 1.0);
    (half + ((full - half) as f64 * j).round() as i64).max(1)
}

/// How far a sink is behind: entries not yet accepted, and the age in seconds of the
/// oldest of them (0 when caught up).
pub fn lag(
    last_seq: i64,
    delivered_seq: i64,
    oldest_pending_at: Option<i64>,
    now: i64,
) -> (i64, i64) {
    let entries = (last_seq - delivered_seq).max(0);
    let secs = match (entries, oldest_pending_at) {
        (0, _) | (_, None) => 0,
        (_, Some(t)) => (now - t).max(0),
    };
    (entries, secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Actor, Target};

    #[test]
    fn a_checkpoint_travels_as_one_framed_message_with_its_note_intact() {
        let note = "example.com/watchtower/org_1\n7\nq2Xb9Wc=\n\n\u{2014} example.com/watchtower/org_1 AbCd==\n";
        let msg = checkpoint_message("org_\"1]", "host one", "2026-12-06T18:00:00Z", 7, note);
        assert!(
            msg.starts_with("<110>1 2026-12-06T18:00:00Z hostone watchtower - audit.checkpoint "),
            "{msg}"
        );
        assert!(
            msg.contains(r#"[watchtower@32473 org="org_\"1\]" size="7"] "#),
            "{msg}"
        );
        assert!(msg.ends_with(note), "the signed note byte for byte: {msg}");
        let framed = octet_frame(&msg);
        let (len, rest) = std::str::from_utf8(&framed)
            .expect("utf-8")
            .split_once(' ')
            .expect("length");
        assert_eq!(len.parse::<usize>().expect("n"), rest.len());
    }

    #[test]
    fn webhook_urls_are_https_or_loopback_http() {
        assert!(SinkTarget::parse(SinkKind::Webhook, "https://siem.example/hook").is_ok());
        assert!(SinkTarget::parse(SinkKind::Webhook, "http://127.0.0.1:8080/h").is_ok());
        assert!(SinkTarget::parse(SinkKind::Webhook, "http://[::1]:8080/h").is_ok());
        assert!(SinkTarget::parse(SinkKind::Webhook, "http://localhost/h").is_ok());
        for bad in [
            "http://siem.example/hook",
            "ftp://siem.example/",
            "https://user:pw@siem.example/",
            "not a url",
            "tls://siem.example:6514",
        ] {
            assert!(
                SinkTarget::parse(SinkKind::Webhook, bad).is_err(),
                "{bad} must be refused"
            );
        }
    }

    #[test]
    fn syslog_urls_name_the_transport_and_port() {
        assert_eq!(
            SinkTarget::parse(SinkKind::Syslog, "tls://siem.example").ok(),
            Some(SinkTarget::Syslog {
                transport: SyslogTransport::Tls,
                host: "siem.example".into(),
                port: 6514
            })
        );
        assert_eq!(
            SinkTarget::parse(SinkKind::Syslog, "tcp://[::1]:1514")
                .ok()
                .map(|t| t.display()),
            Some("tcp://[::1]:1514".to_string())
        );
        for bad in [
            "tcp://siem.example",
            "udp://siem.example:514",
            "https://siem.example",
            "tls://siem.example:6514/path",
        ] {
            assert!(
                SinkTarget::parse(SinkKind::Syslog, bad).is_err(),
                "{bad} must be refused"
            );
        }
    }

    #[test]
    fn names_are_short_and_plain() {
        assert!(validate_name("splunk-prod_2.eu").is_ok());
        assert!(validate_name("").is_err());
        assert!(validate_name("a b").is_err());
        assert!(validate_name("..").is_err());
        assert!(validate_name("-x").is_err());
        assert!(validate_name(&"a".repeat(65)).is_err());
    }

    /// The Standard Webhooks reference example (standard-webhooks spec, "Verifying
    /// webhook authenticity"): secret, id, timestamp and body from its test vectors.
    #[test]
    fn signatures_match_the_standard_webhooks_test_vector() {
        let key = secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap_or_default();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn an_overlap_signs_with_both_secrets() {
        let (a, b) = (b"first".as_slice(), b"second".as_slice());
        let h = signature_header(&[a, b], "msg_1", 5, b"{}");
        let parts: Vec<&str> = h.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], signature(a, "msg_1", 5, b"{}"));
        assert_eq!(parts[1], signature(b, "msg_1", 5, b"{}"));
        assert_ne!(parts[0], parts[1]);
    }

    #[test]
    fn new_secrets_are_random_and_decode_to_32_bytes() {
        let (a, b) = (new_webhook_secret(), new_webhook_secret());
        assert_ne!(a, b);
        assert!(a.starts_with("whsec_"));
        assert_eq!(secret_key(&a).map(|k| k.len()), Ok(32));
    }

    #[test]
    fn structured_data_values_escape_quote_backslash_and_bracket() {
        assert_eq!(sd_escape(r#"a"b\c]d"#), r#"a\"b\\c\]d"#);
        assert_eq!(sd_escape("plain é"), "plain é");
    }

    fn entry() -> AuditRecord {
        AuditRecord {
            seq: 42,
            occurred_at: "2026-12-06T17:00:00Z".into(),
            actor: Actor::user("usr_1", "a\"b@x.test"),
            action: "auth.login.failed".into(),
            target: Some(Target {
                kind: "user".into(),
                id: "usr_1".into(),
            }),
            ip: Some("192.0.2.1".into()),
            user_agent: Some("curl/8 ]\\".into()),
            outcome: "failure".into(),
            details: serde_json::json!({"reason": "x]"}),
            prev_hash: "p".into(),
            hash: "h".into(),
        }
    }

    #[test]
    fn a_syslog_message_is_rfc5424_with_the_entry_in_structured_data() {
        let m = syslog_message("org_1", "wt.example", &entry(), "{}");
        assert!(
            m.starts_with(
                "<109>1 2026-12-06T17:00:00Z wt.example watchtower - auth.login.failed [watchtower@32473 seq=\"42\" org=\"org_1\""
            ),
            "{m}"
        );
        assert!(m.contains(r#"actor_email="a\"b@x.test""#), "{m}");
        assert!(m.contains(r#"user_agent="curl/8 \]\\""#), "{m}");
        assert!(m.contains(r#"details="{\"reason\":\"x\]\"}""#), "{m}");
        assert!(m.ends_with("] {}"), "{m}");
        let mut ok = entry();
        ok.outcome = "success".into();
        assert!(syslog_message("o", "", &ok, "{}").starts_with("<110>1 2026-12-06T17:00:00Z - "));
    }

    #[test]
    fn octet_counting_counts_bytes_not_characters() {
        assert_eq!(octet_frame("é"), b"2 \xc3\xa9".to_vec());
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        assert_eq!(backoff(1, 2, 300, 1.0), 2);
        assert_eq!(backoff(3, 2, 300, 1.0), 8);
        assert_eq!(backoff(3, 2, 300, 0.0), 4);
        assert_eq!(backoff(40, 2, 300, 1.0), 300);
        assert_eq!(backoff(40, 2, 300, 0.0), 150);
        assert_eq!(backoff(1, 1, 1, 0.0), 1, "never below a second");
    }

    #[test]
    fn lag_counts_entries_and_the_oldest_pending_age() {
        assert_eq!(lag(10, 10, Some(0), 100), (0, 0));
        assert_eq!(lag(10, 7, Some(40), 100), (3, 60));
        assert_eq!(lag(3, 7, None, 100), (0, 0));
    }
}
