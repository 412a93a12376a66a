//! Frames of typed messages: encode a [`Protocol`](crate::Protocol) value (or any
//! [`EncodeFrame`]) into a frame, decode one back.

use bytes::Bytes;

use super::header::HEADER_LEN;
use super::{DecodeFrame, EncodeFrame};
use super::{Flags, FrameBuf, FrameError, FrameHeader, FrameWriter, PayloadFormat, RawFrame};
use crate::{Limits, Reader};

/// Appends `message` as a complete binary frame to `buf` (header, payload, CRC-32) and
/// returns the frame's length. The header carries the message's
/// [`frame_type`](EncodeFrame::frame_type) and [`frame_flags`](EncodeFrame::frame_flags)
/// (for a [`Protocol`](crate::Protocol): its message id, no flags). The buffer grows once,
/// to the exact size, before writing.
///
/// # Errors
/// [`FrameError::FrameTooLarge`] when the payload exceeds the default
/// [`Limits::max_frame_len`] (8 MiB); nothing is written. See [`encode_frame_with`].
///
/// ```
/// use wirewright::frame::{decode_frame, encode_frame};
/// use wirewright::FrameHeader;
/// # use bytes::BufMut;
/// # #[derive(Debug, PartialEq)] struct Ping(u8);
/// # impl wirewright::Encode for Ping {
/// #     fn encoded_len(&self) -> usize { 1 }
/// #     fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) { buf.put_u8(self.0) }
/// # }
/// # impl<'de> wirewright::Decode<'de> for Ping {
/// #     const MIN_ENCODED_LEN: usize = 1;
/// #     fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Ping(r.read_u8()?)) }
/// # }
/// # impl wirewright::Message for Ping { const ID: u16 = 1; const NAME: &'static str = "Ping"; }
/// let mut buf = Vec::new();
/// let len = encode_frame(&Ping(7), 42, &mut buf)?;
/// assert_eq!(len, 21);
/// let (header, ping): (FrameHeader, Ping) = decode_frame(&buf)?;
/// assert_eq!((header.message_type, header.correlation_id, ping), (1, 42, Ping(7)));
/// # Ok::<(), wirewright::FrameError>(())
/// ```
pub fn encode_frame<P, B>(
    message: &P,
    correlation_id: u32,
    buf: &mut B,
) -> Result<usize, FrameError>
where
    P: EncodeFrame + ?Sized,
    B: FrameBuf + ?Sized,
{
    encode_frame_with(message, correlation_id, &Limits::default(), buf)
}

/// [`encode_frame`] with the given limits.
///
/// # Errors
/// [`FrameError::FrameTooLarge`] when the payload exceeds `limits.max_frame_len()`.
///
/// ```
/// use wirewright::frame::encode_frame_with;
/// use wirewright::{FrameError, Limits};
/// let mut buf = Vec::new();
/// let small = Limits::new().with_max_frame_len(4);
/// # use bytes::BufMut;
/// # struct Blob(Vec<u8>);
/// # impl wirewright::Encode for Blob {
/// #     fn encoded_len(&self) -> usize { self.0.encoded_len() }
/// #     fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) { self.0.encode_raw(buf) }
/// # }
/// # impl wirewright::Message for Blob { const ID: u16 = 9; const NAME: &'static str = "Blob"; }
/// let err = encode_frame_with(&Blob(vec![0; 10]), 0, &small, &mut buf).unwrap_err();
/// assert!(matches!(err, FrameError::FrameTooLarge { declared: 11, max: 4 }));
/// assert!(buf.is_empty());
/// ```
pub fn encode_frame_with<P, B>(
    message: &P,
    correlation_id: u32,
    limits: &Limits,
    buf: &mut B,
) -> Result<usize, FrameError>
where
    P: EncodeFrame + ?Sized,
    B: FrameBuf + ?Sized,
{
    let payload_len = message.encoded_len();
    if payload_len > limits.max_frame_len() as usize {
        return Err(FrameError::FrameTooLarge {
            declared: payload_len as u64,
            max: limits.max_frame_len(),
        });
    }
    let flags = message.frame_flags();
    debug_assert!(
        Flags::from_bits(flags.bits()).is_some(),
        "EncodeFrame::frame_flags() returned an invalid combination: {flags:?}"
    );
    let header = FrameHeader {
        flags,
        message_type: message.frame_type(),
        correlation_id,
        payload_len: payload_len as u32,
    };
    let mut frame = FrameWriter::begin(buf, header);
    message.encode_raw(frame.payload());
    // A hand-written `Encode` whose `encoded_len` is wrong: `finish` keeps the frame
    // self-consistent by recording what was actually written.
    debug_assert_eq!(
        frame.payload_len(),
        payload_len,
        "Encode::encoded_len() disagrees with what encode_raw() wrote"
    );
    Ok(frame.finish())
}

/// Decodes `frame`, which must hold exactly one complete binary frame, into its header
/// and message, with the default [`Limits`]. Borrowed fields (`&str`, `&[u8]`) point into
/// `frame`. Payload bytes after the fields the message's definition knows (appended by a
/// newer definition) are skipped, unless the message keeps them (SPEC.md §12.2).
///
/// # Errors
/// Every framing error of [`RawFrame::parse`], then
/// [`FrameError::UnexpectedControlFrame`], [`FrameError::UnexpectedFormat`] (a JSON
/// payload), [`FrameError::UnexpectedKind`] (a response frame, unless `P` takes them:
/// see [`DecodeFrame::decode_frame_payload`]), [`FrameError::UnknownMessageType`] or
/// [`FrameError::Payload`].
///
/// ```
/// use wirewright::frame::decode_frame;
/// use wirewright::{FrameError, FrameHeader};
/// # #[derive(Debug)] struct Ping;
/// # impl wirewright::Encode for Ping {
/// #     fn encoded_len(&self) -> usize { 0 }
/// #     fn encode_raw<B: bytes::BufMut + ?Sized>(&self, _buf: &mut B) {}
/// # }
/// # impl<'de> wirewright::Decode<'de> for Ping {
/// #     const MIN_ENCODED_LEN: usize = 0;
/// #     fn decode_raw(_: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Ping) }
/// # }
/// # impl wirewright::Message for Ping { const ID: u16 = 1; const NAME: &'static str = "Ping"; }
/// let err = decode_frame::<Ping>(b"WWRT\x02").unwrap_err();
/// assert!(matches!(err, FrameError::UnsupportedVersion { found: 2, supported: 1 }));
/// ```
pub fn decode_frame<'de, P: DecodeFrame<'de>>(
    frame: &'de [u8],
) -> Result<(FrameHeader, P), FrameError> {
    decode_frame_with(frame, &Limits::default())
}

/// [`decode_frame`] with the given limits.
///
/// # Errors
/// As [`decode_frame`].
///
/// ```
/// use wirewright::frame::decode_frame_with;
/// use wirewright::{FrameError, Limits};
/// let header = b"WWRT\x01\x00\x01\x00\x00\x00\x00\x00\x00\x10\x00\x00"; // 4 KiB payload
/// let limits = Limits::new().with_max_frame_len(1024);
/// # #[derive(Debug)] struct Ping;
/// # impl wirewright::Encode for Ping {
/// #     fn encoded_len(&self) -> usize { 0 }
/// #     fn encode_raw<B: bytes::BufMut + ?Sized>(&self, _buf: &mut B) {}
/// # }
/// # impl<'de> wirewright::Decode<'de> for Ping {
/// #     const MIN_ENCODED_LEN: usize = 0;
/// #     fn decode_raw(_: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Ping) }
/// # }
/// # impl wirewright::Message for Ping { const ID: u16 = 1; const NAME: &'static str = "Ping"; }
/// let err = decode_frame_with::<Ping>(header, &limits).unwrap_err();
/// assert!(matches!(err, FrameError::FrameTooLarge { declared: 4096, max: 1024 }));
/// ```
pub fn decode_frame_with<'de, P: DecodeFrame<'de>>(
    frame: &'de [u8],
    limits: &Limits,
) -> Result<(FrameHeader, P), FrameError> {
    let raw = RawFrame::parse(frame, limits)?;
    if let Some(message) = check_message_frame_for(&raw.header, PayloadFormat::Binary)? {
        return Ok((raw.header, message));
    }
    let mut reader = Reader::with_limits(raw.payload, *limits);
    let message = decode_payload::<P>(&raw.header, &mut reader)?;
    Ok((raw.header, message))
}

/// Decodes a frame held in [`Bytes`], with the default [`Limits`]: `Bytes` fields of the
/// message share the frame's memory instead of copying.
///
/// # Errors
/// As [`decode_frame`].
///
/// ```
/// use bytes::Bytes;
/// use wirewright::frame::{decode_frame_bytes, encode_frame};
/// use wirewright::FrameHeader;
/// # impl wirewright::Message for Blob { const ID: u16 = 5; const NAME: &'static str = "Blob"; }
/// # #[derive(Debug)] struct Blob(Bytes);
/// # impl wirewright::Encode for Blob {
/// #     fn encoded_len(&self) -> usize { self.0.encoded_len() }
/// #     fn encode_raw<B: bytes::BufMut + ?Sized>(&self, buf: &mut B) { self.0.encode_raw(buf) }
/// # }
/// # impl<'de> wirewright::Decode<'de> for Blob {
/// #     const MIN_ENCODED_LEN: usize = 1;
/// #     fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> {
/// #         Ok(Blob(wirewright::Decode::decode_raw(r)?))
/// #     }
/// # }
/// let mut buf = Vec::new();
/// encode_frame(&Blob(Bytes::from_static(b"payload")), 0, &mut buf)?;
/// let frame = Bytes::from(buf);
/// let (_, blob): (FrameHeader, Blob) = decode_frame_bytes(&frame)?;
/// assert_eq!(blob.0.as_ptr(), frame[17..].as_ptr()); // shares the frame's memory
/// # Ok::<(), wirewright::FrameError>(())
/// ```
pub fn decode_frame_bytes<P>(frame: &Bytes) -> Result<(FrameHeader, P), FrameError>
where
    P: for<'de> DecodeFrame<'de>,
{
    decode_frame_bytes_with(frame, &Limits::default())
}

/// [`decode_frame_bytes`] with the given limits.
///
/// # Errors
/// As [`decode_frame`].
pub fn decode_frame_bytes_with<P>(
    frame: &Bytes,
    limits: &Limits,
) -> Result<(FrameHeader, P), FrameError>
where
    P: for<'de> DecodeFrame<'de>,
{
    let raw = RawFrame::parse(frame, limits)?;
    if let Some(message) = check_message_frame_for(&raw.header, PayloadFormat::Binary)? {
        return Ok((raw.header, message));
    }
    let payload = frame.slice(HEADER_LEN..HEADER_LEN + raw.payload.len());
    let mut reader = Reader::from_bytes_with_limits(&payload, *limits);
    let message = decode_payload::<P>(&raw.header, &mut reader)?;
    Ok((raw.header, message))
}

/// [`check_message_frame`] for a receiver of protocol `P`: a frame in another format is
/// offered to `P` ([`DecodeFrame::decode_other_format`]), which may make a value of
/// it (`Some`: an rpc server's answerable request, SPEC.md §11.4).
pub(crate) fn check_message_frame_for<'de, P: DecodeFrame<'de>>(
    header: &FrameHeader,
    expected: PayloadFormat,
) -> Result<Option<P>, FrameError> {
    match check_message_frame(header, expected) {
        Ok(()) => Ok(None),
        Err(error @ FrameError::UnexpectedFormat { .. }) => {
            P::decode_other_format(header, error).map(Some)
        }
        Err(error) => Err(error),
    }
}

/// Rejects control frames and payloads in another format than `expected` before any
/// payload decoding.
pub(crate) fn check_message_frame(
    header: &FrameHeader,
    expected: PayloadFormat,
) -> Result<(), FrameError> {
    if header.flags.contains(Flags::CONTROL) {
        return Err(FrameError::UnexpectedControlFrame {
            kind: header.message_type,
        });
    }
    let found = header.flags.format();
    if found != expected {
        return Err(FrameError::UnexpectedFormat { found, expected });
    }
    Ok(())
}

/// Decodes the payload in `reader` as the message the header names, then skips the
/// payload's unknown tail: bytes after the fields the receiver's definition knows, which
/// a newer definition appended (SPEC.md §12.2). A type that keeps unknown data has
/// already taken them.
pub(crate) fn decode_payload<'de, P: DecodeFrame<'de>>(
    header: &FrameHeader,
    reader: &mut Reader<'de>,
) -> Result<P, FrameError> {
    let message = P::decode_frame_payload(header, reader)?;
    reader.read_rest();
    Ok(message)
}
