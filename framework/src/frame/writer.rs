//! The one frame writer (SPEC.md §3): reserve, header, payload, patch the length, CRC-32.
//! Binary, JSON, raw and control frames are all written through it.

use super::header::{HEADER_LEN, PAYLOAD_LEN_OFFSET, TRAILER_LEN};
use super::{frame_crc, FrameBuf, FrameHeader};

/// A frame being appended to a buffer: [`begin`](Self::begin) writes its header, the
/// caller appends the payload through [`payload`](Self::payload), and
/// [`finish`](Self::finish) makes the header's length match the payload and appends the
/// CRC-32 (or [`abandon`](Self::abandon) removes everything written for the frame).
pub(crate) struct FrameWriter<'b, B: FrameBuf + ?Sized> {
    buf: &'b mut B,
    /// Offset of the frame's first byte in `buf`.
    start: usize,
    /// The payload length the header was written with.
    declared_len: usize,
}

impl<'b, B: FrameBuf + ?Sized> FrameWriter<'b, B> {
    /// Reserves room for the whole frame (the payload counted as `header.payload_len`
    /// bytes: 0 when its length is not known yet), then writes `header`.
    #[inline]
    pub(crate) fn begin(buf: &'b mut B, header: FrameHeader) -> Self {
        let start = buf.as_ref().len();
        let declared_len = header.payload_len as usize;
        buf.reserve(HEADER_LEN + declared_len + TRAILER_LEN);
        header.write(buf);
        FrameWriter {
            buf,
            start,
            declared_len,
        }
    }

    /// The buffer to append the payload to.
    #[inline]
    pub(crate) fn payload(&mut self) -> &mut B {
        self.buf
    }

    /// Bytes of payload appended so far.
    #[inline]
    pub(crate) fn payload_len(&self) -> usize {
        self.buf.as_ref().len() - self.start - HEADER_LEN
    }

    /// Removes everything written for this frame: the buffer is as it was before
    /// [`begin`](Self::begin).
    #[cfg(feature = "json")]
    #[cold]
    pub(crate) fn abandon(self) {
        self.buf.truncate(self.start);
    }

    /// Records the payload's actual length in the header when it differs from the one
    /// the header was written with, appends the CRC-32 of header and payload, and returns
    /// the frame's length. The caller has checked that the payload fits the limits (and
    /// so a `u32`).
    #[inline]
    pub(crate) fn finish(self) -> usize {
        let payload_len = self.payload_len();
        if payload_len != self.declared_len {
            let field = self.start + PAYLOAD_LEN_OFFSET;
            self.buf.as_mut()[field..field + 4]
                .copy_from_slice(&(payload_len as u32).to_le_bytes());
        }
        let crc = frame_crc(&self.buf.as_ref()[self.start..]);
        self.buf.put_u32_le(crc);
        HEADER_LEN + payload_len + TRAILER_LEN
    }
}
