//! The control frames of calls (SPEC.md §11.7): a client tells the server how long a
//! request has left (DEADLINE, kind 5) and that it gave up on one (CANCEL, kind 6).
//!
//! ```text
//!  DEADLINE  flags 02, type 5, corr 0   payload: correlation id (u32, 4 bytes LE), remaining ms (varint)
//!  CANCEL    flags 02, type 6, corr 0   payload: correlation id (u32, 4 bytes LE)
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

/// A call's control frame: DEADLINE or CANCEL (SPEC.md §11.7).
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
}

impl Signal {
    /// The control kind of DEADLINE.
    pub const DEADLINE: u16 = 5;
    /// The control kind of CANCEL.
    pub const CANCEL: u16 = 6;

    /// The correlation id of the request the signal is about.
    ///
    /// ```
    /// assert_eq!(wirewright::rpc::Signal::Cancel { correlation_id: 3 }.correlation_id(), 3);
    /// ```
    pub fn correlation_id(&self) -> u32 {
        match *self {
            Signal::Deadline { correlation_id, .. } | Signal::Cancel { correlation_id } => {
                correlation_id
            }
        }
    }

    /// Whether `kind` is a call's control kind (5 or 6).
    pub(crate) fn is_kind(kind: u16) -> bool {
        matches!(kind, Self::DEADLINE | Self::CANCEL)
    }

    /// `remaining` in whole milliseconds, rounded up (a request with 0.2 ms left is not
    /// yet late), saturating at `u32::MAX`.
    fn remaining_ms(remaining: Duration) -> u32 {
        let ms = remaining.as_nanos().div_ceil(1_000_000);
        u32::try_from(ms).unwrap_or(u32::MAX)
    }

    /// Reads the payload of a control frame of kind 5 or 6, which must be exactly the
    /// kind's.
    ///
    /// # Errors
    /// [`FrameError::Payload`] when the payload is not exactly the kind's (too short,
    /// bytes left over): a malformed control frame, which ends the connection.
    pub(crate) fn decode(kind: u16, payload: &mut Reader<'_>) -> Result<Self, FrameError> {
        let payload_error = |source| FrameError::Payload {
            message_type: kind,
            source,
        };
        let correlation_id = Fixed::<u32>::decode_raw(payload).map_err(payload_error)?.0;
        let signal = if kind == Self::DEADLINE {
            let ms = u32::decode_raw(payload).map_err(payload_error)?;
            Signal::Deadline {
                correlation_id,
                remaining: Duration::from_millis(u64::from(ms)),
            }
        } else {
            Signal::Cancel { correlation_id }
        };
        payload.finish().map_err(payload_error)?;
        Ok(signal)
    }
}

impl Encode for Signal {
    fn encoded_len(&self) -> usize {
        match *self {
            Signal::Deadline { remaining, .. } => 4 + Self::remaining_ms(remaining).encoded_len(),
            Signal::Cancel { .. } => 4,
        }
    }

    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        Fixed(self.correlation_id()).encode_raw(buf);
        if let Signal::Deadline { remaining, .. } = *self {
            Self::remaining_ms(remaining).encode_raw(buf);
        }
    }
}

impl EncodeFrame for Signal {
    fn frame_type(&self) -> u16 {
        match self {
            Signal::Deadline { .. } => Self::DEADLINE,
            Signal::Cancel { .. } => Self::CANCEL,
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

/// Reads a call's control frame for a protocol that takes them (the server's
/// [`Inbound`](super::Inbound)): `None` for the kinds the transport handles.
pub(crate) fn decode_control<'de, P>(
    header: &FrameHeader,
    payload: &mut Reader<'de>,
    wrap: impl FnOnce(Signal) -> P,
) -> Option<Result<P, FrameError>> {
    let kind = header.message_type;
    Signal::is_kind(kind).then(|| Signal::decode(kind, payload).map(wrap))
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
