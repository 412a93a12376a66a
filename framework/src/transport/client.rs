//! The client: connect with retries, then talk over a [`Connection`].

use std::io;

use tokio::net::{TcpStream, ToSocketAddrs};

use crate::{DecodeProtocol, Protocol};

use super::shared::Attachments;
use super::{ClientConfig, ConnectError, Connection, ConnectionDriver, Metrics};

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
    /// # Errors
    /// [`ConnectError::Exhausted`] with the last attempt's error.
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
        In: for<'de> DecodeProtocol<'de> + Send + 'static,
        Out: Protocol + Send + 'static,
    {
        let (connection, driver) = self.connect_driven(addr).await?;
        tokio::spawn(driver);
        Ok(connection)
    }

    /// [`connect`](Self::connect), returning the driver for the caller to run.
    pub(crate) async fn connect_driven<In, Out>(
        &self,
        addr: impl ToSocketAddrs + Clone,
    ) -> Result<(Connection<In, Out>, ConnectionDriver), ConnectError>
    where
        In: for<'de> DecodeProtocol<'de> + Send + 'static,
        Out: Protocol + Send + 'static,
    {
        let backoff = self.config.backoff();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match self.connect_once(addr.clone()).await {
                Ok((connection, driver)) => {
                    tracing::debug!(peer_addr = ?connection.peer_addr(), attempt, "connected");
                    return Ok((connection, driver));
                }
                Err(error) => error,
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

    /// One connection attempt (within the connect timeout), without retries; the
    /// caller runs the driver.
    pub(crate) async fn connect_once<In, Out>(
        &self,
        addr: impl ToSocketAddrs,
    ) -> io::Result<(Connection<In, Out>, ConnectionDriver)>
    where
        In: for<'de> DecodeProtocol<'de> + Send + 'static,
        Out: Protocol + Send + 'static,
    {
        let stream = self.try_connect(addr).await?;
        let attachments = Attachments {
            metrics: Some(self.metrics.clone()),
            shutdown: None,
            peer_addr: stream.peer_addr().ok(),
            ..Attachments::default()
        };
        Ok(Connection::start(
            stream,
            self.config.connection(),
            attachments,
        ))
    }

    async fn try_connect(&self, addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let stream = tokio::time::timeout(self.config.connect_timeout(), TcpStream::connect(addr))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))??;
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}
