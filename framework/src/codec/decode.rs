//! The [`Decode`] trait.

use bytes::Bytes;

use crate::{DecodeError, Limits, Reader};

/// A value that can be read from wirewright's binary format (SPEC.md §4).
///
/// `'de` is the lifetime of the input: types such as `&'de str` and `&'de [u8]` borrow
/// from it instead of copying. Owned types implement `Decode<'de>` for every `'de`
/// (see [`DecodeOwned`]).
///
/// Two items are required: [`MIN_ENCODED_LEN`](Self::MIN_ENCODED_LEN), a lower bound on
/// the size of any encoding (used to reject impossible collection counts before
/// allocating), and [`decode_raw`](Self::decode_raw). The provided
/// [`decode`](Self::decode) reads a whole payload and rejects trailing bytes.
///
/// ```
/// use wirewright::{Decode, Encode};
///
/// let bytes = ("ab", vec![1u16, 300]).encode_to_vec();
/// let (text, numbers): (&str, Vec<u16>) = Decode::decode(&bytes)?;
/// assert_eq!((text, numbers), ("ab", vec![1, 300]));
/// # Ok::<(), wirewright::DecodeError>(())
/// ```
pub trait Decode<'de>: Sized {
    /// The fewest bytes any value of this type encodes to.
    const MIN_ENCODED_LEN: usize;

    /// Reads one value from the front of `reader`.
    ///
    /// # Errors
    /// A [`DecodeError`] saying what was wrong, where, and what was expected.
    ///
    /// ```
    /// use wirewright::{Decode, Reader};
    /// let mut reader = Reader::new(&[0x01, 0x2a]);
    /// assert_eq!(bool::decode_raw(&mut reader)?, true);
    /// assert_eq!(u8::decode_raw(&mut reader)?, 42);
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError>;

    /// Decodes a complete payload with the default [`Limits`].
    ///
    /// # Errors
    /// Any [`DecodeError`], including trailing bytes after the value.
    ///
    /// ```
    /// use wirewright::Decode;
    /// assert_eq!(u16::decode(&[0xac, 0x02])?, 300);
    /// assert!(u16::decode(&[0xac, 0x02, 0x00]).is_err()); // trailing byte
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline]
    fn decode(input: &'de [u8]) -> Result<Self, DecodeError> {
        Self::decode_with(input, &Limits::default())
    }

    /// Decodes a complete payload with the given limits (as the frame layer's
    /// `decode_frame_with` takes them: by reference).
    ///
    /// # Errors
    /// As [`decode`](Self::decode).
    ///
    /// ```
    /// use wirewright::{Decode, Limits};
    /// let nested = vec![vec![vec![1u8]]];
    /// let bytes = wirewright::Encode::encode_to_vec(&nested);
    /// let limits = Limits::new().with_max_depth(2);
    /// assert!(Vec::<Vec<Vec<u8>>>::decode_with(&bytes, &limits).is_err());
    /// assert!(Vec::<Vec<Vec<u8>>>::decode_with(&bytes, &Limits::new()).is_ok());
    /// ```
    #[inline]
    fn decode_with(input: &'de [u8], limits: &Limits) -> Result<Self, DecodeError> {
        let mut reader = Reader::with_limits(input, *limits);
        finished(Self::decode_payload_raw(&mut reader), &reader)
    }

    /// Decodes a complete payload with the given limits.
    ///
    /// # Errors
    /// As [`decode`](Self::decode).
    #[deprecated(
        since = "0.4.0",
        note = "use `decode_with(input, &limits)`: limits are passed by reference and the \
                `_with` form names the variant that takes them"
    )]
    #[inline]
    fn decode_with_limits(input: &'de [u8], limits: Limits) -> Result<Self, DecodeError> {
        Self::decode_with(input, &limits)
    }

    /// Decodes a complete payload held in [`Bytes`]; `Bytes` fields share its memory.
    ///
    /// # Errors
    /// As [`decode`](Self::decode).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wirewright::{Decode, Encode};
    /// let input = Bytes::from(vec![2, 0xde, 0xad]);
    /// let blob = Bytes::decode_bytes(&input)?;
    /// assert_eq!(blob.as_ptr(), input[1..].as_ptr());
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline]
    fn decode_bytes(input: &'de Bytes) -> Result<Self, DecodeError> {
        let mut reader = Reader::from_bytes(input);
        finished(Self::decode_payload_raw(&mut reader), &reader)
    }

    /// Reads one value that is the whole rest of `reader`: a top-level payload, whose end
    /// the frame (or the caller) knows. The default is [`decode_raw`](Self::decode_raw);
    /// derived types with fields appended in a later revision override it to fill their
    /// defaults when the payload ends before them, and types with an
    /// [`UnknownFields`](crate::UnknownFields) field to keep the payload's unknown tail
    /// (SPEC.md §12.2). Bytes left in `reader` afterwards are a tail the type does not
    /// know: frames skip it, [`decode`](Self::decode) rejects it.
    ///
    /// # Errors
    /// As [`decode_raw`](Self::decode_raw).
    ///
    /// ```
    /// use wirewright::{Decode, Reader};
    /// let mut reader = Reader::new(&[0x2a, 0x07]);
    /// assert_eq!(u8::decode_payload_raw(&mut reader)?, 42);
    /// assert_eq!(reader.remaining(), 1); // a tail, left to the caller
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline]
    fn decode_payload_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        Self::decode_raw(reader)
    }

    /// Decodes `count` elements (the count already checked by
    /// [`Reader::read_count`]). Overridden by byte-like types to copy in one block.
    #[doc(hidden)]
    #[inline]
    fn decode_vec(reader: &mut Reader<'de>, count: usize) -> Result<Vec<Self>, DecodeError> {
        let mut items = Vec::with_capacity(cautious_capacity::<Self>(count));
        for index in 0..count {
            match Self::decode_raw(reader) {
                Ok(item) => items.push(item),
                Err(err) => return Err(err.at_index(index)),
            }
        }
        Ok(items)
    }

    /// Decodes `N` elements with no count prefix. Overridden by byte-like types.
    #[doc(hidden)]
    #[inline]
    fn decode_array<const N: usize>(reader: &mut Reader<'de>) -> Result<[Self; N], DecodeError> {
        let mut failure = None;
        let slots: [Option<Self>; N] = core::array::from_fn(|index| {
            if failure.is_some() {
                return None;
            }
            match Self::decode_raw(reader) {
                Ok(item) => Some(item),
                Err(err) => {
                    failure = Some(err.at_index(index));
                    None
                }
            }
        });
        match failure {
            Some(err) => Err(err),
            // Every slot is `Some`: a `None` is only ever written alongside `failure`.
            None => Ok(slots.map(|slot| slot.unwrap_or_else(|| unreachable!()))),
        }
    }
}

/// `decoded`, unless bytes remain in `reader`. The result is passed through rather than
/// unwrapped and wrapped again (`let value = ...?; Ok(value)`), so that it can be built
/// in the caller's return slot: moving a freshly written value costs a stall when the
/// copy reads wider than the writes that made it.
#[inline(always)]
fn finished<T>(decoded: Result<T, DecodeError>, reader: &Reader<'_>) -> Result<T, DecodeError> {
    if decoded.is_ok() {
        reader.finish()?;
    }
    decoded
}

/// A type that decodes without borrowing from its input: `for<'de> Decode<'de>`.
///
/// ```
/// fn decode_owned<T: wirewright::DecodeOwned>(bytes: Vec<u8>) -> T {
///     T::decode(&bytes).expect("valid")
/// }
/// assert_eq!(decode_owned::<String>(vec![1, b'x']), "x");
/// ```
pub trait DecodeOwned: for<'de> Decode<'de> {}

impl<T> DecodeOwned for T where T: for<'de> Decode<'de> {}

/// How many elements to reserve for a declared `count`: the count (already checked
/// against the input by [`Reader::read_count`]), but never more than 1 MiB of memory up
/// front, so a small input cannot make a large reservation for a type whose values are
/// much bigger in memory than on the wire. Beyond that the vector grows as elements
/// actually decode.
#[inline]
pub(crate) fn cautious_capacity<T>(count: usize) -> usize {
    const MAX_PREALLOCATION_BYTES: usize = 1 << 20;
    match MAX_PREALLOCATION_BYTES.checked_div(core::mem::size_of::<T>()) {
        Some(cap) => count.min(cap),
        None => count, // zero-sized elements take no memory
    }
}
