//! Settings of a server.

use std::time::Duration;

use super::ConnectionConfig;
use crate::transport::HelloMode;

/// Settings of a [`Server`](crate::transport::Server).
///
/// | setting | default | meaning |
/// |---|---|---|
/// | [`connection`](Self::connection) | [`ConnectionConfig::new`] | settings of each connection |
/// | [`max_connections`](Self::max_connections) | 1,024 | connections served at once (lowered at start to fit the open-file limit); one more is sent GOODBYE 5 and closed |
/// | [`max_connections_per_address`](Self::max_connections_per_address) | none | connections served at once from one peer IP address; one more is sent GOODBYE 5 |
/// | [`idle_eviction_after`](Self::idle_eviction_after) | 30 s | at the connection limit, a connection that received no message for this long is closed (GOODBYE 8) to make room for a new one |
/// | [`memory_budget`](Self::memory_budget) | 256 MiB | bytes held by all connections (read buffers, a client's HELLO while it is read and judged and then as long as its connection keeps it, messages not yet taken, messages queued for sending); when spent, the connections holding more than 16 KiB stop reading |
/// | [`memory_wait_timeout`](Self::memory_wait_timeout) | 10 s | a connection stopped by the memory budget for this long is closed (GOODBYE 7) |
/// | [`shutdown_grace`](Self::shutdown_grace) | 10 s | hard deadline of a graceful shutdown: exchanges in progress may take this long, then the remaining connections are dropped |
/// | [`refusal_linger`](Self::refusal_linger) | 250 ms | how long a refused connection is kept to deliver its GOODBYE 5 |
/// | [`max_refusals_in_flight`](Self::max_refusals_in_flight) | 64 | refused connections lingering at once; beyond, they are closed right after the GOODBYE is written |
/// | [`backlog`](Self::backlog) | 1,024 | the listen backlog of [`Server::bind`](crate::transport::Server::bind) |
/// | [`hello`](Self::hello) | [`HelloMode::Optional`] | whether to take part in HELLO (SPEC.md §13.6) |
/// | [`hello_timeout`](Self::hello_timeout) | 5 s | how long to wait for a client's first frame before serving it without HELLO (optional) or refusing it with GOODBYE 10 (required); the server sends nothing before |
///
/// ```
/// use std::time::Duration;
/// use wirewright::transport::{ConnectionConfig, HelloMode, ServerConfig};
///
/// let defaults = ServerConfig::default();
/// assert_eq!(defaults, ServerConfig::new());
/// assert_eq!(defaults.connection(), &ConnectionConfig::new());
/// assert_eq!(defaults.max_connections(), 1024);
/// assert_eq!(defaults.max_connections_per_address(), None);
/// assert_eq!(defaults.idle_eviction_after(), Some(Duration::from_secs(30)));
/// assert_eq!(defaults.memory_budget(), 256 << 20);
/// assert_eq!(defaults.memory_wait_timeout(), Duration::from_secs(10));
/// assert_eq!(defaults.shutdown_grace(), Duration::from_secs(10));
/// assert_eq!(defaults.refusal_linger(), Duration::from_millis(250));
/// assert_eq!(defaults.max_refusals_in_flight(), 64);
/// assert_eq!(defaults.backlog(), 1024);
/// assert_eq!(defaults.hello(), HelloMode::Optional);
/// assert_eq!(defaults.hello_timeout(), Duration::from_secs(5));
///
/// let config = ServerConfig::new()
///     .with_connection(ConnectionConfig::new().with_idle_timeout(None))
///     .with_max_connections(10_000)
///     .with_max_connections_per_address(Some(8))
///     .with_idle_eviction_after(None)
///     .with_memory_budget(1 << 20)
///     .with_memory_wait_timeout(Duration::from_secs(1))
///     .with_shutdown_grace(Duration::from_secs(1))
///     .with_refusal_linger(Duration::from_millis(50))
///     .with_max_refusals_in_flight(8)
///     .with_backlog(4096)
///     .with_hello(HelloMode::Required)
///     .with_hello_timeout(Duration::from_secs(1));
/// assert_eq!(config.connection().idle_timeout(), None);
/// assert_eq!(config.max_connections(), 10_000);
/// assert_eq!(config.max_connections_per_address(), Some(8));
/// assert_eq!(config.idle_eviction_after(), None);
/// assert_eq!(config.memory_budget(), 1 << 20);
/// assert_eq!(config.memory_wait_timeout(), Duration::from_secs(1));
/// assert_eq!(config.shutdown_grace(), Duration::from_secs(1));
/// assert_eq!(config.refusal_linger(), Duration::from_millis(50));
/// assert_eq!(config.max_refusals_in_flight(), 8);
/// assert_eq!(config.backlog(), 4096);
/// assert_eq!(config.hello(), HelloMode::Required);
/// assert_eq!(config.hello_timeout(), Duration::from_secs(1));
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
    hello: HelloMode,
    hello_timeout: Duration,
}

impl ServerConfig {
    /// The defaults in the table above.
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
            hello: HelloMode::Optional,
            hello_timeout: Duration::from_secs(5),
        }
    }

    /// Settings of each connection.
    pub fn connection(&self) -> &ConnectionConfig {
        &self.connection
    }

    /// Sets [`connection`](Self::connection).
    #[must_use]
    pub fn with_connection(mut self, connection: ConnectionConfig) -> Self {
        self.connection = connection;
        self
    }

    /// How many connections are served at once. A connection beyond the limit is sent
    /// GOODBYE reason 5 and closed at once (a clean refusal, not a hang).
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }

    /// Sets [`max_connections`](Self::max_connections).
    #[must_use]
    pub fn with_max_connections(mut self, max_connections: usize) -> Self {
        self.max_connections = max_connections;
        self
    }

    /// How many connections one peer IP address may hold at once; `None` (the default:
    /// clients behind one NAT share an address) for no limit. One more is sent GOODBYE
    /// reason 5 and closed.
    pub fn max_connections_per_address(&self) -> Option<usize> {
        self.max_connections_per_address
    }

    /// Sets [`max_connections_per_address`](Self::max_connections_per_address).
    #[must_use]
    pub fn with_max_connections_per_address(mut self, max: Option<usize>) -> Self {
        self.max_connections_per_address = max;
        self
    }

    /// When the server is at [`max_connections`](Self::max_connections), a connection
    /// that has received no message frame for this long (PING and PONG do not count) is
    /// closed with GOODBYE reason 8 to make room for a new one, the longest idle first;
    /// `None` never evicts.
    pub fn idle_eviction_after(&self) -> Option<Duration> {
        self.idle_eviction_after
    }

    /// Sets [`idle_eviction_after`](Self::idle_eviction_after).
    #[must_use]
    pub fn with_idle_eviction_after(mut self, after: Option<Duration>) -> Self {
        self.idle_eviction_after = after;
        self
    }

    /// Bytes held by all connections together: partial frames in read buffers and
    /// messages not yet taken by handlers (counted as they arrive, never from a frame's
    /// declared length), and messages queued for sending. When the budget is spent, every connection
    /// holding more than 16 KiB stops reading (so small exchanges keep being served);
    /// each connection may overshoot by one read (at most its read buffer's free room:
    /// about one maximum frame plus 64 KiB).
    pub fn memory_budget(&self) -> usize {
        self.memory_budget
    }

    /// Sets [`memory_budget`](Self::memory_budget).
    #[must_use]
    pub fn with_memory_budget(mut self, memory_budget: usize) -> Self {
        self.memory_budget = memory_budget;
        self
    }

    /// How long a connection may stay stopped by the memory budget before it is closed
    /// with GOODBYE reason 7.
    pub fn memory_wait_timeout(&self) -> Duration {
        self.memory_wait_timeout
    }

    /// Sets [`memory_wait_timeout`](Self::memory_wait_timeout).
    #[must_use]
    pub fn with_memory_wait_timeout(mut self, timeout: Duration) -> Self {
        self.memory_wait_timeout = timeout;
        self
    }

    /// How long a refused connection is kept open to deliver its GOODBYE 5 (write it,
    /// shut down, read until the peer closes).
    pub fn refusal_linger(&self) -> Duration {
        self.refusal_linger
    }

    /// Sets [`refusal_linger`](Self::refusal_linger).
    #[must_use]
    pub fn with_refusal_linger(mut self, linger: Duration) -> Self {
        self.refusal_linger = linger;
        self
    }

    /// How many refused connections may linger at once; beyond, a refused connection
    /// gets its GOODBYE written without waiting and is closed at once.
    pub fn max_refusals_in_flight(&self) -> usize {
        self.max_refusals_in_flight
    }

    /// Sets [`max_refusals_in_flight`](Self::max_refusals_in_flight).
    #[must_use]
    pub fn with_max_refusals_in_flight(mut self, max: usize) -> Self {
        self.max_refusals_in_flight = max;
        self
    }

    /// How long a graceful shutdown may take: exchanges in progress may run this long
    /// (the connections' own goodbye and linger timeouts do not cut them short); after
    /// it, connections still open are dropped and their handlers cancelled.
    pub fn shutdown_grace(&self) -> Duration {
        self.shutdown_grace
    }

    /// Sets [`shutdown_grace`](Self::shutdown_grace).
    #[must_use]
    pub fn with_shutdown_grace(mut self, shutdown_grace: Duration) -> Self {
        self.shutdown_grace = shutdown_grace;
        self
    }

    /// The listen backlog [`Server::bind`](crate::transport::Server::bind) asks for (the kernel may
    /// cap it, on Linux at `net.core.somaxconn`).
    pub fn backlog(&self) -> u32 {
        self.backlog
    }

    /// Sets [`backlog`](Self::backlog).
    #[must_use]
    pub fn with_backlog(mut self, backlog: u32) -> Self {
        self.backlog = backlog;
        self
    }
}

impl ServerConfig {
    /// Whether the server takes part in HELLO (SPEC.md §13.6): see [`HelloMode`].
    pub fn hello(&self) -> HelloMode {
        self.hello
    }

    /// Sets [`hello`](Self::hello).
    #[must_use]
    pub fn with_hello(mut self, hello: HelloMode) -> Self {
        self.hello = hello;
        self
    }

    /// How long the server waits for a client's first frame (to see whether it is a
    /// HELLO) before it serves the client without HELLO, or refuses it when HELLO is
    /// required. A server that speaks first waits for this too, for a client that sends
    /// nothing (SPEC.md §13.6).
    pub fn hello_timeout(&self) -> Duration {
        self.hello_timeout
    }

    /// Sets [`hello_timeout`](Self::hello_timeout).
    #[must_use]
    pub fn with_hello_timeout(mut self, hello_timeout: Duration) -> Self {
        self.hello_timeout = hello_timeout;
        self
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self::new()
    }
}
