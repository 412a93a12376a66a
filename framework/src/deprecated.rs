//! The frame functions' old names at the crate root, kept so that code written against
//! 0.1 still compiles. Each forwards to its new home in [`frame`](crate::frame).

#![allow(deprecated)]

use bytes::Bytes;

use crate::frame::{self, DecodeFrame, EncodeFrame};
#[cfg(feature = "json")]
use crate::{DeserializeMessage, SerializeMessage};
use crate::{FrameBuf, FrameError, FrameHeader, Limits};

/// Old name of [`frame::encode_frame`].
///
/// # Errors
/// As [`frame::encode_frame`].
#[deprecated(since = "0.2.0", note = "use `wirewright::frame::encode_frame`")]
#[inline]
pub fn encode_frame<P, B>(
    message: &P,
    correlation_id: u32,
    buf: &mut B,
) -> Result<usize, FrameError>
where
    P: EncodeFrame + ?Sized,
    B: FrameBuf + ?Sized,
{
    frame::encode_frame(message, correlation_id, buf)
}

/// Old name of [`frame::encode_frame_with`].
///
/// # Errors
/// As [`frame::encode_frame_with`].
#[deprecated(since = "0.2.0", note = "use `wirewright::frame::encode_frame_with`")]
#[inline]
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
    frame::encode_frame_with(message, correlation_id, limits, buf)
}

/// Old name of [`frame::decode_frame`].
///
/// # Errors
/// As [`frame::decode_frame`].
#[deprecated(since = "0.2.0", note = "use `wirewright::frame::decode_frame`")]
#[inline]
pub fn decode_frame<'de, P: DecodeFrame<'de>>(
    frame: &'de [u8],
) -> Result<(FrameHeader, P), FrameError> {
    frame::decode_frame(frame)
}

/// Old name of [`frame::decode_frame_with`].
///
/// # Errors
/// As [`frame::decode_frame`].
#[deprecated(since = "0.2.0", note = "use `wirewright::frame::decode_frame_with`")]
#[inline]
pub fn decode_frame_with<'de, P: DecodeFrame<'de>>(
    frame: &'de [u8],
    limits: &Limits,
) -> Result<(FrameHeader, P), FrameError> {
    frame::decode_frame_with(frame, limits)
}

/// Old name of [`frame::decode_frame_bytes_with`] (it took the limits without saying
/// `_with`).
///
/// # Errors
/// As [`frame::decode_frame`].
#[deprecated(
    since = "0.2.0",
    note = "use `wirewright::frame::decode_frame_bytes_with`"
)]
#[inline]
pub fn decode_frame_bytes<P>(frame: &Bytes, limits: &Limits) -> Result<(FrameHeader, P), FrameError>
where
    P: for<'de> DecodeFrame<'de>,
{
    frame::decode_frame_bytes_with(frame, limits)
}

/// Old name of [`frame::frame_crc`].
#[deprecated(since = "0.2.0", note = "use `wirewright::frame::frame_crc`")]
#[inline]
pub fn frame_crc(bytes: &[u8]) -> u32 {
    frame::frame_crc(bytes)
}

/// Old name of [`frame::encode_frame_json`].
///
/// # Errors
/// As [`frame::encode_frame_json`].
#[cfg(feature = "json")]
#[deprecated(since = "0.2.0", note = "use `wirewright::frame::encode_frame_json`")]
#[inline]
pub fn encode_frame_json<P, B>(
    message: &P,
    correlation_id: u32,
    buf: &mut B,
) -> Result<usize, FrameError>
where
    P: SerializeMessage + ?Sized,
    B: FrameBuf + ?Sized,
{
    frame::encode_frame_json(message, correlation_id, buf)
}

/// Old name of [`frame::encode_frame_json_with`].
///
/// # Errors
/// As [`frame::encode_frame_json`].
#[cfg(feature = "json")]
#[deprecated(
    since = "0.2.0",
    note = "use `wirewright::frame::encode_frame_json_with`"
)]
#[inline]
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
    frame::encode_frame_json_with(message, correlation_id, limits, buf)
}

/// Old name of [`frame::decode_frame_json`].
///
/// # Errors
/// As [`frame::decode_frame_json`].
#[cfg(feature = "json")]
#[deprecated(since = "0.2.0", note = "use `wirewright::frame::decode_frame_json`")]
#[inline]
pub fn decode_frame_json<'de, P: DeserializeMessage<'de>>(
    frame: &'de [u8],
) -> Result<(FrameHeader, P), FrameError> {
    frame::decode_frame_json(frame)
}

/// Old name of [`frame::decode_frame_json_with`].
///
/// # Errors
/// As [`frame::decode_frame_json`].
#[cfg(feature = "json")]
#[deprecated(
    since = "0.2.0",
    note = "use `wirewright::frame::decode_frame_json_with`"
)]
#[inline]
pub fn decode_frame_json_with<'de, P: DeserializeMessage<'de>>(
    frame: &'de [u8],
    limits: &Limits,
) -> Result<(FrameHeader, P), FrameError> {
    frame::decode_frame_json_with(frame, limits)
}
