//! What the application can read about each server.

use std::fmt;
use std::net::SocketAddr;

/// Whether a server takes calls (see the [module docs](super) for the transitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EndpointState {
    /// Its first connections are being made; it takes no calls yet.
    Connecting,
    /// It takes calls.
    Up,
    /// It failed [`eject_after`](super::BalanceConfig::eject_after) calls in a row (or a
    /// probe) and takes no calls until [`probe_after`](super::BalanceConfig::probe_after)
    /// has passed.
    Ejected,
    /// One call probes it; the others go elsewhere.
    Probing,
}

impl fmt::Display for EndpointState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EndpointState::Connecting => "connecting",
            EndpointState::Up => "up",
            EndpointState::Ejected => "ejected",
            EndpointState::Probing => "probing",
        })
    }
}

/// One server as the balanced client sees it, at the moment
/// [`BalancedClient::endpoints`](super::BalancedClient::endpoints) was called.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointMetrics {
    /// The server's address.
    pub addr: SocketAddr,
    /// Whether it takes calls.
    pub state: EndpointState,
    /// Calls sent to it (each attempt of a retried call counts once).
    pub calls: u64,
    /// Calls to it that failed for a reason that counts against it: the connection
    /// could not be made or was lost, the outcome is unknown, or the server said it was
    /// overloaded or shutting down. Application errors do not count.
    pub failures: u64,
    /// Of these, the ones in a row up to now.
    pub consecutive_failures: u32,
    /// Times it was ejected.
    pub ejections: u64,
    /// Calls to it in flight now.
    pub in_flight: usize,
    /// Calls sent on each of its connections (empty while connecting).
    pub calls_per_connection: Vec<u64>,
}
