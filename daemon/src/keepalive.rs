//! Two timeouts on every connection, which hyper folds into one (`header_read_timeout`
//! also times the idle wait between keep-alive requests: hyperium/hyper#3185, #3828):
//!
//! - **header timeout** (`--header-timeout`, 10 s): once a request has begun (its first
//!   byte, or the accept of a new connection), hyper must have read its whole head and
//!   handed it to the service within it, or the connection is closed (slow-loris
//!   protection: bytes trickled in, blank lines first, or a head never ended cannot
//!   extend it).
//! - **keep-alive idle timeout** (`--keepalive-timeout`, 75 s): a connection with no
//!   request in flight and nothing new from the client for this long after its last
//!   answer ended is closed. Between requests a client may pause for it without losing the
//!   connection, so a person answering a prompt (`wt login`, then a code typed 15 s later)
//!   reuses it safely.
//!
//! While a request is being handled or its answer is being sent (an audit stream may last
//! hours) neither applies: the request timeout and the stream's own rules do.
//!
//! Why 75 s: longer than the idle timeout of the load balancers and proxies commonly put in
//! front (AWS ALB 60 s, nginx's `keepalive_timeout` 75 s), so a proxy never sends on a
//! connection `wtd` has just closed; `wt` itself keeps idle connections for less
//! (`wt_cli::client::POOL_IDLE_TIMEOUT`).
//!
//! How: [`TimedAcceptor`] wraps each accepted stream (after TLS) in a [`TimedStream`] and
//! the connection's service in a [`TimedService`]; they share a [`Exchange`]. The service
//! marks a head as complete when hyper calls it, and an exchange as over when the answer's
//! body ends or is dropped; the stream applies the deadline that fits while it waits for
//! bytes. For HTTP/2 (its preface) only the idle timeout applies, while no stream is open.
//! Hyper's own header timer is turned off (`server::harden`).

use axum::http::{Request, Response};
use axum_server::accept::Accept;
use futures_util::future::BoxFuture;
use http_body::{Body, Frame, SizeHint};
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// The two deadlines of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub header: Duration,
    pub idle: Duration,
}

/// What the service side tells the stream side of one connection.
#[derive(Debug)]
struct Shared {
    /// Requests handed to the service whose answers have not ended.
    in_flight: usize,
    /// Heads handed to the service so far.
    dispatched: u64,
    /// When the last answer ended (or the connection was accepted).
    idle_since: Instant,
    /// The stream's pending read, woken when an answer ends so the idle deadline starts.
    reader: Option<Waker>,
}

/// The state shared by a connection's stream and service.
#[derive(Debug, Clone)]
pub struct Exchange(Arc<Mutex<Shared>>);

impl Exchange {
    fn new() -> Self {
        Exchange(Arc::new(Mutex::new(Shared {
            in_flight: 0,
            dispatched: 0,
            idle_since: Instant::now(),
            reader: None,
        })))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A head was read and handed to the service.
    fn begin(&self) -> Finish {
        let mut s = self.lock();
        s.in_flight += 1;
        s.dispatched += 1;
        Finish(Some(self.clone()))
    }
}

/// Ends one exchange when dropped (or when its answer's body ends).
#[derive(Debug)]
pub struct Finish(Option<Exchange>);

impl Finish {
    fn done(&mut self) {
        if let Some(ex) = self.0.take() {
            let mut s = ex.lock();
            s.in_flight = s.in_flight.saturating_sub(1);
            if s.in_flight == 0 {
                s.idle_since = Instant::now();
                if let Some(w) = s.reader.take() {
                    w.wake();
                }
            }
        }
    }
}

impl Drop for Finish {
    fn drop(&mut self) {
        self.done();
    }
}

/// Wraps another acceptor's streams in [`TimedStream`] and its services in
/// [`TimedService`].
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
    type Service = TimedService<A::Service>;
    type Future = BoxFuture<'static, io::Result<(Self::Stream, Self::Service)>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let accepted = self.inner.accept(stream, service);
        let timeouts = self.timeouts;
        Box::pin(async move {
            let (stream, service) = accepted.await?;
            let exchange = Exchange::new();
            Ok((
                TimedStream::new(stream, timeouts, exchange.clone()),
                TimedService {
                    inner: service,
                    exchange,
                },
            ))
        })
    }
}

/// The connection's service: each call marks a head complete, and its answer's end ends
/// the exchange.
#[derive(Debug, Clone)]
pub struct TimedService<S> {
    inner: S,
    exchange: Exchange,
}

impl<S, B, ReqBody> tower::Service<Request<ReqBody>> for TimedService<S>
where
    S: tower::Service<Request<ReqBody>, Response = Response<B>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
{
    type Response = Response<TimedBody<B>>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let finish = self.exchange.begin();
        let answer = self.inner.call(req);
        Box::pin(async move {
            let resp = answer.await?;
            Ok(resp.map(|inner| TimedBody {
                inner,
                finish: Some(finish),
            }))
        })
    }
}

/// An answer's body that ends its exchange when it ends or is dropped.
#[derive(Debug)]
pub struct TimedBody<B> {
    inner: B,
    finish: Option<Finish>,
}

impl<B: Body + Unpin> Body for TimedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let r = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(None) = r {
            self.finish.take();
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// An accepted connection with the deadlines of the module docs.
pub struct TimedStream<S> {
    inner: S,
    timeouts: Timeouts,
    exchange: Exchange,
    /// Recognised from the first bytes read.
    http2: Option<bool>,
    /// The head being read: when it began, and how many heads had been dispatched then.
    head: Option<(Instant, u64)>,
    last_read: Instant,
    timer: Pin<Box<Sleep>>,
}

const PREFACE: &[u8] = b"PRI * HTTP/2.0";

impl<S> TimedStream<S> {
    fn new(inner: S, timeouts: Timeouts, exchange: Exchange) -> Self {
        let now = Instant::now();
        Self {
            inner,
            timeouts,
            exchange,
            http2: None,
            head: Some((now, 0)),
            last_read: now,
            timer: Box::pin(tokio::time::sleep_until(now + timeouts.header)),
        }
    }

    /// Bytes arrived: the first ones after an answer begin a new head.
    fn saw_read(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let now = Instant::now();
        self.last_read = now;
        if self.http2.is_none() {
            self.http2 = Some(bytes.starts_with(PREFACE));
        }
        let s = self.exchange.lock();
        let head_pending = self.head.is_some_and(|(_, at)| s.dispatched == at);
        if s.in_flight == 0 && !head_pending {
            self.head = Some((now, s.dispatched));
        }
    }

    /// Why and when the connection ends if nothing arrives, while waiting for bytes.
    fn deadline(&self, cx: &Context<'_>) -> Option<(Instant, &'static str)> {
        let mut s = self.exchange.lock();
        s.reader = Some(cx.waker().clone());
        if s.in_flight > 0 {
            return None;
        }
        let idle = (
            s.idle_since.max(self.last_read) + self.timeouts.idle,
            "the connection was idle past the keep-alive timeout",
        );
        if self.http2 == Some(true) {
            return Some(idle);
        }
        match self.head {
            Some((began, at)) if s.dispatched == at => Some((
                began + self.timeouts.header,
                "the request head did not arrive within the header timeout",
            )),
            _ => Some(idle),
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
                let Some((deadline, why)) = self.deadline(cx) else {
                    return Poll::Pending;
                };
                if self.timer.deadline() != deadline {
                    self.timer.as_mut().reset(deadline);
                }
                match self.timer.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, why)))
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
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
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

    fn pair() -> (
        tokio::io::DuplexStream,
        TimedStream<tokio::io::DuplexStream>,
        Exchange,
    ) {
        let (client, server) = duplex(1 << 16);
        let ex = Exchange::new();
        (client, TimedStream::new(server, T, ex.clone()), ex)
    }

    async fn read_err(s: &mut TimedStream<tokio::io::DuplexStream>) -> io::Error {
        let mut buf = [0u8; 256];
        loop {
            match s.read(&mut buf).await {
                Ok(0) => panic!("closed, not timed out"),
                Ok(_) => {}
                Err(e) => return e,
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_pause_between_requests_keeps_the_connection_and_a_slow_head_does_not() {
        let (mut client, mut s, ex) = pair();
        let mut buf = [0u8; 256];
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        assert!(s.read(&mut buf).await.unwrap() > 0);
        drop(ex.begin()); // handed to the service and answered
        // A person pauses 60 s (past the header timeout, within the idle one)...
        tokio::time::advance(Duration::from_secs(60)).await;
        client.write_all(b"POST /x HTTP/1.1\r\nHost").await.unwrap();
        assert!(s.read(&mut buf).await.unwrap() > 0);
        // ...but a head that stalls past the header timeout ends the connection.
        let started = Instant::now();
        let err = read_err(&mut s).await;
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(err.to_string().contains("header timeout"), "{err}");
        assert_eq!(started.elapsed(), T.header);
    }

    #[tokio::test(start_paused = true)]
    async fn blank_lines_and_trickled_bytes_do_not_extend_the_header_timeout() {
        let (mut client, mut s, _ex) = pair();
        let accepted = Instant::now();
        let trickle = tokio::spawn(async move {
            client.write_all(b"\r\n\r\n").await.unwrap();
            for _ in 0..30 {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if client.write_all(b"G").await.is_err() {
                    break;
                }
            }
            client
        });
        let err = read_err(&mut s).await;
        assert!(err.to_string().contains("header timeout"), "{err}");
        assert_eq!(accepted.elapsed(), T.header);
        drop(s);
        let _ = trickle.await;
    }

    #[tokio::test(start_paused = true)]
    async fn silence_past_the_idle_timeout_after_an_answer_ends_the_connection() {
        let (mut client, mut s, ex) = pair();
        let mut buf = [0u8; 256];
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        assert!(s.read(&mut buf).await.unwrap() > 0);
        let finish = ex.begin();
        // While the answer is being made or sent, nothing times out (a stream may last).
        let waited = tokio::time::timeout(Duration::from_secs(600), s.read(&mut buf)).await;
        assert!(waited.is_err(), "still open after 10 minutes in flight");
        drop(finish);
        let answered = Instant::now();
        let err = read_err(&mut s).await;
        assert!(err.to_string().contains("keep-alive"), "{err}");
        assert_eq!(answered.elapsed(), T.idle);
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_connection_must_send_its_head_within_the_header_timeout() {
        let (_client, mut s, _ex) = pair();
        let started = Instant::now();
        let err = read_err(&mut s).await;
        assert!(err.to_string().contains("header timeout"), "{err}");
        assert_eq!(started.elapsed(), T.header);
    }

    #[tokio::test(start_paused = true)]
    async fn an_http2_connection_is_held_to_the_idle_timeout_only() {
        let (mut client, mut s, _ex) = pair();
        client
            .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
            .await
            .unwrap();
        let started = Instant::now();
        let err = read_err(&mut s).await;
        assert!(err.to_string().contains("keep-alive"), "{err}");
        assert_eq!(started.elapsed(), T.idle);
    }
}
