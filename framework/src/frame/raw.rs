//! Frames with their payload as bytes: checked framing without payload decoding.

use super::checksum::check_trailer;
use super::header::HEADER_LEN;
use super::{Flags, FrameBuf, FrameError, FrameHeader, FrameWriter};
use crate::Limits;

/// A frame whose framing (magic, version, flags, length limit, CRC, exact length) has been
/// checked, with its payload still as bytes. Use it for JSON payloads, control frames, or
/// to route frames without decoding them.
///
/// ```
/// use wirewright::{Flags, Limits, RawFrame};
///
/// let mut buf = Vec::new();
/// RawFrame::write(Flags::JSON, 3, 0, br#"{"id":1}"#, &mut buf)?;
/// let frame = RawFrame::parse(&buf, &Limits::default())?;
/// assert_eq!(frame.header.message_type, 3);
/// assert_eq!(frame.payload, br#"{"id":1}"#);
/// # Ok::<(), wirewright::FrameError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawFrame<'a> {
    /// The parsed header.
    pub header: FrameHeader,
    /// The payload bytes.
    pub payload: &'a [u8],
}

impl<'a> RawFrame<'a> {
    /// Checks that `bytes` hold exactly one valid frame and splits it.
    ///
    /// # Errors
    /// Any header error of [`FrameHeader::parse`], [`FrameError::Truncated`],
    /// [`FrameError::BadCrc`] or [`FrameError::TrailingBytes`].
    ///
    /// ```
    /// use wirewright::{FrameError, Limits, RawFrame};
    /// let err = RawFrame::parse(b"WWRT\x01", &Limits::default()).unwrap_err();
    /// assert!(matches!(err, FrameError::Truncated { needed: 16, available: 5 }));
    /// ```
    pub fn parse(bytes: &'a [u8], limits: &Limits) -> Result<RawFrame<'a>, FrameError> {
        let Some(header) = FrameHeader::parse(bytes, limits)? else {
            return Err(FrameError::Truncated {
                needed: HEADER_LEN,
                available: bytes.len(),
            });
        };
        let frame_len = header.frame_len();
        if bytes.len() < frame_len {
            return Err(FrameError::Truncated {
                needed: frame_len,
                available: bytes.len(),
            });
        }
        if bytes.len() > frame_len {
            return Err(FrameError::TrailingBytes {
                count: bytes.len() - frame_len,
            });
        }
        let crc_offset = check_trailer(bytes)?;
        Ok(RawFrame {
            header,
            payload: &bytes[HEADER_LEN..crc_offset],
        })
    }

    /// Appends a complete frame around `payload` to `buf`; returns the frame's length.
    ///
    /// # Errors
    /// [`FrameError::FrameTooLarge`] when the payload is longer than `u32::MAX` bytes;
    /// nothing is written.
    ///
    /// ```
    /// use wirewright::{Flags, RawFrame};
    /// let mut buf = Vec::new();
    /// assert_eq!(RawFrame::write(Flags::EMPTY, 1, 0, &[], &mut buf)?, 20);
    /// # Ok::<(), wirewright::FrameError>(())
    /// ```
    pub fn write<B>(
        flags: Flags,
        message_type: u16,
        correlation_id: u32,
        payload: &[u8],
        buf: &mut B,
    ) -> Result<usize, FrameError>
    where
        B: FrameBuf + ?Sized,
    {
        let payload_len = u32::try_from(payload.len()).map_err(|_| FrameError::FrameTooLarge {
            declared: payload.len() as u64,
            max: u32::MAX,
        })?;
        let header = FrameHeader {
            flags,
            message_type,
            correlation_id,
            payload_len,
        };
        let mut frame = FrameWriter::begin(buf, header);
        frame.payload().put_slice(payload);
        Ok(frame.finish())
    }
}
