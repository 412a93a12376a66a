//! Settings of a client.

use std::time::Duration;

use crate::transport::{Backoff, HelloMode};

use super::ConnectionConfig;

/// Settings of a [`Client`](crate::transport::Client).
///
/// | setting | default | meaning |
/// |---|---|---|
/// | [`connection`](Self::connection) | [`ConnectionConfig::new`] | settings of the connection |
/// | [`backoff`](Self::backoff) | [`Backoff::new`] (8 attempts, 50 ms doubling to 5 s, full jitter) | retries of a failed connect |
/// | [`connect_timeout`](Self::connect_timeout) | 5 s | the longest one connection attempt may take |
/// | [`hello`](Self::hello) | [`HelloMode::Optional`] | whether to open with HELLO (SPEC.md §13.6) |
/// | [`hello_timeout`](Self::hello_timeout) | 5 s | how long to wait for the server's answer to HELLO |
///
/// ```
/// use std::time::Duration;
/// use wirewright::transport::{Backoff, ClientConfig, ConnectionConfig, HelloMode};
///
/// let defaults = ClientConfig::default();
/// assert_eq!(defaults, ClientConfig::new());
/// assert_eq!(defaults.connection(), &ConnectionConfig::new());
/// assert_eq!(defaults.backoff(), &Backoff::new());
/// assert_eq!(defaults.connect_timeout(), Duration::from_secs(5));
/// assert_eq!(defaults.hello(), HelloMode::Optional);
/// assert_eq!(defaults.hello_timeout(), Duration::from_secs(5));
///
/// let config = ClientConfig::new()
///     .with_connection(ConnectionConfig::new().with_send_queue(8))
///     .with_backoff(Backoff::new().with_max_attempts(3))
///     .with_connect_timeout(Duration::from_secs(1))
///     .with_hello(HelloMode::Required)
///     .with_hello_timeout(Duration::from_millis(500));
/// assert_eq!(config.connection().send_queue(), 8);
/// assert_eq!(config.backoff().max_attempts(), 3);
/// assert_eq!(config.connect_timeout(), Duration::from_secs(1));
/// assert_eq!(config.hello(), HelloMode::Required);
/// assert_eq!(config.hello_timeout(), Duration::from_millis(500));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    connection: ConnectionConfig,
    backoff: Backoff,
    connect_timeout: Duration,
    hello: HelloMode,
    hello_timeout: Duration,
}

impl ClientConfig {
    /// The defaults in the table above.
    pub fn new() -> Self {
        ClientConfig {
            connection: ConnectionConfig::new(),
            backoff: Backoff::new(),
            connect_timeout: Duration::from_secs(5),
            hello: HelloMode::Optional,
            hello_timeout: Duration::from_secs(5),
        }
    }

    /// Settings of the connection.
    pub fn connection(&self) -> &ConnectionConfig {
        &self.connection
    }

    /// Sets [`connection`](Self::connection).
    #[must_use]
    pub fn with_connection(mut self, connection: ConnectionConfig) -> Self {
        self.connection = connection;
        self
    }

    /// How failed connection attempts are retried.
    pub fn backoff(&self) -> &Backoff {
        &self.backoff
    }

    /// Sets [`backoff`](Self::backoff).
    #[must_use]
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The longest one connection attempt may take before it counts as failed.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Sets [`connect_timeout`](Self::connect_timeout).
    #[must_use]
    pub fn with_connect_timeout(mut self, connect_timeout: Duration) -> Self {
        self.connect_timeout = connect_timeout;
        self
    }
}

impl ClientConfig {
    /// Whether a connection opens with HELLO (SPEC.md §13.6): see [`HelloMode`].
    pub fn hello(&self) -> HelloMode {
        self.hello
    }

    /// Sets [`hello`](Self::hello).
    #[must_use]
    pub fn with_hello(mut self, hello: HelloMode) -> Self {
        self.hello = hello;
        self
    }

    /// How long the client waits for the server's answer to its HELLO. Optional: the
    /// connection then goes on without; required: [`HelloError::NoAnswer`](crate::transport::HelloError::NoAnswer).
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

impl Default for ClientConfig {
    fn default() -> Self {
        Self::new()
    }
}
