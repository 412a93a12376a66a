//! The client: connect with retries, then talk over a [`Connection`].

use std::io;
use std::sync::Arc;

use tokio::net::{TcpStream, ToSocketAddrs};

use bytes::Bytes;

use crate::frame::{DecodeFrame, EncodeFrame};
use crate::schema::Describe;

use super::handshake::{self, ClientOutcome, Exchange, Prefixed};
use super::hello::LocalHello;
use super::shared::Attachments;
use super::{
    ClientConfig, ConnectError, Connection, ConnectionDriver, HelloError, HelloMode, Metrics,
    PeerHello,
};

/// Makes connections to a server: retries a failed connect with exponential backoff and
/// full jitter, up to a number of attempts, then hands over a [`Connection`] with
/// heartbeats and the idle timeout of [`ClientConfig::connection`].
///
/// When the server says goodbye, [`Connection::recv`] returns
/// [`ConnectionError::Goodbye`](super::ConnectionError::Goodbye) with its reason (for
/// example [`GoodbyeReason::ConnectionLimit`](super::GoodbyeReason::ConnectionLimit)
/// when it is full, or [`GoodbyeReason::ShuttingDown`](super::GoodbyeReason::ShuttingDown));
/// when it vanishes, [`ConnectionError::PeerVanished`](super::ConnectionError::PeerVanished).
///
/// A connection opens with HELLO (SPEC.md §13.6; [`ClientConfig::with_hello`]): the
/// client announces the schema of its protocol ([`Describe`], which
/// `#[derive(Message)]` and `#[derive(Protocol)]` implement), and a server whose schema
/// cannot talk with it makes `connect` fail with
/// [`HelloError::IncompatibleSchema`] naming both ends. A hand-written protocol type
/// needs a hand-written [`Describe`] impl to be used here (or connect over a stream of
/// your own with [`Connection::spawn`], which has no HELLO).
///
/// ```
/// use std::time::Duration;
/// use wirewright::transport::{Backoff, Client, ClientConfig, ConnectError};
/// # #[derive(wirewright::Message, Debug)] #[wire(id = 1)] struct Note;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// // Nothing listens on this port: three attempts, then a typed error.
/// let closed_port = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
/// let backoff = Backoff::new().with_max_attempts(3).with_initial_delay(Duration::from_millis(10));
/// let client = Client::new(ClientConfig::new().with_backoff(backoff));
/// let err = client.connect::<Note, Note>(closed_port).await.unwrap_err();
/// assert!(matches!(err, ConnectError::Exhausted { attempts: 3, .. }));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    config: ClientConfig,
    metrics: Metrics,
}

impl Client {
    /// A client with `config` and counters of its own.
    ///
    /// ```
    /// # use wirewright::transport::{Client, ClientConfig};
    /// let client = Client::new(ClientConfig::new());
    /// assert_eq!(client.metrics().connections_open(), 0);
    /// ```
    pub fn new(config: ClientConfig) -> Self {
        Client {
            config,
            metrics: Metrics::new(),
        }
    }

    /// The counters of every connection this client made.
    ///
    /// ```
    /// # use wirewright::transport::{Client, ClientConfig};
    /// assert_eq!(Client::new(ClientConfig::new()).metrics().frames_out(), 0);
    /// ```
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The client's settings.
    ///
    /// ```
    /// # use wirewright::transport::{Client, ClientConfig};
    /// assert_eq!(Client::new(ClientConfig::new()).config().backoff().max_attempts(), 8);
    /// ```
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Connects to `addr`, retrying as [`ClientConfig::backoff`] allows; each attempt
    /// may take up to [`ClientConfig::connect_timeout`]. The connection's driver is
    /// spawned on the current runtime.
    ///
    /// With [`HelloMode::Optional`] (the default) or [`HelloMode::Required`] the
    /// connection opens with the HELLO exchange, within [`ClientConfig::hello_timeout`];
    /// [`Connection::peer_hello`] then says what the server announced.
    ///
    /// # Errors
    /// [`ConnectError::Exhausted`] with the last attempt's error;
    /// [`ConnectError::Hello`] when the HELLO exchange fails (incompatible schemas, no
    /// answer where one is required), at once, without retrying.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    ///
    /// ```
    /// use wirewright::transport::{Client, ClientConfig, Connection, Server, ServerConfig};
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = Server::bind("127.0.0.1:0", ServerConfig::new()).await?;
    /// # let addr = server.local_addr()?;
    /// # tokio::spawn(server.serve(|_: Connection<Note>| async { Ok(()) }));
    /// let client = Client::new(ClientConfig::new());
    /// let connection: Connection<Note> = client.connect(addr).await?;
    /// assert_eq!(connection.peer_addr(), Some(addr));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect<In, Out>(
        &self,
        addr: impl ToSocketAddrs + Clone,
    ) -> Result<Connection<In, Out>, ConnectError>
    where
        In: for<'de> DecodeFrame<'de> + Describe + Send + 'static,
        Out: EncodeFrame + Describe + Send + 'static,
    {
        let local = self.local_hello::<In, Out>();
        let (connection, driver) = self.connect_driven(addr, local).await?;
        tokio::spawn(driver);
        Ok(connection)
    }

    /// The HELLO this client announces for a connection receiving `In` and sending
    /// `Out`; `None` when it sends none.
    fn local_hello<In, Out>(&self) -> Option<Arc<LocalHello>>
    where
        In: Describe + 'static,
        Out: Describe + 'static,
    {
        (self.config.hello() != HelloMode::Off).then(|| LocalHello::of_connection::<In, Out>(true))
    }

    /// [`connect`](Self::connect), returning the driver for the caller to run; `local`
    /// is the HELLO to announce (`None`: no exchange), for a layer above that announces
    /// another schema than the connection's protocols' (rpc announces `(Req, Resp, E)`).
    ///
    /// # Errors
    /// As [`connect`](Self::connect).
    ///
    /// ```
    /// use wirewright::transport::{Client, ClientConfig, Connection, LocalHello, Server, ServerConfig};
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = Server::bind("127.0.0.1:0", ServerConfig::new()).await?;
    /// # let addr = server.local_addr()?;
    /// # tokio::spawn(server.serve(|_: Connection<Note>| async { Ok(()) }));
    /// let client = Client::new(ClientConfig::new());
    /// let (connection, driver) = client.connect_driven::<Note, Note>(addr, Some(LocalHello::of::<Note>())).await?;
    /// tokio::spawn(driver);
    /// assert!(connection.peer_hello().is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect_driven<In, Out>(
        &self,
        addr: impl ToSocketAddrs + Clone,
        local: Option<Arc<LocalHello>>,
    ) -> Result<(Connection<In, Out>, ConnectionDriver), ConnectError>
    where
        In: for<'de> DecodeFrame<'de> + Send + 'static,
        Out: EncodeFrame + Send + 'static,
    {
        let backoff = self.config.backoff();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match self.connect_once(addr.clone(), local.as_deref()).await {
                Ok((connection, driver)) => {
                    tracing::debug!(peer_addr = ?connection.peer_addr(), attempt, "connected");
                    return Ok((connection, driver));
                }
                Err(ConnectError::Exhausted { last, .. }) => last,
                Err(error) => {
                    tracing::warn!(attempt, %error, "HELLO failed; not retrying");
                    return Err(error);
                }
            };
            if attempt >= backoff.max_attempts() {
                tracing::warn!(attempt, %error, "giving up connecting");
                return Err(ConnectError::Exhausted {
                    attempts: attempt,
                    last: error,
                });
            }
            let delay = backoff.delay(attempt - 1);
            tracing::debug!(attempt, %error, ?delay, "connect failed; retrying");
            tokio::time::sleep(delay).await;
        }
    }

    /// One connection attempt (within the connect timeout, then the hello timeout),
    /// without retries; the caller runs the driver. An I/O error comes as
    /// [`ConnectError::Exhausted`] with one attempt, a failed HELLO as
    /// [`ConnectError::Hello`].
    ///
    /// # Errors
    /// As [`connect`](Self::connect), after one attempt.
    pub async fn connect_once<In, Out>(
        &self,
        addr: impl ToSocketAddrs + Clone,
        local: Option<&LocalHello>,
    ) -> Result<(Connection<In, Out>, ConnectionDriver), ConnectError>
    where
        In: for<'de> DecodeFrame<'de> + Send + 'static,
        Out: EncodeFrame + Send + 'static,
    {
        let io_error = |last| ConnectError::Exhausted { attempts: 1, last };
        let mut stream = self.try_connect(addr.clone()).await.map_err(io_error)?;
        let Some(local) = local else {
            return Ok(self.start(stream, Bytes::new(), None));
        };
        let exchange = Exchange {
            local,
            mode: self.config.hello(),
            timeout: self.config.hello_timeout(),
            limits: self.config.connection().limits(),
            linger: self.config.connection().linger_timeout(),
            memory: None,
        };
        match handshake::connect(&mut stream, &exchange).await {
            Ok(ClientOutcome::Answered { prefix, peer }) => {
                self.metrics.add_hello_exchanges(1);
                if peer.verdict == super::Verdict::Unverified {
                    tracing::debug!(peer = %peer.hello, "the server sent no schema text: its schema is unverified");
                }
                Ok(self.start(stream, prefix, Some(Arc::new(peer))))
            }
            Ok(ClientOutcome::Unanswered { prefix }) => {
                tracing::debug!("the server does not answer HELLO; going on without");
                Ok(self.start(stream, prefix, None))
            }
            Ok(ClientOutcome::Retry) => {
                drop(stream);
                let stream = self.try_connect(addr).await.map_err(io_error)?;
                Ok(self.start(stream, Bytes::new(), None))
            }
            Err(HelloError::Io(last)) => Err(io_error(last)),
            Err(error) => Err(ConnectError::Hello(error)),
        }
    }

    fn start<In, Out>(
        &self,
        stream: TcpStream,
        prefix: Bytes,
        peer_hello: Option<Arc<PeerHello>>,
    ) -> (Connection<In, Out>, ConnectionDriver)
    where
        In: for<'de> DecodeFrame<'de> + Send + 'static,
        Out: EncodeFrame + Send + 'static,
    {
        let attachments = Attachments {
            metrics: Some(self.metrics.clone()),
            shutdown: None,
            peer_addr: stream.peer_addr().ok(),
            peer_hello,
            ..Attachments::default()
        };
        Connection::start(
            Prefixed::new(prefix, stream),
            self.config.connection(),
            attachments,
        )
    }

    async fn try_connect(&self, addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let stream = tokio::time::timeout(self.config.connect_timeout(), TcpStream::connect(addr))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))??;
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}
