//! Top-level messages and protocols: what a frame's message-type id names.

use crate::{Encode, Flags, FrameError, FrameHeader, FrameKind, Reader};

/// A type that travels as a frame of its own, under a message-type id.
///
/// `#[derive(Message)]` with `#[wire(id = N)]` implements it. Every `Message` is also a
/// one-message [`Protocol`].
///
/// ```
/// use bytes::BufMut;
/// use wirewright::{Encode, Message};
///
/// struct Ping;
/// impl Encode for Ping {
///     fn encoded_len(&self) -> usize { 0 }
///     fn encode_raw<B: BufMut + ?Sized>(&self, _buf: &mut B) {}
/// }
/// impl Message for Ping {
///     const ID: u16 = 7;
///     const NAME: &'static str = "Ping";
/// }
/// assert_eq!(wirewright::Protocol::message_type(&Ping), 7);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a wirewright `Message`: it has no message id",
    note = "derive it with `#[derive(Message)]` and give it an id with `#[wire(id = N)]`"
)]
pub trait Message: Encode {
    /// The message-type id written in the frame header.
    const ID: u16;
    /// The type's name, for errors and logs.
    const NAME: &'static str;
}

/// A set of messages that can share one connection: each value knows the id of the
/// message it holds. `#[derive(Protocol)]` implements it for an enum of messages.
///
/// ```
/// use wirewright::Protocol;
/// # use bytes::BufMut;
/// # struct Ping;
/// # impl wirewright::Encode for Ping {
/// #     fn encoded_len(&self) -> usize { 0 }
/// #     fn encode_raw<B: BufMut + ?Sized>(&self, _buf: &mut B) {}
/// # }
/// # impl wirewright::Message for Ping { const ID: u16 = 7; const NAME: &'static str = "Ping"; }
/// assert_eq!(Ping.message_name(), "Ping");
/// ```
pub trait Protocol: Encode {
    /// The message-type id for this value's frame header.
    fn message_type(&self) -> u16;
    /// The name of the message this value holds.
    fn message_name(&self) -> &'static str;

    /// The flags of this value's frame header: none (a binary message frame) unless the
    /// protocol says otherwise. [`rpc::Reply`](crate::rpc::Reply) sets RESPONSE, and
    /// RESPONSE | ERROR for errors (SPEC.md §11).
    ///
    /// ```
    /// # use bytes::BufMut;
    /// # struct Ping;
    /// # impl wirewright::Encode for Ping {
    /// #     fn encoded_len(&self) -> usize { 0 }
    /// #     fn encode_raw<B: BufMut + ?Sized>(&self, _buf: &mut B) {}
    /// # }
    /// # impl wirewright::Message for Ping { const ID: u16 = 7; const NAME: &'static str = "Ping"; }
    /// use wirewright::{Flags, Protocol};
    /// assert_eq!(Ping.frame_flags(), Flags::EMPTY);
    /// ```
    #[inline]
    fn frame_flags(&self) -> Flags {
        Flags::EMPTY
    }
}

impl<M: Message> Protocol for M {
    #[inline]
    fn message_type(&self) -> u16 {
        M::ID
    }
    #[inline]
    fn message_name(&self) -> &'static str {
        M::NAME
    }
}

/// The decoding side of a [`Protocol`]: picks the message type from the frame header's id.
///
/// ```
/// use wirewright::{DecodeProtocol, FrameError, Reader};
/// # use bytes::BufMut;
/// # #[derive(Debug)] struct Ping;
/// # impl wirewright::Encode for Ping {
/// #     fn encoded_len(&self) -> usize { 0 }
/// #     fn encode_raw<B: BufMut + ?Sized>(&self, _buf: &mut B) {}
/// # }
/// # impl<'de> wirewright::Decode<'de> for Ping {
/// #     const MIN_ENCODED_LEN: usize = 0;
/// #     fn decode_raw(_: &mut Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Ping) }
/// # }
/// # impl wirewright::Message for Ping { const ID: u16 = 7; const NAME: &'static str = "Ping"; }
/// assert!(Ping::accepts(7));
/// let err = Ping::decode_message(8, &mut Reader::new(b"")).unwrap_err();
/// assert!(matches!(err, FrameError::UnknownMessageType { message_type: 8, .. }));
/// ```
pub trait DecodeProtocol<'de>: Sized {
    /// The protocol's name, for errors.
    const PROTOCOL_NAME: &'static str;

    /// Whether `message_type` names one of the protocol's messages.
    fn accepts(message_type: u16) -> bool;

    /// Decodes the payload of a frame whose header carries `message_type`. Bytes after
    /// the message's fields that its definition does not keep (an unknown tail written
    /// by a newer definition, SPEC.md §12.2) are left in `payload`; the frame decoders
    /// skip them.
    ///
    /// # Errors
    /// [`FrameError::UnknownMessageType`] for an id the protocol does not define,
    /// [`FrameError::Payload`] when the payload does not decode.
    fn decode_message(message_type: u16, payload: &mut Reader<'de>) -> Result<Self, FrameError>;

    /// Decodes the payload of a frame with `header` (a message frame: the CRC, the
    /// control flag and the payload format have been checked). The default takes message
    /// frames ([`FrameKind::Message`]) only and decodes the message the header's id
    /// names; [`rpc::Reply`](crate::rpc::Reply) overrides it to take response and error
    /// frames.
    ///
    /// # Errors
    /// [`FrameError::UnexpectedKind`] for a response or error frame, and the errors of
    /// [`decode_message`](Self::decode_message).
    ///
    /// ```
    /// use wirewright::{DecodeProtocol, Flags, FrameError, FrameHeader, FrameKind, Reader};
    /// # #[derive(Debug)] struct Ping;
    /// # impl wirewright::Encode for Ping {
    /// #     fn encoded_len(&self) -> usize { 0 }
    /// #     fn encode_raw<B: bytes::BufMut + ?Sized>(&self, _buf: &mut B) {}
    /// # }
    /// # impl<'de> wirewright::Decode<'de> for Ping {
    /// #     const MIN_ENCODED_LEN: usize = 0;
    /// #     fn decode_raw(_: &mut Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Ping) }
    /// # }
    /// # impl wirewright::Message for Ping { const ID: u16 = 7; const NAME: &'static str = "Ping"; }
    /// let header = FrameHeader { flags: Flags::RESPONSE, message_type: 7, correlation_id: 3, payload_len: 0 };
    /// let err = Ping::decode_frame_payload(&header, &mut Reader::new(b"")).unwrap_err();
    /// assert!(matches!(err, FrameError::UnexpectedKind { found: FrameKind::Response, .. }));
    /// ```
    #[inline]
    fn decode_frame_payload(
        header: &FrameHeader,
        payload: &mut Reader<'de>,
    ) -> Result<Self, FrameError> {
        let found = header.flags.kind();
        if found != FrameKind::Message {
            return Err(FrameError::unexpected_kind(header, FrameKind::Message));
        }
        Self::decode_message(header.message_type, payload)
    }

    /// What a message frame in a payload format the receiver has not enabled becomes
    /// (`error` is [`FrameError::UnexpectedFormat`], a message error, SPEC.md §3.5). The
    /// default is the error itself; [`rpc::Inbound`](crate::rpc::Inbound) turns a
    /// request's into an answerable value (the server answers code 2, SPEC.md §11.4),
    /// and [`rpc::Reply`](crate::rpc::Reply) reports a message frame as
    /// [`FrameError::UnexpectedKind`] first, as its decoding would.
    ///
    /// # Errors
    /// `error`, unless the protocol makes a value of the frame.
    ///
    /// ```
    /// use wirewright::{DecodeProtocol, Flags, FrameError, FrameHeader, PayloadFormat};
    /// # #[derive(Debug)] struct Ping;
    /// # impl wirewright::Encode for Ping {
    /// #     fn encoded_len(&self) -> usize { 0 }
    /// #     fn encode_raw<B: bytes::BufMut + ?Sized>(&self, _buf: &mut B) {}
    /// # }
    /// # impl<'de> wirewright::Decode<'de> for Ping {
    /// #     const MIN_ENCODED_LEN: usize = 0;
    /// #     fn decode_raw(_: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Ping) }
    /// # }
    /// # impl wirewright::Message for Ping { const ID: u16 = 7; const NAME: &'static str = "Ping"; }
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

    /// Decodes a control frame (SPEC.md §7) of a kind the protocol reads itself, or
    /// `None` for the kinds the transport handles. The default reads none;
    /// [`rpc::Inbound`](crate::rpc::Inbound) reads the calls' DEADLINE and CANCEL
    /// frames (kinds 5 and 6, SPEC.md §11.7).
    ///
    /// # Errors
    /// When the payload is not exactly the kind's: a malformed control frame.
    ///
    /// ```
    /// use wirewright::{DecodeProtocol, Flags, FrameHeader, Reader};
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

impl<'de, M: Message + crate::Decode<'de>> DecodeProtocol<'de> for M {
    const PROTOCOL_NAME: &'static str = M::NAME;

    #[inline]
    fn accepts(message_type: u16) -> bool {
        message_type == M::ID
    }

    #[inline]
    fn decode_message(message_type: u16, payload: &mut Reader<'de>) -> Result<Self, FrameError> {
        if message_type != M::ID {
            return Err(FrameError::UnknownMessageType {
                message_type,
                protocol: M::NAME,
            });
        }
        M::decode_payload_raw(payload).map_err(|source| FrameError::Payload {
            message_type,
            source,
        })
    }
}
