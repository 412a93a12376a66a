//! LEB128 varints and zigzag, the integer encoding of SPEC.md §4.2.
//!
//! A varint stores an unsigned integer seven bits at a time, least significant group first;
//! the high bit of each byte says whether another byte follows. Canonical form forbids a
//! multi-byte varint whose last byte is `0x00` (it would be *overlong*: the same value has a
//! shorter encoding), and a varint whose value does not fit the target type (*overflow*).
//!
//! ```
//! use wirewright::varint;
//!
//! let mut buf = Vec::new();
//! varint::put_u64(&mut buf, 300);
//! assert_eq!(buf, [0xac, 0x02]);
//! assert_eq!(varint::encoded_len_u64(300), 2);
//! assert_eq!(varint::zigzag_encode_i64(-2), 3);
//! ```

use bytes::BufMut;

use crate::error::DecodeErrorKind;
use crate::reader::Reader;
use crate::DecodeError;

/// The longest varint of a `u64`, in bytes.
pub const MAX_LEN_U64: usize = 10;
/// The longest varint of a `u128`, in bytes.
pub const MAX_LEN_U128: usize = 19;

/// Number of bytes the varint of `value` takes (1 to 10).
///
/// ```
/// assert_eq!(wirewright::varint::encoded_len_u64(127), 1);
/// assert_eq!(wirewright::varint::encoded_len_u64(128), 2);
/// assert_eq!(wirewright::varint::encoded_len_u64(u64::MAX), 10);
/// ```
#[inline]
pub const fn encoded_len_u64(value: u64) -> usize {
    let bits = 64 - (value | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Number of bytes the varint of `value` takes (1 to 19).
///
/// ```
/// assert_eq!(wirewright::varint::encoded_len_u128(u128::MAX), 19);
/// ```
#[inline]
pub const fn encoded_len_u128(value: u128) -> usize {
    let bits = 128 - (value | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Appends the varint of `value` to `buf`.
///
/// ```
/// let mut buf = Vec::new();
/// wirewright::varint::put_u64(&mut buf, 1);
/// assert_eq!(buf, [0x01]);
/// ```
#[inline]
pub fn put_u64<B: BufMut + ?Sized>(buf: &mut B, value: u64) {
    if value < 0x80 {
        buf.put_u8(value as u8);
    } else if value < 1 << 14 {
        buf.put_slice(&[(value as u8) | 0x80, (value >> 7) as u8]);
    } else {
        put_u64_slow(buf, value);
    }
}

#[inline(never)]
fn put_u64_slow<B: BufMut + ?Sized>(buf: &mut B, mut value: u64) {
    let mut scratch = [0u8; MAX_LEN_U64];
    let mut len = 0;
    while value >= 0x80 {
        scratch[len] = (value as u8) | 0x80;
        value >>= 7;
        len += 1;
    }
    scratch[len] = value as u8;
    buf.put_slice(&scratch[..=len]);
}

/// Appends the varint of a `u128` to `buf`.
///
/// ```
/// let mut buf = Vec::new();
/// wirewright::varint::put_u128(&mut buf, 300);
/// assert_eq!(buf, [0xac, 0x02]);
/// ```
#[inline]
pub fn put_u128<B: BufMut + ?Sized>(buf: &mut B, mut value: u128) {
    let mut scratch = [0u8; MAX_LEN_U128];
    let mut len = 0;
    while value >= 0x80 {
        scratch[len] = (value as u8) | 0x80;
        value >>= 7;
        len += 1;
    }
    scratch[len] = value as u8;
    buf.put_slice(&scratch[..=len]);
}

/// Maps a signed integer to an unsigned one so that small magnitudes stay small:
/// 0 → 0, -1 → 1, 1 → 2, -2 → 3, …
///
/// ```
/// assert_eq!(wirewright::varint::zigzag_encode_i64(i64::MIN), u64::MAX);
/// ```
#[inline]
pub const fn zigzag_encode_i64(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// Inverse of [`zigzag_encode_i64`].
///
/// ```
/// assert_eq!(wirewright::varint::zigzag_decode_i64(3), -2);
/// ```
#[inline]
pub const fn zigzag_decode_i64(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

/// Zigzag for `i128`; see [`zigzag_encode_i64`].
///
/// ```
/// assert_eq!(wirewright::varint::zigzag_encode_i128(-1), 1);
/// ```
#[inline]
pub const fn zigzag_encode_i128(value: i128) -> u128 {
    ((value << 1) ^ (value >> 127)) as u128
}

/// Inverse of [`zigzag_encode_i128`].
///
/// ```
/// assert_eq!(wirewright::varint::zigzag_decode_i128(1), -1);
/// ```
#[inline]
pub const fn zigzag_decode_i128(value: u128) -> i128 {
    ((value >> 1) as i128) ^ -((value & 1) as i128)
}

/// Reads a canonical varint of at most `bits` significant bits (8 to 64).
///
/// # Errors
/// [`DecodeErrorKind::UnexpectedEnd`] when the input stops inside the varint,
/// [`DecodeErrorKind::VarintOverlong`] for a needless trailing zero byte and
/// [`DecodeErrorKind::VarintOverflow`] when the value needs more than `bits` bits.
#[inline]
pub(crate) fn read_u64(reader: &mut Reader<'_>, bits: u32) -> Result<u64, DecodeError> {
    match *reader.rest() {
        [first, ..] if first < 0x80 => {
            reader.advance(1);
            Ok(u64::from(first))
        }
        // Two bytes: canonical when the second is non-zero; 14 bits fit every type
        // read as a varint (16 bits and wider).
        [first, second, ..] if second < 0x80 && second != 0 && bits >= 14 => {
            reader.advance(2);
            Ok(u64::from(first & 0x7f) | (u64::from(second) << 7))
        }
        _ => read_u64_slow(reader, bits),
    }
}

#[inline(never)]
fn read_u64_slow(reader: &mut Reader<'_>, bits: u32) -> Result<u64, DecodeError> {
    let start = reader.position();
    let rest = reader.rest();
    let mut value: u64 = 0;
    for (index, &byte) in rest.iter().enumerate() {
        let shift = 7 * index as u32;
        let group = u64::from(byte & 0x7f);
        // A byte past the last one the type can use, or bits beyond the type's width.
        if shift >= bits || (bits - shift < 7 && group >> (bits - shift) != 0) {
            return Err(reader.error_at(start, DecodeErrorKind::VarintOverflow { bits }));
        }
        value |= group << shift;
        if byte & 0x80 == 0 {
            if index > 0 && byte == 0 {
                return Err(reader.error_at(start, DecodeErrorKind::VarintOverlong));
            }
            reader.advance(index + 1);
            return Ok(value);
        }
    }
    Err(reader.unexpected_end_at(start, rest.len() + 1))
}

/// Reads a canonical varint of at most 128 significant bits.
pub(crate) fn read_u128(reader: &mut Reader<'_>) -> Result<u128, DecodeError> {
    const BITS: u32 = 128;
    let start = reader.position();
    let rest = reader.rest();
    let mut value: u128 = 0;
    for (index, &byte) in rest.iter().enumerate() {
        let shift = 7 * index as u32;
        let group = u128::from(byte & 0x7f);
        if shift >= BITS || (BITS - shift < 7 && group >> (BITS - shift) != 0) {
            return Err(reader.error_at(start, DecodeErrorKind::VarintOverflow { bits: BITS }));
        }
        value |= group << shift;
        if byte & 0x80 == 0 {
            if index > 0 && byte == 0 {
                return Err(reader.error_at(start, DecodeErrorKind::VarintOverlong));
            }
            reader.advance(index + 1);
            return Ok(value);
        }
    }
    Err(reader.unexpected_end_at(start, rest.len() + 1))
}
