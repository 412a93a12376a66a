//! `Option`, smart pointers, `Cow`, `PhantomData`, `Infallible` and tuples
//! (SPEC.md §4.8–4.9, §4.11).

use std::borrow::Cow;
use std::convert::Infallible;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;

use bytes::BufMut;

use crate::error::DecodeErrorKind;
use crate::{Decode, DecodeError, Encode, Reader};

impl<T: Encode> Encode for Option<T> {
    #[inline]
    fn encoded_len(&self) -> usize {
        1 + self.as_ref().map_or(0, Encode::encoded_len)
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        match self {
            None => buf.put_u8(0),
            Some(value) => {
                buf.put_u8(1);
                value.encode_raw(buf);
            }
        }
    }
}

impl<'de, T: Decode<'de>> Decode<'de> for Option<T> {
    const MIN_ENCODED_LEN: usize = 1;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        match reader.read_u8()? {
            0 => Ok(None),
            // No nesting level of its own: an `Option` cannot make a type recursive
            // without a `Box` (or a collection), which counts.
            1 => Ok(Some(T::decode_raw(reader)?)),
            found => Err(reader.error_at(
                reader.position() - 1,
                DecodeErrorKind::InvalidOptionTag { found },
            )),
        }
    }
}

macro_rules! pointer {
    ($($ptr:ident),*) => {$(
        impl<T: Encode + ?Sized> Encode for $ptr<T> {
            #[inline]
            fn encoded_len(&self) -> usize {
                (**self).encoded_len()
            }
            #[inline]
            fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
                (**self).encode_raw(buf);
            }
        }

        impl<'de, T: Decode<'de>> Decode<'de> for $ptr<T> {
            const MIN_ENCODED_LEN: usize = T::MIN_ENCODED_LEN;
            #[inline]
            fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
                reader.enter()?;
                let value = T::decode_raw(reader)?;
                reader.leave();
                Ok($ptr::new(value))
            }
        }
    )*};
}

pointer!(Box, Rc, Arc);

impl<T: Encode + Clone> Encode for Cow<'_, T> {
    #[inline]
    fn encoded_len(&self) -> usize {
        (**self).encoded_len()
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        (**self).encode_raw(buf);
    }
}

/// A `Cow` of a sized type decodes as `Owned`; `Cow<str>` and `Cow<[u8]>` borrow.
impl<'de, T: Decode<'de> + Clone> Decode<'de> for Cow<'_, T> {
    const MIN_ENCODED_LEN: usize = T::MIN_ENCODED_LEN;
    #[inline]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        Ok(Cow::Owned(T::decode_raw(reader)?))
    }
}

impl<T: ?Sized> Encode for PhantomData<T> {
    #[inline]
    fn encoded_len(&self) -> usize {
        0
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, _buf: &mut B) {}
}

impl<'de, T: ?Sized> Decode<'de> for PhantomData<T> {
    const MIN_ENCODED_LEN: usize = 0;
    #[inline]
    fn decode_raw(_reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        Ok(PhantomData)
    }
}

/// `Infallible` is an enum without variants (SPEC.md §4.11): no value to encode, and
/// every tag is unknown. It is the application error of a service whose handler cannot
/// fail.
impl Encode for Infallible {
    fn encoded_len(&self) -> usize {
        match *self {}
    }
    fn encode_raw<B: BufMut + ?Sized>(&self, _buf: &mut B) {
        match *self {}
    }
}

impl<'de> Decode<'de> for Infallible {
    const MIN_ENCODED_LEN: usize = 1;
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        let start = reader.position();
        let tag = reader.read_varint(32)?;
        Err(reader.error_at(
            start,
            DecodeErrorKind::UnknownVariant {
                type_name: "Infallible",
                tag,
            },
        ))
    }
}

macro_rules! tuple {
    ($($name:ident $index:tt),+) => {
        impl<$($name: Encode),+> Encode for ($($name,)+) {
            #[inline]
            fn encoded_len(&self) -> usize {
                0 $(+ self.$index.encoded_len())+
            }
            #[inline]
            fn encode_raw<Buf: BufMut + ?Sized>(&self, buf: &mut Buf) {
                $(self.$index.encode_raw(buf);)+
            }
        }

        impl<'de, $($name: Decode<'de>),+> Decode<'de> for ($($name,)+) {
            const MIN_ENCODED_LEN: usize = 0 $(+ $name::MIN_ENCODED_LEN)+;
            #[inline]
            fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
                Ok(($(
                    $name::decode_raw(reader)
                        .map_err(|err| err.in_field(stringify!($index)))?,
                )+))
            }
        }
    };
}

tuple!(A 0);
tuple!(A 0, B 1);
tuple!(A 0, B 1, C 2);
tuple!(A 0, B 1, C 2, D 3);
tuple!(A 0, B 1, C 2, D 3, E 4);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
