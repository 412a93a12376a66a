//! The frame error: everything that can be wrong with a frame, before and after its payload.

use super::header::{HEADER_LEN, MAGIC};
use super::{FrameHeader, FrameKind, PayloadFormat};
use crate::DecodeError;

/// A frame could not be read (or, for [`FrameTooLarge`](Self::FrameTooLarge), written).
///
/// Offsets count from the first byte of the frame unless the text says "payload".
///
/// ```
/// use wirewright::{FrameError, FrameHeader, Limits};
/// let err = FrameHeader::parse(b"GET / HTTP/1.1\r\n", &Limits::default()).unwrap_err();
/// assert!(matches!(err, FrameError::BadMagic { offset: 0, .. }));
/// assert_eq!(
///     err.to_string(),
///     "bad magic at byte 0: expected 57 57 52 54 (\"WWRT\"), found 47 45 54 20: the peer does not speak wirewright",
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The bytes end before the frame does.
    #[error("truncated frame: needed {needed} bytes, {available} available")]
    Truncated {
        /// Bytes the frame needs (as far as its header is known).
        needed: usize,
        /// Bytes given.
        available: usize,
    },
    /// The first bytes are not wirewright's magic: the peer speaks another protocol.
    #[error(
        "bad magic at byte {offset}: expected {} (\"WWRT\"), found {}: the peer does not speak wirewright",
        hex(&MAGIC),
        hex(found)
    )]
    BadMagic {
        /// Offset of the first byte that differs.
        offset: usize,
        /// The (up to four) bytes found where the magic belongs.
        found: Vec<u8>,
    },
    /// A version this implementation does not speak.
    #[error("unsupported version {found} at byte 4: this peer speaks version {supported}")]
    UnsupportedVersion {
        /// The version byte found.
        found: u8,
        /// The version this implementation speaks.
        supported: u8,
    },
    /// A reserved flag bit is set.
    #[error("reserved flag bits {reserved:#04x} are set in flags {flags:#04x} at byte 5")]
    ReservedFlags {
        /// The whole flags byte.
        flags: u8,
        /// The reserved bits that are set.
        reserved: u8,
    },
    /// The flags combine bits that exclude each other (SPEC.md §3.2): ERROR without
    /// RESPONSE, CONTROL with RESPONSE or ERROR, or ERROR with JSON.
    #[error("flags {flags:#04x} at byte 5 combine bits that exclude each other (ERROR needs RESPONSE; CONTROL excludes RESPONSE and ERROR; ERROR excludes JSON)")]
    InvalidFlags {
        /// The whole flags byte.
        flags: u8,
    },
    /// The payload length exceeds the limit (checked from the header, before any payload
    /// byte is read).
    #[error("frame too large: payload length {declared} exceeds the limit of {max} bytes")]
    FrameTooLarge {
        /// The declared (or, when encoding, actual) payload length.
        declared: u64,
        /// The limit in force.
        max: u32,
    },
    /// The CRC-32 trailer does not match the header and payload.
    #[error("CRC mismatch at byte {offset}: the frame carries {stored:#010x}, its bytes give {computed:#010x}")]
    BadCrc {
        /// Offset of the trailer.
        offset: usize,
        /// The CRC in the trailer.
        stored: u32,
        /// The CRC of the bytes received.
        computed: u32,
    },
    /// Bytes follow the frame's trailer in a buffer that should hold exactly one frame.
    #[error("{count} trailing bytes after the frame")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// The header names a message type the protocol does not define.
    #[error("unknown message type {message_type} for protocol {protocol}")]
    UnknownMessageType {
        /// The id in the header.
        message_type: u16,
        /// The protocol that was expected.
        protocol: &'static str,
    },
    /// The payload is in a format the receiver has not enabled.
    #[error("{found} payload, but this receiver accepts {expected} payloads only")]
    UnexpectedFormat {
        /// The format the flags announce.
        found: PayloadFormat,
        /// The format the receiver accepts.
        expected: PayloadFormat,
    },
    /// A control frame where a message frame was expected.
    #[error("unexpected control frame of kind {kind} where a message frame was expected")]
    UnexpectedControlFrame {
        /// The control kind (the header's message-type field).
        kind: u16,
    },
    /// A JSON payload could not be written (a map whose keys are not strings) or read
    /// (text that is not the JSON of the message the header names, or trailing text).
    #[cfg(feature = "json")]
    #[error("JSON payload of message type {message_type}: {source}")]
    Json {
        /// The message type in the header.
        message_type: u16,
        /// serde_json's error, with the line and column of the payload text.
        #[source]
        source: serde_json::Error,
    },
    /// A frame of a kind the receiver does not take here: a response where a request or
    /// message was expected, a request where a response was expected (SPEC.md §11).
    #[error("unexpected {found} (message type {message_type}, correlation id {correlation_id}) where a {expected} was expected")]
    UnexpectedKind {
        /// The kind the flags announce.
        found: FrameKind,
        /// The kind the receiver takes.
        expected: FrameKind,
        /// The header's message type.
        message_type: u16,
        /// The header's correlation id.
        correlation_id: u32,
    },
    /// The payload does not decode.
    #[error("invalid payload of message type {message_type} (payload offsets start at frame byte {HEADER_LEN}): {source}")]
    Payload {
        /// The message type in the header.
        message_type: u16,
        /// What was wrong with it.
        #[source]
        source: DecodeError,
    },
}

impl FrameError {
    /// Whether the error ends the connection: a **connection error** of SPEC.md §3.5
    /// (the frame's boundaries or meaning cannot be trusted, so no further frame can be
    /// read), as opposed to a **message error** (an unknown message type, an unexpected
    /// payload format or a payload that does not decode: the framing was valid, so the
    /// next frame starts where the header says, and a request can be answered).
    ///
    /// ```
    /// use wirewright::FrameError;
    /// let unknown = FrameError::UnknownMessageType { message_type: 9, protocol: "Chat" };
    /// assert!(!unknown.is_connection_error());
    /// let crc = FrameError::BadCrc { offset: 26, stored: 1, computed: 2 };
    /// assert!(crc.is_connection_error());
    /// ```
    pub fn is_connection_error(&self) -> bool {
        match self {
            FrameError::UnknownMessageType { .. }
            | FrameError::UnexpectedFormat { .. }
            | FrameError::Payload { .. } => false,
            #[cfg(feature = "json")]
            FrameError::Json { .. } => false,
            _ => true,
        }
    }

    /// [`FrameError::UnexpectedKind`] for the frame with `header`, which is not of the
    /// `expected` kind: for [`DecodeProtocol`](crate::DecodeProtocol) impls that take
    /// frames of some kinds only (as `rpc::Reply` takes responses and errors).
    ///
    /// ```
    /// use wirewright::{Flags, FrameError, FrameHeader, FrameKind};
    /// let header = FrameHeader { flags: Flags::RESPONSE, message_type: 7, correlation_id: 3, payload_len: 0 };
    /// let err = FrameError::unexpected_kind(&header, FrameKind::Message);
    /// assert!(matches!(err, FrameError::UnexpectedKind { found: FrameKind::Response, correlation_id: 3, .. }));
    /// assert!(err.is_connection_error());
    /// ```
    #[cold]
    pub fn unexpected_kind(header: &FrameHeader, expected: FrameKind) -> Self {
        FrameError::UnexpectedKind {
            found: header.flags.kind(),
            expected,
            message_type: header.message_type,
            correlation_id: header.correlation_id,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
