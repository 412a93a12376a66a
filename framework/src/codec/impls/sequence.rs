//! Sequences: a varint count, then the elements (SPEC.md §4.6); arrays without a count.

use std::collections::VecDeque;

use bytes::BufMut;

use crate::decode::cautious_capacity;
use crate::{varint, Decode, DecodeError, Encode, Reader};

impl<T: Encode> Encode for [T] {
    #[inline]
    fn encoded_len(&self) -> usize {
        varint::encoded_len_u64(self.len() as u64) + T::slice_encoded_len(self)
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        varint::put_u64(buf, self.len() as u64);
        T::encode_slice_raw(self, buf);
    }
}

impl<T: Encode> Encode for Vec<T> {
    #[inline]
    fn encoded_len(&self) -> usize {
        self.as_slice().encoded_len()
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        self.as_slice().encode_raw(buf);
    }
}

impl<'de, T: Decode<'de>> Decode<'de> for Vec<T> {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        let count = reader.read_count(T::MIN_ENCODED_LEN)?;
        reader.enter()?;
        let items = T::decode_vec(reader, count)?;
        reader.leave();
        Ok(items)
    }
}

// `Box<[T]>` encodes through the pointer impl of `wrapper.rs`.
impl<'de, T: Decode<'de>> Decode<'de> for Box<[T]> {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        Ok(Vec::<T>::decode_raw(reader)?.into_boxed_slice())
    }
}

impl<T: Encode> Encode for VecDeque<T> {
    #[inline]
    fn encoded_len(&self) -> usize {
        let (front, back) = self.as_slices();
        varint::encoded_len_u64(self.len() as u64)
            + T::slice_encoded_len(front)
            + T::slice_encoded_len(back)
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        let (front, back) = self.as_slices();
        varint::put_u64(buf, self.len() as u64);
        T::encode_slice_raw(front, buf);
        T::encode_slice_raw(back, buf);
    }
}

impl<'de, T: Decode<'de>> Decode<'de> for VecDeque<T> {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        Ok(Vec::<T>::decode_raw(reader)?.into())
    }
}

impl<T: Encode, const N: usize> Encode for [T; N] {
    #[inline]
    fn encoded_len(&self) -> usize {
        T::slice_encoded_len(self)
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        T::encode_slice_raw(self, buf);
    }
}

impl<'de, T: Decode<'de>, const N: usize> Decode<'de> for [T; N] {
    const MIN_ENCODED_LEN: usize = T::MIN_ENCODED_LEN.saturating_mul(N);
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        T::decode_array::<N>(reader)
    }
}

/// Keeps `cautious_capacity` reachable from the map and set impls too.
#[inline]
pub(crate) fn reserve_for<T>(count: usize) -> usize {
    cautious_capacity::<T>(count)
}
