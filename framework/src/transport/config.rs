//! Settings of connections, servers and clients, with documented defaults.

use std::time::Duration;

use crate::Limits;

use super::Backoff;

/// Settings of one connection: limits, timeouts, heartbeats, queue sizes.
///
/// | setting | default | meaning |
/// |---|---|---|
/// | [`limits`](Self::limits) | [`Limits::default`] (8 MiB frames) | what the decoder accepts; larger messages are not sent |
/// | [`idle_timeout`](Self::idle_timeout) | 60 s | close (GOODBYE 2) when no complete frame arrives for this long: a silent peer, or one stuck in the middle of a frame |
/// | [`heartbeat_interval`](Self::heartbeat_interval) | 10 s | send a PING after an interval in which nothing else was sent |
/// | [`missed_heartbeats`](Self::missed_heartbeats) | 3 | close (GOODBYE 3) when this many PINGs in a row are unanswered at the next tick |
/// | [`close_timeout`](Self::close_timeout) | 5 s | the longest a closing connection waits for the peer's GOODBYE, its last frames and the final flush |
/// | [`send_queue`](Self::send_queue) | 128 | messages queued for sending before `send` waits |
/// | [`receive_queue`](Self::receive_queue) | 128 | messages received but not yet taken before the connection stops reading |
///
/// ```
/// use std::time::Duration;
/// use wirewright::transport::ConnectionConfig;
///
/// let config = ConnectionConfig::new()
///     .with_idle_timeout(Some(Duration::from_secs(30)))
///     .with_heartbeat_interval(None); // no heartbeats
/// assert_eq!(config.idle_timeout(), Some(Duration::from_secs(30)));
/// assert_eq!(config.heartbeat_interval(), None);
/// assert_eq!(config.missed_heartbeats(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionConfig {
    limits: Limits,
    idle_timeout: Option<Duration>,
    heartbeat_interval: Option<Duration>,
    missed_heartbeats: u32,
    close_timeout: Duration,
    send_queue: usize,
    receive_queue: usize,
}

impl ConnectionConfig {
    /// The defaults in the table above.
    ///
    /// ```
    /// assert_eq!(wirewright::transport::ConnectionConfig::new().send_queue(), 128);
    /// ```
    pub fn new() -> Self {
        ConnectionConfig {
            limits: Limits::default(),
            idle_timeout: Some(Duration::from_secs(60)),
            heartbeat_interval: Some(Duration::from_secs(10)),
            missed_heartbeats: 3,
            close_timeout: Duration::from_secs(5),
            send_queue: 128,
            receive_queue: 128,
        }
    }

    /// The decoder's limits; also the largest message `send` accepts.
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().limits().max_frame_len(), 8 << 20);
    /// ```
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Sets [`limits`](Self::limits).
    ///
    /// ```
    /// # use wirewright::{transport::ConnectionConfig, Limits};
    /// let config = ConnectionConfig::new().with_limits(Limits::new().with_max_frame_len(4096));
    /// assert_eq!(config.limits().max_frame_len(), 4096);
    /// ```
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// How long the connection waits for a complete frame before closing it with
    /// GOODBYE reason 2; `None` waits forever.
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().idle_timeout(), Some(std::time::Duration::from_secs(60)));
    /// ```
    pub fn idle_timeout(&self) -> Option<Duration> {
        self.idle_timeout
    }

    /// Sets [`idle_timeout`](Self::idle_timeout).
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().with_idle_timeout(None).idle_timeout(), None);
    /// ```
    #[must_use]
    pub fn with_idle_timeout(mut self, idle_timeout: Option<Duration>) -> Self {
        self.idle_timeout = idle_timeout;
        self
    }

    /// How often to check on the peer: after an interval in which the connection sent
    /// nothing, it sends a PING; `None` sends no heartbeats (PINGs are still answered).
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().heartbeat_interval(), Some(std::time::Duration::from_secs(10)));
    /// ```
    pub fn heartbeat_interval(&self) -> Option<Duration> {
        self.heartbeat_interval
    }

    /// Sets [`heartbeat_interval`](Self::heartbeat_interval).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use wirewright::transport::ConnectionConfig;
    /// let config = ConnectionConfig::new().with_heartbeat_interval(Some(Duration::from_secs(1)));
    /// assert_eq!(config.heartbeat_interval(), Some(Duration::from_secs(1)));
    /// ```
    #[must_use]
    pub fn with_heartbeat_interval(mut self, heartbeat_interval: Option<Duration>) -> Self {
        self.heartbeat_interval = heartbeat_interval;
        self
    }

    /// How many PINGs in a row may go unanswered: at the first heartbeat tick that finds
    /// this many outstanding, the connection closes with GOODBYE reason 3. With the
    /// defaults a dead peer is detected after about 40 s.
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().missed_heartbeats(), 3);
    /// ```
    pub fn missed_heartbeats(&self) -> u32 {
        self.missed_heartbeats
    }

    /// Sets [`missed_heartbeats`](Self::missed_heartbeats) (at least 1).
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().with_missed_heartbeats(0).missed_heartbeats(), 1);
    /// ```
    #[must_use]
    pub fn with_missed_heartbeats(mut self, missed_heartbeats: u32) -> Self {
        self.missed_heartbeats = missed_heartbeats.max(1);
        self
    }

    /// The longest a closing connection waits for the peer's GOODBYE, the frames that
    /// complete exchanges in progress, and the final flush, before it closes anyway.
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().close_timeout(), std::time::Duration::from_secs(5));
    /// ```
    pub fn close_timeout(&self) -> Duration {
        self.close_timeout
    }

    /// Sets [`close_timeout`](Self::close_timeout).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use wirewright::transport::ConnectionConfig;
    /// let config = ConnectionConfig::new().with_close_timeout(Duration::from_millis(500));
    /// assert_eq!(config.close_timeout(), Duration::from_millis(500));
    /// ```
    #[must_use]
    pub fn with_close_timeout(mut self, close_timeout: Duration) -> Self {
        self.close_timeout = close_timeout;
        self
    }

    /// How many messages may wait to be sent; `send` waits when the queue is full.
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().send_queue(), 128);
    /// ```
    pub fn send_queue(&self) -> usize {
        self.send_queue
    }

    /// Sets [`send_queue`](Self::send_queue) (at least 1).
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().with_send_queue(0).send_queue(), 1);
    /// ```
    #[must_use]
    pub fn with_send_queue(mut self, send_queue: usize) -> Self {
        self.send_queue = send_queue.max(1);
        self
    }

    /// How many received messages may wait to be taken; when the queue is full the
    /// connection stops reading (backpressure reaches the peer through TCP).
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().receive_queue(), 128);
    /// ```
    pub fn receive_queue(&self) -> usize {
        self.receive_queue
    }

    /// Sets [`receive_queue`](Self::receive_queue) (at least 1).
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().with_receive_queue(16).receive_queue(), 16);
    /// ```
    #[must_use]
    pub fn with_receive_queue(mut self, receive_queue: usize) -> Self {
        self.receive_queue = receive_queue.max(1);
        self
    }
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// Settings of a [`Server`](super::Server).
///
/// | setting | default | meaning |
/// |---|---|---|
/// | [`connection`](Self::connection) | [`ConnectionConfig::new`] | settings of each connection |
/// | [`max_connections`](Self::max_connections) | 1,024 | connections served at once; one more is sent GOODBYE 5 and closed |
/// | [`shutdown_grace`](Self::shutdown_grace) | 10 s | hard deadline of a graceful shutdown: then the remaining connections are dropped |
/// | [`backlog`](Self::backlog) | 1,024 | the listen backlog of [`Server::bind`](super::Server::bind) |
///
/// ```
/// use wirewright::transport::ServerConfig;
/// let config = ServerConfig::new().with_max_connections(10_000);
/// assert_eq!(config.max_connections(), 10_000);
/// assert_eq!(config.shutdown_grace(), std::time::Duration::from_secs(10));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    connection: ConnectionConfig,
    max_connections: usize,
    shutdown_grace: Duration,
    backlog: u32,
}

impl ServerConfig {
    /// The defaults in the table above.
    ///
    /// ```
    /// assert_eq!(wirewright::transport::ServerConfig::new().max_connections(), 1024);
    /// ```
    pub fn new() -> Self {
        ServerConfig {
            connection: ConnectionConfig::new(),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(10),
            backlog: 1024,
        }
    }

    /// Settings of each connection.
    ///
    /// ```
    /// # use wirewright::transport::ServerConfig;
    /// assert_eq!(ServerConfig::new().connection().missed_heartbeats(), 3);
    /// ```
    pub fn connection(&self) -> &ConnectionConfig {
        &self.connection
    }

    /// Sets [`connection`](Self::connection).
    ///
    /// ```
    /// # use wirewright::transport::{ConnectionConfig, ServerConfig};
    /// let config = ServerConfig::new().with_connection(ConnectionConfig::new().with_idle_timeout(None));
    /// assert_eq!(config.connection().idle_timeout(), None);
    /// ```
    #[must_use]
    pub fn with_connection(mut self, connection: ConnectionConfig) -> Self {
        self.connection = connection;
        self
    }

    /// How many connections are served at once. A connection beyond the limit is sent
    /// GOODBYE reason 5 and closed at once (a clean refusal, not a hang).
    ///
    /// ```
    /// # use wirewright::transport::ServerConfig;
    /// assert_eq!(ServerConfig::new().max_connections(), 1024);
    /// ```
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }

    /// Sets [`max_connections`](Self::max_connections).
    ///
    /// ```
    /// # use wirewright::transport::ServerConfig;
    /// assert_eq!(ServerConfig::new().with_max_connections(2).max_connections(), 2);
    /// ```
    #[must_use]
    pub fn with_max_connections(mut self, max_connections: usize) -> Self {
        self.max_connections = max_connections;
        self
    }

    /// How long a graceful shutdown may take: after this, connections still open are
    /// dropped and their handlers cancelled.
    ///
    /// ```
    /// # use wirewright::transport::ServerConfig;
    /// assert_eq!(ServerConfig::new().shutdown_grace(), std::time::Duration::from_secs(10));
    /// ```
    pub fn shutdown_grace(&self) -> Duration {
        self.shutdown_grace
    }

    /// Sets [`shutdown_grace`](Self::shutdown_grace).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use wirewright::transport::ServerConfig;
    /// let config = ServerConfig::new().with_shutdown_grace(Duration::from_secs(1));
    /// assert_eq!(config.shutdown_grace(), Duration::from_secs(1));
    /// ```
    #[must_use]
    pub fn with_shutdown_grace(mut self, shutdown_grace: Duration) -> Self {
        self.shutdown_grace = shutdown_grace;
        self
    }

    /// The listen backlog [`Server::bind`](super::Server::bind) asks for (the kernel may
    /// cap it, on Linux at `net.core.somaxconn`).
    ///
    /// ```
    /// # use wirewright::transport::ServerConfig;
    /// assert_eq!(ServerConfig::new().backlog(), 1024);
    /// ```
    pub fn backlog(&self) -> u32 {
        self.backlog
    }

    /// Sets [`backlog`](Self::backlog).
    ///
    /// ```
    /// # use wirewright::transport::ServerConfig;
    /// assert_eq!(ServerConfig::new().with_backlog(4096).backlog(), 4096);
    /// ```
    #[must_use]
    pub fn with_backlog(mut self, backlog: u32) -> Self {
        self.backlog = backlog;
        self
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// Settings of a [`Client`](super::Client).
///
/// | setting | default | meaning |
/// |---|---|---|
/// | [`connection`](Self::connection) | [`ConnectionConfig::new`] | settings of the connection |
/// | [`backoff`](Self::backoff) | [`Backoff::new`] (8 attempts, 50 ms doubling to 5 s, full jitter) | retries of a failed connect |
/// | [`connect_timeout`](Self::connect_timeout) | 5 s | the longest one connection attempt may take |
///
/// ```
/// use wirewright::transport::{Backoff, ClientConfig};
/// let config = ClientConfig::new().with_backoff(Backoff::new().with_max_attempts(3));
/// assert_eq!(config.backoff().max_attempts(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    connection: ConnectionConfig,
    backoff: Backoff,
    connect_timeout: Duration,
}

impl ClientConfig {
    /// The defaults in the table above.
    ///
    /// ```
    /// # use wirewright::transport::ClientConfig;
    /// assert_eq!(ClientConfig::new().connect_timeout(), std::time::Duration::from_secs(5));
    /// ```
    pub fn new() -> Self {
        ClientConfig {
            connection: ConnectionConfig::new(),
            backoff: Backoff::new(),
            connect_timeout: Duration::from_secs(5),
        }
    }

    /// Settings of the connection.
    ///
    /// ```
    /// # use wirewright::transport::ClientConfig;
    /// assert_eq!(ClientConfig::new().connection().send_queue(), 128);
    /// ```
    pub fn connection(&self) -> &ConnectionConfig {
        &self.connection
    }

    /// Sets [`connection`](Self::connection).
    ///
    /// ```
    /// # use wirewright::transport::{ClientConfig, ConnectionConfig};
    /// let config = ClientConfig::new().with_connection(ConnectionConfig::new().with_send_queue(8));
    /// assert_eq!(config.connection().send_queue(), 8);
    /// ```
    #[must_use]
    pub fn with_connection(mut self, connection: ConnectionConfig) -> Self {
        self.connection = connection;
        self
    }

    /// How failed connection attempts are retried.
    ///
    /// ```
    /// # use wirewright::transport::ClientConfig;
    /// assert_eq!(ClientConfig::new().backoff().max_attempts(), 8);
    /// ```
    pub fn backoff(&self) -> &Backoff {
        &self.backoff
    }

    /// Sets [`backoff`](Self::backoff).
    ///
    /// ```
    /// # use wirewright::transport::{Backoff, ClientConfig};
    /// let config = ClientConfig::new().with_backoff(Backoff::new().with_max_attempts(1));
    /// assert_eq!(config.backoff().max_attempts(), 1);
    /// ```
    #[must_use]
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The longest one connection attempt may take before it counts as failed.
    ///
    /// ```
    /// # use wirewright::transport::ClientConfig;
    /// assert_eq!(ClientConfig::new().connect_timeout().as_secs(), 5);
    /// ```
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Sets [`connect_timeout`](Self::connect_timeout).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use wirewright::transport::ClientConfig;
    /// let config = ClientConfig::new().with_connect_timeout(Duration::from_secs(1));
    /// assert_eq!(config.connect_timeout(), Duration::from_secs(1));
    /// ```
    #[must_use]
    pub fn with_connect_timeout(mut self, connect_timeout: Duration) -> Self {
        self.connect_timeout = connect_timeout;
        self
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self::new()
    }
}
