//! Strings and byte strings: a varint byte length, then the bytes (SPEC.md §4.5).

use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;

use bytes::{BufMut, Bytes};

use crate::error::DecodeErrorKind;
use crate::{varint, Decode, DecodeError, Encode, Reader};

/// Reads a length-prefixed, UTF-8-validated string borrowed from the input.
#[inline]
fn read_str<'de>(reader: &mut Reader<'de>) -> Result<&'de str, DecodeError> {
    let len = reader.read_len()?;
    let start = reader.position();
    let bytes = reader.read_slice(len)?;
    core::str::from_utf8(bytes).map_err(|err| {
        reader.error_at(
            start + err.valid_up_to(),
            DecodeErrorKind::InvalidUtf8 {
                valid_up_to: err.valid_up_to(),
            },
        )
    })
}

/// Reads a length-prefixed byte string borrowed from the input.
#[inline]
fn read_bytes<'de>(reader: &mut Reader<'de>) -> Result<&'de [u8], DecodeError> {
    let len = reader.read_len()?;
    reader.read_slice(len)
}

#[inline]
fn bytes_len(bytes: &[u8]) -> usize {
    varint::encoded_len_u64(bytes.len() as u64) + bytes.len()
}

#[inline]
fn put_bytes<B: BufMut + ?Sized>(buf: &mut B, bytes: &[u8]) {
    varint::put_u64(buf, bytes.len() as u64);
    buf.put_slice(bytes);
}

impl Encode for str {
    #[inline]
    fn encoded_len(&self) -> usize {
        bytes_len(self.as_bytes())
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        put_bytes(buf, self.as_bytes());
    }
}

impl<'de: 'a, 'a> Decode<'de> for &'a str {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        read_str(reader)
    }
}

impl<'de: 'a, 'a> Decode<'de> for &'a [u8] {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        read_bytes(reader)
    }
}

impl Encode for String {
    #[inline]
    fn encoded_len(&self) -> usize {
        bytes_len(self.as_bytes())
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        put_bytes(buf, self.as_bytes());
    }
}

// `Box<str>`, `Rc<str>` and `Arc<str>` encode through the pointer impls of `wrapper.rs`.
macro_rules! owned_str {
    ($($ty:ty => |$s:ident| $make:expr),*) => {$(
        impl<'de> Decode<'de> for $ty {
            const MIN_ENCODED_LEN: usize = 1;
            #[inline]
            fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
                let $s = read_str(reader)?;
                Ok($make)
            }
        }
    )*};
}

owned_str!(
    String => |s| s.to_owned(),
    Box<str> => |s| Box::from(s),
    Rc<str> => |s| Rc::from(s),
    Arc<str> => |s| Arc::from(s)
);

impl Encode for Cow<'_, str> {
    #[inline]
    fn encoded_len(&self) -> usize {
        bytes_len(self.as_bytes())
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        put_bytes(buf, self.as_bytes());
    }
}

impl<'de: 'a, 'a> Decode<'de> for Cow<'a, str> {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        Ok(Cow::Borrowed(read_str(reader)?))
    }
}

impl Encode for Cow<'_, [u8]> {
    #[inline]
    fn encoded_len(&self) -> usize {
        bytes_len(self)
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        put_bytes(buf, self);
    }
}

impl<'de: 'a, 'a> Decode<'de> for Cow<'a, [u8]> {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        Ok(Cow::Borrowed(read_bytes(reader)?))
    }
}

impl Encode for Bytes {
    #[inline]
    fn encoded_len(&self) -> usize {
        bytes_len(self)
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        put_bytes(buf, self);
    }
}

/// Decoding from a reader made by [`Reader::from_bytes`] shares the input's memory;
/// from a plain slice it copies.
impl<'de> Decode<'de> for Bytes {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        let slice = read_bytes(reader)?;
        Ok(match reader.source() {
            Some(source) if !slice.is_empty() => source.slice_ref(slice),
            _ => Bytes::copy_from_slice(slice),
        })
    }
}
