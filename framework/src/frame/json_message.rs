//! Messages as JSON (SPEC.md §8): which serde representation a frame's payload holds.
//!
//! A JSON frame carries the message itself, not the protocol enum around it: the header's
//! message-type id already says which message it is, exactly as for a binary frame. So a
//! `#[derive(Protocol)]` enum is written as the serde representation of the message its
//! variant holds, and read back by choosing the variant from the id, then deserializing
//! that message type. The two traits here say how:
//!
//! - [`SerializeMessage`]: every [`Message`] that implements `serde::Serialize`, and every
//!   derived protocol whose message types all do.
//! - [`DeserializeMessage`]: the same with `serde::Deserialize<'de>`.
//!
//! [`encode_frame_json`](crate::frame::encode_frame_json) and
//! [`decode_frame_json`](crate::frame::decode_frame_json) use them.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Decode, DecodeProtocol, Message, Protocol};

/// A [`Protocol`] value that can be written as the serde representation of the message it
/// holds.
///
/// Implemented for every [`Message`] that implements `serde::Serialize`, and by
/// `#[derive(Protocol)]` for an enum whose message types all implement it. Serializers
/// other than JSON work too.
///
/// ```
/// use serde::Serialize;
/// use wirewright::{Message, Protocol, SerializeMessage};
///
/// #[derive(Message, Serialize)]
/// #[wire(id = 1)]
/// pub struct Join { pub room: String }
///
/// #[derive(Message, Serialize)]
/// #[wire(id = 2)]
/// pub struct Leave;
///
/// #[derive(Protocol)]
/// pub enum Chat { Join(Join), Leave(Leave) }
///
/// let chat = Chat::Join(Join { room: "lobby".into() });
/// let mut json = Vec::new();
/// chat.serialize_message(&mut serde_json::Serializer::new(&mut json))?;
/// assert_eq!(json, br#"{"room":"lobby"}"#); // the message, without the enum around it
/// # Ok::<(), serde_json::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be written as JSON: it does not implement `serde::Serialize`",
    note = "derive `serde::Serialize` on the message type, or, for a `#[derive(Protocol)]` \
            enum, on every message type it holds"
)]
pub trait SerializeMessage: Protocol {
    /// Serializes the message this value holds (for a protocol enum, the variant's
    /// message, not the enum).
    ///
    /// # Errors
    /// Whatever the serializer or the message's `Serialize` impl returns (a map whose
    /// keys are not strings, for JSON).
    ///
    /// ```
    /// use wirewright::SerializeMessage;
    /// # #[derive(wirewright::Message, serde::Serialize)]
    /// # #[wire(id = 3)]
    /// # struct Ping { seq: u32 }
    /// let mut json = Vec::new();
    /// Ping { seq: 7 }.serialize_message(&mut serde_json::Serializer::new(&mut json))?;
    /// assert_eq!(json, br#"{"seq":7}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    fn serialize_message<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
}

impl<M: Message + Serialize> SerializeMessage for M {
    #[inline]
    fn serialize_message<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.serialize(serializer)
    }
}

/// The reading side of [`SerializeMessage`]: builds the protocol value from the message
/// type the frame header names and the serde representation of that message.
///
/// Implemented for every [`Message`] that implements `serde::Deserialize<'de>`, and by
/// `#[derive(Protocol)]` for an enum whose message types all implement it.
///
/// ```
/// use serde::Deserialize;
/// use wirewright::{DeserializeMessage, Message, Protocol};
///
/// #[derive(Message, Deserialize, Debug, PartialEq)]
/// #[wire(id = 1)]
/// pub struct Join { pub room: String }
///
/// #[derive(Message, Deserialize, Debug, PartialEq)]
/// #[wire(id = 2)]
/// pub struct Leave;
///
/// #[derive(Protocol, Debug, PartialEq)]
/// pub enum Chat { Join(Join), Leave(Leave) }
///
/// let mut json = serde_json::Deserializer::from_slice(br#"{"room":"lobby"}"#);
/// let chat = Chat::deserialize_message(1, &mut json)?;
/// assert_eq!(chat, Chat::Join(Join { room: "lobby".into() }));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from JSON: it does not implement `serde::Deserialize`",
    note = "derive `serde::Deserialize` on the message type, or, for a `#[derive(Protocol)]` \
            enum, on every message type it holds"
)]
pub trait DeserializeMessage<'de>: DecodeProtocol<'de> {
    /// Deserializes the message whose id is `message_type` and wraps it in `Self`.
    ///
    /// # Errors
    /// The deserializer's error; a custom one naming the protocol for a `message_type`
    /// that [`DecodeProtocol::accepts`] refuses (frame decoding checks that first and
    /// reports [`FrameError::UnknownMessageType`](crate::FrameError::UnknownMessageType)).
    ///
    /// ```
    /// use wirewright::DeserializeMessage;
    /// # #[derive(wirewright::Message, serde::Deserialize, Debug)]
    /// # #[wire(id = 3)]
    /// # struct Ping { seq: u32 }
    /// let mut json = serde_json::Deserializer::from_slice(br#"{"seq":7}"#);
    /// assert!(Ping::deserialize_message(4, &mut json).is_err()); // Ping's id is 3
    /// ```
    fn deserialize_message<D: Deserializer<'de>>(
        message_type: u16,
        deserializer: D,
    ) -> Result<Self, D::Error>;
}

impl<'de, M> DeserializeMessage<'de> for M
where
    M: Message + Decode<'de> + Deserialize<'de>,
{
    #[inline]
    fn deserialize_message<D: Deserializer<'de>>(
        message_type: u16,
        deserializer: D,
    ) -> Result<Self, D::Error> {
        if message_type != M::ID {
            return Err(unknown_message_type(message_type, M::NAME));
        }
        M::deserialize(deserializer)
    }
}

/// The error a [`DeserializeMessage`] impl returns for an id its protocol does not define.
/// Derived impls call it.
///
/// ```
/// let err: serde_json::Error = wirewright::json::unknown_message_type(9, "Chat");
/// assert_eq!(err.to_string(), "unknown message type 9 for protocol Chat");
/// ```
#[cold]
pub fn unknown_message_type<E: serde::de::Error>(message_type: u16, protocol: &str) -> E {
    E::custom(format_args!(
        "unknown message type {message_type} for protocol {protocol}"
    ))
}
