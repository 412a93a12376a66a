//! The frame layer's hooks: how a value chooses the header of the frame it is written as
//! ([`EncodeFrame`]), and how a value is read from a frame given its checked header
//! ([`DecodeFrame`]).
//!
//! Every [`Protocol`] is an [`EncodeFrame`] (a message frame: no flags, its message id in
//! the type field) and every [`DecodeProtocol`] a [`DecodeFrame`] (message frames only,
//! decoded as the message the id names). A layer above the frames that writes or reads
//! other kinds of frames implements these directly: [`rpc`](crate::rpc)'s replies are
//! response and error frames (SPEC.md §11), its DEADLINE and CANCEL are control frames
//! (§11.7). [`encode_frame`](super::encode_frame), [`decode_frame`](super::decode_frame)
//! and the transport's codec write and read through these traits.

use crate::{DecodeProtocol, Encode, Flags, FrameError, FrameHeader, FrameKind, Protocol, Reader};

/// A value written as one frame: its payload ([`Encode`]) and the flags and type field
/// of the frame's header. Implemented for every [`Protocol`] (a message frame); implement
/// it directly for a value that is written as another kind of frame.
///
/// ```
/// use bytes::BufMut;
/// use wirewright::frame::{encode_frame, EncodeFrame};
/// use wirewright::{Encode, Flags};
///
/// /// An acknowledgement, written as a response frame of type 1.
/// struct Ack;
/// impl Encode for Ack {
///     fn encoded_len(&self) -> usize { 0 }
///     fn encode_raw<B: BufMut + ?Sized>(&self, _buf: &mut B) {}
/// }
/// impl EncodeFrame for Ack {
///     fn frame_flags(&self) -> Flags { Flags::RESPONSE }
///     fn frame_type(&self) -> u16 { 1 }
/// }
///
/// let mut buf = Vec::new();
/// encode_frame(&Ack, 9, &mut buf)?;
/// assert_eq!((buf[5], buf[6]), (0x04, 1)); // RESPONSE, type 1
/// # Ok::<(), wirewright::FrameError>(())
/// ```
pub trait EncodeFrame: Encode {
    /// The flags of the frame's header (its kind, SPEC.md §3.2); must be a valid
    /// combination. The JSON writer adds [`Flags::JSON`] itself.
    fn frame_flags(&self) -> Flags;

    /// The type field of the frame's header: a message id, an rpc error code or a
    /// control kind, as the flags make it.
    fn frame_type(&self) -> u16;
}

/// A message frame: no flags, the message's id.
///
/// ```
/// use wirewright::frame::EncodeFrame;
/// use wirewright::Flags;
/// # #[derive(wirewright::Message)] #[wire(id = 7)] struct Ping;
/// assert_eq!((Ping.frame_flags(), Ping.frame_type()), (Flags::EMPTY, 7));
/// ```
impl<P: Protocol + ?Sized> EncodeFrame for P {
    #[inline]
    fn frame_flags(&self) -> Flags {
        Flags::EMPTY
    }

    #[inline]
    fn frame_type(&self) -> u16 {
        self.message_type()
    }
}

/// A value read from one frame, given the frame's checked header. Implemented for every
/// [`DecodeProtocol`] (message frames only); implement it directly for a value that is
/// read from other kinds of frames, or that makes a value of a frame a protocol would
/// refuse.
///
/// ```
/// use wirewright::frame::DecodeFrame;
/// use wirewright::{Flags, FrameError, FrameHeader, FrameKind, Reader};
/// # #[derive(wirewright::Message, Debug)] #[wire(id = 7)] struct Ping;
/// let header = FrameHeader { flags: Flags::RESPONSE, message_type: 7, correlation_id: 3, payload_len: 0 };
/// let err = Ping::decode_frame_payload(&header, &mut Reader::new(b"")).unwrap_err();
/// assert!(matches!(err, FrameError::UnexpectedKind { found: FrameKind::Response, .. }));
/// ```
pub trait DecodeFrame<'de>: Sized {
    /// Decodes the payload of a frame with `header` (the CRC, the control flag and the
    /// payload format have been checked). Bytes after the fields the value's definition
    /// knows may be left in `payload`: the frame decoders skip them (SPEC.md §12.2).
    ///
    /// # Errors
    /// [`FrameError::UnexpectedKind`] for a frame kind the value is not read from, and
    /// the errors of decoding the payload ([`FrameError::UnknownMessageType`],
    /// [`FrameError::Payload`]).
    fn decode_frame_payload(
        header: &FrameHeader,
        payload: &mut Reader<'de>,
    ) -> Result<Self, FrameError>;

    /// What a frame in a payload format the receiver has not enabled becomes (`error` is
    /// [`FrameError::UnexpectedFormat`], a message error, SPEC.md §3.5). The default is
    /// the error itself.
    ///
    /// # Errors
    /// `error`, or another error of the frame, unless the value is made of the frame.
    ///
    /// ```
    /// use wirewright::frame::DecodeFrame;
    /// use wirewright::{Flags, FrameError, FrameHeader, PayloadFormat};
    /// # #[derive(wirewright::Message, Debug)] #[wire(id = 7)] struct Ping;
    /// let header = FrameHeader { flags: Flags::JSON, message_type: 7, correlation_id: 3, payload_len: 2 };
    /// let error = FrameError::UnexpectedFormat { found: PayloadFormat::Json, expected: PayloadFormat::Binary };
    /// let err = Ping::decode_other_format(&header, error).unwrap_err();
    /// assert!(matches!(err, FrameError::UnexpectedFormat { .. }));
    /// ```
    #[inline]
    fn decode_other_format(header: &FrameHeader, error: FrameError) -> Result<Self, FrameError> {
        let _ = header;
        Err(error)
    }

    /// Decodes a control frame (SPEC.md §7) of a kind the value is read from, or `None`
    /// for the kinds the transport handles (the default: all of them).
    ///
    /// # Errors
    /// When the payload is not exactly the kind's: a malformed control frame.
    ///
    /// ```
    /// use wirewright::frame::DecodeFrame;
    /// use wirewright::{Flags, FrameHeader, Reader};
    /// # #[derive(wirewright::Message, Debug)] #[wire(id = 1)] struct Ping;
    /// let header = FrameHeader { flags: Flags::CONTROL, message_type: 5, correlation_id: 0, payload_len: 0 };
    /// assert!(Ping::decode_control(&header, &mut Reader::new(b"")).is_none());
    /// ```
    #[inline]
    fn decode_control(
        header: &FrameHeader,
        payload: &mut Reader<'de>,
    ) -> Option<Result<Self, FrameError>> {
        let _ = (header, payload);
        None
    }
}

/// Message frames only ([`FrameKind::Message`]): the message the header's id names.
impl<'de, P: DecodeProtocol<'de>> DecodeFrame<'de> for P {
    #[inline]
    fn decode_frame_payload(
        header: &FrameHeader,
        payload: &mut Reader<'de>,
    ) -> Result<Self, FrameError> {
        if header.flags.kind() != FrameKind::Message {
            return Err(FrameError::unexpected_kind(header, FrameKind::Message));
        }
        P::decode_message(header.message_type, payload)
    }
}
