//! The client handle: calls over one shared connection, with deadlines, reconnects and
//! retries of idempotent calls.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::ToSocketAddrs;
use tokio::time::Instant;

use crate::schema::Describe;
use crate::transport::{
    Client, ConnectError, Connection, ConnectionError, HelloMode, LocalHello, Metrics,
};
use crate::{DecodeOwned, DecodeProtocol, Protocol};

use super::downstream::FromServer;
use super::session::Session;
use super::signal::ClientFrame;
use super::{CallOptions, RpcClientConfig, RpcError, RpcStream};

/// A client of a request/response service: `Req` is the request protocol, `Resp` the
/// response protocol, `E` the application error.
///
/// Cheap to clone: every clone shares one connection, on which any number of calls are
/// in flight at once, each with its own correlation id, answered in any order.
///
/// - Each call has a deadline ([`RpcClientConfig::call_timeout`], or
///   [`CallOptions::with_timeout`]); past it the call fails with
///   [`RpcError::Timeout`] and a late reply is dropped.
/// - When the connection fails, the calls waiting on it fail at once with
///   [`RpcError::OutcomeUnknown`] (their requests were sent: the server may have run
///   them); when the server says GOODBYE, new calls fail at once while the calls in
///   flight are answered. A call whose request could not be sent fails with
///   [`RpcError::Connection`].
/// - A call that finds the connection gone makes a new one (unless
///   [`RpcClientConfig::with_reconnect`] says not to), pacing failed attempts with the
///   [`Backoff`](crate::transport::Backoff) of [`RpcClientConfig::client`].
/// - Only calls marked [`CallOptions::idempotent`] are sent again after a failure, and
///   only they after [`RpcError::OutcomeUnknown`].
///
/// ```
/// use wirewright::rpc::{RpcClient, RpcClientConfig, RpcServer, RpcServerConfig};
/// use wirewright::Message;
///
/// #[derive(Message, Debug, Clone, PartialEq)]
/// #[wire(id = 1)]
/// struct Square(u32);
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(id = 2)]
/// struct Squared(u64);
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let (client_io, server_io) = tokio::io::duplex(4096);
/// let server = RpcServer::new(RpcServerConfig::new(), |Square(n): Square| async move {
///     Ok::<_, String>(Squared(u64::from(n) * u64::from(n)))
/// });
/// tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
///
/// let client = RpcClient::<Square, Squared, String>::over(client_io, RpcClientConfig::new());
/// let other = client.clone(); // shares the connection
/// let (a, b) = tokio::join!(client.call(Square(3)), other.call(Square(4)));
/// assert_eq!((a?, b?), (Squared(9), Squared(16)));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct RpcClient<Req, Resp, E> {
    inner: Arc<Inner<Req, Resp, E>>,
}

impl<Req, Resp, E> Clone for RpcClient<Req, Resp, E> {
    fn clone(&self) -> Self {
        RpcClient {
            inner: Arc::clone(&self.inner),
        }
    }
}

/// A connection, shared by the client and the calls running on it.
type SharedSession<Req, Resp, E> = Arc<Session<Req, Resp, E>>;

#[derive(Debug)]
struct Inner<Req, Resp, E> {
    config: RpcClientConfig,
    transport: Client,
    metrics: Metrics,
    /// Where to reconnect; `None` for a client over a given stream.
    addrs: Option<Vec<SocketAddr>>,
    /// The HELLO each connection opens with: the schema of `(Req, Resp, E)`.
    hello: Option<Arc<LocalHello>>,
    session: Mutex<Option<SharedSession<Req, Resp, E>>>,
    /// Held while connecting, so that one call connects and the others wait for it.
    reconnect: tokio::sync::Mutex<Reconnect>,
    closed: AtomicBool,
    unmatched: Arc<AtomicU64>,
}

/// Failed connection attempts in a row, and when the next one is allowed.
#[derive(Debug, Default)]
struct Reconnect {
    failures: u32,
    not_before: Option<Instant>,
}

impl<Req, Resp, E> RpcClient<Req, Resp, E>
where
    Req: Protocol + Send + 'static,
    Resp: for<'de> DecodeProtocol<'de> + Send + 'static,
    E: DecodeOwned + Send + 'static,
{
    /// Connects to `addr` (retrying as the configured backoff allows).
    ///
    /// The addresses `addr` resolves to are kept for reconnecting.
    ///
    /// The connection opens with HELLO (SPEC.md §13.6) as
    /// [`ClientConfig::hello`](crate::transport::ClientConfig::hello) says, announcing
    /// the schema of the tuple `(Req, Resp, E)`; an [`RpcServer`](super::RpcServer)
    /// announces the same tuple.
    ///
    /// # Errors
    /// [`ConnectError::Exhausted`] when no attempt succeeded (or `addr` did not
    /// resolve); [`ConnectError::Hello`] when the server's schema is incompatible (or
    /// HELLO is required and the server does not answer). A failed HELLO on a later
    /// reconnect is [`RpcError::Connect`] with the [`HelloError`](crate::transport::HelloError)
    /// inside its `io::Error` (kind `InvalidData`).
    ///
    /// # Panics
    /// Outside a tokio runtime.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wirewright::rpc::{RpcClient, RpcClientConfig};
    /// use wirewright::transport::{Backoff, ClientConfig, ConnectError};
    /// # #[derive(wirewright::Message, Debug)] #[wire(id = 1)] struct Ping;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let closed_port = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    /// let backoff = Backoff::new().with_max_attempts(2).with_initial_delay(Duration::from_millis(10));
    /// let config = RpcClientConfig::new().with_client(ClientConfig::new().with_backoff(backoff));
    /// let err = RpcClient::<Ping, Ping, ()>::connect(closed_port, config).await.unwrap_err();
    /// assert!(matches!(err, ConnectError::Exhausted { attempts: 2, .. }));
    /// # }
    /// ```
    pub async fn connect(
        addr: impl ToSocketAddrs,
        config: RpcClientConfig,
    ) -> Result<Self, ConnectError>
    where
        Req: Describe,
        Resp: Describe,
        E: Describe,
    {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host(addr)
            .await
            .map_err(|last| ConnectError::Exhausted { attempts: 1, last })?
            .collect();
        let hello =
            (config.client().hello() != HelloMode::Off).then(LocalHello::of::<(Req, Resp, E)>);
        let transport = Client::new(config.client().clone());
        let (connection, driver) = transport.connect_driven(&addrs[..], hello.clone()).await?;
        let metrics = transport.metrics().clone();
        Ok(Self::start(
            config,
            transport,
            metrics,
            Some((addrs, hello)),
            connection,
            driver,
        ))
    }

    /// A client over `io` (one end of `tokio::io::duplex`, a Unix socket, a TLS
    /// stream...), with the connection settings of `config.client()`. It cannot
    /// reconnect: once the connection is gone, calls fail with
    /// [`RpcError::Connection`]. No HELLO is exchanged over a stream of your own (pair it
    /// with [`RpcServer::serve_io`](super::RpcServer::serve_io), which expects none).
    ///
    /// # Panics
    /// Outside a tokio runtime.
    ///
    /// ```
    /// use wirewright::rpc::{RpcClient, RpcClientConfig, RpcError};
    /// # #[derive(wirewright::Message, Debug, Clone)] #[wire(id = 1)] struct Ping;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (io, peer) = tokio::io::duplex(1024);
    /// let client = RpcClient::<Ping, Ping, ()>::over(io, RpcClientConfig::new());
    /// drop(peer); // the server vanishes
    /// // Not sent, or sent just before the loss was noticed (then it may have run).
    /// let err = client.call(Ping).await.unwrap_err();
    /// assert!(matches!(err, RpcError::Connection(_) | RpcError::OutcomeUnknown(_)));
    /// # }
    /// ```
    pub fn over<T>(io: T, config: RpcClientConfig) -> Self
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let (connection, driver) = Connection::with_driver(io, config.client().connection());
        let metrics = connection.metrics().clone();
        let transport = Client::new(config.client().clone());
        Self::start(config, transport, metrics, None, connection, driver)
    }

    fn start(
        config: RpcClientConfig,
        transport: Client,
        metrics: Metrics,
        reconnect_to: Option<(Vec<SocketAddr>, Option<Arc<LocalHello>>)>,
        connection: Connection<FromServer<Resp, E>, ClientFrame<Req>>,
        driver: crate::transport::ConnectionDriver,
    ) -> Self {
        let unmatched = Arc::new(AtomicU64::new(0));
        let (addrs, hello) = match reconnect_to {
            Some((addrs, hello)) => (Some(addrs), hello),
            None => (None, None),
        };
        let signals = config.call_signals();
        let session = Session::start(connection, driver, Arc::clone(&unmatched), signals);
        RpcClient {
            inner: Arc::new(Inner {
                config,
                transport,
                metrics,
                addrs,
                hello,
                session: Mutex::new(Some(session)),
                reconnect: tokio::sync::Mutex::new(Reconnect::default()),
                closed: AtomicBool::new(false),
                unmatched,
            }),
        }
    }

    /// Sends `request` and waits for its reply, within the client's
    /// [`call_timeout`](RpcClientConfig::call_timeout). The call is not retried.
    ///
    /// # Errors
    /// The handler's own error as [`RpcError::Application`], the server's failure as
    /// [`RpcError::Failed`], and otherwise [`RpcError::Timeout`],
    /// [`RpcError::Connection`] (not sent), [`RpcError::OutcomeUnknown`] (sent, and the
    /// connection ended before the reply), [`RpcError::Connect`], [`RpcError::Unavailable`],
    /// [`RpcError::InvalidReply`] or [`RpcError::Closed`].
    ///
    /// ```
    /// # use wirewright::rpc::{RpcClient, RpcClientConfig, RpcServer, RpcServerConfig, RpcError};
    /// # #[derive(wirewright::Message, Debug, Clone, PartialEq)] #[wire(id = 1)] struct Get(String);
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 2)] struct Value(u32);
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (io, server_io) = tokio::io::duplex(4096);
    /// let server = RpcServer::new(RpcServerConfig::new(), |Get(key): Get| async move {
    ///     if key == "answer" { Ok(Value(42)) } else { Err(format!("no key {key:?}")) }
    /// });
    /// # tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
    /// # let client = RpcClient::<Get, Value, String>::over(io, RpcClientConfig::new());
    /// assert_eq!(client.call(Get("answer".into())).await.unwrap(), Value(42));
    /// let err = client.call(Get("question".into())).await.unwrap_err();
    /// assert!(matches!(err, RpcError::Application(message) if message == "no key \"question\""));
    /// # }
    /// ```
    pub async fn call(&self, request: Req) -> Result<Resp, RpcError<E>> {
        let timeout = self.inner.config.call_timeout();
        self.call_once(request, Instant::now() + timeout, timeout)
            .await
    }

    /// Sends `request` with `options`: its own deadline, and, when it is
    /// [idempotent](CallOptions::idempotent), retries (on a new connection if need be)
    /// after an error that [`RpcError::is_retryable`] allows or whose outcome is unknown
    /// ([`RpcError::is_outcome_unknown`]: running an idempotent call twice is harmless),
    /// waiting the backoff's delay between attempts, up to its number of attempts and
    /// within the deadline. A call that is not idempotent is never retried.
    ///
    /// # Errors
    /// As [`call`](Self::call), from the last attempt.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use wirewright::rpc::{CallOptions, RpcClient, RpcClientConfig, RpcServer, RpcServerConfig, RpcError};
    /// # #[derive(wirewright::Message, Debug, Clone, PartialEq)] #[wire(id = 1)] struct Sleep(u64);
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// # let (io, server_io) = tokio::io::duplex(4096);
    /// let server = RpcServer::new(RpcServerConfig::new(), |Sleep(ms): Sleep| async move {
    ///     tokio::time::sleep(Duration::from_millis(ms)).await;
    ///     Ok::<_, ()>(Sleep(ms))
    /// });
    /// # tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
    /// # let client = RpcClient::<Sleep, Sleep, ()>::over(io, RpcClientConfig::new());
    /// let options = CallOptions::new().with_timeout(Duration::from_millis(100)).idempotent();
    /// let err = client.call_with(Sleep(500), options).await.unwrap_err();
    /// assert!(matches!(err, RpcError::Timeout { .. }));
    /// assert_eq!(client.call_with(Sleep(5), options).await.unwrap(), Sleep(5));
    /// # }
    /// ```
    pub async fn call_with(&self, request: Req, options: CallOptions) -> Result<Resp, RpcError<E>>
    where
        Req: Clone,
    {
        let timeout = options
            .timeout()
            .unwrap_or_else(|| self.inner.config.call_timeout());
        let deadline = Instant::now() + timeout;
        if options.is_idempotent() {
            self.retrying(request, deadline, timeout).await
        } else {
            self.call_once(request, deadline, timeout).await
        }
    }

    /// One attempt, failing with [`RpcError::Timeout`] at `deadline`. Only a call that
    /// must connect or wait for room in the send queue sets a timer of its own; the
    /// connection's dispatcher enforces the deadlines of the calls waiting for replies.
    async fn call_once(
        &self,
        request: Req,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<Resp, RpcError<E>> {
        let session = match self.current()? {
            Some(session) => session,
            None => tokio::time::timeout_at(deadline, self.reconnect())
                .await
                .map_err(|_| RpcError::Timeout { timeout })??,
        };
        session.call(request, deadline, timeout).await
    }

    /// Opens a server stream (SPEC.md §11.8): sends `request` to a handler that answers
    /// with a stream ([`RpcServer::streaming`](super::RpcServer::streaming), or a
    /// streaming method of a [`#[service]`](crate::service)), and returns its items once
    /// the server opened it.
    ///
    /// - With [`CallOptions::with_timeout`], the whole stream has that deadline: the
    ///   server stops it then (code 7) and the reader fails with [`RpcError::Timeout`].
    ///   Without, opening waits up to the client's
    ///   [`call_timeout`](RpcClientConfig::call_timeout) and the stream runs until it
    ///   ends or is dropped.
    /// - The server sends at most [`RpcClientConfig::stream_window`] bytes of items ahead
    ///   of the reader; dropping the stream cancels it (CANCEL: the server drops the
    ///   handler's stream). Streams are not retried, idempotent or not.
    ///
    /// The server must implement §11.7 and §11.8 (a wirewright server does).
    ///
    /// # Errors
    /// As [`call`](Self::call), for a call that failed before the stream opened (the
    /// handler's error, [`RpcError::Failed`] with code 1, 4...).
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use wirewright::rpc::{Answer, CallOptions, RpcClient, RpcClientConfig, RpcError, RpcServer, RpcServerConfig};
    /// # #[derive(wirewright::Message, Debug, Clone, PartialEq)] #[wire(id = 1)] struct Tick(u32);
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let server = RpcServer::streaming(RpcServerConfig::new(), |Tick(n): Tick| async move {
    ///     let ticks = futures_util::stream::iter((0..n).map(Tick).map(Ok))
    ///         .chain(futures_util::stream::once(async { Err("out of ticks".to_string()) }));
    ///     Answer::from_stream(Ok(ticks), std::convert::identity)
    /// });
    /// # let (io, server_io) = tokio::io::duplex(4096);
    /// # tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
    /// let client = RpcClient::<Tick, Tick, String>::over(io, RpcClientConfig::new());
    /// let mut ticks = client.stream(Tick(2), CallOptions::new()).await.unwrap();
    /// assert_eq!(ticks.next().await.unwrap().unwrap(), Tick(0));
    /// assert_eq!(ticks.next().await.unwrap().unwrap(), Tick(1));
    /// let end = ticks.next().await.unwrap().unwrap_err();
    /// assert!(matches!(end, RpcError::Application(message) if message == "out of ticks"));
    /// assert!(ticks.next().await.is_none());
    /// # }
    /// ```
    pub async fn stream(
        &self,
        request: Req,
        options: CallOptions,
    ) -> Result<RpcStream<Resp, E>, RpcError<E>> {
        let start = Instant::now();
        let open_timeout = options
            .timeout()
            .unwrap_or_else(|| self.inner.config.call_timeout());
        let open_by = start + open_timeout;
        let deadline = options.timeout().map(|timeout| (start + timeout, timeout));
        let session = match self.current()? {
            Some(session) => session,
            None => tokio::time::timeout_at(open_by, self.reconnect())
                .await
                .map_err(|_| RpcError::Timeout {
                    timeout: open_timeout,
                })??,
        };
        session
            .open_stream(
                request,
                deadline,
                open_by,
                open_timeout,
                self.inner.config.stream_window(),
            )
            .await
    }

    /// Calls until an attempt succeeds, fails for good, or the attempts or the time
    /// run out.
    async fn retrying(
        &self,
        request: Req,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<Resp, RpcError<E>>
    where
        Req: Clone,
    {
        let backoff = *self.inner.config.client().backoff();
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.call_once(request.clone(), deadline, timeout).await {
                // Only idempotent calls get here: one that may have run may run again.
                Err(error)
                    if (error.is_retryable() || error.is_outcome_unknown())
                        && attempt < backoff.max_attempts() =>
                {
                    let delay = match error {
                        RpcError::Unavailable { retry_in, .. } => retry_in,
                        _ => backoff.delay(attempt - 1),
                    };
                    if Instant::now() + delay >= deadline {
                        return Err(error); // no time for another attempt
                    }
                    tracing::debug!(attempt, ?delay, "retrying an idempotent call");
                    tokio::time::sleep(delay).await;
                }
                outcome => return outcome,
            }
        }
    }

    /// A new connection, for a call that found none that takes calls (when reconnecting
    /// is allowed and the backoff does not forbid it yet).
    async fn reconnect(&self) -> Result<SharedSession<Req, Resp, E>, RpcError<E>> {
        let Some(addrs) = self.inner.addrs.as_deref() else {
            return Err(RpcError::Connection(ConnectionError::Closed));
        };
        if !self.inner.config.reconnect() {
            return Err(RpcError::Connection(ConnectionError::Closed));
        }
        let mut reconnect = self.inner.reconnect.lock().await;
        if let Some(session) = self.current()? {
            return Ok(session); // another call reconnected meanwhile
        }
        let now = Instant::now();
        if let Some(not_before) = reconnect.not_before.filter(|&at| at > now) {
            return Err(RpcError::Unavailable {
                failures: reconnect.failures,
                retry_in: not_before - now,
            });
        }
        let connected = self
            .inner
            .transport
            .connect_once(addrs, self.inner.hello.as_deref())
            .await
            .map_err(|error| match error {
                ConnectError::Exhausted { last, .. } => last,
                other => std::io::Error::new(std::io::ErrorKind::InvalidData, other),
            });
        match connected {
            Ok((connection, driver)) => {
                tracing::debug!(failures = reconnect.failures, "reconnected");
                *reconnect = Reconnect::default();
                let session = Session::start(
                    connection,
                    driver,
                    Arc::clone(&self.inner.unmatched),
                    self.inner.config.call_signals(),
                );
                *self.lock_session() = Some(Arc::clone(&session));
                Ok(session)
            }
            Err(error) => {
                reconnect.failures += 1;
                let delay = self
                    .inner
                    .config
                    .client()
                    .backoff()
                    .delay(reconnect.failures - 1);
                reconnect.not_before = Some(now + delay);
                tracing::debug!(failures = reconnect.failures, %error, ?delay, "reconnecting failed");
                Err(RpcError::Connect(error))
            }
        }
    }
}

impl<Req, Resp, E> RpcClient<Req, Resp, E> {
    fn lock_session(&self) -> std::sync::MutexGuard<'_, Option<SharedSession<Req, Resp, E>>> {
        self.inner
            .session
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The current connection if it takes calls.
    fn current(&self) -> Result<Option<SharedSession<Req, Resp, E>>, RpcError<E>> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(RpcError::Closed);
        }
        Ok(self
            .lock_session()
            .as_ref()
            .filter(|session| session.is_usable())
            .map(Arc::clone))
    }

    /// How many calls wait for their replies on the current connection (sent, or being
    /// sent, and not yet answered, timed out or failed).
    ///
    /// ```
    /// # use wirewright::rpc::{RpcClient, RpcClientConfig};
    /// # #[derive(wirewright::Message, Debug, Clone)] #[wire(id = 1)] struct Ping;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (io, _peer) = tokio::io::duplex(1024);
    /// let client = RpcClient::<Ping, Ping, ()>::over(io, RpcClientConfig::new());
    /// assert_eq!(client.pending_calls(), 0);
    /// # }
    /// ```
    pub fn pending_calls(&self) -> usize {
        self.lock_session()
            .as_ref()
            .map_or(0, |session| session.pending_calls())
    }

    /// The encoded length (payload bytes) of the requests of the calls that wait for
    /// their replies on the current connection: what the server may still be working on.
    ///
    /// ```
    /// # use wirewright::rpc::{RpcClient, RpcClientConfig};
    /// # #[derive(wirewright::Message, Debug, Clone)] #[wire(id = 1)] struct Ping;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (io, _peer) = tokio::io::duplex(1024);
    /// let client = RpcClient::<Ping, Ping, ()>::over(io, RpcClientConfig::new());
    /// assert_eq!(client.pending_bytes(), 0);
    /// # }
    /// ```
    pub fn pending_bytes(&self) -> usize {
        self.lock_session()
            .as_ref()
            .map_or(0, |session| session.pending_bytes())
    }

    /// How many replies matched no waiting call and were dropped: replies that came
    /// after their call's deadline, or with a correlation id no call had.
    ///
    /// ```
    /// # use wirewright::rpc::{RpcClient, RpcClientConfig};
    /// # #[derive(wirewright::Message, Debug, Clone)] #[wire(id = 1)] struct Ping;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (io, _peer) = tokio::io::duplex(1024);
    /// let client = RpcClient::<Ping, Ping, ()>::over(io, RpcClientConfig::new());
    /// assert_eq!(client.unmatched_replies(), 0);
    /// # }
    /// ```
    pub fn unmatched_replies(&self) -> u64 {
        self.inner.unmatched.load(Ordering::Relaxed)
    }

    /// The transport's counters (frames, bytes, connections) of the client's
    /// connections.
    ///
    /// ```
    /// # use wirewright::rpc::{RpcClient, RpcClientConfig};
    /// # #[derive(wirewright::Message, Debug, Clone)] #[wire(id = 1)] struct Ping;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (io, _peer) = tokio::io::duplex(1024);
    /// let client = RpcClient::<Ping, Ping, ()>::over(io, RpcClientConfig::new());
    /// assert_eq!(client.metrics().frames_out(), 0);
    /// # }
    /// ```
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Closes the client: new calls (from any clone) fail with [`RpcError::Closed`];
    /// waits until the calls in flight have finished and the connection has closed
    /// (GOODBYE, normal).
    ///
    /// ```
    /// # use wirewright::rpc::{RpcClient, RpcClientConfig, RpcError};
    /// # #[derive(wirewright::Message, Debug, Clone)] #[wire(id = 1)] struct Ping;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (io, peer) = tokio::io::duplex(1024);
    /// # let _peer = wirewright::transport::Connection::<Ping>::spawn(peer, &Default::default());
    /// let client = RpcClient::<Ping, Ping, ()>::over(io, RpcClientConfig::new());
    /// client.close().await;
    /// assert!(matches!(client.call(Ping).await, Err(RpcError::Closed)));
    /// # }
    /// ```
    pub async fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
        let session = self.lock_session().take();
        if let Some(session) = session {
            let finished = session.finished();
            drop(session);
            finished.cancelled().await;
        }
    }
}
