//! The CRC-32 trailer (SPEC.md §3.3): CRC-32/IEEE as crc32fast computes it.

/// The CRC-32/IEEE (reflected polynomial `0xEDB88320`, initial value and final XOR
/// `0xFFFFFFFF`) of `bytes`, as a frame's trailer carries it over its header and payload.
///
/// ```
/// assert_eq!(wirewright::frame_crc(b"123456789"), 0xCBF4_3926);
/// ```
#[inline]
pub fn frame_crc(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}
