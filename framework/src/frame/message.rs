//! Top-level messages and protocols: what a frame's message-type id names.

use crate::{Encode, FrameError, Reader};

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
/// message it holds. `#[derive(Protocol)]` implements it for an enum of messages. Every
/// protocol is written as message frames ([`EncodeFrame`](super::EncodeFrame)).
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
/// Every such protocol is read from message frames ([`DecodeFrame`](super::DecodeFrame)).
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
