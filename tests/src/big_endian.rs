//! A `#[wire(with = "...")]` module for the derive tests: a `u32` as four big-endian
//! bytes instead of a varint.
//!
//! ```
//! let mut buf = Vec::new();
//! wirewright_tests::big_endian::encode_raw(&0x0102_0304, &mut buf);
//! assert_eq!(buf, [1, 2, 3, 4]);
//! ```

use wirewright::bytes::BufMut;
use wirewright::{DecodeError, Reader};

/// Always four bytes.
pub fn encoded_len(_: &u32) -> usize {
    4
}

/// Appends the value big-endian.
pub fn encode_raw<B: BufMut + ?Sized>(value: &u32, buf: &mut B) {
    buf.put_u32(*value);
}

/// Reads four big-endian bytes.
///
/// # Errors
/// Unexpected end when fewer than four bytes remain.
pub fn decode_raw(reader: &mut Reader<'_>) -> Result<u32, DecodeError> {
    Ok(u32::from_be_bytes(reader.read_array::<4>()?))
}
