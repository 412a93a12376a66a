//! The fixed 16-byte frame header (SPEC.md §3.1).

use bytes::BufMut;

use super::{Flags, FrameError};
use crate::Limits;

/// The four bytes every frame starts with: `"WWRT"`.
pub const MAGIC: [u8; 4] = *b"WWRT";
/// The version of the wire format this crate speaks.
pub const VERSION: u8 = 1;
/// Bytes in a frame header.
pub const HEADER_LEN: usize = 16;
/// Bytes in a frame trailer (the CRC-32).
pub const TRAILER_LEN: usize = 4;

/// Where each header field starts (SPEC.md §3.1); the magic starts at 0.
const VERSION_OFFSET: usize = 4;
const FLAGS_OFFSET: usize = 5;
const MESSAGE_TYPE_OFFSET: usize = 6;
const CORRELATION_ID_OFFSET: usize = 8;
/// Where the payload length (`u32` LE) starts: the frame writer patches it there.
pub(crate) const PAYLOAD_LEN_OFFSET: usize = 12;

/// The fields of a frame header.
///
/// ```text
///  0       4   5   6       8               12              16
///  +-------+---+---+-------+---------------+---------------+---------+-------+
///  | magic |ver|flg| type  | correlation id| payload length| payload | CRC-32|
///  | WWRT  |   |   | u16le |     u32le     |     u32le     |  len B  | u32le |
///  +-------+---+---+-------+---------------+---------------+---------+-------+
/// ```
///
/// ```
/// use wirewright::{Flags, FrameHeader, Limits};
/// let header = FrameHeader {
///     flags: Flags::EMPTY,
///     message_type: 2,
///     correlation_id: 0,
///     payload_len: 5,
/// };
/// let bytes = header.to_bytes();
/// assert_eq!(&bytes[..6], b"WWRT\x01\x00");
/// assert_eq!(FrameHeader::parse(&bytes, &Limits::default())?, Some(header));
/// assert_eq!(header.frame_len(), 16 + 5 + 4);
/// # Ok::<(), wirewright::FrameError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameHeader {
    /// Payload format and frame kind.
    pub flags: Flags,
    /// Which message the payload holds (for control frames, which control kind).
    pub message_type: u16,
    /// Matches a response to its request; 0 when the frame is not part of an exchange.
    pub correlation_id: u32,
    /// Length of the payload in bytes.
    pub payload_len: u32,
}

impl FrameHeader {
    /// Parses a header from the start of `bytes`, checking each field as soon as its byte
    /// is present: a peer speaking another protocol is rejected at its first byte, and a
    /// payload length over [`Limits::max_frame_len`] before any payload arrives.
    ///
    /// Returns `Ok(None)` when fewer than [`HEADER_LEN`] bytes are present and those that
    /// are present are valid so far.
    ///
    /// # Errors
    /// [`FrameError::BadMagic`], [`FrameError::UnsupportedVersion`],
    /// [`FrameError::ReservedFlags`], [`FrameError::InvalidFlags`] or
    /// [`FrameError::FrameTooLarge`].
    ///
    /// ```
    /// use wirewright::{FrameError, FrameHeader, Limits};
    /// let limits = Limits::default();
    /// assert_eq!(FrameHeader::parse(b"WW", &limits)?, None); // need more bytes
    /// let claims_4_gib = b"WWRT\x01\x00\x01\x00\x00\x00\x00\x00\xff\xff\xff\xff";
    /// assert!(matches!(
    ///     FrameHeader::parse(claims_4_gib, &limits),
    ///     Err(FrameError::FrameTooLarge { declared: 4294967295, .. })
    /// ));
    /// # Ok::<(), wirewright::FrameError>(())
    /// ```
    #[inline]
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Option<FrameHeader>, FrameError> {
        // The common case in one pass: a whole, valid header. Anything else (too few
        // bytes, or any field wrong) takes the byte-by-byte checks, which say what is
        // wrong and where.
        if let Some(header) = bytes.first_chunk::<HEADER_LEN>() {
            let payload_len = u32::from_le_bytes([header[12], header[13], header[14], header[15]]);
            let valid_prefix = header[..4] == MAGIC && header[4] == VERSION;
            match Flags::from_bits(header[5]) {
                Some(flags) if valid_prefix && payload_len <= limits.max_frame_len() => {
                    return Ok(Some(FrameHeader {
                        flags,
                        message_type: u16::from_le_bytes([header[6], header[7]]),
                        correlation_id: u32::from_le_bytes([
                            header[8], header[9], header[10], header[11],
                        ]),
                        payload_len,
                    }));
                }
                _ => {}
            }
        }
        Self::parse_checked(bytes, limits)
    }

    /// [`parse`](Self::parse) one byte at a time: for partial headers and errors.
    #[inline(never)]
    fn parse_checked(bytes: &[u8], limits: &Limits) -> Result<Option<FrameHeader>, FrameError> {
        let magic_present = bytes.len().min(MAGIC.len());
        if let Some(offset) = (0..magic_present).find(|&i| bytes[i] != MAGIC[i]) {
            return Err(FrameError::BadMagic {
                offset,
                found: bytes[..magic_present].to_vec(),
            });
        }
        if let Some(&version) = bytes.get(4) {
            if version != VERSION {
                return Err(FrameError::UnsupportedVersion {
                    found: version,
                    supported: VERSION,
                });
            }
        }
        if let Some(&flags) = bytes.get(5) {
            if flags & Flags::RESERVED_MASK != 0 {
                return Err(FrameError::ReservedFlags {
                    flags,
                    reserved: flags & Flags::RESERVED_MASK,
                });
            }
            if !Flags::is_valid_combination(flags) {
                return Err(FrameError::InvalidFlags { flags });
            }
        }
        let Some(header) = bytes.first_chunk::<HEADER_LEN>() else {
            return Ok(None);
        };
        let payload_len = u32::from_le_bytes([header[12], header[13], header[14], header[15]]);
        if payload_len > limits.max_frame_len() {
            return Err(FrameError::FrameTooLarge {
                declared: u64::from(payload_len),
                max: limits.max_frame_len(),
            });
        }
        Ok(Some(FrameHeader {
            flags: Flags::from_bits(header[5]).unwrap_or_default(),
            message_type: u16::from_le_bytes([header[6], header[7]]),
            correlation_id: u32::from_le_bytes([header[8], header[9], header[10], header[11]]),
            payload_len,
        }))
    }

    /// The header's 16 bytes.
    ///
    /// ```
    /// use wirewright::{Flags, FrameHeader};
    /// let header = FrameHeader { flags: Flags::JSON, message_type: 0x0102, correlation_id: 7, payload_len: 0 };
    /// assert_eq!(header.to_bytes(), *b"WWRT\x01\x01\x02\x01\x07\x00\x00\x00\x00\x00\x00\x00");
    /// ```
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut bytes = [0u8; HEADER_LEN];
        bytes[..VERSION_OFFSET].copy_from_slice(&MAGIC);
        bytes[VERSION_OFFSET] = VERSION;
        bytes[FLAGS_OFFSET] = self.flags.bits();
        bytes[MESSAGE_TYPE_OFFSET..CORRELATION_ID_OFFSET]
            .copy_from_slice(&self.message_type.to_le_bytes());
        bytes[CORRELATION_ID_OFFSET..PAYLOAD_LEN_OFFSET]
            .copy_from_slice(&self.correlation_id.to_le_bytes());
        bytes[PAYLOAD_LEN_OFFSET..HEADER_LEN].copy_from_slice(&self.payload_len.to_le_bytes());
        bytes
    }

    /// Appends the header's 16 bytes to `buf`.
    ///
    /// ```
    /// use wirewright::{Flags, FrameHeader};
    /// let mut buf = Vec::new();
    /// FrameHeader { flags: Flags::EMPTY, message_type: 1, correlation_id: 0, payload_len: 0 }.write(&mut buf);
    /// assert_eq!(buf.len(), 16);
    /// ```
    pub fn write<B: BufMut + ?Sized>(&self, buf: &mut B) {
        buf.put_slice(&self.to_bytes());
    }

    /// Bytes in the whole frame: header, payload and trailer.
    ///
    /// ```
    /// use wirewright::{Flags, FrameHeader};
    /// let header = FrameHeader { flags: Flags::EMPTY, message_type: 1, correlation_id: 0, payload_len: 10 };
    /// assert_eq!(header.frame_len(), 30);
    /// ```
    pub fn frame_len(&self) -> usize {
        HEADER_LEN + self.payload_len as usize + TRAILER_LEN
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Headers that are mostly valid, with one field or another wrong or cut short.
    fn headers() -> impl Strategy<Value = Vec<u8>> {
        (
            prop_oneof![4 => Just(MAGIC.to_vec()), 1 => proptest::collection::vec(any::<u8>(), 4)],
            prop_oneof![4 => Just(VERSION), 1 => any::<u8>()],
            any::<u8>(),
            any::<[u8; 10]>(),
            0..=HEADER_LEN + 2,
        )
            .prop_map(|(magic, version, flags, rest, len)| {
                let mut bytes = magic;
                bytes.push(version);
                bytes.push(flags);
                bytes.extend(rest);
                bytes.extend([0xaa, 0xbb]);
                bytes.truncate(len);
                bytes
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn one_pass_parse_agrees_with_the_byte_by_byte_checks(
            bytes in headers(),
            max_frame_len in prop_oneof![Just(u32::MAX), 0u32..1 << 20],
        ) {
            let limits = Limits::new().with_max_frame_len(max_frame_len);
            let fast = FrameHeader::parse(&bytes, &limits).map_err(|err| err.to_string());
            let checked =
                FrameHeader::parse_checked(&bytes, &limits).map_err(|err| err.to_string());
            prop_assert_eq!(fast, checked);
        }
    }
}
