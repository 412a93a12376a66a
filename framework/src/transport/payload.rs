//! The payload format of a [`FrameCodec`](super::FrameCodec): binary (the default) or JSON
//! (feature `json`), chosen by a type parameter so that a JSON codec asks for serde's
//! traits and a binary one does not.

use bytes::{Bytes, BytesMut};

use crate::frame::encode_frame_with;
use crate::frame::{check_message_frame_for, decode_payload};
use crate::frame::{DecodeFrame, EncodeFrame};
use crate::{FrameError, FrameHeader, Limits, PayloadFormat, Reader};

/// The payload format of a codec: [`BinaryPayload`] or `JsonPayload` (feature `json`). A codec writes
/// message frames in [`FORMAT`](Self::FORMAT) only ([`EncodePayload`]) and refuses message
/// frames in any other format with [`FrameError::UnexpectedFormat`] ([`DecodePayload`],
/// SPEC.md §8). Not meant to be implemented elsewhere.
///
/// ```
/// use wirewright::PayloadFormat;
/// use wirewright::transport::{BinaryPayload, PayloadCodec};
/// assert_eq!(BinaryPayload::FORMAT, PayloadFormat::Binary);
/// ```
pub trait PayloadCodec {
    /// The one format this codec writes and accepts.
    const FORMAT: PayloadFormat;
}

/// A [`PayloadCodec`] that can write messages of protocol `Out`.
///
/// ```
/// use bytes::BytesMut;
/// use wirewright::Limits;
/// use wirewright::transport::{BinaryPayload, EncodePayload};
/// # #[derive(wirewright::Message)]
/// # #[wire(id = 1)]
/// # struct Note(u8);
/// let mut dst = BytesMut::new();
/// let len = BinaryPayload::encode_frame(&Note(7), 0, &Limits::new(), &mut dst)?;
/// assert_eq!(len, 16 + 1 + 4);
/// # Ok::<(), wirewright::FrameError>(())
/// ```
pub trait EncodePayload<Out>: PayloadCodec {
    /// Appends `message` as a complete frame to `dst`; returns the frame's length.
    ///
    /// # Errors
    /// [`FrameError::FrameTooLarge`] over `limits.max_frame_len()`, or the format's own
    /// encoding error; nothing is written.
    fn encode_frame(
        message: &Out,
        correlation_id: u32,
        limits: &Limits,
        dst: &mut BytesMut,
    ) -> Result<usize, FrameError>;
}

/// A [`PayloadCodec`] that can read messages of protocol `In`.
///
/// ```
/// use bytes::Bytes;
/// use wirewright::{Flags, FrameError, FrameHeader, Limits, PayloadFormat};
/// use wirewright::transport::{BinaryPayload, DecodePayload};
/// # #[derive(wirewright::Message, Debug, PartialEq)]
/// # #[wire(id = 1)]
/// # struct Note(u8);
/// let header = FrameHeader { flags: Flags::JSON, message_type: 1, correlation_id: 0, payload_len: 2 };
/// let err = <BinaryPayload as DecodePayload<Note>>::decode_payload(&header, &Bytes::from_static(b"{}"), &Limits::new())
///     .unwrap_err();
/// assert!(matches!(err, FrameError::UnexpectedFormat { found: PayloadFormat::Json, .. }));
/// ```
pub trait DecodePayload<In>: PayloadCodec {
    /// Decodes the payload of a checked message frame whose header is `header`.
    ///
    /// # Errors
    /// [`FrameError::UnexpectedFormat`] for a frame in another format, then
    /// [`FrameError::UnknownMessageType`] or the format's decoding error.
    fn decode_payload(
        header: &FrameHeader,
        payload: &Bytes,
        limits: &Limits,
    ) -> Result<In, FrameError>;

    /// Decodes a checked control frame of a kind the protocol reads itself
    /// ([`DecodeFrame::decode_control`]), or `None` for the kinds the transport
    /// handles (the default).
    fn decode_control(
        header: &FrameHeader,
        payload: &Bytes,
        limits: &Limits,
    ) -> Option<Result<In, FrameError>> {
        let _ = (header, payload, limits);
        None
    }
}

/// wirewright's binary payloads (SPEC.md §4): the default of
/// [`FrameCodec`](super::FrameCodec). `Bytes` fields of a received message share the read
/// buffer.
///
/// ```
/// use wirewright::transport::{BinaryPayload, FrameCodec};
/// let codec: FrameCodec<u8, u8, BinaryPayload> = FrameCodec::<u8>::new(); // the same type
/// # let _ = codec;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BinaryPayload;

impl PayloadCodec for BinaryPayload {
    const FORMAT: PayloadFormat = PayloadFormat::Binary;
}

impl<Out: EncodeFrame> EncodePayload<Out> for BinaryPayload {
    #[inline]
    fn encode_frame(
        message: &Out,
        correlation_id: u32,
        limits: &Limits,
        dst: &mut BytesMut,
    ) -> Result<usize, FrameError> {
        encode_frame_with(message, correlation_id, limits, dst)
    }
}

impl<In> DecodePayload<In> for BinaryPayload
where
    In: for<'de> DecodeFrame<'de>,
{
    #[inline]
    fn decode_payload(
        header: &FrameHeader,
        payload: &Bytes,
        limits: &Limits,
    ) -> Result<In, FrameError> {
        if let Some(message) = check_message_frame_for(header, PayloadFormat::Binary)? {
            return Ok(message);
        }
        let mut reader = Reader::from_bytes_with_limits(payload, *limits);
        decode_payload::<In>(header, &mut reader)
    }

    #[inline]
    fn decode_control(
        header: &FrameHeader,
        payload: &Bytes,
        limits: &Limits,
    ) -> Option<Result<In, FrameError>> {
        let mut reader = Reader::from_bytes_with_limits(payload, *limits);
        In::decode_control(header, &mut reader)
    }
}

/// JSON payloads (SPEC.md §8, feature `json`): the serde representation of each message,
/// under the same header, message ids, correlation ids and CRC as binary frames. The
/// protocols must implement [`SerializeMessage`](crate::SerializeMessage) and
/// [`DeserializeMessage`](crate::DeserializeMessage), as a derived protocol does when its
/// messages derive serde's traits.
///
/// ```
/// use futures_util::{SinkExt, StreamExt};
/// use tokio_util::codec::Framed;
/// use wirewright::Message;
/// use wirewright::transport::{Incoming, JsonCodec};
///
/// #[derive(Message, serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// #[wire(id = 1)]
/// struct Note { text: String }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), wirewright::transport::CodecError> {
/// let (a, b) = tokio::io::duplex(1024);
/// let mut a = Framed::new(a, JsonCodec::<Note>::new());
/// let mut b = Framed::new(b, JsonCodec::<Note>::new());
/// a.send(Note { text: "hi".into() }.into()).await?;
/// let Some(Incoming::Message(received)) = b.next().await.transpose()? else { panic!() };
/// assert_eq!(received.message, Note { text: "hi".into() });
/// assert_eq!(received.header.flags, wirewright::Flags::JSON);
/// # Ok(())
/// # }
/// ```
#[cfg(feature = "json")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonPayload;

#[cfg(feature = "json")]
impl PayloadCodec for JsonPayload {
    const FORMAT: PayloadFormat = PayloadFormat::Json;
}

#[cfg(feature = "json")]
impl<Out: crate::SerializeMessage> EncodePayload<Out> for JsonPayload {
    #[inline]
    fn encode_frame(
        message: &Out,
        correlation_id: u32,
        limits: &Limits,
        dst: &mut BytesMut,
    ) -> Result<usize, FrameError> {
        crate::frame::encode_frame_json_with(message, correlation_id, limits, dst)
    }
}

#[cfg(feature = "json")]
impl<In> DecodePayload<In> for JsonPayload
where
    In: for<'de> crate::DeserializeMessage<'de>,
{
    #[inline]
    fn decode_payload(
        header: &FrameHeader,
        payload: &Bytes,
        _limits: &Limits,
    ) -> Result<In, FrameError> {
        crate::frame::decode_json_payload(header, payload)
    }
}

/// A [`FrameCodec`](super::FrameCodec) with JSON payloads (feature `json`).
///
/// ```
/// # #[derive(wirewright::Message, serde::Serialize, serde::Deserialize)]
/// # #[wire(id = 1)]
/// # struct Note(u8);
/// let codec = wirewright::transport::JsonCodec::<Note>::new();
/// assert_eq!(codec.format(), wirewright::PayloadFormat::Json);
/// ```
#[cfg(feature = "json")]
pub type JsonCodec<In, Out = In> = super::FrameCodec<In, Out, JsonPayload>;
