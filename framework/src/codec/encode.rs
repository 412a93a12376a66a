//! The [`Encode`] trait.

use bytes::{BufMut, Bytes, BytesMut};

use crate::EncodeError;

/// A value that can be written in wirewright's binary format (SPEC.md §4).
///
/// Two methods are required: [`encoded_len`](Self::encoded_len), the exact size of the
/// encoding, and [`encode_raw`](Self::encode_raw), which appends it. Because the size is
/// known first, a buffer is reserved once and never grows in the middle of a message.
/// Everything else is provided.
///
/// Implement it with `#[derive(Message)]`; by hand it looks like this:
///
/// ```
/// use bytes::BufMut;
/// use wirewright::{Decode, Encode, Reader, DecodeError};
///
/// #[derive(Debug, PartialEq)]
/// struct Point { x: i32, y: i32 }
///
/// impl Encode for Point {
///     fn encoded_len(&self) -> usize {
///         self.x.encoded_len() + self.y.encoded_len()
///     }
///     fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
///         self.x.encode_raw(buf);
///         self.y.encode_raw(buf);
///     }
/// }
///
/// impl<'de> Decode<'de> for Point {
///     const MIN_ENCODED_LEN: usize = 2;
///     fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
///         Ok(Point { x: i32::decode_raw(reader)?, y: i32::decode_raw(reader)? })
///     }
/// }
///
/// let bytes = Point { x: 1, y: -1 }.encode_to_vec();
/// assert_eq!(bytes, [0x02, 0x01]); // zigzag varints
/// assert_eq!(Point::decode(&bytes)?, Point { x: 1, y: -1 });
/// # Ok::<(), wirewright::DecodeError>(())
/// ```
pub trait Encode {
    /// The exact number of bytes [`encode_raw`](Self::encode_raw) writes.
    ///
    /// ```
    /// use wirewright::Encode;
    /// assert_eq!("hi".encoded_len(), 3);
    /// ```
    fn encoded_len(&self) -> usize;

    /// Appends the encoding to `buf`, writing exactly [`encoded_len`](Self::encoded_len)
    /// bytes.
    ///
    /// # Panics
    /// If `buf` cannot grow to hold the encoding (a full `&mut [u8]`, say): use
    /// [`encode`](Self::encode) for fixed-size buffers.
    ///
    /// ```
    /// use wirewright::Encode;
    /// let mut buf = Vec::new();
    /// 300u32.encode_raw(&mut buf);
    /// assert_eq!(buf, [0xac, 0x02]);
    /// ```
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B);

    /// Appends the encoding to `buf` after checking that it fits.
    ///
    /// # Errors
    /// [`EncodeError`] when `buf` has less room than the encoding needs; nothing is written.
    ///
    /// ```
    /// use wirewright::Encode;
    /// let mut storage = [0u8; 2];
    /// assert!("hello".encode(&mut &mut storage[..]).is_err());
    /// 300u32.encode(&mut &mut storage[..])?;
    /// assert_eq!(storage, [0xac, 0x02]);
    /// # Ok::<(), wirewright::EncodeError>(())
    /// ```
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) -> Result<(), EncodeError> {
        let required = self.encoded_len();
        let remaining = buf.remaining_mut();
        if remaining < required {
            return Err(EncodeError {
                required,
                remaining,
            });
        }
        self.encode_raw(buf);
        Ok(())
    }

    /// The encoding in a new `Vec`, allocated once at the exact size.
    ///
    /// ```
    /// use wirewright::Encode;
    /// assert_eq!((true, 7u8).encode_to_vec(), [1, 7]);
    /// ```
    fn encode_to_vec(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(self.encoded_len());
        self.encode_raw(&mut buf);
        buf
    }

    /// The encoding as [`Bytes`], allocated once at the exact size.
    ///
    /// ```
    /// use wirewright::Encode;
    /// assert_eq!(&"ok".encode_to_bytes()[..], b"\x02ok");
    /// ```
    fn encode_to_bytes(&self) -> Bytes {
        let mut buf = BytesMut::with_capacity(self.encoded_len());
        self.encode_raw(&mut buf);
        buf.freeze()
    }

    /// Sum of the encoded lengths of `items`. Overridden by types whose elements all have
    /// one size, so `Vec<u8>` or `[f32; 64]` cost one multiplication.
    #[doc(hidden)]
    #[inline]
    fn slice_encoded_len(items: &[Self]) -> usize
    where
        Self: Sized,
    {
        items.iter().map(Encode::encoded_len).sum()
    }

    /// Appends the encodings of `items` back to back. Overridden by byte-like types to
    /// write the whole slice with one copy.
    #[doc(hidden)]
    #[inline]
    fn encode_slice_raw<B: BufMut + ?Sized>(items: &[Self], buf: &mut B)
    where
        Self: Sized,
    {
        for item in items {
            item.encode_raw(buf);
        }
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    #[inline]
    fn encoded_len(&self) -> usize {
        (**self).encoded_len()
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        (**self).encode_raw(buf)
    }
}

impl<T: Encode + ?Sized> Encode for &mut T {
    #[inline]
    fn encoded_len(&self) -> usize {
        (**self).encoded_len()
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        (**self).encode_raw(buf)
    }
}
