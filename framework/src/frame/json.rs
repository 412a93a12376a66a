//! Frames with JSON payloads (SPEC.md §8): the same header, ids and CRC as binary frames,
//! with the JSON flag set and the message's serde representation as the payload.

use bytes::BufMut;

use super::{
    EncodeFrame, Flags, FrameBuf, FrameError, FrameHeader, FrameKind, FrameWriter, PayloadFormat,
    RawFrame,
};
use crate::{DeserializeMessage, Limits, SerializeMessage};

/// Appends `message` as a complete JSON frame to `buf` (header with [`Flags::JSON`] added
/// to the message's [`frame_flags`](super::EncodeFrame::frame_flags), the message's serde
/// representation as UTF-8 JSON, CRC-32) and returns the frame's length.
///
/// For a `#[derive(Protocol)]` enum the payload is the message its variant holds: the
/// header's message-type id says which one, as in a binary frame.
///
/// # Errors
/// [`FrameError::Json`] when the message cannot be written as JSON (a map whose keys are
/// not strings), [`FrameError::FrameTooLarge`] when the text exceeds the default
/// [`Limits::max_frame_len`], [`FrameError::UnexpectedFormat`] for an error response
/// (those are binary, SPEC.md §11). Either way `buf` is left as it was.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use wirewright::frame::{decode_frame_json, encode_frame_json};
/// use wirewright::{Flags, FrameHeader, Message};
///
/// #[derive(Message, Serialize, Deserialize, Debug, PartialEq)]
/// #[wire(id = 1)]
/// pub struct Join { pub room: String, pub nick: String }
///
/// let join = Join { room: "lobby".into(), nick: "ann".into() };
/// let mut buf = Vec::new();
/// let len = encode_frame_json(&join, 7, &mut buf)?;
/// assert_eq!(&buf[16..len - 4], br#"{"room":"lobby","nick":"ann"}"#);
/// let (header, back): (FrameHeader, Join) = decode_frame_json(&buf)?;
/// assert_eq!((header.flags, header.message_type, header.correlation_id), (Flags::JSON, 1, 7));
/// assert_eq!(back, join);
/// # Ok::<(), wirewright::FrameError>(())
/// ```
pub fn encode_frame_json<P, B>(
    message: &P,
    correlation_id: u32,
    buf: &mut B,
) -> Result<usize, FrameError>
where
    P: SerializeMessage + ?Sized,
    B: FrameBuf + ?Sized,
{
    encode_frame_json_with(message, correlation_id, &Limits::default(), buf)
}

/// [`encode_frame_json`] with the given limits.
///
/// # Errors
/// As [`encode_frame_json`], against `limits.max_frame_len()`.
///
/// ```
/// use wirewright::frame::encode_frame_json_with;
/// use wirewright::{FrameError, Limits};
/// # #[derive(wirewright::Message, serde::Serialize)]
/// # #[wire(id = 1)]
/// # struct Say { text: String }
/// let mut buf = Vec::new();
/// let limits = Limits::new().with_max_frame_len(8);
/// let err = encode_frame_json_with(&Say { text: "hello".into() }, 0, &limits, &mut buf).unwrap_err();
/// assert!(matches!(err, FrameError::FrameTooLarge { declared: 16, max: 8 }));
/// assert!(buf.is_empty());
/// ```
pub fn encode_frame_json_with<P, B>(
    message: &P,
    correlation_id: u32,
    limits: &Limits,
    buf: &mut B,
) -> Result<usize, FrameError>
where
    P: SerializeMessage + ?Sized,
    B: FrameBuf + ?Sized,
{
    let message_type = message.frame_type();
    let flags = message.frame_flags() | Flags::JSON;
    if flags.contains(Flags::ERROR) {
        // Error responses are binary (SPEC.md §11).
        return Err(FrameError::UnexpectedFormat {
            found: PayloadFormat::Json,
            expected: PayloadFormat::Binary,
        });
    }
    // The length is unknown until the text is written: the header says 0 until
    // `finish` records it.
    let header = FrameHeader {
        flags,
        message_type,
        correlation_id,
        payload_len: 0,
    };
    let mut frame = FrameWriter::begin(buf, header);
    let written = {
        let mut serializer = serde_json::Serializer::new(frame.payload().writer());
        message.serialize_message(&mut serializer)
    };
    if let Err(source) = written {
        frame.abandon();
        return Err(FrameError::Json {
            message_type,
            source,
        });
    }
    let payload_len = frame.payload_len();
    if payload_len > limits.max_frame_len() as usize {
        frame.abandon();
        return Err(FrameError::FrameTooLarge {
            declared: payload_len as u64,
            max: limits.max_frame_len(),
        });
    }
    Ok(frame.finish())
}

/// Decodes `frame`, which must hold exactly one complete JSON frame, into its header and
/// message, with the default [`Limits`]. The header's message-type id chooses the message
/// type; `&str` fields borrow from `frame` when the JSON string has no escapes (serde
/// cannot borrow one that has: use `String` or `Cow<str>` for text that may).
///
/// # Errors
/// Every framing error of [`RawFrame::parse`], then
/// [`FrameError::UnexpectedControlFrame`], [`FrameError::UnexpectedFormat`] (a binary
/// payload), [`FrameError::UnexpectedKind`] (a response), [`FrameError::UnknownMessageType`]
/// or [`FrameError::Json`] (text that is not the message's JSON, or trailing text).
///
/// ```
/// use wirewright::frame::{decode_frame_json, encode_frame};
/// use wirewright::{FrameError, PayloadFormat};
/// # #[derive(wirewright::Message, serde::Deserialize, Debug)]
/// # #[wire(id = 3)]
/// # struct Ping { seq: u32 }
/// let mut buf = Vec::new();
/// encode_frame(&Ping { seq: 1 }, 0, &mut buf)?; // binary
/// let err = decode_frame_json::<Ping>(&buf).unwrap_err();
/// assert!(matches!(
///     err,
///     FrameError::UnexpectedFormat { found: PayloadFormat::Binary, expected: PayloadFormat::Json }
/// ));
/// # Ok::<(), FrameError>(())
/// ```
pub fn decode_frame_json<'de, P: DeserializeMessage<'de>>(
    frame: &'de [u8],
) -> Result<(FrameHeader, P), FrameError> {
    decode_frame_json_with(frame, &Limits::default())
}

/// [`decode_frame_json`] with the given limits. (`max_depth` does not apply to JSON:
/// serde_json has its own nesting limit of 128.)
///
/// # Errors
/// As [`decode_frame_json`].
///
/// ```
/// use wirewright::frame::decode_frame_json_with;
/// use wirewright::{Flags, FrameError, Limits, RawFrame};
/// # #[derive(wirewright::Message, serde::Deserialize, Debug)]
/// # #[wire(id = 3)]
/// # struct Ping { seq: u32 }
/// let mut buf = Vec::new();
/// RawFrame::write(Flags::JSON, 3, 0, br#"{"seq":"one"}"#, &mut buf)?;
/// let err = decode_frame_json_with::<Ping>(&buf, &Limits::default()).unwrap_err();
/// assert!(matches!(err, FrameError::Json { message_type: 3, .. }));
/// # Ok::<(), FrameError>(())
/// ```
pub fn decode_frame_json_with<'de, P: DeserializeMessage<'de>>(
    frame: &'de [u8],
    limits: &Limits,
) -> Result<(FrameHeader, P), FrameError> {
    let raw = RawFrame::parse(frame, limits)?;
    let message = decode_json_payload(&raw.header, raw.payload)?;
    Ok((raw.header, message))
}

/// Decodes a checked frame's JSON payload as the message its header names, rejecting
/// control frames, binary payloads, frames of another kind than a message (requests and
/// responses of `rpc` are binary), unknown ids and trailing text.
pub(crate) fn decode_json_payload<'de, P: DeserializeMessage<'de>>(
    header: &FrameHeader,
    payload: &'de [u8],
) -> Result<P, FrameError> {
    super::typed::check_message_frame(header, PayloadFormat::Json)?;
    if header.flags.kind() != FrameKind::Message {
        return Err(FrameError::unexpected_kind(header, FrameKind::Message));
    }
    let message_type = header.message_type;
    if !P::accepts(message_type) {
        return Err(FrameError::UnknownMessageType {
            message_type,
            protocol: P::PROTOCOL_NAME,
        });
    }
    let json_error = |source| FrameError::Json {
        message_type,
        source,
    };
    let mut deserializer = serde_json::Deserializer::from_slice(payload);
    let message = P::deserialize_message(message_type, &mut deserializer).map_err(json_error)?;
    deserializer.end().map_err(json_error)?;
    Ok(message)
}
