//! Control frames (SPEC.md §7): PING, PONG and GOODBYE.
//!
//! ```text
//!  header: flags 0x02 (CONTROL), message type = kind, correlation id 0
//!  kind 1 PING     payload: nonce u64, 8 bytes LE
//!  kind 2 PONG     payload: nonce u64, 8 bytes LE
//!  kind 3 GOODBYE  payload: reason u8, message string (varint length + UTF-8)
//!  kind 4 HELLO    only as a connection's first frame: read by the handshake
//!                  (`hello.rs`), never by the codec, which rejects it
//! ```

use std::fmt;

use bytes::Bytes;

use crate::frame::FrameWriter;
use crate::frame::{HEADER_LEN, TRAILER_LEN};
use crate::{Decode, DecodeError, Encode, Fixed, Flags, FrameBuf, FrameHeader, Limits, Reader};

/// A control frame: handled by the transport, never delivered as a message.
///
/// ```
/// use wirewright::transport::{Control, Goodbye, GoodbyeReason};
///
/// let mut buf = Vec::new();
/// let len = Control::Ping { nonce: 7 }.write(&mut buf);
/// assert_eq!(len, 16 + 8 + 4);
/// assert_eq!(&buf[..8], b"WWRT\x01\x02\x01\x00"); // CONTROL flag, kind 1
///
/// let bye = Control::Goodbye(Goodbye::new(GoodbyeReason::ShuttingDown, "restarting"));
/// assert_eq!(bye.kind(), Control::GOODBYE);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// A heartbeat; the receiver answers with a [`Pong`](Control::Pong) carrying `nonce`.
    Ping {
        /// Chosen by the sender, echoed in the PONG.
        nonce: u64,
    },
    /// The answer to a [`Ping`](Control::Ping).
    Pong {
        /// The PING's nonce.
        nonce: u64,
    },
    /// The sender is closing the connection.
    Goodbye(Goodbye),
}

/// Why a peer closes, and a human-readable message. Sent in a GOODBYE frame.
///
/// ```
/// use wirewright::transport::{Goodbye, GoodbyeReason};
/// let bye = Goodbye::new(GoodbyeReason::IdleTimeout, "nothing received for 60 s");
/// assert_eq!(bye.to_string(), "idle timeout (reason 2): nothing received for 60 s");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goodbye {
    /// Why.
    pub reason: GoodbyeReason,
    /// Details for logs; may be empty.
    pub message: String,
}

impl Goodbye {
    /// The longest message [`Goodbye::new`] keeps, in bytes; longer ones are cut at a
    /// character boundary.
    pub const MAX_MESSAGE_LEN: usize = 1024;

    /// A GOODBYE with `reason` and `message` (cut to [`MAX_MESSAGE_LEN`](Self::MAX_MESSAGE_LEN)).
    ///
    /// ```
    /// use wirewright::transport::{Goodbye, GoodbyeReason};
    /// let long = "é".repeat(1000); // 2,000 bytes
    /// let bye = Goodbye::new(GoodbyeReason::Normal, long);
    /// assert_eq!(bye.message.len(), 1024);
    /// ```
    pub fn new(reason: GoodbyeReason, message: impl Into<String>) -> Self {
        Goodbye {
            reason,
            message: cap_message(message.into(), Self::MAX_MESSAGE_LEN),
        }
    }
}

/// `message` cut to at most `max` bytes, at a character boundary: the detail text of
/// GOODBYE frames and rpc failures is for logs and must not let a peer send megabytes.
///
/// ```
/// use wirewright::transport::cap_message;
/// assert_eq!(cap_message("héllo".to_string(), 2), "h"); // "é" takes bytes 1 and 2
/// assert_eq!(cap_message("hello".to_string(), 10), "hello");
/// ```
pub fn cap_message(mut message: String, max: usize) -> String {
    if message.len() > max {
        let mut cut = max;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
    }
    message
}

impl fmt::Display for Goodbye {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (reason {})", self.reason, self.reason.code())?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

/// The reason byte of a GOODBYE frame (SPEC.md §7).
///
/// ```
/// use wirewright::transport::GoodbyeReason;
/// assert_eq!(GoodbyeReason::from_code(5), GoodbyeReason::ConnectionLimit);
/// assert_eq!(GoodbyeReason::from_code(6), GoodbyeReason::ControlFlood);
/// assert_eq!(GoodbyeReason::from_code(9), GoodbyeReason::IncompatibleSchema);
/// assert_eq!(GoodbyeReason::from_code(11), GoodbyeReason::Unknown(11));
/// assert_eq!(GoodbyeReason::HeartbeatMissed.code(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GoodbyeReason {
    /// 0: a normal close.
    Normal,
    /// 1: the sender is shutting down.
    ShuttingDown,
    /// 2: the sender received nothing for its idle timeout.
    IdleTimeout,
    /// 3: the sender's heartbeats went unanswered.
    HeartbeatMissed,
    /// 4: the receiver broke the protocol.
    ProtocolError,
    /// 5: the sender is at its connection limit (or its limit per peer address).
    ConnectionLimit,
    /// 6: the receiver sent control frames (PING, PONG) faster than the sender allows.
    ControlFlood,
    /// 7: the sender's memory budget kept it from reading the receiver's frames for too
    /// long.
    MemoryBudget,
    /// 8: the sender is full and closes this connection because no message arrived on
    /// it for a while (heartbeats do not count).
    IdleEviction,
    /// 9: the sender judged the receiver's HELLO incompatible with its own schema
    /// (SPEC.md §13.6).
    IncompatibleSchema,
    /// 10: the sender (a server) requires HELLO and the receiver's first frame was not
    /// one (SPEC.md §13.6).
    HelloRequired,
    /// A reason this version does not know; treated as a normal close.
    Unknown(u8),
}

impl GoodbyeReason {
    /// The reason for `code`.
    ///
    /// ```
    /// assert_eq!(wirewright::transport::GoodbyeReason::from_code(0).code(), 0);
    /// ```
    pub const fn from_code(code: u8) -> Self {
        match code {
            0 => GoodbyeReason::Normal,
            1 => GoodbyeReason::ShuttingDown,
            2 => GoodbyeReason::IdleTimeout,
            3 => GoodbyeReason::HeartbeatMissed,
            4 => GoodbyeReason::ProtocolError,
            5 => GoodbyeReason::ConnectionLimit,
            6 => GoodbyeReason::ControlFlood,
            7 => GoodbyeReason::MemoryBudget,
            8 => GoodbyeReason::IdleEviction,
            9 => GoodbyeReason::IncompatibleSchema,
            10 => GoodbyeReason::HelloRequired,
            other => GoodbyeReason::Unknown(other),
        }
    }

    /// The reason byte.
    ///
    /// ```
    /// assert_eq!(wirewright::transport::GoodbyeReason::ShuttingDown.code(), 1);
    /// ```
    pub const fn code(self) -> u8 {
        match self {
            GoodbyeReason::Normal => 0,
            GoodbyeReason::ShuttingDown => 1,
            GoodbyeReason::IdleTimeout => 2,
            GoodbyeReason::HeartbeatMissed => 3,
            GoodbyeReason::ProtocolError => 4,
            GoodbyeReason::ConnectionLimit => 5,
            GoodbyeReason::ControlFlood => 6,
            GoodbyeReason::MemoryBudget => 7,
            GoodbyeReason::IdleEviction => 8,
            GoodbyeReason::IncompatibleSchema => 9,
            GoodbyeReason::HelloRequired => 10,
            GoodbyeReason::Unknown(code) => code,
        }
    }

    /// Whether this reason closes the connection as intended by both sides (a normal
    /// close, or a reason this version does not know).
    ///
    /// ```
    /// use wirewright::transport::GoodbyeReason;
    /// assert!(GoodbyeReason::Normal.is_normal());
    /// assert!(!GoodbyeReason::ShuttingDown.is_normal());
    /// ```
    pub const fn is_normal(self) -> bool {
        matches!(self, GoodbyeReason::Normal | GoodbyeReason::Unknown(_))
    }

    /// Whether the sender of this reason runs the closing handshake (SPEC.md §7): it
    /// waits for the peer's answering GOODBYE and completes the exchanges in progress
    /// (reasons 0 and 1). With every other reason it closes at once: the GOODBYE is its
    /// last frame and it discards what it had queued.
    ///
    /// ```
    /// use wirewright::transport::GoodbyeReason;
    /// assert!(GoodbyeReason::ShuttingDown.waits_for_answer());
    /// assert!(!GoodbyeReason::ControlFlood.waits_for_answer());
    /// ```
    pub const fn waits_for_answer(self) -> bool {
        matches!(self, GoodbyeReason::Normal | GoodbyeReason::ShuttingDown)
    }
}

impl fmt::Display for GoodbyeReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GoodbyeReason::Normal => "normal close",
            GoodbyeReason::ShuttingDown => "shutting down",
            GoodbyeReason::IdleTimeout => "idle timeout",
            GoodbyeReason::HeartbeatMissed => "heartbeat missed",
            GoodbyeReason::ProtocolError => "protocol error",
            GoodbyeReason::ConnectionLimit => "connection limit reached",
            GoodbyeReason::ControlFlood => "control frame flood",
            GoodbyeReason::MemoryBudget => "memory budget exhausted",
            GoodbyeReason::IdleEviction => "idle connection evicted",
            GoodbyeReason::IncompatibleSchema => "incompatible schema",
            GoodbyeReason::HelloRequired => "hello required",
            GoodbyeReason::Unknown(_) => "unknown reason",
        })
    }
}

/// A control frame that breaks SPEC.md §7.
///
/// ```
/// use wirewright::transport::ControlError;
/// let err = ControlError::UnknownKind { kind: 9 };
/// assert_eq!(err.to_string(), "unknown control kind 9 (known: 1 PING, 2 PONG, 3 GOODBYE, 4 HELLO)");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    /// The kind (the header's message-type field) is not 1, 2, 3 or 4.
    #[error("unknown control kind {kind} (known: 1 PING, 2 PONG, 3 GOODBYE, 4 HELLO)")]
    UnknownKind {
        /// The kind found.
        kind: u16,
    },
    /// A HELLO (kind 4) where SPEC.md §13.6 allows none: not the connection's first
    /// frame, a second HELLO, or a HELLO to a side that does not take part.
    #[error("HELLO (control kind 4) is allowed only once, as the first frame of a connection whose both ends take part in the exchange")]
    UnexpectedHello,
    /// A HELLO frame longer than the receiver reads.
    #[error("HELLO frame of {len} bytes exceeds the {max} bytes this end reads")]
    HelloTooLong {
        /// The frame's length.
        len: usize,
        /// The limit in force.
        max: usize,
    },
    /// The JSON flag is set on a control frame.
    #[error("control frame of kind {kind} has the JSON flag set; control payloads are binary")]
    JsonFlag {
        /// The kind.
        kind: u16,
    },
    /// A control frame with a correlation id other than 0.
    #[error("control frame of kind {kind} carries correlation id {correlation_id}; control frames carry 0")]
    CorrelationId {
        /// The kind.
        kind: u16,
        /// The correlation id found.
        correlation_id: u32,
    },
    /// The payload does not match the kind.
    #[error("invalid payload of control frame kind {kind}: {source}")]
    Payload {
        /// The kind.
        kind: u16,
        /// What was wrong with it.
        #[source]
        source: DecodeError,
    },
}

impl Control {
    /// Kind of a PING frame.
    pub const PING: u16 = 1;
    /// Kind of a PONG frame.
    pub const PONG: u16 = 2;
    /// Kind of a GOODBYE frame.
    pub const GOODBYE: u16 = 3;
    /// Kind of a HELLO frame (SPEC.md §13.6): see [`Hello`](super::Hello). `parse`
    /// rejects it: only the handshake reads a HELLO, as a connection's first frame.
    pub const HELLO: u16 = 4;

    /// The control kind, written in the header's message-type field.
    ///
    /// ```
    /// use wirewright::transport::Control;
    /// assert_eq!(Control::Pong { nonce: 1 }.kind(), Control::PONG);
    /// ```
    pub fn kind(&self) -> u16 {
        match self {
            Control::Ping { .. } => Self::PING,
            Control::Pong { .. } => Self::PONG,
            Control::Goodbye(_) => Self::GOODBYE,
        }
    }

    /// Bytes of the payload.
    fn payload_len(&self) -> usize {
        match self {
            Control::Ping { .. } | Control::Pong { .. } => 8,
            Control::Goodbye(goodbye) => 1 + goodbye.message.as_str().encoded_len(),
        }
    }

    /// Bytes of the whole frame.
    ///
    /// ```
    /// assert_eq!(wirewright::transport::Control::Ping { nonce: 0 }.frame_len(), 28);
    /// ```
    pub fn frame_len(&self) -> usize {
        HEADER_LEN + self.payload_len() + TRAILER_LEN
    }

    /// Appends the complete frame (header, payload, CRC-32) to `buf`, reserving its
    /// length once, and returns that length.
    ///
    /// ```
    /// use wirewright::transport::{Control, Goodbye, GoodbyeReason};
    /// let mut buf = Vec::new();
    /// Control::Goodbye(Goodbye::new(GoodbyeReason::Normal, "")).write(&mut buf);
    /// assert_eq!(buf.len(), 16 + 2 + 4);
    /// ```
    pub fn write<B: FrameBuf + ?Sized>(&self, buf: &mut B) -> usize {
        let header = FrameHeader {
            flags: Flags::CONTROL,
            message_type: self.kind(),
            correlation_id: 0,
            payload_len: self.payload_len() as u32,
        };
        let mut frame = FrameWriter::begin(buf, header);
        let buf = frame.payload();
        match self {
            Control::Ping { nonce } | Control::Pong { nonce } => Fixed(*nonce).encode_raw(buf),
            Control::Goodbye(goodbye) => {
                buf.put_u8(goodbye.reason.code());
                goodbye.message.as_str().encode_raw(buf);
            }
        }
        frame.finish()
    }

    /// Reads a control frame from its checked header and payload (the CRC has already
    /// been verified).
    ///
    /// # Errors
    /// [`ControlError`] when the frame breaks SPEC.md §7.
    ///
    /// ```
    /// use wirewright::bytes::Bytes;
    /// use wirewright::{Flags, FrameHeader, Limits};
    /// use wirewright::transport::{Control, ControlError};
    ///
    /// let header = FrameHeader { flags: Flags::CONTROL, message_type: 1, correlation_id: 0, payload_len: 8 };
    /// let ping = Control::parse(&header, &Bytes::from_static(&[7, 0, 0, 0, 0, 0, 0, 0]), &Limits::new())?;
    /// assert_eq!(ping, Control::Ping { nonce: 7 });
    ///
    /// let short = Control::parse(&header, &Bytes::from_static(&[7]), &Limits::new());
    /// assert!(matches!(short, Err(ControlError::Payload { kind: 1, .. })));
    /// # Ok::<(), ControlError>(())
    /// ```
    pub fn parse(
        header: &FrameHeader,
        payload: &Bytes,
        limits: &Limits,
    ) -> Result<Control, ControlError> {
        let kind = header.message_type;
        if header.flags.contains(Flags::JSON) {
            return Err(ControlError::JsonFlag { kind });
        }
        if header.correlation_id != 0 {
            return Err(ControlError::CorrelationId {
                kind,
                correlation_id: header.correlation_id,
            });
        }
        let mut reader = Reader::from_bytes_with_limits(payload, *limits);
        let payload_error = |source| ControlError::Payload { kind, source };
        let control = match kind {
            Self::PING | Self::PONG => {
                let nonce = Fixed::<u64>::decode_raw(&mut reader)
                    .map_err(payload_error)?
                    .0;
                if kind == Self::PING {
                    Control::Ping { nonce }
                } else {
                    Control::Pong { nonce }
                }
            }
            Self::GOODBYE => {
                let reason = GoodbyeReason::from_code(reader.read_u8().map_err(payload_error)?);
                let message = String::decode_raw(&mut reader).map_err(payload_error)?;
                Control::Goodbye(Goodbye { reason, message })
            }
            Self::HELLO => return Err(ControlError::UnexpectedHello),
            kind => return Err(ControlError::UnknownKind { kind }),
        };
        reader.finish().map_err(payload_error)?;
        Ok(control)
    }
}
