//! Fixed-width little-endian integers: the `#[wire(fixed)]` opt-in (SPEC.md §4.2).

use bytes::BufMut;

use crate::{Decode, DecodeError, Encode, Reader};

/// An integer type that can travel at its full width, little-endian, instead of as a
/// varint. Worth it for values that are usually large (hashes, timestamps, random ids),
/// where a varint would take more bytes than the type's width.
///
/// ```
/// use wirewright::FixedInt;
/// let mut buf = Vec::new();
/// 0x0102_0304u32.put_fixed(&mut buf);
/// assert_eq!(buf, [4, 3, 2, 1]);
/// ```
pub trait FixedInt: Copy {
    /// Bytes the value takes on the wire.
    const WIDTH: usize;
    /// Appends the value, little-endian, at full width.
    fn put_fixed<B: BufMut + ?Sized>(self, buf: &mut B);
    /// Reads a value written by [`put_fixed`](Self::put_fixed).
    ///
    /// # Errors
    /// Unexpected end when fewer than [`WIDTH`](Self::WIDTH) bytes remain.
    fn read_fixed(reader: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

macro_rules! fixed_int {
    ($($ty:ty => $width:expr),*) => {$(
        impl FixedInt for $ty {
            const WIDTH: usize = $width;
            #[inline]
            fn put_fixed<B: BufMut + ?Sized>(self, buf: &mut B) {
                buf.put_slice(&self.to_le_bytes());
            }
            #[inline]
            fn read_fixed(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok(<$ty>::from_le_bytes(reader.read_array::<$width>()?))
            }
        }
    )*};
}

fixed_int!(u8 => 1, i8 => 1, u16 => 2, i16 => 2, u32 => 4, i32 => 4, u64 => 8, i64 => 8,
    u128 => 16, i128 => 16);

/// `usize` travels as a fixed 8-byte `u64`.
impl FixedInt for usize {
    const WIDTH: usize = 8;
    #[inline]
    fn put_fixed<B: BufMut + ?Sized>(self, buf: &mut B) {
        (self as u64).put_fixed(buf);
    }
    #[inline]
    fn read_fixed(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = reader.position();
        let value = u64::read_fixed(reader)?;
        usize::try_from(value).map_err(|_| {
            reader.error_at(
                start,
                crate::DecodeErrorKind::IntegerOutOfRange {
                    value: i128::from(value),
                    type_name: "usize",
                },
            )
        })
    }
}

/// An integer encoded at fixed width. `#[wire(fixed)]` on a field does the same without
/// the wrapper; use `Fixed` inside collections (`Vec<Fixed<u64>>`).
///
/// ```
/// use wirewright::{Decode, Encode, Fixed};
/// let bytes = Fixed(1u64).encode_to_vec();
/// assert_eq!(bytes, [1, 0, 0, 0, 0, 0, 0, 0]);
/// assert_eq!(Fixed::<u64>::decode(&bytes)?, Fixed(1));
/// # Ok::<(), wirewright::DecodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fixed<T>(pub T);

impl<T: FixedInt> Encode for Fixed<T> {
    #[inline]
    fn encoded_len(&self) -> usize {
        T::WIDTH
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        self.0.put_fixed(buf);
    }
    #[inline]
    fn slice_encoded_len(items: &[Self]) -> usize {
        items.len() * T::WIDTH
    }
}

impl<'de, T: FixedInt> Decode<'de> for Fixed<T> {
    const MIN_ENCODED_LEN: usize = T::WIDTH;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        T::read_fixed(reader).map(Fixed)
    }
}
