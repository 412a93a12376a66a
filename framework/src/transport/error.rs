//! The transport's errors: what a codec, a connection and a client can fail with.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use crate::FrameError;

use super::{ControlError, GoodbyeReason};

/// A [`FrameCodec`](super::FrameCodec) failed: the stream is unusable afterwards
/// (SPEC.md §2: no resynchronisation).
///
/// ```
/// use wirewright::FrameError;
/// use wirewright::transport::CodecError;
/// let err = CodecError::from(FrameError::FrameTooLarge { declared: 4294967295, max: 8388608 });
/// assert_eq!(
///     err.to_string(),
///     "frame too large: payload length 4294967295 exceeds the limit of 8388608 bytes",
/// );
/// assert!(err.is_protocol_error());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// Reading or writing the underlying I/O failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// A frame was malformed, or too large, or its payload did not decode.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A control frame broke SPEC.md §7.
    #[error(transparent)]
    Control(#[from] ControlError),
}

impl CodecError {
    /// Whether the peer broke the protocol (anything but an I/O error).
    ///
    /// ```
    /// use wirewright::transport::CodecError;
    /// let io = CodecError::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
    /// assert!(!io.is_protocol_error());
    /// ```
    pub fn is_protocol_error(&self) -> bool {
        !matches!(self, CodecError::Io(_))
    }
}

/// Why a [`Connection`](super::Connection) ended, or why a message could not be sent.
///
/// Cloneable so that the receiving half, the sending halves and the driver can each
/// report it; the non-cloneable sources are shared behind an [`Arc`].
///
/// ```
/// use wirewright::transport::{ConnectionError, GoodbyeReason};
/// let err = ConnectionError::Goodbye { reason: GoodbyeReason::ShuttingDown, message: "bye".into() };
/// assert_eq!(err.to_string(), "the peer said goodbye: shutting down (reason 1): bye");
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The peer sent GOODBYE with a reason other than a normal close.
    #[error("the peer said goodbye: {reason} (reason {}): {message}", reason.code())]
    Goodbye {
        /// The peer's reason.
        reason: GoodbyeReason,
        /// The peer's message.
        message: String,
    },
    /// The connection ended (end of stream or reset) without a GOODBYE.
    #[error("the peer closed the connection without saying goodbye")]
    PeerVanished,
    /// No complete frame arrived for the idle timeout.
    #[error("no complete frame received for {} ms (idle timeout)", timeout.as_millis())]
    IdleTimeout {
        /// The idle timeout in force.
        timeout: Duration,
    },
    /// The peer sent control frames faster than allowed; closed with GOODBYE reason 6.
    #[error("the peer sent {limit} or more control frames (PING, PONG) within one second")]
    ControlFlood {
        /// The limit per second.
        limit: u32,
    },
    /// The server's memory budget stopped this connection for too long; closed with
    /// GOODBYE reason 7.
    #[error("the server's memory budget stopped reading for {} ms", waited.as_millis())]
    MemoryBudget {
        /// How long reading was stopped.
        waited: Duration,
    },
    /// The server closed this idle connection to make room; GOODBYE reason 8.
    #[error("evicted: no message for {} ms while the server was full", idle.as_millis())]
    Evicted {
        /// How long the connection had received no message.
        idle: Duration,
    },
    /// The peer left this many heartbeats unanswered.
    #[error("the peer left {missed} heartbeats in a row unanswered")]
    HeartbeatMissed {
        /// How many PINGs went unanswered.
        missed: u32,
    },
    /// The peer broke the protocol; the connection was closed with GOODBYE reason 4.
    #[error("protocol error: {0}")]
    Protocol(#[source] Arc<CodecError>),
    /// Reading or writing the socket failed.
    #[error("I/O error: {0}")]
    Io(#[source] Arc<io::Error>),
    /// The closing handshake did not finish within its deadline (the goodbye timeout,
    /// or during a server's shutdown the shutdown grace).
    #[error("the connection did not close cleanly within {} ms", timeout.as_millis())]
    CloseTimeout {
        /// The deadline in force.
        timeout: Duration,
    },
    /// The connection is closed or closing: it takes no more messages.
    #[error("the connection is closed or closing and takes no more messages")]
    Closed,
    /// A message is larger than the maximum frame length; it was not sent.
    #[error("message of {len} bytes exceeds the maximum frame length of {max} bytes")]
    MessageTooLarge {
        /// The message's encoded length.
        len: usize,
        /// The limit in force.
        max: u32,
    },
    /// `try_send` found the send budget spent.
    #[error("the send budget is spent ({budget} bytes queued)")]
    SendBudgetFull {
        /// The budget in bytes.
        budget: usize,
    },
    /// `try_send` found the send queue full.
    #[error("the send queue is full ({capacity} messages)")]
    QueueFull {
        /// The queue's capacity.
        capacity: usize,
    },
}

impl From<CodecError> for ConnectionError {
    fn from(err: CodecError) -> Self {
        match err {
            CodecError::Io(err) => ConnectionError::from(err),
            other => ConnectionError::Protocol(Arc::new(other)),
        }
    }
}

impl From<io::Error> for ConnectionError {
    fn from(err: io::Error) -> Self {
        match err.kind() {
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => ConnectionError::PeerVanished,
            _ => ConnectionError::Io(Arc::new(err)),
        }
    }
}

/// A [`Client`](super::Client) could not connect.
///
/// ```
/// use wirewright::transport::ConnectError;
/// let err = ConnectError::Exhausted { attempts: 3, last: std::io::ErrorKind::ConnectionRefused.into() };
/// assert_eq!(err.to_string(), "gave up after 3 connection attempts; the last failed with: connection refused");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// Every attempt the backoff allows failed.
    #[error("gave up after {attempts} connection attempts; the last failed with: {last}")]
    Exhausted {
        /// Attempts made.
        attempts: u32,
        /// The last attempt's error.
        #[source]
        last: io::Error,
    },
    /// The HELLO exchange failed (SPEC.md §13.6): the schemas are incompatible
    /// ([`HelloError::IncompatibleSchema`](super::HelloError::IncompatibleSchema), naming
    /// both ends), HELLO is required and the server did not answer, or its HELLO was
    /// malformed. Not retried: another attempt would fail the same way.
    #[error("{0}")]
    Hello(#[from] super::HelloError),
}
