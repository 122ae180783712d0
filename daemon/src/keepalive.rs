//! Two timeouts on every HTTP/1 connection, which hyper folds into one
//! (`header_read_timeout` also times the idle wait between keep-alive requests:
//! hyperium/hyper#3185, #3828):
//!
//! - **header timeout** (`--header-timeout`, 10 s): once a request has begun, its head
//!   (request line and headers) must arrive within it, or the connection is closed
//!   (slow-loris protection). A new connection's first request is timed from accept.
//! - **keep-alive idle timeout** (`--keepalive-timeout`, 75 s): a connection with no bytes
//!   in either direction for this long is closed. Between requests a client may pause for
//!   it without losing the connection, so a person answering a prompt (`wt login`, then a
//!   code typed 15 s later) reuses it safely.
//!
//! Why 75 s: longer than the idle timeout of the load balancers and proxies commonly put
//! in front (AWS ALB 60 s, nginx `keepalive_timeout` 75 s, haproxy `timeout http-keep-
//! alive` shorter still), so a proxy never sends on a connection `wtd` has just closed;
//! `wt` itself keeps idle connections for less (`cli::client::POOL_IDLE_TIMEOUT`).
//!
//! The accepted stream (after TLS) is wrapped in a [`TimedStream`] that watches the bytes
//! go by: a request head ends at the first empty line; the next bytes read after any
//! answer was written start a new head. An HTTP/2 connection (its preface) is left alone,
//! as before. Hyper's own header timer is turned off (`server::harden`).

use axum_server::accept::Accept;
use futures_util::future::BoxFuture;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// The two deadlines of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub header: Duration,
    pub idle: Duration,
}

/// Wraps another acceptor's streams in [`TimedStream`].
#[derive(Debug, Clone)]
pub struct TimedAcceptor<A> {
    inner: A,
    timeouts: Timeouts,
}

impl<A> TimedAcceptor<A> {
    pub fn new(inner: A, timeouts: Timeouts) -> Self {
        Self { inner, timeouts }
    }
}

impl<I, S, A> Accept<I, S> for TimedAcceptor<A>
where
    A: Accept<I, S>,
    A::Future: Send + 'static,
    A::Stream: Send + 'static,
    A::Service: Send + 'static,
{
    type Stream = TimedStream<A::Stream>;
    type Service = A::Service;
    type Future = BoxFuture<'static, io::Result<(Self::Stream, Self::Service)>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let accepted = self.inner.accept(stream, service);
        let timeouts = self.timeouts;
        Box::pin(async move {
            let (stream, service) = accepted.await?;
            Ok((TimedStream::new(stream, timeouts), service))
        })
    }
}

/// Where the connection is in its current exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading a request head, which must end by `head_deadline`; `tail` counts how much
    /// of `\r\n\r\n` the bytes so far end with.
    Head { tail: u8 },
    /// The head is in: the body and the answer are the request timeout's business.
    Request,
    /// An answer was written: the next byte read starts a new head.
    Answered,
    /// HTTP/2: not ours to time (hyper's HTTP/2 settings apply).
    Http2,
}

/// An accepted connection with the two deadlines of the module docs.
pub struct TimedStream<S> {
    inner: S,
    timeouts: Timeouts,
    phase: Phase,
    /// Whether any byte was read yet (the HTTP/2 preface is recognised on the first read).
    started: bool,
    head_deadline: Instant,
    last_activity: Instant,
    timer: Pin<Box<Sleep>>,
}

const PREFACE: &[u8] = b"PRI * HTTP/2.0";
const END_OF_HEAD: &[u8; 4] = b"\r\n\r\n";

impl<S> TimedStream<S> {
    pub fn new(inner: S, timeouts: Timeouts) -> Self {
        let now = Instant::now();
        Self {
            inner,
            timeouts,
            phase: Phase::Head { tail: 0 },
            started: false,
            head_deadline: now + timeouts.header,
            last_activity: now,
            timer: Box::pin(tokio::time::sleep_until(now + timeouts.header)),
        }
    }

    /// Follows the bytes just read through the phases.
    fn saw_read(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let now = Instant::now();
        self.last_activity = now;
        if !self.started {
            self.started = true;
            if bytes.starts_with(PREFACE) {
                self.phase = Phase::Http2;
                return;
            }
        }
        if self.phase == Phase::Answered {
            self.phase = Phase::Head { tail: 0 };
            self.head_deadline = now + self.timeouts.header;
        }
        if let Phase::Head { mut tail } = self.phase {
            for b in bytes {
                tail = if *b == END_OF_HEAD[tail as usize] {
                    tail + 1
                } else if *b == b'\r' {
                    1
                } else {
                    0
                };
                if tail == 4 {
                    self.phase = Phase::Request;
                    return;
                }
            }
            self.phase = Phase::Head { tail };
        }
    }

    /// Follows bytes just written: a final answer (not an interim `1xx`) ends the exchange.
    fn saw_write(&mut self, first: &[u8], n: usize) {
        if n == 0 {
            return;
        }
        self.last_activity = Instant::now();
        if self.phase == Phase::Request && !first.starts_with(b"HTTP/1.1 1") {
            self.phase = Phase::Answered;
        }
    }

    /// The deadline that applies while waiting for bytes, if any.
    fn deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Head { .. } => Some(
                self.head_deadline
                    .min(self.last_activity + self.timeouts.idle),
            ),
            Phase::Request | Phase::Answered => Some(self.last_activity + self.timeouts.idle),
            Phase::Http2 => None,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for TimedStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let this = &mut *self;
                this.saw_read(&buf.filled()[before..]);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                let Some(deadline) = self.deadline() else {
                    return Poll::Pending;
                };
                if self.timer.deadline() != deadline {
                    self.timer.as_mut().reset(deadline);
                }
                match self.timer.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        let what = if matches!(self.phase, Phase::Head { .. })
                            && self.head_deadline <= deadline
                        {
                            "the request head did not arrive within the header timeout"
                        } else {
                            "the connection was idle past the keep-alive timeout"
                        };
                        Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, what)))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for TimedStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            self.saw_write(buf, n);
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = r {
            let first = bufs
                .iter()
                .find(|b| !b.is_empty())
                .map_or(&[][..], |b| &b[..]);
            self.saw_write(first, n);
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

    const T: Timeouts = Timeouts {
        header: Duration::from_secs(10),
        idle: Duration::from_secs(75),
    };

    #[tokio::test(start_paused = true)]
    async fn an_idle_pause_between_requests_keeps_the_connection_and_a_slow_head_does_not() {
        let (mut client, server) = duplex(4096);
        let mut s = TimedStream::new(server, T);
        let mut buf = [0u8; 256];
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let n = s.read(&mut buf).await.unwrap();
        assert_eq!(s.phase, Phase::Request, "{:?}", &buf[..n]);
        s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        assert_eq!(s.phase, Phase::Answered);
        // A person pauses 60 s (past the header timeout, within the idle one)...
        tokio::time::advance(Duration::from_secs(60)).await;
        client.write_all(b"POST /x HTTP/1.1\r\nHost").await.unwrap();
        let n = s.read(&mut buf).await.unwrap();
        assert!(n > 0 && matches!(s.phase, Phase::Head { .. }));
        // ...but a head that stalls past the header timeout ends the connection.
        let stalled = tokio::time::timeout(Duration::from_secs(11), s.read(&mut buf)).await;
        let err = stalled.expect("the read ends").expect_err("timed out");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(err.to_string().contains("header timeout"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn silence_past_the_idle_timeout_ends_the_connection() {
        let (mut client, server) = duplex(4096);
        let mut s = TimedStream::new(server, T);
        let mut buf = [0u8; 256];
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        assert!(s.read(&mut buf).await.unwrap() > 0);
        s.write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
            .await
            .unwrap();
        let answered = Instant::now();
        let err = s.read(&mut buf).await.expect_err("idle");
        assert!(err.to_string().contains("keep-alive"), "{err}");
        assert_eq!(answered.elapsed(), T.idle);
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_connection_must_send_its_head_within_the_header_timeout() {
        let (_client, server) = duplex(4096);
        let mut s = TimedStream::new(server, T);
        let mut buf = [0u8; 16];
        let started = Instant::now();
        let err = s.read(&mut buf).await.expect_err("timed out");
        assert!(err.to_string().contains("header timeout"), "{err}");
        assert_eq!(started.elapsed(), T.header);
    }

    #[tokio::test(start_paused = true)]
    async fn a_streamed_answer_keeps_a_silent_client_connected_and_interim_answers_do_not_end_a_request()
     {
        let (mut client, server) = duplex(1 << 16);
        let mut s = TimedStream::new(server, T);
        let mut buf = [0u8; 256];
        client
            .write_all(b"POST / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n")
            .await
            .unwrap();
        assert!(s.read(&mut buf).await.unwrap() > 0);
        s.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await.unwrap();
        assert_eq!(s.phase, Phase::Request, "an interim answer");
        // A stream that writes every 15 s for 5 minutes: never idle.
        for _ in 0..20 {
            tokio::time::advance(Duration::from_secs(15)).await;
            s.write_all(b": keepalive\n\n").await.unwrap();
        }
        let more = tokio::time::timeout(Duration::from_secs(1), s.read(&mut buf)).await;
        assert!(more.is_err(), "still waiting, not closed");
        let _ = client.flush().await;
    }

    #[tokio::test]
    async fn the_end_of_a_head_is_found_across_reads() {
        let mut s = TimedStream::new(tokio::io::empty(), T);
        for chunk in [&b"GET / HTTP/1.1\r"[..], b"\nA: b\r\n\r", b"\n"] {
            s.saw_read(chunk);
        }
        assert_eq!(s.phase, Phase::Request);
        let mut h2 = TimedStream::new(tokio::io::empty(), T);
        h2.saw_read(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        assert_eq!(h2.phase, Phase::Http2);
        assert_eq!(h2.deadline(), None);
    }
}
