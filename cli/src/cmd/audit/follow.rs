//! The resume-and-reconnect core of `wt audit tail --follow`, apart from HTTP so it can be
//! tested with scripted event streams.
//!
//! [`follow`] opens a stream resuming after the last printed sequence number, prints each
//! new entry, and on a dropped connection, a stream the server ended (restart) or a
//! transient error, waits ([`Backoff`]: 0.5 s doubling to 10 s, forever) and reconnects
//! from the last printed seq. Entries at or below that seq are skipped, so a server that
//! replays some is harmless: no gap, no duplicate. Errors a retry cannot fix (401, 403,
//! a refused filter, a failed write to stdout) end it.
//!
//! The network, the output, the stderr notes and sleeping are passed in; `follow` reads
//! no clock.

use crate::CliError;
use eventsource_stream::Event;
use futures_util::{Stream, StreamExt};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use wt_api::AuditEntry;

/// A stream of parsed server-sent events; `Err` is why the connection failed.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<Event, String>>>>;

/// The SSE event name of an audit entry.
pub const AUDIT_EVENT: &str = "audit";

/// First wait before reconnecting.
pub const FIRST_RETRY: Duration = Duration::from_millis(500);
/// Longest wait between reconnects (retries go on forever at this pace).
pub const MAX_RETRY: Duration = Duration::from_secs(10);

/// Exponential backoff between reconnects: `first`, doubling up to `max`; reset once a
/// connection delivers an entry again.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// A backoff starting at `first`, capped at `max`.
    pub fn new(first: Duration, max: Duration) -> Backoff {
        Backoff {
            first,
            max,
            next: first,
        }
    }

    /// 0.5 s doubling to 10 s.
    pub fn standard() -> Backoff {
        Backoff::new(FIRST_RETRY, MAX_RETRY)
    }

    /// The wait before the next attempt (and doubles the one after).
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.max);
        d
    }

    /// Back to the first delay (after a connection that worked).
    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

/// True for failures a reconnect may fix: no connection, a broken transfer, a 5xx, 429.
pub fn is_retryable(e: &CliError) -> bool {
    match e {
        CliError::Unreachable { .. } | CliError::Transport { .. } => true,
        CliError::Api(api) => api.status >= 500 || api.status == 429 || api.status == 408,
        _ => false,
    }
}

/// `0.5s`, `10s`.
fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// Follows the stream from after `last_seq`, forever (it returns only with an error that
/// a retry cannot fix).
///
/// - `connect(after)` opens a stream of events after seq `after` (`Last-Event-ID`).
/// - `print(entry)` writes one entry (an error there, e.g. a closed stdout, ends it).
/// - `notify(text)` writes a note to stderr (reconnects, skipped events).
/// - `sleep(d)` waits before a reconnect.
pub async fn follow<C, CF, P, N, S, SF>(
    mut last_seq: i64,
    mut connect: C,
    mut print: P,
    mut notify: N,
    mut sleep: S,
    mut backoff: Backoff,
) -> Result<(), CliError>
where
    C: FnMut(i64) -> CF,
    CF: Future<Output = Result<EventStream, CliError>>,
    P: FnMut(&AuditEntry) -> Result<(), CliError>,
    N: FnMut(&str),
    S: FnMut(Duration) -> SF,
    SF: Future<Output = ()>,
{
    let mut reconnecting = false;
    loop {
        let reason = match connect(last_seq).await {
            Ok(mut stream) => {
                if reconnecting {
                    notify(&format!(
                        "wt: audit stream reconnected, resuming after seq {last_seq}"
                    ));
                }
                loop {
                    let event = match stream.next().await {
                        None => break "the server ended the stream".to_string(),
                        Some(Err(e)) => break e,
                        Some(Ok(event)) => event,
                    };
                    let Some(entry) = decode(&event, &mut notify) else {
                        continue;
                    };
                    if entry.seq <= last_seq {
                        // Already printed (a replay after a reconnect): never twice.
                        continue;
                    }
                    print(&entry)?;
                    last_seq = entry.seq;
                    backoff.reset();
                }
            }
            Err(e) if is_retryable(&e) => e.to_string(),
            Err(e) => return Err(e),
        };
        let delay = backoff.next_delay();
        notify(&format!(
            "wt: audit stream interrupted ({reason}); reconnecting in {}, resuming after seq {last_seq}",
            secs(delay)
        ));
        reconnecting = true;
        sleep(delay).await;
    }
}

/// The entry of an `audit` event; other events are ignored, an unreadable one is reported.
fn decode(event: &Event, notify: &mut impl FnMut(&str)) -> Option<AuditEntry> {
    if event.event != AUDIT_EVENT {
        return None;
    }
    match serde_json::from_str::<AuditEntry>(&event.data) {
        Ok(entry) => Some(entry),
        Err(e) => {
            notify(&format!(
                "wt: warning: skipped an unreadable audit event (id {}): {e}",
                crate::cmd::audit::common::clean(&event.id)
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::audit::common::tests::entry_json;
    use eventsource_stream::Eventsource as _;
    use std::cell::RefCell;
    use std::collections::VecDeque;

    fn ev(seq: i64) -> Result<Event, String> {
        Ok(Event {
            event: AUDIT_EVENT.into(),
            data: entry_json(seq).to_string(),
            id: seq.to_string(),
            retry: None,
        })
    }

    /// What one scripted connection attempt gives.
    enum Conn {
        Events(Vec<Result<Event, String>>),
        Fail(CliError),
    }

    struct Run {
        result: Result<(), CliError>,
        printed: Vec<i64>,
        afters: Vec<i64>,
        notes: Vec<String>,
        sleeps: Vec<Duration>,
    }

    /// Runs `follow` over scripted connections; when they run out, connecting fails with a
    /// fatal error ("script done") so the test ends.
    async fn run(last_seq: i64, script: Vec<Conn>) -> Run {
        let script = RefCell::new(VecDeque::from(script));
        let afters = RefCell::new(Vec::new());
        let printed = RefCell::new(Vec::new());
        let notes = RefCell::new(Vec::new());
        let sleeps = RefCell::new(Vec::new());
        let result = follow(
            last_seq,
            |after| {
                afters.borrow_mut().push(after);
                let next = script.borrow_mut().pop_front();
                async move {
                    match next {
                        Some(Conn::Events(evs)) => {
                            Ok(Box::pin(futures_util::stream::iter(evs)) as EventStream)
                        }
                        Some(Conn::Fail(e)) => Err(e),
                        None => Err(CliError::Other("script done".into())),
                    }
                }
            },
            |e| {
                printed.borrow_mut().push(e.seq);
                Ok(())
            },
            |n| notes.borrow_mut().push(n.to_string()),
            |d| {
                sleeps.borrow_mut().push(d);
                async {}
            },
            Backoff::standard(),
        )
        .await;
        Run {
            result,
            printed: printed.into_inner(),
            afters: afters.into_inner(),
            notes: notes.into_inner(),
            sleeps: sleeps.into_inner(),
        }
    }

    fn unreachable() -> CliError {
        CliError::Unreachable {
            server: "http://127.0.0.1:8470".into(),
            reason: "Connection refused".into(),
        }
    }

    #[tokio::test]
    async fn follow_resumes_after_the_last_printed_seq_without_duplicates_or_gaps() {
        let r = run(
            10,
            vec![
                // A replay of an already printed entry, then new ones, then a drop.
                Conn::Events(vec![
                    ev(9),
                    ev(10),
                    ev(11),
                    ev(12),
                    Err("connection reset".into()),
                ]),
                // The server restarted: down for a moment.
                Conn::Fail(unreachable()),
                // Back: it replays 12 (already printed) and goes on; then ends (shutdown).
                Conn::Events(vec![ev(12), ev(13), ev(13), ev(14)]),
                Conn::Events(vec![ev(15)]),
            ],
        )
        .await;
        assert_eq!(r.printed, vec![11, 12, 13, 14, 15]);
        assert_eq!(r.afters, vec![10, 12, 12, 14, 15]);
        assert!(matches!(r.result, Err(CliError::Other(ref m)) if m == "script done"));
        assert!(
            r.notes.iter().any(|n| n.contains("connection reset")
                && n.contains("reconnecting in 0.5s")
                && n.contains("after seq 12")),
            "{:?}",
            r.notes
        );
        assert!(
            r.notes.iter().any(|n| n.contains("reconnected")),
            "{:?}",
            r.notes
        );
    }

    #[tokio::test]
    async fn follow_backs_off_doubling_to_ten_seconds_and_resets_after_an_entry() {
        let mut script: Vec<Conn> = (0..7).map(|_| Conn::Fail(unreachable())).collect();
        script.push(Conn::Events(vec![ev(1)]));
        script.push(Conn::Fail(unreachable()));
        let r = run(0, script).await;
        let ms: Vec<u128> = r.sleeps.iter().map(Duration::as_millis).collect();
        assert_eq!(
            ms,
            vec![500, 1000, 2000, 4000, 8000, 10_000, 10_000, 500, 1000]
        );
        assert_eq!(r.printed, vec![1]);
    }

    #[tokio::test]
    async fn follow_stops_on_errors_a_retry_cannot_fix() {
        let forbidden = CliError::Api(Box::new(crate::error::ApiError {
            server: "http://x".into(),
            status: 403,
            problem: None,
            retry_after: None,
        }));
        let r = run(5, vec![Conn::Events(vec![ev(6)]), Conn::Fail(forbidden)]).await;
        assert_eq!(r.result.err().map(|e| e.exit_code()), Some(4));
        assert_eq!(r.printed, vec![6]);
        assert_eq!(r.sleeps.len(), 1);
    }

    #[tokio::test]
    async fn follow_ignores_other_events_and_reports_unreadable_ones() {
        let other = Ok(Event {
            event: "ping".into(),
            data: "{}".into(),
            id: String::new(),
            retry: None,
        });
        let broken = Ok(Event {
            event: AUDIT_EVENT.into(),
            data: "{not json".into(),
            id: "3".into(),
            retry: None,
        });
        let r = run(1, vec![Conn::Events(vec![other, ev(2), broken, ev(4)])]).await;
        assert_eq!(r.printed, vec![2, 4]);
        assert!(
            r.notes
                .iter()
                .any(|n| n.contains("unreadable") && n.contains("id 3"))
        );
    }

    #[tokio::test]
    async fn sse_bytes_split_anywhere_with_keepalives_parse_into_entries() {
        let e1 = entry_json(21).to_string();
        let e2 = entry_json(22).to_string();
        let text = format!(
            ": keepalive\n\nid: 21\nevent: audit\ndata: {e1}\n\n: keepalive\n\nid: 22\r\nevent: audit\r\ndata: {e2}\r\n\r\n"
        );
        // Chunks that cut lines (and the JSON) at arbitrary points.
        let bytes = text.into_bytes();
        let chunks: Vec<Result<Vec<u8>, String>> =
            bytes.chunks(7).map(|c| Ok(c.to_vec())).collect();
        let events = futures_util::stream::iter(chunks)
            .eventsource()
            .map(|r| r.map_err(|e| e.to_string()));
        let stream: EventStream = Box::pin(events);
        let mut stream = Some(stream);
        let printed = RefCell::new(Vec::new());
        let result = follow(
            20,
            |_| {
                let s = stream.take();
                async move { s.ok_or_else(|| CliError::Other("done".into())) }
            },
            |e| {
                printed.borrow_mut().push(e.clone());
                Ok(())
            },
            |_| {},
            |_| async {},
            Backoff::standard(),
        )
        .await;
        assert!(result.is_err());
        let printed = printed.into_inner();
        assert_eq!(
            printed.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![21, 22]
        );
        assert_eq!(serde_json::to_value(&printed[1]).ok(), Some(entry_json(22)));
    }

    #[test]
    fn transient_failures_are_retried_and_client_errors_are_not() {
        let api = |status| {
            CliError::Api(Box::new(crate::error::ApiError {
                server: "http://x".into(),
                status,
                problem: None,
                retry_after: None,
            }))
        };
        assert!(is_retryable(&unreachable()));
        assert!(is_retryable(&api(503)) && is_retryable(&api(429)));
        assert!(!is_retryable(&api(401)) && !is_retryable(&api(400)) && !is_retryable(&api(403)));
    }
}
