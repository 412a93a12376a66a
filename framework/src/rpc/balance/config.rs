//! Settings of a balanced client, with documented defaults.

use std::time::Duration;

use crate::rpc::RpcClientConfig;

/// Settings of a [`BalancedClient`](super::BalancedClient).
///
/// | setting | default | meaning |
/// |---|---|---|
/// | [`client`](Self::client) | [`RpcClientConfig::new`] | each connection's settings: call timeout, reconnects and their [`Backoff`](crate::transport::Backoff), which also paces the balancer's retries on other servers |
/// | [`connections_per_server`](Self::connections_per_server) | 1 | connections to each server; a call takes the one with the fewest calls waiting |
/// | [`eject_after`](Self::eject_after) | 5 | calls failing in a row (connection lost or refused, outcome unknown, overloaded, shutting down) that eject a server |
/// | [`probe_after`](Self::probe_after) | 2 s | how long an ejected server takes no calls; then one call probes it |
///
/// ```
/// use std::time::Duration;
/// use wirewright::rpc::balance::BalanceConfig;
/// use wirewright::rpc::RpcClientConfig;
///
/// let config = BalanceConfig::new()
///     .with_client(RpcClientConfig::new().with_call_timeout(Duration::from_secs(5)))
///     .with_connections_per_server(4)
///     .with_eject_after(3)
///     .with_probe_after(Duration::from_millis(500));
/// assert_eq!(config.client().call_timeout(), Duration::from_secs(5));
/// assert_eq!(config.connections_per_server(), 4);
/// assert_eq!(config.eject_after(), 3);
/// assert_eq!(config.probe_after(), Duration::from_millis(500));
/// assert_eq!(BalanceConfig::new().with_connections_per_server(0).connections_per_server(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceConfig {
    client: RpcClientConfig,
    connections_per_server: usize,
    eject_after: u32,
    probe_after: Duration,
}

impl BalanceConfig {
    /// The defaults in the table above.
    pub fn new() -> Self {
        BalanceConfig {
            client: RpcClientConfig::new(),
            connections_per_server: 1,
            eject_after: 5,
            probe_after: Duration::from_secs(2),
        }
    }

    /// The settings of every connection (see the table above).
    pub fn client(&self) -> &RpcClientConfig {
        &self.client
    }

    /// Sets [`client`](Self::client).
    #[must_use]
    pub fn with_client(mut self, client: RpcClientConfig) -> Self {
        self.client = client;
        self
    }

    /// Connections to each server.
    pub fn connections_per_server(&self) -> usize {
        self.connections_per_server
    }

    /// Sets [`connections_per_server`](Self::connections_per_server) (at least 1).
    #[must_use]
    pub fn with_connections_per_server(mut self, connections: usize) -> Self {
        self.connections_per_server = connections.max(1);
        self
    }

    /// Calls failing in a row that eject a server.
    pub fn eject_after(&self) -> u32 {
        self.eject_after
    }

    /// Sets [`eject_after`](Self::eject_after) (at least 1).
    #[must_use]
    pub fn with_eject_after(mut self, failures: u32) -> Self {
        self.eject_after = failures.max(1);
        self
    }

    /// How long an ejected server takes no calls before one call probes it (and how long
    /// a probe may go unanswered before another call replaces it).
    ///
    /// The probe goes through the connection's [`RpcClient`](crate::rpc::RpcClient),
    /// which reconnects with its own backoff: while that backoff forbids a new attempt
    /// the probe fails at once ([`RpcError::Unavailable`](crate::rpc::RpcError::Unavailable)),
    /// so a server that was down a long time comes back after the longer of this delay
    /// and the backoff's current delay (at most its
    /// [`max_delay`](crate::transport::Backoff::max_delay)).
    pub fn probe_after(&self) -> Duration {
        self.probe_after
    }

    /// Sets [`probe_after`](Self::probe_after).
    #[must_use]
    pub fn with_probe_after(mut self, delay: Duration) -> Self {
        self.probe_after = delay;
        self
    }
}

impl Default for BalanceConfig {
    fn default() -> Self {
        Self::new()
    }
}
