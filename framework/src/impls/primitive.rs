//! `bool`, integers, floats, `char` and `()` (SPEC.md §4.1–4.4).

use bytes::BufMut;

use crate::error::DecodeErrorKind;
use crate::{varint, Decode, DecodeError, Encode, Reader};

impl Encode for bool {
    #[inline]
    fn encoded_len(&self) -> usize {
        1
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        buf.put_u8(u8::from(*self));
    }
    #[inline]
    fn slice_encoded_len(items: &[Self]) -> usize {
        items.len()
    }
}

impl<'de> Decode<'de> for bool {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        match reader.read_u8()? {
            0 => Ok(false),
            1 => Ok(true),
            found => Err(reader.error_at(
                reader.position() - 1,
                DecodeErrorKind::InvalidBool { found },
            )),
        }
    }
}

// `u8` and `i8` are one raw byte: a varint could never be shorter and is sometimes longer.
impl Encode for u8 {
    #[inline]
    fn encoded_len(&self) -> usize {
        1
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        buf.put_u8(*self);
    }
    #[inline]
    fn slice_encoded_len(items: &[Self]) -> usize {
        items.len()
    }
    #[inline]
    fn encode_slice_raw<B: BufMut + ?Sized>(items: &[Self], buf: &mut B) {
        buf.put_slice(items);
    }
}

impl<'de> Decode<'de> for u8 {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        reader.read_u8()
    }
    #[inline]
    fn decode_vec(reader: &mut Reader<'de>, count: usize) -> Result<Vec<Self>, DecodeError> {
        Ok(reader.read_slice(count)?.to_vec())
    }
    #[inline]
    fn decode_array<const N: usize>(reader: &mut Reader<'de>) -> Result<[Self; N], DecodeError> {
        reader.read_array::<N>()
    }
}

impl Encode for i8 {
    #[inline]
    fn encoded_len(&self) -> usize {
        1
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        buf.put_i8(*self);
    }
    #[inline]
    fn slice_encoded_len(items: &[Self]) -> usize {
        items.len()
    }
}

impl<'de> Decode<'de> for i8 {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        Ok(reader.read_u8()? as i8)
    }
}

macro_rules! unsigned_varint {
    ($($ty:ty => $bits:expr),*) => {$(
        impl Encode for $ty {
            #[inline]
            fn encoded_len(&self) -> usize {
                varint::encoded_len_u64(*self as u64)
            }
            #[inline]
            fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
                varint::put_u64(buf, *self as u64);
            }
        }

        impl<'de> Decode<'de> for $ty {
            const MIN_ENCODED_LEN: usize = 1;
            #[inline]
            fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
                Ok(reader.read_varint($bits)? as $ty)
            }
        }
    )*};
}

unsigned_varint!(u16 => 16, u32 => 32, u64 => 64);

macro_rules! signed_varint {
    ($($ty:ty => $bits:expr),*) => {$(
        impl Encode for $ty {
            #[inline]
            fn encoded_len(&self) -> usize {
                varint::encoded_len_u64(varint::zigzag_encode_i64(i64::from(*self)))
            }
            #[inline]
            fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
                varint::put_u64(buf, varint::zigzag_encode_i64(i64::from(*self)));
            }
        }

        impl<'de> Decode<'de> for $ty {
            const MIN_ENCODED_LEN: usize = 1;
            #[inline]
            fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
                // A zigzag value of N bits decodes to a signed value of N bits.
                Ok(varint::zigzag_decode_i64(reader.read_varint($bits)?) as $ty)
            }
        }
    )*};
}

signed_varint!(i16 => 16, i32 => 32, i64 => 64);

impl Encode for u128 {
    #[inline]
    fn encoded_len(&self) -> usize {
        varint::encoded_len_u128(*self)
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        varint::put_u128(buf, *self);
    }
}

impl<'de> Decode<'de> for u128 {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        reader.read_varint_u128()
    }
}

impl Encode for i128 {
    #[inline]
    fn encoded_len(&self) -> usize {
        varint::encoded_len_u128(varint::zigzag_encode_i128(*self))
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        varint::put_u128(buf, varint::zigzag_encode_i128(*self));
    }
}

impl<'de> Decode<'de> for i128 {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        Ok(varint::zigzag_decode_i128(reader.read_varint_u128()?))
    }
}

// `usize` and `isize` travel as `u64` and `i64`, whatever the platform's width.
impl Encode for usize {
    #[inline]
    fn encoded_len(&self) -> usize {
        (*self as u64).encoded_len()
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        (*self as u64).encode_raw(buf);
    }
}

impl<'de> Decode<'de> for usize {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        let start = reader.position();
        let value = reader.read_varint(64)?;
        usize::try_from(value).map_err(|_| {
            reader.error_at(
                start,
                DecodeErrorKind::IntegerOutOfRange {
                    value: i128::from(value),
                    type_name: "usize",
                },
            )
        })
    }
}

impl Encode for isize {
    #[inline]
    fn encoded_len(&self) -> usize {
        (*self as i64).encoded_len()
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        (*self as i64).encode_raw(buf);
    }
}

impl<'de> Decode<'de> for isize {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        let start = reader.position();
        let value = i64::decode_raw(reader)?;
        isize::try_from(value).map_err(|_| {
            reader.error_at(
                start,
                DecodeErrorKind::IntegerOutOfRange {
                    value: i128::from(value),
                    type_name: "isize",
                },
            )
        })
    }
}

macro_rules! float {
    ($($ty:ty => $width:expr, $put:ident),*) => {$(
        impl Encode for $ty {
            #[inline]
            fn encoded_len(&self) -> usize {
                $width
            }
            #[inline]
            fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
                buf.$put(*self);
            }
            #[inline]
            fn slice_encoded_len(items: &[Self]) -> usize {
                items.len() * $width
            }
            #[inline]
            fn encode_slice_raw<B: BufMut + ?Sized>(items: &[Self], buf: &mut B) {
                // Convert in stack-sized chunks so the copy loop vectorises and `buf` sees
                // a few large writes instead of one per element.
                const CHUNK: usize = 64;
                let mut scratch = [0u8; CHUNK * $width];
                for chunk in items.chunks(CHUNK) {
                    for (slot, value) in scratch.chunks_exact_mut($width).zip(chunk) {
                        slot.copy_from_slice(&value.to_le_bytes());
                    }
                    buf.put_slice(&scratch[..chunk.len() * $width]);
                }
            }
        }

        impl<'de> Decode<'de> for $ty {
            const MIN_ENCODED_LEN: usize = $width;
            #[inline]
            fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
                Ok(<$ty>::from_le_bytes(reader.read_array::<$width>()?))
            }
            #[inline]
            fn decode_vec(reader: &mut Reader<'de>, count: usize) -> Result<Vec<Self>, DecodeError> {
                // `read_count` has checked that `count * width` bytes remain.
                let bytes = reader.read_slice(count * $width)?;
                Ok(bytes
                    .chunks_exact($width)
                    .map(|chunk| {
                        let mut array = [0u8; $width];
                        array.copy_from_slice(chunk);
                        <$ty>::from_le_bytes(array)
                    })
                    .collect())
            }
        }
    )*};
}

float!(f32 => 4, put_f32_le, f64 => 8, put_f64_le);

impl Encode for char {
    #[inline]
    fn encoded_len(&self) -> usize {
        varint::encoded_len_u64(u64::from(*self))
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        varint::put_u64(buf, u64::from(*self));
    }
}

impl<'de> Decode<'de> for char {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        let start = reader.position();
        let value = reader.read_varint(32)?;
        u32::try_from(value)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| reader.error_at(start, DecodeErrorKind::InvalidChar { found: value }))
    }
}

impl Encode for () {
    #[inline]
    fn encoded_len(&self) -> usize {
        0
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, _buf: &mut B) {}
}

impl<'de> Decode<'de> for () {
    const MIN_ENCODED_LEN: usize = 0;
    #[inline]
    fn decode_raw(_reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        Ok(())
    }
}
