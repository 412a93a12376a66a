//! Per-call settings: the deadline, and whether the call may be retried.

use std::time::Duration;

/// Settings of one call.
///
/// | setting | default | meaning |
/// |---|---|---|
/// | [`timeout`](Self::timeout) | the client's [`call_timeout`](super::RpcClientConfig::call_timeout) | the deadline of the whole call, retries and reconnects included |
/// | [`is_idempotent`](Self::is_idempotent) | false | whether the call may be sent again after a lost connection (even one that ended after the request was sent: [`RpcError::OutcomeUnknown`](super::RpcError::OutcomeUnknown)) or an overloaded or shutting-down server |
///
/// ```
/// use std::time::Duration;
/// use wirewright::rpc::CallOptions;
/// let defaults = CallOptions::new();
/// assert_eq!(defaults.timeout(), None); // the client's call_timeout
/// assert!(!defaults.is_idempotent());
///
/// let options = CallOptions::new().with_timeout(Duration::from_millis(100)).idempotent();
/// assert_eq!(options.timeout(), Some(Duration::from_millis(100)));
/// assert!(options.is_idempotent());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallOptions {
    timeout: Option<Duration>,
    idempotent: bool,
}

impl CallOptions {
    /// The defaults in the table above.
    pub fn new() -> Self {
        CallOptions::default()
    }

    /// The call's own timeout, if it has one.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Gives the call `timeout`: after it, the call fails with
    /// [`RpcError::Timeout`](super::RpcError::Timeout) and a late response is dropped.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Whether the call may be retried.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    /// Marks the call idempotent: running it twice has the effect of running it once,
    /// so the client may send it again, on a new connection if need be, when
    /// [`RpcError::is_retryable`](super::RpcError::is_retryable) says so, until the
    /// deadline or the backoff's attempts run out.
    #[must_use]
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }
}
