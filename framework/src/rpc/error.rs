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
    /// The connection failed or closed before the response arrived, or the request
    /// could not be sent ([`ConnectionError::Closed`] once the server said GOODBYE,
    /// [`ConnectionError::MessageTooLarge`]).
    #[error("connection error: {0}")]
    Connection(#[source] ConnectionError),
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
}

impl<E> RpcError<E> {
    /// Whether sending the same request again may succeed, so that an idempotent call
    /// is retried: the connection was lost or could not be made, or the server said it
    /// did not run the request because it was overloaded or shutting down.
    ///
    /// ```
    /// use wirewright::rpc::RpcError;
    /// use wirewright::transport::ConnectionError;
    /// assert!(RpcError::<()>::Connection(ConnectionError::PeerVanished).is_retryable());
    /// let too_large = ConnectionError::MessageTooLarge { len: 10, max: 4 };
    /// assert!(!RpcError::<()>::Connection(too_large).is_retryable());
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
            | RpcError::Timeout { .. }
            | RpcError::InvalidReply { .. }
            | RpcError::Closed => false,
        }
    }
}
