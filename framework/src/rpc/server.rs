//! The server side: run a handler for each request of a connection, concurrently up
//! to a limit, and send back its reply with the request's correlation id.

use std::any::Any;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::transport::{
    Connection, ConnectionConfig, ConnectionError, MessageReceiver, MessageSender, Server,
};
use crate::{DecodeProtocol, Encode, FrameError, Protocol};

use super::{ErrorCode, Failure, Inbound, Reply, RpcServerConfig};

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
/// - a request of a type the protocol does not know, or whose payload does not decode,
///   is answered with [`ErrorCode::UnknownRequest`] or [`ErrorCode::InvalidRequest`],
///   and the connection stays open; a handler that panics is answered with
///   [`ErrorCode::HandlerFailed`];
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
    Req: for<'de> DecodeProtocol<'de> + Send + 'static,
    Resp: Protocol + Send + 'static,
    E: Encode + Send + 'static,
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
    pub async fn serve(self, server: Server) -> io::Result<()> {
        server
            .serve(
                move |connection: Connection<Inbound<Req>, Reply<Resp, E>>| {
                    let rpc = self.clone();
                    async move { rpc.serve_connection(connection).await }
                },
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
        let (served, driven) = tokio::join!(self.serve_connection(connection), driver);
        served.and(driven)
    }

    /// Serves one connection until it closes: reads requests, runs the handler on each
    /// (up to the in-flight limit at once), sends the replies; when the input ends,
    /// finishes the calls in progress.
    ///
    /// # Errors
    /// Why the connection ended, if not cleanly.
    ///
    /// ```
    /// # use wirewright::rpc::{Inbound, Reply, RpcServer, RpcServerConfig};
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Ping;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (io, _peer) = tokio::io::duplex(4096);
    /// let connection: Connection<Inbound<Ping>, Reply<Ping, ()>> = Connection::spawn(io, &ConnectionConfig::new());
    /// let server = RpcServer::new(RpcServerConfig::new(), |p: Ping| async { Ok::<_, ()>(p) });
    /// let serving = tokio::spawn(async move { server.serve_connection(connection).await });
    /// # drop(serving);
    /// # }
    /// ```
    pub async fn serve_connection(
        &self,
        connection: Connection<Inbound<Req>, Reply<Resp, E>>,
    ) -> Result<(), ConnectionError> {
        let (sender, mut receiver) = connection.split();
        let config = &self.shared.config;
        let max_in_flight = config.max_in_flight();
        let mut running = FuturesUnordered::new();
        let outcome = loop {
            let reading = running.len() < max_in_flight || config.reject_when_busy();
            tokio::select! {
                biased;
                Some(()) = running.next(), if !running.is_empty() => {}
                next = receiver.recv(), if reading => match next {
                    Ok(Some(received)) => {
                        let id = received.correlation_id();
                        let refusal = self.admit(&receiver, id, received.message, running.len(), |call| {
                            // Most calls finish at once: poll before paying for a slot in
                            // `running` (a spurious poll costs a pending one nothing).
                            let mut call = Box::pin(self.run(call, id, &sender));
                            if (&mut call).now_or_never().is_none() {
                                running.push(call);
                            }
                        });
                        if let Some(failure) = refusal {
                            if let Err(error) = sender.send_correlated(id, Reply::Failure(failure)).await {
                                tracing::debug!(%error, correlation_id = id, "could not send a failure");
                            }
                        }
                    }
                    Ok(None) => break Ok(()),
                    Err(error) => break Err(error),
                },
            }
        };
        // The input has ended: finish the calls in progress (SPEC.md §7, §11.5).
        while running.next().await.is_some() {}
        drop(running);
        drop(sender); // the last sender: the connection may close
        outcome
    }

    /// Decides what to do with one request: start it (through `start`), or refuse it
    /// with the failure to send back. A request with correlation id 0 is dropped.
    fn admit(
        &self,
        receiver: &MessageReceiver<Inbound<Req>>,
        id: u32,
        message: Inbound<Req>,
        in_flight: usize,
        start: impl FnOnce(Req),
    ) -> Option<Failure> {
        let failure = match message {
            _ if id == 0 => {
                tracing::debug!("dropping a request without a correlation id: there is no call to answer");
                return None;
            }
            Inbound::Undecodable { error } => {
                let code = match error {
                    FrameError::UnknownMessageType { .. } => ErrorCode::UnknownRequest,
                    _ => ErrorCode::InvalidRequest,
                };
                tracing::debug!(%error, correlation_id = id, "answering a request that does not decode");
                Failure::new(code, error.to_string())
            }
            Inbound::Decoded(_) if receiver.last_read_after_goodbye() => Failure::new(
                ErrorCode::ShuttingDown,
                "the server is shutting down: the request arrived after its GOODBYE and was not run",
            ),
            Inbound::Decoded(_) if in_flight >= self.shared.config.max_in_flight() => Failure::new(
                ErrorCode::Overloaded,
                format!("{in_flight} calls are in progress on this connection, the most it runs at once"),
            ),
            Inbound::Decoded(call) => {
                start(call);
                return None;
            }
        };
        Some(failure)
    }

    /// Runs the handler on one request and sends its reply.
    async fn run(&self, call: Req, id: u32, sender: &MessageSender<Reply<Resp, E>>) {
        let handled = AssertUnwindSafe(async { (self.shared.handler)(call).await })
            .catch_unwind()
            .await;
        let reply = match handled {
            Ok(result) => Reply::from_result(result),
            Err(panic) => {
                tracing::error!(
                    correlation_id = id,
                    panic = panic_message(&*panic),
                    "a request handler panicked"
                );
                Reply::Failure(Failure::new(
                    ErrorCode::HandlerFailed,
                    "the handler panicked",
                ))
            }
        };
        if let Err(error) = sender.send_correlated(id, reply).await {
            tracing::debug!(%error, correlation_id = id, "could not send a reply");
        }
    }
}

/// The text of a panic's payload, when it has one.
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)")
}
