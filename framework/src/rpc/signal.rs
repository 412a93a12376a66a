//! The control frames of calls (SPEC.md §11.7, §11.8): a client tells the server how long a
//! request has left (DEADLINE, kind 5), that it gave up on one (CANCEL, kind 6) and how
//! many more bytes of a stream it can take (CREDIT, kind 7); a server tells the client that
//! a stream opened (OPEN, kind 8) and that it ended (END, kind 9).
//!
//! ```text
//!  DEADLINE  flags 02, type 5, corr 0   payload: correlation id (u32, 4 bytes LE), remaining ms (varint)
//!  CANCEL    flags 02, type 6, corr 0   payload: correlation id (u32, 4 bytes LE)
//!  CREDIT    flags 02, type 7, corr 0   payload: correlation id (u32, 4 bytes LE), bytes (varint, not 0)
//!  OPEN      flags 02, type 8, corr 0   payload: correlation id (u32, 4 bytes LE)
//!  END       flags 02, type 9, corr 0   payload: correlation id (u32, 4 bytes LE)
//! ```
//!
//! Both are control frames (correlation id 0 in the header), handled by the rpc layer
//! rather than the transport: the transport hands them to the protocol that reads them
//! ([`DecodeFrame::decode_control`](crate::frame::DecodeFrame::decode_control)).
//! Signals are written through [`EncodeFrame`].

use std::time::Duration;

use bytes::BufMut;

use crate::frame::EncodeFrame;
use crate::{Decode, Encode, Fixed, Flags, FrameError, FrameHeader, Reader};

/// A call's control frame: DEADLINE, CANCEL or CREDIT from the client, OPEN or END from
/// the server (SPEC.md §11.7, §11.8).
///
/// ```
/// use std::time::Duration;
/// use wirewright::frame::EncodeFrame;
/// use wirewright::rpc::Signal;
/// let deadline = Signal::Deadline { correlation_id: 42, remaining: Duration::from_millis(250) };
/// assert_eq!(deadline.frame_type(), Signal::DEADLINE);
/// assert_eq!(Signal::Cancel { correlation_id: 42 }.frame_type(), Signal::CANCEL);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// The request with `correlation_id`, sent next, has `remaining` left (in whole
    /// milliseconds on the wire, rounded up; 0 when its deadline has passed).
    Deadline {
        /// The request it is about.
        correlation_id: u32,
        /// The time left.
        remaining: Duration,
    },
    /// The client gave up on the request with `correlation_id`.
    Cancel {
        /// The request it is about.
        correlation_id: u32,
    },
    /// The client can take `bytes` more bytes of items of the stream `correlation_id`
    /// (SPEC.md §11.8; never 0).
    Credit {
        /// The stream it is about.
        correlation_id: u32,
        /// Bytes of item payloads granted.
        bytes: u32,
    },
    /// The server opened the stream `correlation_id`: its items follow.
    Open {
        /// The stream it is about.
        correlation_id: u32,
    },
    /// The stream `correlation_id` ended: no item follows.
    End {
        /// The stream it is about.
        correlation_id: u32,
    },
}

impl Signal {
    /// The control kind of DEADLINE.
    pub const DEADLINE: u16 = 5;
    /// The control kind of CANCEL.
    pub const CANCEL: u16 = 6;
    /// The control kind of CREDIT.
    pub const CREDIT: u16 = 7;
    /// The control kind of OPEN.
    pub const OPEN: u16 = 8;
    /// The control kind of END.
    pub const END: u16 = 9;

    /// The correlation id of the request the signal is about.
    ///
    /// ```
    /// assert_eq!(wirewright::rpc::Signal::Cancel { correlation_id: 3 }.correlation_id(), 3);
    /// ```
    pub fn correlation_id(&self) -> u32 {
        match *self {
            Signal::Deadline { correlation_id, .. }
            | Signal::Cancel { correlation_id }
            | Signal::Credit { correlation_id, .. }
            | Signal::Open { correlation_id }
            | Signal::End { correlation_id } => correlation_id,
        }
    }

    /// Whether `kind` is a control kind a client sends (5, 6 or 7): what a server reads.
    pub(crate) fn is_client_kind(kind: u16) -> bool {
        matches!(kind, Self::DEADLINE | Self::CANCEL | Self::CREDIT)
    }

    /// Whether `kind` is any call's control kind (5 to 9): what a client reads (it
    /// ignores the client's own kinds, SPEC.md §11.7).
    pub(crate) fn is_kind(kind: u16) -> bool {
        (Self::DEADLINE..=Self::END).contains(&kind)
    }

    /// `remaining` in whole milliseconds, rounded up (a request with 0.2 ms left is not
    /// yet late), saturating at `u32::MAX`.
    fn remaining_ms(remaining: Duration) -> u32 {
        let ms = remaining.as_nanos().div_ceil(1_000_000);
        u32::try_from(ms).unwrap_or(u32::MAX)
    }

    /// Reads the payload of a control frame of kind 5 to 9, which must be exactly the
    /// kind's.
    ///
    /// # Errors
    /// [`FrameError::Payload`] when the payload is not exactly the kind's (too short,
    /// bytes left over, a CREDIT of 0 bytes): a malformed control frame, which ends the
    /// connection.
    pub(crate) fn decode(kind: u16, payload: &mut Reader<'_>) -> Result<Self, FrameError> {
        let payload_error = |source| FrameError::Payload {
            message_type: kind,
            source,
        };
        let correlation_id = Fixed::<u32>::decode_raw(payload).map_err(payload_error)?.0;
        let signal = match kind {
            Self::DEADLINE => {
                let ms = u32::decode_raw(payload).map_err(payload_error)?;
                Signal::Deadline {
                    correlation_id,
                    remaining: Duration::from_millis(u64::from(ms)),
                }
            }
            Self::CREDIT => {
                let at = payload.position();
                let bytes = u32::decode_raw(payload).map_err(payload_error)?;
                if bytes == 0 {
                    return Err(payload_error(crate::DecodeError::custom(
                        "a CREDIT grants at least one byte",
                        at,
                    )));
                }
                Signal::Credit {
                    correlation_id,
                    bytes,
                }
            }
            Self::OPEN => Signal::Open { correlation_id },
            Self::END => Signal::End { correlation_id },
            _ => Signal::Cancel { correlation_id },
        };
        payload.finish().map_err(payload_error)?;
        Ok(signal)
    }
}

impl Encode for Signal {
    fn encoded_len(&self) -> usize {
        match *self {
            Signal::Deadline { remaining, .. } => 4 + Self::remaining_ms(remaining).encoded_len(),
            Signal::Credit { bytes, .. } => 4 + bytes.encoded_len(),
            Signal::Cancel { .. } | Signal::Open { .. } | Signal::End { .. } => 4,
        }
    }

    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        Fixed(self.correlation_id()).encode_raw(buf);
        match *self {
            Signal::Deadline { remaining, .. } => Self::remaining_ms(remaining).encode_raw(buf),
            Signal::Credit { bytes, .. } => bytes.encode_raw(buf),
            Signal::Cancel { .. } | Signal::Open { .. } | Signal::End { .. } => {}
        }
    }
}

impl EncodeFrame for Signal {
    fn frame_type(&self) -> u16 {
        match self {
            Signal::Deadline { .. } => Self::DEADLINE,
            Signal::Cancel { .. } => Self::CANCEL,
            Signal::Credit { .. } => Self::CREDIT,
            Signal::Open { .. } => Self::OPEN,
            Signal::End { .. } => Self::END,
        }
    }

    fn frame_flags(&self) -> Flags {
        Flags::CONTROL
    }
}

/// What a client sends: requests, and the signals about them.
#[derive(Debug)]
pub(crate) enum ClientFrame<Req> {
    Request(Req),
    Signal(Signal),
}

impl<Req: Encode> Encode for ClientFrame<Req> {
    fn encoded_len(&self) -> usize {
        match self {
            ClientFrame::Request(request) => request.encoded_len(),
            ClientFrame::Signal(signal) => signal.encoded_len(),
        }
    }

    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        match self {
            ClientFrame::Request(request) => request.encode_raw(buf),
            ClientFrame::Signal(signal) => signal.encode_raw(buf),
        }
    }
}

impl<Req: EncodeFrame> EncodeFrame for ClientFrame<Req> {
    fn frame_type(&self) -> u16 {
        match self {
            ClientFrame::Request(request) => request.frame_type(),
            ClientFrame::Signal(signal) => signal.frame_type(),
        }
    }

    fn frame_flags(&self) -> Flags {
        match self {
            ClientFrame::Request(request) => request.frame_flags(),
            ClientFrame::Signal(signal) => signal.frame_flags(),
        }
    }
}

/// Reads a call's control frame for a protocol that takes them: `None` for the kinds
/// the transport handles. `is_kind` says which kinds the reader takes: a server the
/// client's ([`Signal::is_client_kind`]), so that the server's kinds from a client are
/// unknown control kinds (a protocol error, SPEC.md §7); a client all of them.
pub(crate) fn decode_control<'de, P>(
    header: &FrameHeader,
    payload: &mut Reader<'de>,
    is_kind: fn(u16) -> bool,
    wrap: impl FnOnce(Signal) -> P,
) -> Option<Result<P, FrameError>> {
    let kind = header.message_type;
    is_kind(kind).then(|| Signal::decode(kind, payload).map(wrap))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_remaining_time_is_rounded_up_to_whole_milliseconds() {
        assert_eq!(Signal::remaining_ms(Duration::from_micros(200)), 1);
        assert_eq!(Signal::remaining_ms(Duration::ZERO), 0);
        assert_eq!(Signal::remaining_ms(Duration::from_secs(1 << 40)), u32::MAX);
    }

    #[test]
    fn a_signal_payload_with_bytes_left_over_is_refused() {
        let err = Signal::decode(Signal::CANCEL, &mut Reader::new(&[1, 0, 0, 0, 9])).unwrap_err();
        assert!(matches!(
            err,
            FrameError::Payload {
                message_type: 6,
                ..
            }
        ));
        let cancel = Signal::decode(Signal::CANCEL, &mut Reader::new(&[1, 0, 0, 0])).unwrap();
        assert_eq!(cancel, Signal::Cancel { correlation_id: 1 });
    }
}
