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
            // Always inlined, like the varint reader inside: a call would cost as much as
            // a short varint, and a struct of many integers is otherwise left with calls.
            #[inline(always)]
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
            #[inline(always)]
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
                #[cfg(target_endian = "little")]
                {
                    buf.put_slice(float_bytes(items));
                }
                #[cfg(target_endian = "big")]
                {
                    // Convert in stack-sized chunks so that `buf` sees a few large writes
                    // instead of one per element.
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
                #[cfg(target_endian = "little")]
                {
                    Ok(floats_from_le_bytes(bytes))
                }
                #[cfg(target_endian = "big")]
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

/// A float type whose every bit pattern is a value and which has no padding.
trait PlainFloat: Copy {}
impl PlainFloat for f32 {}
impl PlainFloat for f64 {}

/// The bytes of `items` as they lie in memory: on a little-endian target, the
/// little-endian encodings of the floats, back to back, which is their wire form. Writing
/// this one slice replaces converting into a scratch buffer and copying that, a copy whose
/// wide loads stalled on the narrower stores that had just filled the buffer.
#[cfg(target_endian = "little")]
#[inline]
fn float_bytes<T: PlainFloat>(items: &[T]) -> &[u8] {
    let len = core::mem::size_of_val(items);
    // SAFETY: `from_raw_parts` needs a pointer valid for reads of `len` bytes, aligned for
    // `u8`, to initialized values of `u8`, not mutated for the lifetime of the slice, and
    // `len <= isize::MAX`. The pointer is `items`' own, and `len` is exactly the size of
    // `items`, so it covers that live allocation and no more, which also bounds `len` by
    // `isize::MAX`; `u8` has alignment 1. `T` is `f32` or `f64` (`PlainFloat` is private
    // and implemented for those two only): 4 or 8 bytes that all hold bits of the value,
    // no padding, so every byte is initialized, and any byte is a valid `u8`. The result
    // borrows `items` for the same lifetime, so nothing can mutate the floats meanwhile.
    // (Tested against `to_le_bytes` below.)
    #[allow(unsafe_code)]
    unsafe {
        core::slice::from_raw_parts(items.as_ptr().cast::<u8>(), len)
    }
}

/// The floats whose little-endian encodings, back to back, are `bytes` (whose length is
/// a multiple of the float's size): on a little-endian target, one allocation and one
/// copy rather than a conversion per element.
#[cfg(target_endian = "little")]
#[inline]
fn floats_from_le_bytes<T: PlainFloat>(bytes: &[u8]) -> Vec<T> {
    let count = bytes.len() / core::mem::size_of::<T>();
    debug_assert_eq!(count * core::mem::size_of::<T>(), bytes.len());
    let mut items: Vec<T> = Vec::with_capacity(count);
    // SAFETY: `copy_nonoverlapping(src, dst, n)` needs `src` valid for reads and `dst`
    // for writes of `n` bytes, and the two not to overlap; `set_len(count)` needs
    // `count <= capacity` and the first `count` elements initialized. `bytes` is a live
    // slice of `n = count * size_of::<T>()` bytes or more (its length is exactly that,
    // rounded down to whole elements); `items` was just allocated with room for `count`
    // elements, `n` bytes, and is a different allocation than the input `bytes` borrows.
    // `T` is `f32` or `f64` (`PlainFloat` is private and implemented for those two only):
    // no padding, and every bit pattern is a valid value, so the copied bytes make
    // `count` initialized floats, each equal to `from_le_bytes` of its four or eight bytes
    // on this little-endian target. (Tested below: float vectors decode to the same bits,
    // NaN payloads included.)
    #[allow(unsafe_code)]
    unsafe {
        core::ptr::copy_nonoverlapping(
            bytes.as_ptr(),
            items.as_mut_ptr().cast::<u8>(),
            count * core::mem::size_of::<T>(),
        );
        items.set_len(count);
    }
    items
}

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

#[cfg(test)]
mod tests {
    use crate::Encode;

    /// Floats of every kind: zeros, subnormals, extremes, infinities and NaNs with payloads.
    fn awkward_f32() -> Vec<f32> {
        let mut values = vec![0.0, -0.0, 1.0, -1.5, f32::MIN, f32::MAX, f32::EPSILON];
        values.extend([f32::MIN_POSITIVE / 2.0, f32::INFINITY, f32::NEG_INFINITY]);
        values.extend([
            f32::NAN,
            f32::from_bits(0x7fc0_0001),
            f32::from_bits(0xffff_ffff),
        ]);
        values.extend((0..200).map(|i| i as f32 * 0.37 - 11.0));
        values
    }

    #[test]
    fn float_slices_encode_as_the_little_endian_bytes_of_each_float() {
        for len in [0, 1, 2, 63, 64, 65, 213] {
            let floats: Vec<f32> = awkward_f32().into_iter().cycle().take(len).collect();
            let expected: Vec<u8> = floats.iter().flat_map(|f| f.to_le_bytes()).collect();
            let mut encoded = floats.encode_to_vec();
            let prefix = crate::varint::encoded_len_u64(len as u64);
            assert_eq!(encoded.drain(..prefix).count(), prefix);
            assert_eq!(encoded, expected, "{len} f32s");

            let doubles: Vec<f64> = floats.iter().map(|&f| f64::from(f)).collect();
            let expected: Vec<u8> = doubles.iter().flat_map(|f| f.to_le_bytes()).collect();
            let mut encoded = doubles.encode_to_vec();
            encoded.drain(..prefix);
            assert_eq!(encoded, expected, "{len} f64s");
        }
        let array: [f32; 3] = [1.0, f32::NAN, -0.0];
        let expected: Vec<u8> = array.iter().flat_map(|f| f.to_le_bytes()).collect();
        assert_eq!(array.encode_to_vec(), expected);
    }

    #[test]
    fn float_vectors_decode_to_the_same_bits_nan_payloads_included() {
        use crate::Decode;
        for len in [0, 1, 2, 63, 64, 65, 213] {
            let floats: Vec<f32> = awkward_f32().into_iter().cycle().take(len).collect();
            let decoded = Vec::<f32>::decode(&floats.encode_to_vec()).expect("floats decode");
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&decoded), bits(&floats), "{len} f32s");

            let doubles: Vec<f64> = floats.iter().map(|&f| f64::from(f)).collect();
            let decoded = Vec::<f64>::decode(&doubles.encode_to_vec()).expect("doubles decode");
            let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&decoded), bits(&doubles), "{len} f64s");
        }
    }
}
