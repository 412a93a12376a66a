//! The error codes of error frames (SPEC.md §11.3), and the failure a code reports.

use std::fmt;

/// Why the server failed a call without an application error: the message-type field
/// of an error frame (SPEC.md §11.3). Code 0 is not among them: it marks the
/// application's own error ([`Reply::Application`](super::Reply::Application)).
///
/// | code | name | the handler ran? |
/// |-----:|------|------------------|
/// | 1 | [`UnknownRequest`](Self::UnknownRequest): the server's protocol has no request with that message type | no |
/// | 2 | [`InvalidRequest`](Self::InvalidRequest): the payload did not decode | no |
/// | 3 | [`HandlerFailed`](Self::HandlerFailed): the handler failed without an error of its own (it panicked) | yes, in part |
/// | 4 | [`Overloaded`](Self::Overloaded): the server was at its limit of calls in progress | no |
/// | 5 | [`ShuttingDown`](Self::ShuttingDown): the request arrived after the server said GOODBYE | no |
/// | 6 | [`ReplyTooLarge`](Self::ReplyTooLarge): the handler's reply could not be sent (larger than the frame limit) | yes |
/// | 7 | [`DeadlineExceeded`](Self::DeadlineExceeded): the request's deadline (SPEC.md §11.7) had passed when it arrived | no |
/// | 8 | [`Cancelled`](Self::Cancelled): the client cancelled the call (SPEC.md §11.7) and the server stopped its handler | in part |
/// | 9 | [`FlowControl`](Self::FlowControl): a stream's credit was broken (SPEC.md §11.8): the client granted more than a stream holds, or the server sent beyond its credit | in part |
///
/// ```
/// use wirewright::rpc::ErrorCode;
/// assert_eq!(ErrorCode::from_code(4), ErrorCode::Overloaded);
/// assert_eq!(ErrorCode::from_code(99), ErrorCode::Unknown(99));
/// assert_eq!(ErrorCode::ShuttingDown.code(), 5);
/// assert!(!ErrorCode::ShuttingDown.handler_ran());
/// assert_eq!(ErrorCode::from_code(6), ErrorCode::ReplyTooLarge);
/// assert!(ErrorCode::ReplyTooLarge.handler_ran());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 1: no request of the server's protocol has the frame's message type.
    UnknownRequest,
    /// 2: the request's payload did not decode (SPEC.md §4, §5).
    InvalidRequest,
    /// 3: the handler failed without returning an application error (it panicked).
    HandlerFailed,
    /// 4: the server was running as many calls on the connection as it allows.
    Overloaded,
    /// 5: the request arrived after the server began shutting down; it was not run.
    ShuttingDown,
    /// 6: the handler ran, but its reply could not be sent: encoded, it is larger than
    /// the connection's frame limit.
    ReplyTooLarge,
    /// 7: the request's deadline (its DEADLINE frame, SPEC.md §11.7) had passed when the
    /// server read it; it was not run.
    DeadlineExceeded,
    /// 8: the client cancelled the call (CANCEL, SPEC.md §11.7) while its handler ran;
    /// the server dropped the handler. The client has given up, so it drops this answer.
    Cancelled,
    /// 9: a stream's flow control was broken (SPEC.md §11.8): the client granted more
    /// credit than a stream may hold (2^31 − 1 bytes), or (reported by the client) the
    /// server sent items beyond the credit.
    FlowControl,
    /// A code this version does not define; the call failed for a reason it cannot name.
    Unknown(u16),
}

impl ErrorCode {
    /// The message-type field of an error frame that carries an application error.
    pub const APPLICATION: u16 = 0;

    /// The error code for `code` (never called with [`APPLICATION`](Self::APPLICATION)
    /// by the decoder; 0 maps to `Unknown(0)`).
    ///
    /// ```
    /// assert_eq!(wirewright::rpc::ErrorCode::from_code(1).code(), 1);
    /// ```
    pub const fn from_code(code: u16) -> Self {
        match code {
            1 => ErrorCode::UnknownRequest,
            2 => ErrorCode::InvalidRequest,
            3 => ErrorCode::HandlerFailed,
            4 => ErrorCode::Overloaded,
            5 => ErrorCode::ShuttingDown,
            6 => ErrorCode::ReplyTooLarge,
            7 => ErrorCode::DeadlineExceeded,
            8 => ErrorCode::Cancelled,
            9 => ErrorCode::FlowControl,
            other => ErrorCode::Unknown(other),
        }
    }

    /// The code written in the error frame's message-type field.
    ///
    /// ```
    /// assert_eq!(wirewright::rpc::ErrorCode::UnknownRequest.code(), 1);
    /// ```
    pub const fn code(self) -> u16 {
        match self {
            ErrorCode::UnknownRequest => 1,
            ErrorCode::InvalidRequest => 2,
            ErrorCode::HandlerFailed => 3,
            ErrorCode::Overloaded => 4,
            ErrorCode::ShuttingDown => 5,
            ErrorCode::ReplyTooLarge => 6,
            ErrorCode::DeadlineExceeded => 7,
            ErrorCode::Cancelled => 8,
            ErrorCode::FlowControl => 9,
            ErrorCode::Unknown(code) => code,
        }
    }

    /// Whether the handler may have run: false for the codes that promise it did not
    /// (1, 2, 4, 5 and 7), so that even a call that is not idempotent may be sent again.
    ///
    /// ```
    /// use wirewright::rpc::ErrorCode;
    /// assert!(ErrorCode::HandlerFailed.handler_ran());
    /// assert!(ErrorCode::Unknown(77).handler_ran()); // nothing is promised
    /// ```
    pub const fn handler_ran(self) -> bool {
        matches!(
            self,
            ErrorCode::HandlerFailed
                | ErrorCode::ReplyTooLarge
                | ErrorCode::Cancelled
                | ErrorCode::FlowControl
                | ErrorCode::Unknown(_)
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorCode::UnknownRequest => "unknown request type",
            ErrorCode::InvalidRequest => "invalid request",
            ErrorCode::HandlerFailed => "handler failed",
            ErrorCode::Overloaded => "overloaded",
            ErrorCode::ShuttingDown => "shutting down",
            ErrorCode::ReplyTooLarge => "reply too large",
            ErrorCode::DeadlineExceeded => "deadline exceeded",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::FlowControl => "flow control error",
            ErrorCode::Unknown(_) => "unknown error code",
        })
    }
}

/// A call the server failed without an application error: the code, and a message for
/// logs (the payload of an error frame with a code other than 0).
///
/// ```
/// use wirewright::rpc::{ErrorCode, Failure};
/// let failure = Failure::new(ErrorCode::UnknownRequest, "no request has message type 9");
/// assert_eq!(failure.to_string(), "unknown request type (code 1): no request has message type 9");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Why.
    pub code: ErrorCode,
    /// Details for logs; may be empty.
    pub message: String,
}

impl Failure {
    /// The longest message [`Failure::new`] keeps, in bytes; longer ones are cut at a
    /// character boundary.
    pub const MAX_MESSAGE_LEN: usize = 1024;

    /// A failure with `code` and `message` (cut to
    /// [`MAX_MESSAGE_LEN`](Self::MAX_MESSAGE_LEN)).
    ///
    /// ```
    /// use wirewright::rpc::{ErrorCode, Failure};
    /// let failure = Failure::new(ErrorCode::Overloaded, "x".repeat(5000));
    /// assert_eq!(failure.message.len(), Failure::MAX_MESSAGE_LEN);
    /// ```
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: crate::transport::cap_message(message.into(), Self::MAX_MESSAGE_LEN),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code {})", self.code, self.code.code())?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}
