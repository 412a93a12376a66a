//! What a call can fail with.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use crate::transport::ConnectionError;
use crate::FrameError;

use super::{ErrorCode, Failure};

/// Why a call did not return a response. `E` is the service's application error.
///
/// ```
/// use std::time::Duration;
/// use wirewright::rpc::{ErrorCode, Failure, RpcError};
///
/// let err: RpcError<String> = RpcError::Timeout { timeout: Duration::from_millis(250) };
/// assert_eq!(err.to_string(), "no response within 250 ms");
/// assert!(!err.is_retryable()); // the deadline covers the retries too
///
/// let err: RpcError<String> = RpcError::Failed(Failure::new(ErrorCode::ShuttingDown, ""));
/// assert_eq!(err.to_string(), "the server failed the call: shutting down (code 5)");
/// assert!(err.is_retryable());
///
/// let err = RpcError::Application("no such key".to_owned());
/// assert_eq!(err.to_string(), "the handler returned an error: no such key");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RpcError<E> {
    /// The handler returned its own error, which arrived typed.
    #[error("the handler returned an error: {0}")]
    Application(E),
    /// The server failed the call (error code 1 or more: unknown request type, invalid
    /// request, handler failure, overload, shutdown).
    #[error("the server failed the call: {0}")]
    Failed(Failure),
    /// No response arrived before the call's deadline; a late one will be dropped.
    #[error("no response within {} ms", timeout.as_millis())]
    Timeout {
        /// The call's timeout.
        timeout: Duration,
    },
    /// The request was not sent: there was no connection to send it on, or the
    /// connection refused it ([`ConnectionError::Closed`] once the server said GOODBYE,
    /// [`ConnectionError::MessageTooLarge`]). The server never saw it.
    #[error("not sent: {0}")]
    Connection(#[source] ConnectionError),
    /// The request was handed to the connection, and the connection ended before its
    /// reply came: the server may have run it, or not. Never
    /// [retryable](Self::is_retryable); the client sends it again only when the call is
    /// marked [idempotent](super::CallOptions::idempotent).
    #[error("outcome unknown: the connection ended after the request was sent: {0}")]
    OutcomeUnknown(#[source] ConnectionError),
    /// Connecting (or reconnecting) failed.
    #[error("could not connect: {0}")]
    Connect(#[source] io::Error),
    /// Reconnecting failed recently; the client waits out its backoff before the next
    /// attempt and fails calls at once meanwhile.
    #[error("not connected: {failures} connection attempts in a row failed; the next one in {} ms", retry_in.as_millis())]
    Unavailable {
        /// Failed attempts in a row.
        failures: u32,
        /// When the next attempt is allowed.
        retry_in: Duration,
    },
    /// The reply to this call did not decode (a response type or an error the client
    /// does not know); the connection stays usable.
    #[error("the reply (message type {message_type}) did not decode: {source}")]
    InvalidReply {
        /// The reply frame's message type (or error code).
        message_type: u16,
        /// Why.
        #[source]
        source: Arc<FrameError>,
    },
    /// The client was closed.
    #[error("the client is closed")]
    Closed,
    /// A typed client's call (see [`#[service]`](crate::service)) got the response of
    /// another method: the server serves another definition of the service.
    #[error(
        "the reply to {method} is message type {message_type}, the response of another method"
    )]
    UnexpectedResponse {
        /// The method called, as `Trait::method`.
        method: &'static str,
        /// The message type of the response that came.
        message_type: u16,
    },
}

impl<E> RpcError<E> {
    /// Whether the request is known not to have run, so that sending it again is safe
    /// even for a call that is not idempotent, and may succeed: it was not sent (no
    /// connection, or it could not be made), or the server said it did not run it
    /// because it was overloaded or shutting down (codes 4 and 5).
    ///
    /// False for [`OutcomeUnknown`](Self::OutcomeUnknown): the request may have run.
    ///
    /// ```
    /// use wirewright::rpc::RpcError;
    /// use wirewright::transport::ConnectionError;
    /// assert!(RpcError::<()>::Connection(ConnectionError::PeerVanished).is_retryable());
    /// let too_large = ConnectionError::MessageTooLarge { len: 10, max: 4 };
    /// assert!(!RpcError::<()>::Connection(too_large).is_retryable());
    /// assert!(!RpcError::<()>::OutcomeUnknown(ConnectionError::PeerVanished).is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            RpcError::Connection(error) => {
                !matches!(error, ConnectionError::MessageTooLarge { .. })
            }
            RpcError::Connect(_) | RpcError::Unavailable { .. } => true,
            RpcError::Failed(failure) => {
                matches!(
                    failure.code,
                    ErrorCode::Overloaded | ErrorCode::ShuttingDown
                )
            }
            RpcError::Application(_)
            | RpcError::OutcomeUnknown(_)
            | RpcError::Timeout { .. }
            | RpcError::InvalidReply { .. }
            | RpcError::UnexpectedResponse { .. }
            | RpcError::Closed => false,
        }
    }

    /// Whether the request was sent and the connection ended before its reply, so that
    /// it may or may not have run ([`OutcomeUnknown`](Self::OutcomeUnknown)). An
    /// idempotent call is retried after it; any other call reports it.
    ///
    /// ```
    /// use wirewright::rpc::RpcError;
    /// use wirewright::transport::ConnectionError;
    /// assert!(RpcError::<()>::OutcomeUnknown(ConnectionError::PeerVanished).is_outcome_unknown());
    /// assert!(!RpcError::<()>::Connection(ConnectionError::Closed).is_outcome_unknown());
    /// ```
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, RpcError::OutcomeUnknown(_))
    }
}
