//! The server: accept connections, run a handler per connection, refuse the excess, and
//! shut down gracefully.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream, ToSocketAddrs};
use tokio::sync::Semaphore;
use tokio::task::{JoinError, JoinSet};
use tokio_util::sync::CancellationToken;

use crate::{DecodeProtocol, Protocol};

use super::shared::Attachments;
use super::{Connection, ConnectionError, Control, Goodbye, GoodbyeReason, Metrics, ServerConfig};

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
    metrics: Arc<Metrics>,
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
            metrics: Arc::new(Metrics::new()),
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
    /// let metrics = std::sync::Arc::clone(server.metrics()); // read it while serving
    /// assert_eq!(metrics.connections_open(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
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
        In: for<'de> DecodeProtocol<'de> + Send + 'static,
        Out: Protocol + Send + 'static,
        H: Fn(Connection<In, Out>) -> F + Send + Sync + 'static,
        F: Future<Output = Result<(), ConnectionError>> + Send + 'static,
    {
        let Server {
            listener,
            config,
            metrics,
            shutdown,
        } = self;
        let handler = Arc::new(handler);
        let limit = Arc::new(Semaphore::new(config.max_connections()));
        let mut tasks = JoinSet::new();
        tracing::info!(addr = ?listener.local_addr().ok(), "listening");
        loop {
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                Some(joined) = tasks.join_next(), if !tasks.is_empty() => log_join(joined),
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let Ok(permit) = Arc::clone(&limit).try_acquire_owned() else {
                            metrics.add_connections_refused(1);
                            tracing::warn!(%peer, limit = config.max_connections(), "refusing connection: at the connection limit");
                            let limit = config.max_connections();
                            tasks.spawn(refuse(stream, limit, config.connection().close_timeout()));
                            continue;
                        };
                        metrics.add_connections_accepted(1);
                        tracing::debug!(%peer, "accepted connection");
                        // Small frames should leave at once; the driver batches writes itself.
                        let _ = stream.set_nodelay(true);
                        let attachments = Attachments {
                            metrics: Some(Arc::clone(&metrics)),
                            shutdown: Some(shutdown.clone()),
                            peer_addr: Some(peer),
                        };
                        let (connection, driver) =
                            Connection::<In, Out>::start(stream, config.connection(), attachments);
                        let handler = Arc::clone(&handler);
                        tasks.spawn(async move {
                            let (handled, _) = tokio::join!(handler(connection), driver);
                            if let Err(error) = handled {
                                tracing::debug!(%peer, %error, "handler returned an error");
                            }
                            drop(permit);
                        });
                    }
                    Err(error) => {
                        tracing::warn!(%error, "accept failed");
                        if !matches!(error.kind(), io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::Interrupted) {
                            // Out of file descriptors or memory: let connections close.
                            tokio::time::sleep(Duration::from_millis(10)).await;
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
        let grace = tokio::time::sleep(config.shutdown_grace());
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

/// A clean refusal: GOODBYE (connection limit), shut down the write side, then read
/// until the peer closes so that the GOODBYE is not lost to a reset.
async fn refuse(mut stream: TcpStream, limit: usize, timeout: Duration) {
    let mut frame = Vec::new();
    Control::Goodbye(Goodbye::new(
        GoodbyeReason::ConnectionLimit,
        format!("the server serves at most {limit} connections"),
    ))
    .write(&mut frame);
    let _ = tokio::time::timeout(timeout, async {
        stream.write_all(&frame).await?;
        stream.shutdown().await?;
        let mut scratch = [0u8; 512];
        while stream.read(&mut scratch).await? > 0 {}
        Ok::<_, io::Error>(())
    })
    .await;
}
