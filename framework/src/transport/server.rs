//! The server: accept connections, run a handler per connection, refuse the excess, and
//! shut down gracefully.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream, ToSocketAddrs};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::{JoinError, JoinSet};
use tokio_util::sync::CancellationToken;

use crate::frame::{DecodeFrame, EncodeFrame};
use crate::schema::Describe;

use super::admission::{AddressClaim, Registry};
use super::budget::{Kept, MemoryBudget};
use super::handshake::{self, Exchange, Prefixed};
use super::hello::LocalHello;
use super::refusal::{
    fit_to_fd_limit, is_out_of_files, refusal_frame, refuse, refuse_now, AcceptBackoff, Refusals,
    SpareFd, Throttle,
};
use super::shared::Attachments;
use super::{Connection, ConnectionError, HelloError, HelloMode, Metrics, PeerHello, ServerConfig};

/// A TCP server that runs a handler for each connection, on a task of its own.
///
/// - At most [`ServerConfig::max_connections`] connections are served at once; one more
///   is sent GOODBYE (reason 5, connection limit) and closed.
/// - Each connection has the idle timeout, heartbeats and limits of
///   [`ServerConfig::connection`]; a peer that breaks the protocol gets GOODBYE (reason 4)
///   with the error and is closed, and the others are unaffected.
/// - Cancelling the [`shutdown_token`](Self::shutdown_token) shuts down gracefully: the
///   listener closes (new connections are refused), every connection is sent GOODBYE
///   (reason 1) and may finish the exchanges in progress, and after
///   [`ServerConfig::shutdown_grace`] whatever is left is dropped.
/// - `tracing` events mark accepts, refusals, closes (with the reason) and errors;
///   [`metrics`](Self::metrics) counts frames, bytes, CRC failures and connections.
/// - Each connection opens with the HELLO exchange (SPEC.md §13.6,
///   [`ServerConfig::with_hello`]): the server reads the client's first frame (within
///   [`ServerConfig::hello_timeout`]) before it sends anything, answers a HELLO with the
///   schema of its protocol ([`Describe`], which `#[derive(Message)]` and
///   `#[derive(Protocol)]` implement; a hand-written protocol type needs a hand-written
///   impl), and refuses a client whose schema cannot talk with its own (GOODBYE 9), or
///   one without HELLO when it is required (GOODBYE 10): the handler never sees those,
///   [`Metrics::hello_rejections`] counts them and a `tracing` event names both ends.
///
/// ```
/// use wirewright::Message;
/// use wirewright::transport::{Client, ClientConfig, Connection, Server, ServerConfig};
///
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(id = 1)]
/// struct Note(u8);
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = Server::bind("127.0.0.1:0", ServerConfig::new()).await?;
/// let addr = server.local_addr()?;
/// let shutdown = server.shutdown_token();
/// let serving = tokio::spawn(server.serve(|mut connection: Connection<Note>| async move {
///     // Echo every message back, with its correlation id.
///     while let Some(received) = connection.recv().await? {
///         let reply = Note(received.message.0 + 1);
///         connection.send_correlated(received.correlation_id(), reply).await?;
///     }
///     Ok(())
/// }));
///
/// let mut client = Client::new(ClientConfig::new()).connect::<Note, Note>(addr).await?;
/// client.send(Note(41)).await?;
/// assert_eq!(client.recv().await?.map(|r| r.message), Some(Note(42)));
/// client.close().await;
///
/// shutdown.cancel();
/// serving.await??;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    config: ServerConfig,
    metrics: Metrics,
    shutdown: CancellationToken,
}

impl Server {
    /// Listens on `addr` (the first address it resolves to that can be bound), with the
    /// backlog of [`ServerConfig::backlog`].
    ///
    /// # Errors
    /// When `addr` does not resolve or no address can be bound.
    ///
    /// ```
    /// # use wirewright::transport::{Server, ServerConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = Server::bind("127.0.0.1:0", ServerConfig::new()).await?;
    /// assert!(server.local_addr()?.port() > 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs, config: ServerConfig) -> io::Result<Server> {
        let mut last_error = None;
        for addr in tokio::net::lookup_host(addr).await? {
            match listen(addr, config.backlog()) {
                Ok(listener) => return Ok(Server::from_listener(listener, config)),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "the address resolved to nothing",
            )
        }))
    }

    /// Serves connections accepted from `listener`.
    ///
    /// ```
    /// # use wirewright::transport::{Server, ServerConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let server = Server::from_listener(listener, ServerConfig::new());
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_listener(listener: TcpListener, config: ServerConfig) -> Server {
        Server {
            listener,
            config,
            metrics: Metrics::new(),
            shutdown: CancellationToken::new(),
        }
    }

    /// The address the server listens on.
    ///
    /// # Errors
    /// As `TcpListener::local_addr`.
    ///
    /// ```
    /// # use wirewright::transport::{Server, ServerConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = Server::bind("127.0.0.1:0", ServerConfig::new()).await?;
    /// assert!(server.local_addr()?.ip().is_loopback());
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The server's counters, shared by all its connections.
    ///
    /// ```
    /// # use wirewright::transport::{Server, ServerConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = Server::bind("127.0.0.1:0", ServerConfig::new()).await?;
    /// let metrics = server.metrics().clone(); // read it while serving
    /// assert_eq!(metrics.connections_open(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Whether the server takes part in HELLO ([`ServerConfig::hello`]).
    ///
    /// ```
    /// use wirewright::transport::{HelloMode, Server, ServerConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = Server::bind("127.0.0.1:0", ServerConfig::new().with_hello(HelloMode::Off)).await?;
    /// assert_eq!(server.hello_mode(), HelloMode::Off);
    /// # Ok(())
    /// # }
    /// ```
    pub fn hello_mode(&self) -> HelloMode {
        self.config.hello()
    }

    /// The token that shuts the server down gracefully when cancelled.
    ///
    /// ```
    /// # use wirewright::transport::{Server, ServerConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = Server::bind("127.0.0.1:0", ServerConfig::new()).await?;
    /// server.shutdown_token().cancel(); // serve() will return at once
    /// server.serve(|_: wirewright::transport::Connection<Note>| async { Ok(()) }).await?;
    /// # Ok(())
    /// # }
    /// # #[derive(wirewright::Message)] #[wire(id = 1)] struct Note;
    /// ```
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Shuts down when `token` is cancelled (instead of the server's own token).
    ///
    /// ```
    /// # use wirewright::transport::{Server, ServerConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let token = tokio_util::sync::CancellationToken::new();
    /// let server = Server::bind("127.0.0.1:0", ServerConfig::new()).await?.with_shutdown(token.child_token());
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn with_shutdown(mut self, token: CancellationToken) -> Self {
        self.shutdown = token;
        self
    }

    /// Accepts connections and runs `handler` on each until the shutdown token is
    /// cancelled, then shuts down gracefully (see [`Server`]) and returns.
    ///
    /// The handler gets the [`Connection`]; when it returns, the connection closes
    /// (GOODBYE, normal) once the messages it sent are flushed. Its error, if any, is
    /// logged at debug level (the connection's close reason is logged anyway).
    ///
    /// # Errors
    /// None so far: accept errors (such as running out of file descriptors) are logged
    /// and retried after a short pause. The `Result` leaves room for fatal ones.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    ///
    /// ```
    /// use wirewright::transport::{Connection, Server, ServerConfig};
    /// # #[derive(wirewright::Message, Debug)] #[wire(id = 1)] struct Note(u8);
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = Server::bind("127.0.0.1:0", ServerConfig::new()).await?;
    /// let shutdown = server.shutdown_token();
    /// let serving = tokio::spawn(server.serve(|mut connection: Connection<Note>| async move {
    ///     while let Some(received) = connection.recv().await? {
    ///         println!("{:?} from {:?}", received.message, connection.peer_addr());
    ///     }
    ///     Ok(())
    /// }));
    /// shutdown.cancel(); // stop accepting, say goodbye, wait for the handlers
    /// serving.await??;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn serve<In, Out, H, F>(self, handler: H) -> io::Result<()>
    where
        In: for<'de> DecodeFrame<'de> + Describe + Send + 'static,
        Out: EncodeFrame + Describe + Send + 'static,
        H: Fn(Connection<In, Out>) -> F + Send + Sync + 'static,
        F: Future<Output = Result<(), ConnectionError>> + Send + 'static,
    {
        let local = (self.config.hello() != HelloMode::Off)
            .then(|| LocalHello::of_connection::<In, Out>(false));
        self.serve_announcing(handler, local).await
    }

    /// [`serve`](Self::serve) announcing `local` in the HELLO exchange (`None`: no
    /// exchange), for a layer above that announces another schema than the
    /// connection's protocols' (rpc announces `(Req, Resp, E)`).
    ///
    /// # Errors
    /// As [`serve`](Self::serve).
    ///
    /// ```no_run
    /// use wirewright::transport::{Connection, HelloMode, LocalHello, Server, ServerConfig};
    /// # #[derive(wirewright::Message, Debug)] #[wire(id = 1)] struct Note(u8);
    /// # #[derive(wirewright::Message, Debug)] #[wire(id = 2)] struct Version(u8);
    /// # #[tokio::main] async fn main() -> std::io::Result<()> {
    /// let server = Server::bind("127.0.0.1:7000", ServerConfig::new()).await?;
    /// let hello = (server.hello_mode() != HelloMode::Off).then(LocalHello::of::<(Note, Version)>);
    /// server.serve_announcing(|_: Connection<Note>| async { Ok(()) }, hello).await
    /// # }
    /// ```
    pub async fn serve_announcing<In, Out, H, F>(
        self,
        handler: H,
        local: Option<Arc<LocalHello>>,
    ) -> io::Result<()>
    where
        In: for<'de> DecodeFrame<'de> + Send + 'static,
        Out: EncodeFrame + Send + 'static,
        H: Fn(Connection<In, Out>) -> F + Send + Sync + 'static,
        F: Future<Output = Result<(), ConnectionError>> + Send + 'static,
    {
        let Server {
            listener,
            config,
            metrics,
            shutdown,
        } = self;
        let max_connections =
            fit_to_fd_limit(config.max_connections(), config.max_refusals_in_flight());
        let serving = Arc::new(Serving {
            handler,
            limit: Arc::new(Semaphore::new(max_connections)),
            max_connections,
            registry: Arc::new(Registry::default()),
            memory: Arc::new(MemoryBudget::new(
                metrics.clone(),
                config.memory_budget(),
                config.memory_wait_timeout(),
            )),
            refusals: Refusals::new(config.max_refusals_in_flight()),
            metrics: metrics.clone(),
            shutdown: shutdown.clone(),
            config,
            local,
        });
        let mut tasks = JoinSet::new();
        let mut spare = SpareFd::new();
        let mut accept_backoff = AcceptBackoff::default();
        let mut refusal_log = Throttle::per_second();
        tracing::info!(addr = ?listener.local_addr().ok(), "listening");
        loop {
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                Some(joined) = tasks.join_next(), if !tasks.is_empty() => log_join(joined),
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        accept_backoff.reset();
                        if let Some(refused) = serving.admit(stream, peer, &mut tasks) {
                            metrics.add_connections_refused(1);
                            tracing::debug!(%peer, reason = refused, "refused a connection");
                            if let Some(count) = refusal_log.allow() {
                                tracing::warn!(count, reason = refused, "refusing connections");
                            }
                        }
                    }
                    Err(error) => {
                        metrics.add_accept_errors(1);
                        if let Some(count) = accept_backoff.log.allow() {
                            tracing::warn!(%error, count, "accept failed");
                        } else {
                            tracing::debug!(%error, "accept failed");
                        }
                        if is_out_of_files(&error) && spare.release() {
                            // Take the waiting connections with the spare descriptor and
                            // refuse each at once (closing it frees the descriptor for the
                            // next) rather than leave them hanging in the backlog.
                            let frame = refusal_frame("the server is out of file descriptors");
                            for _ in 0..MAX_REFUSALS_PER_EMFILE {
                                let Some(Ok((stream, _))) = listener.accept().now_or_never() else {
                                    break;
                                };
                                metrics.add_connections_refused(1);
                                refuse_now(stream, &frame);
                            }
                            spare.restore();
                        }
                        if !matches!(error.kind(), io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::Interrupted) {
                            // Out of file descriptors or memory: let connections close.
                            tokio::time::sleep(accept_backoff.next_delay()).await;
                        }
                    }
                },
            }
        }
        drop(listener);
        tracing::info!(
            open = tasks.len(),
            "shutting down: stopped accepting, saying goodbye"
        );
        let grace = tokio::time::sleep(serving.config.shutdown_grace());
        tokio::pin!(grace);
        loop {
            tokio::select! {
                joined = tasks.join_next() => match joined {
                    Some(joined) => log_join(joined),
                    None => break,
                },
                () = &mut grace => {
                    tracing::warn!(remaining = tasks.len(), "shutdown grace period over: dropping the remaining connections");
                    tasks.abort_all();
                    while tasks.join_next().await.is_some() {}
                    break;
                }
            }
        }
        tracing::info!("shut down");
        Ok(())
    }
}

/// Waiting connections refused with the spare descriptor per `EMFILE`, before the accept
/// loop backs off.
const MAX_REFUSALS_PER_EMFILE: usize = 64;

/// What every connection task of a serving server shares.
struct Serving<H> {
    handler: H,
    config: ServerConfig,
    limit: Arc<Semaphore>,
    max_connections: usize,
    registry: Arc<Registry>,
    memory: Arc<MemoryBudget>,
    refusals: Refusals,
    metrics: Metrics,
    shutdown: CancellationToken,
    /// The HELLO this server answers with; `None` when it takes no part.
    local: Option<Arc<LocalHello>>,
}

impl<H> Serving<H> {
    /// Serves `stream`, or makes room by evicting an idle connection and serves it once
    /// the slot frees, or refuses it. Returns why it refused.
    fn admit<In, Out, F>(
        self: &Arc<Self>,
        stream: TcpStream,
        peer: SocketAddr,
        tasks: &mut JoinSet<()>,
    ) -> Option<&'static str>
    where
        In: for<'de> DecodeFrame<'de> + Send + 'static,
        Out: EncodeFrame + Send + 'static,
        H: Fn(Connection<In, Out>) -> F + Send + Sync + 'static,
        F: Future<Output = Result<(), ConnectionError>> + Send + 'static,
    {
        let Some(claim) = self
            .registry
            .claim(peer.ip(), self.config.max_connections_per_address())
        else {
            let limit = self.config.max_connections_per_address().unwrap_or(0);
            self.refuse(
                stream,
                format!("the server serves at most {limit} connections per address"),
                tasks,
            );
            return Some("per-address limit");
        };
        if let Ok(permit) = Arc::clone(&self.limit).try_acquire_owned() {
            let serving = Arc::clone(self);
            tasks.spawn(async move { serving.serve_one(stream, peer, permit, claim).await });
            return None;
        }
        let evicted = self
            .config
            .idle_eviction_after()
            .is_some_and(|after| self.registry.evict_idle(after));
        let message = format!(
            "the server serves at most {} connections",
            self.max_connections
        );
        if !evicted {
            self.refuse(stream, message, tasks);
            return Some("connection limit");
        }
        // The evicted connection's slot frees within its linger: wait for it, as a
        // refusal in flight (bounded in number and time).
        let Some(slot) = self.refusals.try_slot() else {
            refuse_now(stream, &refusal_frame(&message));
            return Some("connection limit");
        };
        let serving = Arc::clone(self);
        let wait = self.config.connection().linger_timeout() + Duration::from_millis(100);
        tasks.spawn(async move {
            match tokio::time::timeout(wait, Arc::clone(&serving.limit).acquire_owned()).await {
                Ok(Ok(permit)) => {
                    drop(slot);
                    serving.serve_one(stream, peer, permit, claim).await;
                }
                _ => {
                    serving.metrics.add_connections_refused(1);
                    let linger = serving.config.refusal_linger();
                    refuse(stream, refusal_frame(&message), linger, slot).await;
                }
            }
        });
        None
    }

    /// Refuses `stream` with GOODBYE 5: lingering if under the cap, else at once.
    fn refuse(&self, stream: TcpStream, message: String, tasks: &mut JoinSet<()>) {
        let frame = refusal_frame(&message);
        match self.refusals.try_slot() {
            Some(slot) => {
                tasks.spawn(refuse(stream, frame, self.config.refusal_linger(), slot));
            }
            None => refuse_now(stream, &frame),
        }
    }

    async fn serve_one<In, Out, F>(
        &self,
        mut stream: TcpStream,
        peer: SocketAddr,
        permit: OwnedSemaphorePermit,
        mut claim: AddressClaim,
    ) where
        In: for<'de> DecodeFrame<'de> + Send + 'static,
        Out: EncodeFrame + Send + 'static,
        H: Fn(Connection<In, Out>) -> F + Send + Sync + 'static,
        F: Future<Output = Result<(), ConnectionError>> + Send + 'static,
    {
        self.metrics.add_connections_accepted(1);
        tracing::debug!(%peer, "accepted connection");
        // Small frames should leave at once; the driver batches writes itself.
        let _ = stream.set_nodelay(true);
        let (prefix, peer_hello) = match &self.local {
            None => (bytes::Bytes::new(), None),
            Some(local) => {
                let exchange = Exchange {
                    local,
                    mode: self.config.hello(),
                    timeout: self.config.hello_timeout(),
                    limits: self.config.connection().limits(),
                    linger: self.config.connection().linger_timeout(),
                    memory: Some(&self.memory),
                };
                match handshake::serve(&mut stream, &exchange).await {
                    Ok((prefix, peer_hello)) => {
                        if let Some(peer_hello) = &peer_hello {
                            self.metrics.add_hello_exchanges(1);
                            tracing::debug!(%peer, hello = %peer_hello.hello, verdict = ?peer_hello.verdict, "HELLO");
                        }
                        (prefix, peer_hello.map(Arc::new))
                    }
                    Err(error) => {
                        self.reject_hello(peer, &error);
                        return;
                    }
                }
            }
        };
        // The peer's HELLO stays with the connection (`Connection::peer_hello`): its text
        // counts in the memory budget until the connection ends.
        let _kept = peer_hello.as_ref().map(|peer: &Arc<PeerHello>| {
            let hello = &peer.hello;
            let len = hello.protocol.len() + hello.schema.as_ref().map_or(0, String::len);
            Kept::new(Arc::clone(&self.memory), len)
        });
        let attachments = Attachments {
            metrics: Some(self.metrics.clone()),
            shutdown: Some(self.shutdown.clone()),
            peer_addr: Some(peer),
            memory: Some(Arc::clone(&self.memory)),
            shutdown_grace: Some(self.config.shutdown_grace()),
            peer_hello,
        };
        let (connection, driver) = Connection::<In, Out>::start(
            Prefixed::new(prefix, stream),
            self.config.connection(),
            attachments,
        );
        claim.register(Arc::clone(connection.shared()));
        let (handled, _) = super::together((self.handler)(connection), driver).await;
        if let Err(error) = handled {
            tracing::debug!(%peer, %error, "handler returned an error");
        }
        drop(claim);
        drop(permit);
    }
}

impl<H> Serving<H> {
    /// Counts and logs a connection the HELLO exchange refused (its GOODBYE is sent).
    fn reject_hello(&self, peer: SocketAddr, error: &HelloError) {
        match error {
            HelloError::Io(error) => {
                tracing::debug!(%peer, %error, "the connection failed during HELLO");
            }
            HelloError::IncompatibleSchema { .. } => {
                self.metrics.add_hello_rejections(1);
                tracing::warn!(%peer, %error, "refused a client: GOODBYE 9");
            }
            error => {
                self.metrics.add_hello_rejections(1);
                tracing::debug!(%peer, %error, "refused a client over HELLO");
            }
        }
    }
}

fn listen(addr: SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

fn log_join(joined: Result<(), JoinError>) {
    if let Err(error) = joined {
        if error.is_panic() {
            tracing::error!(%error, "a connection handler panicked");
        }
    }
}
