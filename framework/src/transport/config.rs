//! Settings of connections, servers and clients, with documented defaults.

use std::time::Duration;

use crate::Limits;

use super::Backoff;

/// The largest byte budget (permits are acquired as `u32`).
const MAX_BUDGET: usize = u32::MAX as usize;

/// Settings of one connection: limits, timeouts, heartbeats, queue sizes.
///
/// | setting | default | meaning |
/// |---|---|---|
/// | [`limits`](Self::limits) | [`Limits::default`] (8 MiB frames) | what the decoder accepts; larger messages are not sent |
/// | [`idle_timeout`](Self::idle_timeout) | 60 s | close (GOODBYE 2) when no complete frame arrives for this long: a silent peer, or one stuck in the middle of a frame |
/// | [`heartbeat_interval`](Self::heartbeat_interval) | 10 s | send a PING after an interval in which nothing else was sent |
/// | [`missed_heartbeats`](Self::missed_heartbeats) | 3 | close (GOODBYE 3) when this many PINGs in a row are unanswered at the next tick |
/// | [`goodbye_timeout`](Self::goodbye_timeout) | 5 s | the longest the closing handshake may take: the wait for the peer's GOODBYE, or for this side's application to finish its replies (SPEC.md §7) |
/// | [`linger_timeout`](Self::linger_timeout) | 1 s | after the handshake (or a forced close): the final flush and the wait for the peer's end of stream |
/// | [`send_queue`](Self::send_queue) | 128 | messages queued for sending before `send` waits |
/// | [`send_budget`](Self::send_budget) | 1 MiB | bytes (encoded frames) queued for sending before `send` waits |
/// | [`receive_queue`](Self::receive_queue) | 128 | messages received but not yet taken before the connection stops reading |
/// | [`receive_budget`](Self::receive_budget) | 1 MiB | bytes (whole frames) received but not yet taken before the connection stops reading |
/// | [`max_control_frames_per_second`](Self::max_control_frames_per_second) | 1,000 | PING and PONG frames a peer may send per second before it is closed (GOODBYE 6) |
///
/// A message larger than a byte budget still passes, alone: it takes the whole budget.
/// During a server's graceful shutdown every deadline is also capped by what remains of
/// [`ServerConfig::shutdown_grace`].
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
    goodbye_timeout: Duration,
    linger_timeout: Duration,
    send_queue: usize,
    send_budget: usize,
    receive_queue: usize,
    receive_budget: usize,
    max_control_frames_per_second: u32,
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
            goodbye_timeout: Duration::from_secs(5),
            linger_timeout: Duration::from_secs(1),
            send_queue: 128,
            send_budget: 1 << 20,
            receive_queue: 128,
            receive_budget: 1 << 20,
            max_control_frames_per_second: 1000,
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

    /// The longest the closing handshake may take (SPEC.md §7): the side that said
    /// GOODBYE first waits this long for the peer's answering GOODBYE; the side that
    /// received it waits this long for its application to finish the replies to what it
    /// read (every sending handle dropped, or the receiving half dropped with nothing
    /// queued, or [`Connection::close`](super::Connection::close)). Then the connection
    /// closes with [`ConnectionError::CloseTimeout`](super::ConnectionError::CloseTimeout).
    /// A server that shuts down gives exchanges in progress its whole
    /// [`ServerConfig::shutdown_grace`] instead.
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().goodbye_timeout(), std::time::Duration::from_secs(5));
    /// ```
    pub fn goodbye_timeout(&self) -> Duration {
        self.goodbye_timeout
    }

    /// Sets [`goodbye_timeout`](Self::goodbye_timeout).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use wirewright::transport::ConnectionConfig;
    /// let config = ConnectionConfig::new().with_goodbye_timeout(Duration::from_millis(500));
    /// assert_eq!(config.goodbye_timeout(), Duration::from_millis(500));
    /// ```
    #[must_use]
    pub fn with_goodbye_timeout(mut self, goodbye_timeout: Duration) -> Self {
        self.goodbye_timeout = goodbye_timeout;
        self
    }

    /// The longest the last steps of a close may take: flushing the final frames,
    /// shutting the write side down and reading (and discarding) until the peer's end of
    /// stream, so that the GOODBYE is not destroyed by a reset.
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().linger_timeout(), std::time::Duration::from_secs(1));
    /// ```
    pub fn linger_timeout(&self) -> Duration {
        self.linger_timeout
    }

    /// Sets [`linger_timeout`](Self::linger_timeout).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use wirewright::transport::ConnectionConfig;
    /// let config = ConnectionConfig::new().with_linger_timeout(Duration::from_millis(100));
    /// assert_eq!(config.linger_timeout(), Duration::from_millis(100));
    /// ```
    #[must_use]
    pub fn with_linger_timeout(mut self, linger_timeout: Duration) -> Self {
        self.linger_timeout = linger_timeout;
        self
    }

    /// Bytes (encoded frames) that may wait to be sent; `send` waits while the budget is
    /// spent, and `try_send` fails with [`ConnectionError::QueueFull`](super::ConnectionError::QueueFull).
    /// A message larger than the budget waits until nothing else is queued, then takes
    /// the whole budget.
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().send_budget(), 1 << 20);
    /// ```
    pub fn send_budget(&self) -> usize {
        self.send_budget
    }

    /// Sets [`send_budget`](Self::send_budget) (at least 1).
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().with_send_budget(64 << 10).send_budget(), 65_536);
    /// ```
    #[must_use]
    pub fn with_send_budget(mut self, send_budget: usize) -> Self {
        self.send_budget = send_budget.clamp(1, MAX_BUDGET);
        self
    }

    /// Bytes (whole frames) received but not yet taken by the application; when the
    /// next message does not fit, the connection stops reading. A message larger than
    /// the budget is delivered when nothing else is waiting.
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().receive_budget(), 1 << 20);
    /// ```
    pub fn receive_budget(&self) -> usize {
        self.receive_budget
    }

    /// Sets [`receive_budget`](Self::receive_budget) (at least 1).
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().with_receive_budget(4096).receive_budget(), 4096);
    /// ```
    #[must_use]
    pub fn with_receive_budget(mut self, receive_budget: usize) -> Self {
        self.receive_budget = receive_budget.clamp(1, MAX_BUDGET);
        self
    }

    /// How many PING and PONG frames the peer may send per second: a peer that sends
    /// this many in less than a second is closed with GOODBYE reason 6 (control flood).
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// assert_eq!(ConnectionConfig::new().max_control_frames_per_second(), 1000);
    /// ```
    pub fn max_control_frames_per_second(&self) -> u32 {
        self.max_control_frames_per_second
    }

    /// Sets [`max_control_frames_per_second`](Self::max_control_frames_per_second) (at
    /// least 1).
    ///
    /// ```
    /// # use wirewright::transport::ConnectionConfig;
    /// let config = ConnectionConfig::new().with_max_control_frames_per_second(100);
    /// assert_eq!(config.max_control_frames_per_second(), 100);
    /// ```
    #[must_use]
    pub fn with_max_control_frames_per_second(mut self, max: u32) -> Self {
        self.max_control_frames_per_second = max.max(1);
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
/// | [`max_connections`](Self::max_connections) | 1,024 | connections served at once (lowered at start to fit the open-file limit); one more is sent GOODBYE 5 and closed |
/// | [`max_connections_per_address`](Self::max_connections_per_address) | none | connections served at once from one peer IP address; one more is sent GOODBYE 5 |
/// | [`idle_eviction_after`](Self::idle_eviction_after) | 30 s | at the connection limit, a connection that received no message for this long is closed (GOODBYE 8) to make room for a new one |
/// | [`memory_budget`](Self::memory_budget) | 256 MiB | bytes received and held by all connections (read buffers, messages not yet taken); when spent, the connections holding more than 16 KiB stop reading |
/// | [`memory_wait_timeout`](Self::memory_wait_timeout) | 10 s | a connection stopped by the memory budget for this long is closed (GOODBYE 7) |
/// | [`shutdown_grace`](Self::shutdown_grace) | 10 s | hard deadline of a graceful shutdown: exchanges in progress may take this long, then the remaining connections are dropped |
/// | [`refusal_linger`](Self::refusal_linger) | 250 ms | how long a refused connection is kept to deliver its GOODBYE 5 |
/// | [`max_refusals_in_flight`](Self::max_refusals_in_flight) | 64 | refused connections lingering at once; beyond, they are closed right after the GOODBYE is written |
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
    max_connections_per_address: Option<usize>,
    idle_eviction_after: Option<Duration>,
    memory_budget: usize,
    memory_wait_timeout: Duration,
    shutdown_grace: Duration,
    refusal_linger: Duration,
    max_refusals_in_flight: usize,
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
            max_connections_per_address: None,
            idle_eviction_after: Some(Duration::from_secs(30)),
            memory_budget: 256 << 20,
            memory_wait_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
            refusal_linger: Duration::from_millis(250),
            max_refusals_in_flight: 64,
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

    /// How many connections one peer IP address may hold at once; `None` (the default:
    /// clients behind one NAT share an address) for no limit. One more is sent GOODBYE
    /// reason 5 and closed.
    ///
    /// ```
    /// # use wirewright::transport::ServerConfig;
    /// assert_eq!(ServerConfig::new().max_connections_per_address(), None);
    /// ```
    pub fn max_connections_per_address(&self) -> Option<usize> {
        self.max_connections_per_address
    }

    /// Sets [`max_connections_per_address`](Self::max_connections_per_address).
    ///
    /// ```
    /// # use wirewright::transport::ServerConfig;
    /// let config = ServerConfig::new().with_max_connections_per_address(Some(8));
    /// assert_eq!(config.max_connections_per_address(), Some(8));
    /// ```
    #[must_use]
    pub fn with_max_connections_per_address(mut self, max: Option<usize>) -> Self {
        self.max_connections_per_address = max;
        self
    }

    /// When the server is at [`max_connections`](Self::max_connections), a connection
    /// that has received no message frame for this long (PING and PONG do not count) is
    /// closed with GOODBYE reason 8 to make room for a new one, the longest idle first;
    /// `None` never evicts.
    ///
    /// ```
    /// # use wirewright::transport::ServerConfig;
    /// assert_eq!(ServerConfig::new().idle_eviction_after(), Some(std::time::Duration::from_secs(30)));
    /// ```
    pub fn idle_eviction_after(&self) -> Option<Duration> {
        self.idle_eviction_after
    }

    /// Sets [`idle_eviction_after`](Self::idle_eviction_after).
    ///
    /// ```
    /// # use wirewright::transport::ServerConfig;
    /// assert_eq!(ServerConfig::new().with_idle_eviction_after(None).idle_eviction_after(), None);
    /// ```
    #[must_use]
    pub fn with_idle_eviction_after(mut self, after: Option<Duration>) -> Self {
        self.idle_eviction_after = after;
        self
    }

    /// Bytes received and held by all connections together: partial frames in read
    /// buffers and messages not yet taken by handlers. Bytes are counted as they arrive,
    /// never from a frame's declared length. When the budget is spent, every connection
    /// holding more than 16 KiB stops reading (so small exchanges keep being served);
    /// each connection may overshoot by one read (at most 64 KiB).
    ///
    /// ```
    /// # use wirewright::transport::ServerConfig;
    /// assert_eq!(ServerConfig::new().memory_budget(), 256 << 20);
    /// ```
    pub fn memory_budget(&self) -> usize {
        self.memory_budget
    }

    /// Sets [`memory_budget`](Self::memory_budget).
    ///
    /// ```
    /// # use wirewright::transport::ServerConfig;
    /// assert_eq!(ServerConfig::new().with_memory_budget(1 << 20).memory_budget(), 1 << 20);
    /// ```
    #[must_use]
    pub fn with_memory_budget(mut self, memory_budget: usize) -> Self {
        self.memory_budget = memory_budget;
        self
    }

    /// How long a connection may stay stopped by the memory budget before it is closed
    /// with GOODBYE reason 7.
    ///
    /// ```
    /// # use wirewright::transport::ServerConfig;
    /// assert_eq!(ServerConfig::new().memory_wait_timeout(), std::time::Duration::from_secs(10));
    /// ```
    pub fn memory_wait_timeout(&self) -> Duration {
        self.memory_wait_timeout
    }

    /// Sets [`memory_wait_timeout`](Self::memory_wait_timeout).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use wirewright::transport::ServerConfig;
    /// let config = ServerConfig::new().with_memory_wait_timeout(Duration::from_secs(1));
    /// assert_eq!(config.memory_wait_timeout(), Duration::from_secs(1));
    /// ```
    #[must_use]
    pub fn with_memory_wait_timeout(mut self, timeout: Duration) -> Self {
        self.memory_wait_timeout = timeout;
        self
    }

    /// How long a refused connection is kept open to deliver its GOODBYE 5 (write it,
    /// shut down, read until the peer closes).
    ///
    /// ```
    /// # use wirewright::transport::ServerConfig;
    /// assert_eq!(ServerConfig::new().refusal_linger(), std::time::Duration::from_millis(250));
    /// ```
    pub fn refusal_linger(&self) -> Duration {
        self.refusal_linger
    }

    /// Sets [`refusal_linger`](Self::refusal_linger).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use wirewright::transport::ServerConfig;
    /// let config = ServerConfig::new().with_refusal_linger(Duration::from_millis(50));
    /// assert_eq!(config.refusal_linger(), Duration::from_millis(50));
    /// ```
    #[must_use]
    pub fn with_refusal_linger(mut self, linger: Duration) -> Self {
        self.refusal_linger = linger;
        self
    }

    /// How many refused connections may linger at once; beyond, a refused connection
    /// gets its GOODBYE written without waiting and is closed at once.
    ///
    /// ```
    /// # use wirewright::transport::ServerConfig;
    /// assert_eq!(ServerConfig::new().max_refusals_in_flight(), 64);
    /// ```
    pub fn max_refusals_in_flight(&self) -> usize {
        self.max_refusals_in_flight
    }

    /// Sets [`max_refusals_in_flight`](Self::max_refusals_in_flight).
    ///
    /// ```
    /// # use wirewright::transport::ServerConfig;
    /// assert_eq!(ServerConfig::new().with_max_refusals_in_flight(8).max_refusals_in_flight(), 8);
    /// ```
    #[must_use]
    pub fn with_max_refusals_in_flight(mut self, max: usize) -> Self {
        self.max_refusals_in_flight = max;
        self
    }

    /// How long a graceful shutdown may take: exchanges in progress may run this long
    /// (the connections' own goodbye and linger timeouts do not cut them short); after
    /// it, connections still open are dropped and their handlers cancelled.
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
