//! The CRC-32 trailer (SPEC.md §3.3): CRC-32/IEEE as crc32fast computes it.

use super::header::TRAILER_LEN;
use super::FrameError;

/// The CRC-32/IEEE (reflected polynomial `0xEDB88320`, initial value and final XOR
/// `0xFFFFFFFF`) of `bytes`, as a frame's trailer carries it over its header and payload.
///
/// ```
/// assert_eq!(wirewright::frame::frame_crc(b"123456789"), 0xCBF4_3926);
/// ```
#[inline]
pub fn frame_crc(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

/// Checks the trailer of `frame`, which holds exactly one frame (header, payload, CRC),
/// and returns the offset of the trailer.
#[inline]
pub(crate) fn check_trailer(frame: &[u8]) -> Result<usize, FrameError> {
    let crc_offset = frame.len() - TRAILER_LEN;
    let (covered, trailer) = frame.split_at(crc_offset);
    let stored = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let computed = frame_crc(covered);
    if stored == computed {
        Ok(crc_offset)
    } else {
        Err(FrameError::BadCrc {
            offset: crc_offset,
            stored,
            computed,
        })
    }
}
