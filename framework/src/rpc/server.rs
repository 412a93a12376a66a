//! The server side: run a handler for each request of a connection, concurrently up
//! to a limit, and send back its reply with the request's correlation id.

use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::future::AbortHandle;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use crate::schema::Describe;
use crate::transport::{
    Connection, ConnectionConfig, ConnectionError, HelloMode, LocalHello, MessageReceiver,
    MessageSender, Server,
};
use crate::{DecodeProtocol, Encode, FrameError, Protocol};

use super::budget::ReplyBudget;
use super::credit::Credit;
use super::inflight::{Granted, InFlight};
use super::pump::pump;
use super::{
    Answer, Context, ErrorCode, Failure, Handler, Inbound, Outbound, Reply, RpcServerConfig,
    Signal, StreamingFn,
};

/// A request/response service: `handler` answers each request of protocol `Req` with a
/// response of protocol `Resp`, or with an application error `E` that reaches the caller
/// typed ([`RpcError::Application`](super::RpcError::Application)).
///
/// On each connection:
/// - up to [`RpcServerConfig::max_in_flight`] calls run at once (interleaved on the
///   connection's task: spawn inside the handler for CPU-heavy work); beyond that the
///   server stops reading, or answers [`ErrorCode::Overloaded`] if
///   [`RpcServerConfig::reject_when_busy`];
/// - replies go back in the order calls finish, each with its request's correlation id;
///   the replies waiting to be written out are bounded in bytes by
///   [`RpcServerConfig::reply_budget`]: when it is full the server stops reading requests
///   and taking finished calls until the peer reads (backpressure);
/// - every request gets exactly one answer: a request of a type the protocol does not
///   know, or whose payload does not decode, is answered with
///   [`ErrorCode::UnknownRequest`] or [`ErrorCode::InvalidRequest`], and the connection
///   stays open; a handler that panics is answered with [`ErrorCode::HandlerFailed`]; a
///   reply larger than the frame limit with [`ErrorCode::ReplyTooLarge`];
/// - a message frame with correlation id 0 is not a request and is not answered; one
///   that does not decode is a protocol error (GOODBYE reason 4, SPEC.md §11.4);
/// - when the input ends (the client's GOODBYE, the end of its stream), the calls
///   already received are run and answered before the connection closes;
/// - when the server shuts down (GOODBYE, reason 1), the calls already received are run
///   and answered; requests that arrive after the GOODBYE (sent before the client knew)
///   are answered with [`ErrorCode::ShuttingDown`] without running them.
///
/// ```
/// use std::convert::Infallible; // the handler cannot fail
/// use wirewright::rpc::{RpcClient, RpcClientConfig, RpcServer, RpcServerConfig};
/// use wirewright::transport::{Server, ServerConfig};
/// use wirewright::Message;
///
/// #[derive(Message, Debug, Clone)]
/// #[wire(id = 1)]
/// struct Add(u32, u32);
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(id = 2)]
/// struct Sum(u64);
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = Server::bind("127.0.0.1:0", ServerConfig::new()).await?;
/// let addr = server.local_addr()?;
/// let shutdown = server.shutdown_token();
/// let rpc = RpcServer::new(RpcServerConfig::new(), |Add(a, b): Add| async move {
///     Ok::<_, Infallible>(Sum(u64::from(a) + u64::from(b)))
/// });
/// let serving = tokio::spawn(rpc.serve(server));
///
/// let client = RpcClient::<Add, Sum, Infallible>::connect(addr, RpcClientConfig::new()).await?;
/// assert_eq!(client.call(Add(2, 3)).await?, Sum(5));
/// client.close().await;
/// shutdown.cancel();
/// serving.await??;
/// # Ok(())
/// # }
/// ```
pub struct RpcServer<Req, Resp, E, H> {
    shared: Arc<Shared<H>>,
    protocols: PhantomData<fn(Req) -> (Resp, E)>,
}

struct Shared<H> {
    handler: H,
    config: RpcServerConfig,
}

impl<Req, Resp, E, H> Clone for RpcServer<Req, Resp, E, H> {
    fn clone(&self) -> Self {
        RpcServer {
            shared: Arc::clone(&self.shared),
            protocols: PhantomData,
        }
    }
}

impl<Req, Resp, E, H> std::fmt::Debug for RpcServer<Req, Resp, E, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcServer")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl<Req, Resp, E, H, F> RpcServer<Req, Resp, E, H>
where
    H: Fn(Req) -> F + Send + Sync + 'static,
    F: Future<Output = Result<Resp, E>> + Send + 'static,
{
    /// A service that answers requests with `handler`.
    ///
    /// ```
    /// use wirewright::rpc::{RpcServer, RpcServerConfig};
    /// # #[derive(wirewright::Message)] #[wire(id = 1)] struct Ping;
    /// let server = RpcServer::new(RpcServerConfig::new(), |ping: Ping| async move { Ok::<_, ()>(ping) });
    /// assert_eq!(server.config().max_in_flight(), 128);
    /// ```
    pub fn new(config: RpcServerConfig, handler: H) -> Self {
        RpcServer {
            shared: Arc::new(Shared { handler, config }),
            protocols: PhantomData,
        }
    }
}

impl<Req, Resp, E, H, F> RpcServer<Req, Resp, E, StreamingFn<H>>
where
    H: Fn(Req) -> F + Send + Sync + 'static,
    F: Future<Output = Answer<Resp, E>> + Send + 'static,
{
    /// A service whose `handler` answers each request with an [`Answer`]: one reply, or
    /// a stream of responses sent as the items of a server stream (SPEC.md §11.8), which
    /// the client reads with [`RpcClient::stream`](super::RpcClient::stream).
    ///
    /// An open stream counts as a running call ([`RpcServerConfig::max_in_flight`]); its
    /// items are charged to the reply budget until written, and the handler's stream is
    /// polled only while the client's credit lasts, so a client that reads slowly holds
    /// the stream back rather than making the server buffer.
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use wirewright::rpc::{Answer, CallOptions, RpcClient, RpcClientConfig, RpcServer, RpcServerConfig};
    /// # #[derive(wirewright::Message, Debug, Clone, PartialEq)] #[wire(id = 1)] struct Count(u32);
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let server = RpcServer::streaming(RpcServerConfig::new(), |Count(n): Count| async move {
    ///     let items = futures_util::stream::iter((0..n).map(|i| Ok::<_, String>(Count(i))));
    ///     Answer::from_stream(Ok(items), std::convert::identity)
    /// });
    /// let (io, server_io) = tokio::io::duplex(4096);
    /// tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
    /// let client = RpcClient::<Count, Count, String>::over(io, RpcClientConfig::new());
    /// let stream = client.stream(Count(3), CallOptions::new()).await.unwrap();
    /// let items: Vec<_> = stream.map(Result::unwrap).collect().await;
    /// assert_eq!(items, [Count(0), Count(1), Count(2)]);
    /// # }
    /// ```
    pub fn streaming(config: RpcServerConfig, handler: H) -> Self {
        RpcServer {
            shared: Arc::new(Shared {
                handler: StreamingFn(handler),
                config,
            }),
            protocols: PhantomData,
        }
    }
}

#[cfg(feature = "tower")]
impl<Req, Resp, E, S> RpcServer<Req, Resp, E, super::FromService<S>>
where
    S: tower_service::Service<Req, Response = Resp> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<tower::BoxError> + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    /// A server whose requests are answered by `service`, any tower service of `Req`
    /// (a `ServiceBuilder` stack, the server adapter of a [`#[service]`](crate::service)
    /// trait...): each connection calls a clone of it, waiting for its readiness before
    /// it reads the next request, so `ConcurrencyLimit` and `RateLimit` hold the client
    /// back through TCP, and `LoadShed`'s refusals are answered with
    /// [`ErrorCode::Overloaded`]. How the service's errors become replies:
    /// [`FromService`](super::FromService).
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower::ServiceBuilder;
    /// use wirewright::rpc::{RpcClient, RpcClientConfig, RpcServer, RpcServerConfig};
    /// # #[derive(wirewright::Message, Debug, Clone, PartialEq)] #[wire(id = 1)] struct Ping;
    /// # #[derive(wirewright::Message, Debug)] enum PingError { Never }
    /// # impl std::fmt::Display for PingError { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("never") } }
    /// # impl std::error::Error for PingError {}
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let service = ServiceBuilder::new()
    ///     .concurrency_limit(16)
    ///     .timeout(Duration::from_secs(1))
    ///     .service_fn(|ping: Ping| async move { Ok::<_, PingError>(ping) });
    /// let server = RpcServer::<Ping, Ping, PingError, _>::from_service(RpcServerConfig::new(), service);
    /// let (io, server_io) = tokio::io::duplex(4096);
    /// tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
    /// let client = RpcClient::<Ping, Ping, PingError>::over(io, RpcClientConfig::new());
    /// assert_eq!(client.call(Ping).await.unwrap(), Ping);
    /// # }
    /// ```
    pub fn from_service(config: RpcServerConfig, service: S) -> Self
    where
        S: Clone,
    {
        let service = Mutex::new(service);
        Self::from_service_fn(config, move || lock(&service).clone())
    }

    /// A server whose connections each call a service of their own, made by `make`: for
    /// layers that are not `Clone` or that should count per connection (tower's
    /// `RateLimit`). Otherwise as [`from_service`](Self::from_service).
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower::ServiceBuilder;
    /// use wirewright::rpc::{RpcServer, RpcServerConfig};
    /// # #[derive(wirewright::Message, Debug, Clone, PartialEq)] #[wire(id = 1)] struct Ping;
    /// # #[derive(wirewright::Message, Debug)] enum PingError { Never }
    /// # impl std::fmt::Display for PingError { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("never") } }
    /// # impl std::error::Error for PingError {}
    /// let server = RpcServer::<Ping, Ping, PingError, _>::from_service_fn(RpcServerConfig::new(), || {
    ///     ServiceBuilder::new()
    ///         .rate_limit(100, Duration::from_secs(1)) // 100 calls a second per connection
    ///         .service_fn(|ping: Ping| async move { Ok::<_, PingError>(ping) })
    /// });
    /// # drop(server);
    /// ```
    pub fn from_service_fn(
        config: RpcServerConfig,
        make: impl Fn() -> S + Send + Sync + 'static,
    ) -> Self {
        RpcServer {
            shared: Arc::new(Shared {
                handler: super::FromService::new(make),
                config,
            }),
            protocols: PhantomData,
        }
    }
}

impl<Req, Resp, E, H> RpcServer<Req, Resp, E, H>
where
    Req: for<'de> DecodeProtocol<'de> + Send + 'static,
    Resp: Protocol + Send + 'static,
    E: Encode + Send + 'static,
    H: Handler<Req, Resp, E>,
{
    /// The settings.
    ///
    /// ```
    /// # use wirewright::rpc::{RpcServer, RpcServerConfig};
    /// # #[derive(wirewright::Message)] #[wire(id = 1)] struct Ping;
    /// let server = RpcServer::new(RpcServerConfig::new().with_max_in_flight(8), |p: Ping| async { Ok::<_, ()>(p) });
    /// assert_eq!(server.config().max_in_flight(), 8);
    /// ```
    pub fn config(&self) -> &RpcServerConfig {
        &self.shared.config
    }

    /// Serves every connection `server` accepts until its shutdown token is cancelled,
    /// then shuts down gracefully (see [`Server::serve`]).
    ///
    /// Each connection opens with HELLO as the server's
    /// [`ServerConfig::hello`](crate::transport::ServerConfig::hello) says (SPEC.md
    /// §13.6), announcing the schema of the tuple `(Req, Resp, E)`, as an
    /// [`RpcClient`](super::RpcClient) does.
    ///
    /// # Errors
    /// As [`Server::serve`].
    ///
    /// ```no_run
    /// # use wirewright::rpc::{RpcServer, RpcServerConfig};
    /// # use wirewright::transport::{Server, ServerConfig};
    /// # #[derive(wirewright::Message)] #[wire(id = 1)] struct Ping;
    /// # #[tokio::main] async fn main() -> std::io::Result<()> {
    /// let server = Server::bind("127.0.0.1:7000", ServerConfig::new()).await?;
    /// RpcServer::new(RpcServerConfig::new(), |p: Ping| async { Ok::<_, ()>(p) }).serve(server).await
    /// # }
    /// ```
    pub async fn serve(self, server: Server) -> io::Result<()>
    where
        Req: Describe,
        Resp: Describe,
        E: Describe,
    {
        let hello = (server.hello_mode() != HelloMode::Off).then(LocalHello::of::<(Req, Resp, E)>);
        server
            .serve_announcing(
                move |connection: Connection<Inbound<Req>, Outbound<Resp, E>>| {
                    let rpc = self.clone();
                    async move { rpc.serve_connection(connection).await }
                },
                hello,
            )
            .await
    }

    /// Serves one connection over `io` (one end of `tokio::io::duplex`, a Unix socket, a
    /// TLS stream...) with `config`, until it closes.
    ///
    /// # Errors
    /// Why the connection ended, if not cleanly.
    ///
    /// ```
    /// # use wirewright::rpc::{RpcClient, RpcServer, RpcServerConfig};
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Ping;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (client_io, server_io) = tokio::io::duplex(4096);
    /// let server = RpcServer::new(RpcServerConfig::new(), |p: Ping| async { Ok::<_, ()>(p) });
    /// let serving = tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
    /// let client = RpcClient::<Ping, Ping, ()>::over(client_io, Default::default());
    /// assert_eq!(client.call(Ping).await.unwrap(), Ping);
    /// client.close().await;
    /// assert!(serving.await.unwrap().is_ok());
    /// # }
    /// ```
    pub async fn serve_io<T>(&self, io: T, config: &ConnectionConfig) -> Result<(), ConnectionError>
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let (connection, driver) = Connection::with_driver(io, config);
        let (served, driven) =
            crate::transport::together(self.serve_connection(connection), driver).await;
        served.and(driven)
    }

    /// Serves one connection until it closes: reads requests, runs the handler on each
    /// (up to the in-flight limit at once), sends the replies (within the reply budget);
    /// when the input ends (the client's GOODBYE, the end of its stream), finishes the
    /// calls in progress and answers them.
    ///
    /// Call it before the connection's driver first runs (as [`serve`](Self::serve) and
    /// [`serve_io`](Self::serve_io) do): a client's GOODBYE that the driver reads before
    /// it would otherwise close the sending half before the replies to the requests
    /// that preceded it.
    ///
    /// # Errors
    /// Why the connection ended, if not cleanly.
    ///
    /// ```
    /// # use wirewright::rpc::{Inbound, Outbound, RpcServer, RpcServerConfig};
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Ping;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (io, _peer) = tokio::io::duplex(4096);
    /// let connection: Connection<Inbound<Ping>, Outbound<Ping, ()>> = Connection::spawn(io, &ConnectionConfig::new());
    /// let server = RpcServer::new(RpcServerConfig::new(), |p: Ping| async { Ok::<_, ()>(p) });
    /// let serving = tokio::spawn(async move { server.serve_connection(connection).await });
    /// # drop(serving);
    /// # }
    /// ```
    pub async fn serve_connection(
        &self,
        connection: Connection<Inbound<Req>, Outbound<Resp, E>>,
    ) -> Result<(), ConnectionError> {
        // The transport ends the input at a client's GOODBYE (reason 0) or half-close and
        // keeps the sending half open until it is dropped (SPEC.md §7), so the requests
        // read before it are answered.
        let (sender, mut receiver) = connection.split();
        let config = &self.shared.config;
        // The handler's side of this connection, locked only inside a poll or a call.
        let handler = Mutex::new(self.shared.handler.connection());
        let always_ready = lock(&handler).always_ready();
        let mut ready = always_ready;
        let max_in_flight = config.max_in_flight();
        let budget = ReplyBudget::new(config.reply_budget());
        let mut running = FuturesUnordered::new();
        // Set when the input ended: the pumps then stop for that reason.
        let closing = AtomicBool::new(false);
        // The open streams' pumps (SPEC.md §11.8): each counts as a running call.
        let mut pumps = FuturesUnordered::new();
        let mut in_flight = InFlight::new(max_in_flight);
        // Why the input ended, once it has: then the calls in progress are finished
        // and answered (SPEC.md §7, §11.6) before the sender is dropped.
        let mut input_ended: Option<Result<(), ConnectionError>> = None;
        loop {
            // While replies wait for the peer to read them, neither read requests nor
            // take finished calls (their replies would wait too): backpressure.
            std::future::poll_fn(|cx| budget.poll_room(cx, 0)).await;
            let busy = running.len() + pumps.len();
            let reading =
                input_ended.is_none() && (busy < max_in_flight || config.reject_when_busy());
            let (id, reply) = tokio::select! {
                biased;
                Some((id, answer)) = running.next(), if !running.is_empty() => {
                    let finished = in_flight.finished(id);
                    match answer {
                        Answer::Reply(reply) => (id, reply),
                        Answer::Stream(stream) => {
                            let (abort, registration) = AbortHandle::new_pair();
                            let credit = in_flight.open_stream(id, abort, finished.credit);
                            pumps.push(pump(&sender, &budget, &closing, id, stream, credit, finished.deadline, registration));
                            continue;
                        }
                    }
                }
                Some(id) = pumps.next(), if !pumps.is_empty() => {
                    in_flight.stream_ended(id);
                    continue;
                }
                readiness = std::future::poll_fn(|cx| lock(&handler).poll_ready(cx)),
                    if reading && !ready =>
                {
                    match readiness {
                        Ok(()) => ready = true,
                        Err(failure) => {
                            tracing::warn!(%failure, "the service takes no more calls: closing the connection");
                            input_ended = Some(Ok(()));
                        }
                    }
                    continue;
                }
                next = receiver.recv(), if reading && ready => match next {
                    Ok(Some(received)) => {
                        let id = received.correlation_id();
                        let admission =
                            self.admit(&receiver, id, received.message, busy, &mut in_flight);
                        match admission {
                            Admission::Start(call, context) => {
                                ready = always_ready;
                                let deadline = context.deadline();
                                let (abort, registration) = AbortHandle::new_pair();
                                let mut call = lock(&handler).call(call, context, registration);
                                // Most calls finish at once: poll before paying for a
                                // slot in `running` (a spurious poll costs a pending one
                                // nothing).
                                match (&mut call).now_or_never() {
                                    Some((id, Answer::Reply(reply))) => (id, reply),
                                    Some((id, Answer::Stream(stream))) => {
                                        let (abort, registration) = AbortHandle::new_pair();
                                        let credit = in_flight.open_stream(id, abort, None::<Arc<Credit>>);
                                        pumps.push(pump(&sender, &budget, &closing, id, stream, credit, deadline, registration));
                                        continue;
                                    }
                                    None => {
                                        in_flight.started(id, abort, deadline);
                                        running.push(call);
                                        continue;
                                    }
                                }
                            }
                            Admission::Refuse(failure) => (id, Reply::Failure(failure)),
                            Admission::Ignore => continue,
                        }
                    }
                    Ok(None) => {
                        // No CREDIT can come any more: the streams stop (code 8).
                        closing.store(true, Ordering::Release);
                        in_flight.cancel_streams();
                        input_ended = Some(Ok(()));
                        continue;
                    }
                    Err(error) => {
                        closing.store(true, Ordering::Release);
                        in_flight.cancel_streams();
                        input_ended = Some(Err(error));
                        continue;
                    }
                },
                else => break,
            };
            answer(&sender, &budget, id, reply).await;
        }
        drop(running);
        drop(pumps);
        drop(sender); // the last sender: the connection may close
        input_ended.unwrap_or(Ok(()))
    }

    /// Decides what to do with one frame: start a request, refuse it with a failure to
    /// send back, or nothing (a call's control frame, noted in `in_flight`; a message
    /// frame with correlation id 0 is not a request; one that does not decode never gets
    /// here: [`Inbound`] fails the connection).
    fn admit(
        &self,
        receiver: &MessageReceiver<Inbound<Req>>,
        id: u32,
        message: Inbound<Req>,
        running: usize,
        in_flight: &mut InFlight,
    ) -> Admission<Req> {
        let failure = match message {
            Inbound::Signal(Signal::Deadline {
                correlation_id,
                remaining,
            }) => {
                in_flight.announce(correlation_id, remaining);
                return Admission::Ignore;
            }
            Inbound::Signal(Signal::Cancel { correlation_id }) => {
                if in_flight.cancel(correlation_id) {
                    tracing::debug!(correlation_id, "the client cancelled a call: stopping it");
                }
                return Admission::Ignore;
            }
            Inbound::Signal(Signal::Credit {
                correlation_id,
                bytes,
            }) => {
                match in_flight.grant(correlation_id, bytes) {
                    Granted::Yes => {}
                    Granted::Unknown => tracing::debug!(
                        correlation_id,
                        "ignoring a CREDIT for no open stream (it ended)"
                    ),
                    Granted::Overflow => tracing::debug!(
                        correlation_id,
                        "a CREDIT exceeds 2^31 - 1 bytes: ending the stream (code 9)"
                    ),
                }
                return Admission::Ignore;
            }
            // Only a server sends them: the transport refuses them from a client.
            Inbound::Signal(Signal::Open { .. } | Signal::End { .. }) => {
                return Admission::Ignore;
            }
            _ if id == 0 => {
                tracing::debug!("ignoring a message without a correlation id: it is not a request");
                return Admission::Ignore;
            }
            Inbound::Undecodable { error } => {
                in_flight.take_deadline(id);
                let code = match error {
                    FrameError::UnknownMessageType { .. } => ErrorCode::UnknownRequest,
                    _ => ErrorCode::InvalidRequest,
                };
                tracing::debug!(%error, correlation_id = id, "answering a request that does not decode");
                Failure::new(code, error.to_string())
            }
            Inbound::Decoded(call) => {
                let deadline = in_flight.take_deadline(id);
                if receiver.last_read_after_goodbye() {
                    Failure::new(
                        ErrorCode::ShuttingDown,
                        "the server is shutting down: the request arrived after its GOODBYE and was not run",
                    )
                } else if running >= self.shared.config.max_in_flight() {
                    Failure::new(
                        ErrorCode::Overloaded,
                        format!("{running} calls are in progress on this connection, the most it runs at once"),
                    )
                } else if deadline.is_some_and(|deadline| deadline <= Instant::now()) {
                    Failure::new(
                        ErrorCode::DeadlineExceeded,
                        "the request's deadline had passed when the server read it: it was not run",
                    )
                } else {
                    return Admission::Start(call, Context::new(id, deadline));
                }
            }
        };
        Admission::Refuse(failure)
    }
}

/// What becomes of a request.
enum Admission<Req> {
    /// Run it, with its context.
    Start(Req, Context),
    /// Answer it at once with this failure, without running it.
    Refuse(Failure),
    /// Nothing: it is not a request.
    Ignore,
}

/// Sends `reply` to the request `id` once the reply budget has room for it. A reply
/// that cannot be sent because it is larger than the frame limit is answered with
/// [`ErrorCode::ReplyTooLarge`] instead, so that the caller fails at once.
async fn answer<Resp, E>(
    sender: &MessageSender<Outbound<Resp, E>>,
    budget: &Arc<ReplyBudget>,
    id: u32,
    reply: Reply<Resp, E>,
) where
    Resp: Protocol,
    E: Encode,
{
    let len = reply.encoded_len();
    let charge = budget.charge(len).await;
    let failure = match sender
        .send_correlated(id, Outbound::charged(reply, len, charge))
        .await
    {
        Ok(()) => return,
        Err(ConnectionError::MessageTooLarge { len, max }) => {
            tracing::debug!(
                correlation_id = id,
                len,
                max,
                "a reply is larger than the frame limit: answering code 6"
            );
            Failure::new(
                ErrorCode::ReplyTooLarge,
                format!("the reply is {len} bytes, more than the frame limit of {max}"),
            )
        }
        Err(error) => {
            tracing::debug!(%error, correlation_id = id, "could not send a reply");
            return;
        }
    };
    let reply = Reply::Failure(failure);
    let len = reply.encoded_len();
    let charge = budget.charge(len).await;
    if let Err(error) = sender
        .send_correlated(id, Outbound::charged(reply, len, charge))
        .await
    {
        tracing::debug!(%error, correlation_id = id, "could not send a failure");
    }
}

/// A mutex of the connection's task (locked only inside a poll or a call).
fn lock<T: ?Sized>(state: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}
