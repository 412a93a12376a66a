//! Settings of request/response clients and servers, with documented defaults.

use std::time::Duration;

use crate::transport::ClientConfig;

/// Settings of an [`RpcClient`](super::RpcClient).
///
/// | setting | default | meaning |
/// |---|---|---|
/// | [`client`](Self::client) | [`ClientConfig::new`] | the connection's settings, the connect timeout and the [`Backoff`](crate::transport::Backoff) of reconnects and retries |
/// | [`call_timeout`](Self::call_timeout) | 30 s | the deadline of a call that sets none |
/// | [`reconnect`](Self::reconnect) | true | whether a call that finds the connection gone makes a new one |
/// | [`call_signals`](Self::call_signals) | false | whether calls tell the server their deadline and that they gave up (SPEC.md §11.7) |
///
/// ```
/// use std::time::Duration;
/// use wirewright::rpc::RpcClientConfig;
/// use wirewright::transport::{Backoff, ClientConfig};
///
/// let defaults = RpcClientConfig::default();
/// assert_eq!(defaults, RpcClientConfig::new());
/// assert_eq!(defaults.client(), &ClientConfig::new());
/// assert_eq!(defaults.call_timeout(), Duration::from_secs(30));
/// assert!(defaults.reconnect());
///
/// let client = ClientConfig::new().with_backoff(Backoff::new().with_max_attempts(3));
/// let config = RpcClientConfig::new()
///     .with_client(client)
///     .with_call_timeout(Duration::from_secs(2))
///     .with_reconnect(false);
/// assert_eq!(config.client().backoff().max_attempts(), 3);
/// assert_eq!(config.call_timeout(), Duration::from_secs(2));
/// assert!(!config.reconnect());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcClientConfig {
    client: ClientConfig,
    call_timeout: Duration,
    reconnect: bool,
    call_signals: bool,
    stream_window: u32,
}

impl RpcClientConfig {
    /// The defaults in the table above.
    pub fn new() -> Self {
        RpcClientConfig {
            client: ClientConfig::new(),
            call_timeout: Duration::from_secs(30),
            reconnect: true,
            call_signals: false,
            stream_window: 64 * 1024,
        }
    }

    /// The transport client's settings: connection settings, connect timeout, backoff.
    pub fn client(&self) -> &ClientConfig {
        &self.client
    }

    /// Sets [`client`](Self::client).
    #[must_use]
    pub fn with_client(mut self, client: ClientConfig) -> Self {
        self.client = client;
        self
    }

    /// The deadline of calls that set none with
    /// [`CallOptions::with_timeout`](super::CallOptions::with_timeout).
    pub fn call_timeout(&self) -> Duration {
        self.call_timeout
    }

    /// Sets [`call_timeout`](Self::call_timeout).
    #[must_use]
    pub fn with_call_timeout(mut self, call_timeout: Duration) -> Self {
        self.call_timeout = call_timeout;
        self
    }

    /// Whether a call that finds the connection closed (or closing, after the server's
    /// GOODBYE) connects again. An attempt is made at once; after a failed one, calls
    /// fail with [`RpcError::Unavailable`](super::RpcError::Unavailable) until the
    /// backoff's delay has passed, so that a down server is not hammered.
    pub fn reconnect(&self) -> bool {
        self.reconnect
    }

    /// Sets [`reconnect`](Self::reconnect).
    #[must_use]
    pub fn with_reconnect(mut self, reconnect: bool) -> Self {
        self.reconnect = reconnect;
        self
    }

    /// Whether each call sends a DEADLINE frame before its request (the server's handler
    /// reads it from [`Context`](super::Context); a request already late is not run), and
    /// a CANCEL frame when it gives up (its deadline passed, or its future was dropped:
    /// the server stops the handler). SPEC.md §11.7. Off by default: a server that does
    /// not implement §11.7 (an older wirewright, another language's peer) closes the
    /// connection at the first of them (an unknown control kind is a protocol error).
    ///
    /// ```
    /// # use wirewright::rpc::RpcClientConfig;
    /// assert!(!RpcClientConfig::new().call_signals());
    /// ```
    pub fn call_signals(&self) -> bool {
        self.call_signals
    }

    /// Sets [`call_signals`](Self::call_signals).
    ///
    /// ```
    /// # use wirewright::rpc::RpcClientConfig;
    /// assert!(RpcClientConfig::new().with_call_signals(true).call_signals());
    /// ```
    #[must_use]
    pub fn with_call_signals(mut self, call_signals: bool) -> Self {
        self.call_signals = call_signals;
        self
    }

    /// The credit each stream starts with and keeps topped up (SPEC.md §11.8): how many
    /// bytes of items the server may send ahead of the reader. A stream's buffered items
    /// never exceed it by more than one item. Default 64 KiB.
    ///
    /// ```
    /// # use wirewright::rpc::RpcClientConfig;
    /// assert_eq!(RpcClientConfig::new().stream_window(), 64 * 1024);
    /// ```
    pub fn stream_window(&self) -> u32 {
        self.stream_window
    }

    /// Sets the [`stream_window`](Self::stream_window), at least 1 byte and at most
    /// 2^31 − 1 (the most a stream's credit may hold).
    ///
    /// ```
    /// # use wirewright::rpc::RpcClientConfig;
    /// assert_eq!(RpcClientConfig::new().with_stream_window(0).stream_window(), 1);
    /// assert_eq!(RpcClientConfig::new().with_stream_window(u32::MAX).stream_window(), (1 << 31) - 1);
    /// ```
    #[must_use]
    pub fn with_stream_window(mut self, bytes: u32) -> Self {
        self.stream_window = bytes.clamp(1, (1 << 31) - 1);
        self
    }
}

impl Default for RpcClientConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// Settings of an [`RpcServer`](super::RpcServer).
///
/// | setting | default | meaning |
/// |---|---|---|
/// | [`max_in_flight`](Self::max_in_flight) | 128 | calls run at once on one connection |
/// | [`reject_when_busy`](Self::reject_when_busy) | false | at the limit: false stops reading (backpressure), true answers [`ErrorCode::Overloaded`](super::ErrorCode::Overloaded) |
/// | [`reply_budget`](Self::reply_budget) | 1 MiB | bytes of replies of one connection waiting to be written out; when full, the server stops reading (backpressure) |
///
/// ```
/// use wirewright::rpc::RpcServerConfig;
///
/// let defaults = RpcServerConfig::default();
/// assert_eq!(defaults, RpcServerConfig::new());
/// assert_eq!(defaults.max_in_flight(), 128);
/// assert!(!defaults.reject_when_busy());
/// assert_eq!(defaults.reply_budget(), 1 << 20);
///
/// let config = RpcServerConfig::new()
///     .with_max_in_flight(16)
///     .with_reject_when_busy(true)
///     .with_reply_budget(64 * 1024);
/// assert_eq!(config.max_in_flight(), 16);
/// assert!(config.reject_when_busy());
/// assert_eq!(config.reply_budget(), 64 * 1024);
/// assert_eq!(RpcServerConfig::new().with_max_in_flight(0).max_in_flight(), 1); // at least 1
/// assert_eq!(RpcServerConfig::new().with_reply_budget(0).reply_budget(), 1); // at least 1
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcServerConfig {
    max_in_flight: usize,
    reject_when_busy: bool,
    reply_budget: usize,
}

impl RpcServerConfig {
    /// The defaults in the table above.
    pub fn new() -> Self {
        RpcServerConfig {
            max_in_flight: 128,
            reject_when_busy: false,
            reply_budget: 1 << 20,
        }
    }

    /// How many calls of one connection run at once. Beyond it the server stops reading
    /// the connection: requests wait in the connection's receive queue
    /// ([`ConnectionConfig::receive_queue`](crate::transport::ConnectionConfig::receive_queue)),
    /// then in the socket buffers, then at the client (TCP flow control). Nothing is
    /// buffered without bound.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight
    }

    /// Sets [`max_in_flight`](Self::max_in_flight) (at least 1).
    #[must_use]
    pub fn with_max_in_flight(mut self, max_in_flight: usize) -> Self {
        self.max_in_flight = max_in_flight.max(1);
        self
    }

    /// Whether a request that arrives while [`max_in_flight`](Self::max_in_flight)
    /// calls run is answered at once with
    /// [`ErrorCode::Overloaded`](super::ErrorCode::Overloaded) (the client may retry it
    /// elsewhere) instead of waiting.
    pub fn reject_when_busy(&self) -> bool {
        self.reject_when_busy
    }

    /// Sets [`reject_when_busy`](Self::reject_when_busy).
    #[must_use]
    pub fn with_reject_when_busy(mut self, reject_when_busy: bool) -> Self {
        self.reject_when_busy = reject_when_busy;
        self
    }

    /// How many bytes (encoded payloads) of one connection's replies may wait to be
    /// written out: replies the handlers have produced, in the send queue or waiting
    /// for room in it. A reply is charged when its handler returns and released when the
    /// connection has encoded it into its write buffer. When the next reply does not fit,
    /// the server stops reading requests and stops taking finished calls until the peer
    /// has read enough (backpressure), so a peer that sends requests with large replies
    /// and never reads them holds at most this much. A single reply larger than the
    /// budget is sent alone (it waits until nothing else is charged), so the bound is the
    /// larger of the budget and one frame
    /// ([`Limits::max_frame_len`](crate::Limits::max_frame_len)).
    pub fn reply_budget(&self) -> usize {
        self.reply_budget
    }

    /// Sets [`reply_budget`](Self::reply_budget) (at least 1 byte).
    #[must_use]
    pub fn with_reply_budget(mut self, bytes: usize) -> Self {
        self.reply_budget = bytes.max(1);
        self
    }
}

impl Default for RpcServerConfig {
    fn default() -> Self {
        Self::new()
    }
}
