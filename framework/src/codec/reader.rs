//! The cursor that decoders read from.

use bytes::Bytes;

use crate::error::DecodeErrorKind;
use crate::{varint, DecodeError, Limits};

/// Reads a payload from the front, tracking the byte offset (for errors), the nesting
/// depth and the [`Limits`].
///
/// Hand-written [`Decode`](crate::Decode) impls call its methods; derived ones do too.
///
/// ```
/// use wirewright::Reader;
///
/// let mut reader = Reader::new(&[0x05, b'h', b'e', b'l', b'l', b'o', 0xff]);
/// let len = reader.read_len()?;
/// assert_eq!(reader.read_slice(len)?, b"hello");
/// assert_eq!(reader.read_u8()?, 0xff);
/// reader.finish()?;
/// # Ok::<(), wirewright::DecodeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Reader<'de> {
    /// The whole input (for a block reader, up to the block's end): offsets count from
    /// its start.
    input: &'de [u8],
    /// The bytes not yet read: always a suffix of `input`, so the position is the
    /// difference of their lengths. Reads take from its front with one length check,
    /// and no check that a position lies inside the input.
    rest: &'de [u8],
    depth: u32,
    limits: Limits,
    source: Option<&'de Bytes>,
}

impl<'de> Reader<'de> {
    /// A reader over `input` with the default [`Limits`].
    ///
    /// ```
    /// let reader = wirewright::Reader::new(b"abc");
    /// assert_eq!(reader.remaining(), 3);
    /// ```
    pub fn new(input: &'de [u8]) -> Self {
        Self::with_limits(input, Limits::default())
    }

    /// A reader over `input` with the given limits.
    ///
    /// ```
    /// use wirewright::{Limits, Reader};
    /// let reader = Reader::with_limits(b"", Limits::new().with_max_depth(4));
    /// assert_eq!(reader.limits().max_depth(), 4);
    /// ```
    pub fn with_limits(input: &'de [u8], limits: Limits) -> Self {
        Reader {
            input,
            rest: input,
            depth: 0,
            limits,
            source: None,
        }
    }

    /// A reader over a [`Bytes`] buffer: `Bytes` fields decoded from it share its memory
    /// instead of copying.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use wirewright::{Decode, Reader};
    ///
    /// let input = Bytes::from_static(&[3, 1, 2, 3]);
    /// let mut reader = Reader::from_bytes(&input);
    /// let blob = Bytes::decode_raw(&mut reader)?;
    /// assert_eq!(blob, [1, 2, 3][..]);
    /// assert_eq!(blob.as_ptr(), input[1..].as_ptr()); // no copy
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    pub fn from_bytes(input: &'de Bytes) -> Self {
        let mut reader = Self::new(input);
        reader.source = Some(input);
        reader
    }

    /// Like [`from_bytes`](Self::from_bytes), with the given limits.
    ///
    /// ```
    /// use wirewright::{Limits, Reader};
    /// let input = bytes::Bytes::new();
    /// assert!(Reader::from_bytes_with_limits(&input, Limits::new()).is_empty());
    /// ```
    pub fn from_bytes_with_limits(input: &'de Bytes, limits: Limits) -> Self {
        let mut reader = Self::with_limits(input, limits);
        reader.source = Some(input);
        reader
    }

    /// The limits in force.
    ///
    /// ```
    /// assert_eq!(wirewright::Reader::new(b"").limits().max_depth(), 128);
    /// ```
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Offset of the next byte from the start of the input.
    ///
    /// ```
    /// let mut reader = wirewright::Reader::new(b"ab");
    /// reader.read_u8()?;
    /// assert_eq!(reader.position(), 1);
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline]
    pub fn position(&self) -> usize {
        self.input.len() - self.rest.len()
    }

    /// Bytes not yet read.
    ///
    /// ```
    /// assert_eq!(wirewright::Reader::new(b"ab").remaining(), 2);
    /// ```
    #[inline]
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Whether every byte has been read.
    ///
    /// ```
    /// assert!(wirewright::Reader::new(b"").is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The whole input, including what has been read.
    ///
    /// ```
    /// assert_eq!(wirewright::Reader::new(b"ab").input(), b"ab");
    /// ```
    #[inline]
    pub fn input(&self) -> &'de [u8] {
        self.input
    }

    /// The bytes not yet read.
    ///
    /// ```
    /// let mut reader = wirewright::Reader::new(b"ab");
    /// reader.read_u8()?;
    /// assert_eq!(reader.rest(), b"b");
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline]
    pub fn rest(&self) -> &'de [u8] {
        self.rest
    }

    /// Moves past the next `count` bytes (at most the remaining ones).
    #[inline(always)]
    pub(crate) fn advance(&mut self, count: usize) {
        debug_assert!(count <= self.remaining());
        let rest = self.rest;
        self.rest = rest.get(count..).unwrap_or(&rest[rest.len()..]);
    }

    /// An error of `kind` at the current position.
    ///
    /// ```
    /// use wirewright::{DecodeErrorKind, Reader};
    /// let reader = Reader::new(b"x");
    /// assert_eq!(reader.error(DecodeErrorKind::VarintOverlong).offset(), 0);
    /// ```
    #[cold]
    pub fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(kind, self.position())
    }

    /// An error of `kind` at `offset`.
    ///
    /// ```
    /// use wirewright::{DecodeErrorKind, Reader};
    /// let err = Reader::new(b"").error_at(7, DecodeErrorKind::VarintOverlong);
    /// assert_eq!(err.offset(), 7);
    /// ```
    #[cold]
    pub fn error_at(&self, offset: usize, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(kind, offset)
    }

    #[cold]
    pub(crate) fn unexpected_end_at(&self, start: usize, needed: usize) -> DecodeError {
        DecodeError::new(
            DecodeErrorKind::UnexpectedEnd {
                needed,
                available: self.input.len() - start,
            },
            start,
        )
    }

    /// Reads one byte.
    ///
    /// # Errors
    /// [`DecodeErrorKind::UnexpectedEnd`] at the end of the input.
    ///
    /// ```
    /// assert_eq!(wirewright::Reader::new(&[9]).read_u8()?, 9);
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline]
    pub fn read_u8(&mut self) -> Result<u8, DecodeError> {
        match *self.rest {
            [byte, ref after @ ..] => {
                self.rest = after;
                Ok(byte)
            }
            [] => Err(self.unexpected_end_at(self.position(), 1)),
        }
    }

    /// Reads `len` bytes, borrowed from the input.
    ///
    /// # Errors
    /// [`DecodeErrorKind::UnexpectedEnd`] when fewer than `len` bytes remain.
    ///
    /// ```
    /// assert_eq!(wirewright::Reader::new(b"abc").read_slice(2)?, b"ab");
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline]
    pub fn read_slice(&mut self, len: usize) -> Result<&'de [u8], DecodeError> {
        match self.rest.split_at_checked(len) {
            Some((slice, after)) => {
                self.rest = after;
                Ok(slice)
            }
            None => Err(self.unexpected_end_at(self.position(), len)),
        }
    }

    /// Reads exactly `N` bytes into an array.
    ///
    /// # Errors
    /// [`DecodeErrorKind::UnexpectedEnd`] when fewer than `N` bytes remain.
    ///
    /// ```
    /// assert_eq!(wirewright::Reader::new(&[1, 2, 3]).read_array::<2>()?, [1, 2]);
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline]
    pub fn read_array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        match self.rest.split_first_chunk::<N>() {
            Some((array, after)) => {
                self.rest = after;
                Ok(*array)
            }
            None => Err(self.unexpected_end_at(self.position(), N)),
        }
    }

    /// Reads a canonical unsigned varint of at most `bits` bits (8 to 64).
    ///
    /// # Errors
    /// Unexpected end, [`DecodeErrorKind::VarintOverlong`] or
    /// [`DecodeErrorKind::VarintOverflow`].
    ///
    /// ```
    /// use wirewright::{DecodeErrorKind, Reader};
    /// assert_eq!(Reader::new(&[0xac, 0x02]).read_varint(16)?, 300);
    /// let err = Reader::new(&[0x80, 0x00]).read_varint(64).unwrap_err();
    /// assert_eq!(err.kind(), &DecodeErrorKind::VarintOverlong);
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline(always)]
    pub fn read_varint(&mut self, bits: u32) -> Result<u64, DecodeError> {
        let (value, after) = self.peek_varint(bits)?;
        self.rest = after;
        Ok(value)
    }

    /// The varint at the front (as [`read_varint`](Self::read_varint) reads it) and the
    /// bytes after it, without moving: callers that read more before moving write the
    /// position once.
    #[inline(always)]
    fn peek_varint(&self, bits: u32) -> Result<(u64, &'de [u8]), DecodeError> {
        match varint::decode_u64(self.input, self.rest, bits) {
            Some(found) => Ok(found),
            None => self.peek_varint_reference(bits),
        }
    }

    /// [`peek_varint`](Self::peek_varint) by the byte-by-byte reference reader, which
    /// names the error of a malformed varint (and agrees with the fast reader on every
    /// well-formed one).
    #[cold]
    #[inline(never)]
    fn peek_varint_reference(&self, bits: u32) -> Result<(u64, &'de [u8]), DecodeError> {
        let rest = self.rest;
        match varint::decode_u64_reference(rest, bits) {
            Ok((value, len)) => Ok((value, rest.get(len..).unwrap_or(&rest[rest.len()..]))),
            Err(kind) => Err(self.error(kind)),
        }
    }

    /// Reads a canonical `u128` varint.
    ///
    /// # Errors
    /// As [`read_varint`](Self::read_varint).
    ///
    /// ```
    /// assert_eq!(wirewright::Reader::new(&[0x7f]).read_varint_u128()?, 127);
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline]
    pub fn read_varint_u128(&mut self) -> Result<u128, DecodeError> {
        match varint::decode_u128(self.rest) {
            Some((value, len)) => {
                self.advance(len);
                Ok(value)
            }
            None => self.read_varint_u128_reference(),
        }
    }

    /// [`read_varint_u128`](Self::read_varint_u128) by the byte-by-byte reference
    /// reader, which names the error of a malformed varint.
    #[cold]
    #[inline(never)]
    fn read_varint_u128_reference(&mut self) -> Result<u128, DecodeError> {
        match varint::decode_u128_reference(self.rest) {
            Ok((value, len)) => {
                self.advance(len);
                Ok(value)
            }
            Err(kind) => Err(self.error(kind)),
        }
    }

    /// Reads a byte length (a `u64` varint) and checks that that many bytes remain.
    ///
    /// # Errors
    /// [`DecodeErrorKind::LengthExceedsInput`] when they do not: nothing is reserved for
    /// a length the input cannot back.
    ///
    /// ```
    /// use wirewright::{DecodeErrorKind, Reader};
    /// let err = Reader::new(&[0x05, 1, 2]).read_len().unwrap_err();
    /// assert_eq!(err.kind(), &DecodeErrorKind::LengthExceedsInput { declared: 5, remaining: 2 });
    /// ```
    #[inline(always)]
    pub fn read_len(&mut self) -> Result<usize, DecodeError> {
        let (declared, after) = self.peek_varint(64)?;
        match usize::try_from(declared) {
            Ok(len) if len <= after.len() => {
                self.rest = after;
                Ok(len)
            }
            _ => Err(self.length_exceeds_input(declared, after)),
        }
    }

    /// Reads a byte length (a `u64` varint) and that many bytes, borrowed from the input:
    /// [`read_len`](Self::read_len) and [`read_slice`](Self::read_slice) with one check
    /// between them instead of two, for strings and byte strings.
    ///
    /// # Errors
    /// As [`read_len`](Self::read_len).
    ///
    /// ```
    /// use wirewright::{DecodeErrorKind, Reader};
    /// let mut reader = Reader::new(&[0x02, b'o', b'k', 0x05, b'x']);
    /// assert_eq!(reader.read_len_prefixed()?, b"ok");
    /// let err = reader.read_len_prefixed().unwrap_err();
    /// assert_eq!(err.kind(), &DecodeErrorKind::LengthExceedsInput { declared: 5, remaining: 1 });
    /// assert_eq!(err.offset(), 3);
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline(always)]
    pub fn read_len_prefixed(&mut self) -> Result<&'de [u8], DecodeError> {
        let (declared, after_prefix) = self.peek_varint(64)?;
        let split = usize::try_from(declared)
            .ok()
            .and_then(|len| after_prefix.split_at_checked(len));
        match split {
            Some((slice, after)) => {
                self.rest = after;
                Ok(slice)
            }
            None => Err(self.length_exceeds_input(declared, after_prefix)),
        }
    }

    /// The error of the length `declared` at the front of the rest, which exceeds the
    /// bytes `after_prefix` left after it.
    #[cold]
    fn length_exceeds_input(&self, declared: u64, after_prefix: &[u8]) -> DecodeError {
        self.error(DecodeErrorKind::LengthExceedsInput {
            declared,
            remaining: after_prefix.len(),
        })
    }

    /// Reads a collection count (a `u64` varint) and checks it against the input: `count`
    /// elements of at least `min_element_len` bytes each must fit in what remains. For
    /// zero-sized elements the count is held to [`Limits::max_zero_sized_len`] instead.
    ///
    /// # Errors
    /// [`DecodeErrorKind::CountExceedsInput`] or
    /// [`DecodeErrorKind::ZeroSizedCountExceedsLimit`].
    ///
    /// ```
    /// use wirewright::{DecodeErrorKind, Reader};
    /// assert_eq!(Reader::new(&[0x02, 0, 0]).read_count(1)?, 2);
    /// let err = Reader::new(&[0x03, 0, 0]).read_count(1).unwrap_err();
    /// assert!(matches!(err.kind(), DecodeErrorKind::CountExceedsInput { count: 3, .. }));
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline]
    pub fn read_count(&mut self, min_element_len: usize) -> Result<usize, DecodeError> {
        let (count, after) = self.peek_varint(64)?;
        let remaining = after.len();
        if min_element_len == 0 {
            let limit = self.limits.max_zero_sized_len();
            if count > limit as u64 {
                return Err(
                    self.error(DecodeErrorKind::ZeroSizedCountExceedsLimit { count, limit })
                );
            }
        } else if count > (remaining / min_element_len) as u64 {
            return Err(self.error(DecodeErrorKind::CountExceedsInput {
                count,
                min_element_len,
                remaining,
            }));
        }
        self.rest = after;
        Ok(count as usize)
    }

    /// Reads a block length (a `u64` varint checked like [`read_len`](Self::read_len))
    /// and returns a reader over the block's bytes, moving this reader past the block.
    ///
    /// The block reader keeps this reader's offsets (errors inside the block name their
    /// byte in the whole input), nesting depth, limits and [`source`](Self::source); it
    /// cannot read past the block's end. Evolvable types (SPEC.md §12) decode their
    /// fields from it and skip, or keep, whatever a newer definition appended.
    ///
    /// # Errors
    /// As [`read_len`](Self::read_len): a length the input cannot back is rejected before
    /// anything is read from the block.
    ///
    /// ```
    /// use wirewright::Reader;
    /// let mut reader = Reader::new(&[0x02, 7, 8, 9]);
    /// let mut block = reader.read_block()?;
    /// assert_eq!(block.read_u8()?, 7);
    /// assert_eq!(block.position(), 2);
    /// assert_eq!(block.read_rest(), [8]);
    /// assert!(block.read_u8().is_err()); // the block ends here
    /// assert_eq!(reader.read_u8()?, 9);
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline]
    pub fn read_block(&mut self) -> Result<Reader<'de>, DecodeError> {
        let block = self.read_len_prefixed()?;
        // The block's bytes end where the rest now starts.
        let end = self.position();
        Ok(Reader {
            input: self.input.get(..end).unwrap_or(self.input),
            rest: block,
            depth: self.depth,
            limits: self.limits,
            source: self.source,
        })
    }

    /// Reads every byte not yet read, borrowed from the input.
    ///
    /// ```
    /// let mut reader = wirewright::Reader::new(b"abc");
    /// reader.read_u8()?;
    /// assert_eq!(reader.read_rest(), b"bc");
    /// assert!(reader.is_empty());
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline]
    pub fn read_rest(&mut self) -> &'de [u8] {
        let rest = self.rest;
        self.rest = &rest[rest.len()..];
        rest
    }

    /// Enters one level of nesting; call [`leave`](Self::leave) when the value is decoded.
    ///
    /// # Errors
    /// [`DecodeErrorKind::DepthLimitExceeded`] past [`Limits::max_depth`].
    ///
    /// ```
    /// use wirewright::{Limits, Reader};
    /// let mut reader = Reader::with_limits(b"", Limits::new().with_max_depth(1));
    /// reader.enter()?;
    /// assert!(reader.enter().is_err());
    /// reader.leave();
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline]
    pub fn enter(&mut self) -> Result<(), DecodeError> {
        if self.depth >= self.limits.max_depth() {
            return Err(self.error(DecodeErrorKind::DepthLimitExceeded {
                limit: self.limits.max_depth(),
            }));
        }
        self.depth += 1;
        Ok(())
    }

    /// Leaves a level entered with [`enter`](Self::enter).
    ///
    /// ```
    /// let mut reader = wirewright::Reader::new(b"");
    /// reader.enter()?;
    /// reader.leave();
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline]
    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// The `Bytes` buffer this reader reads from, if it was made by
    /// [`from_bytes`](Self::from_bytes).
    ///
    /// ```
    /// assert!(wirewright::Reader::new(b"").source().is_none());
    /// ```
    pub fn source(&self) -> Option<&'de Bytes> {
        self.source
    }

    /// Checks that every byte was consumed.
    ///
    /// # Errors
    /// [`DecodeErrorKind::TrailingBytes`] otherwise.
    ///
    /// ```
    /// let mut reader = wirewright::Reader::new(&[1, 2]);
    /// reader.read_u8()?;
    /// assert_eq!(reader.finish().unwrap_err().to_string(), "1 trailing bytes after the value at byte 1");
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    pub fn finish(&self) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.error(DecodeErrorKind::TrailingBytes {
                count: self.remaining(),
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_varint_at_the_end_of_inputs_of_every_length_is_an_unexpected_end_at_that_offset() {
        for len in 0..40 {
            let input = vec![0x01; len];
            for bits in [16, 32, 64] {
                let mut reader = Reader::new(&input);
                reader.advance(len);
                let err = reader.read_varint(bits).expect_err("no byte left");
                assert_eq!(err.offset(), len);
                assert_eq!(
                    err.kind(),
                    &DecodeErrorKind::UnexpectedEnd {
                        needed: 1,
                        available: 0
                    }
                );
            }
        }
    }

    #[test]
    fn malformed_varints_after_other_bytes_are_reported_where_they_start() {
        let cases: [(&[u8], u32, DecodeErrorKind); 4] = [
            (&[0x80, 0x00], 64, DecodeErrorKind::VarintOverlong),
            (
                &[0x80, 0x80, 0x04],
                16,
                DecodeErrorKind::VarintOverflow { bits: 16 },
            ),
            (
                &[0xff; 11],
                64,
                DecodeErrorKind::VarintOverflow { bits: 64 },
            ),
            (
                &[0x80, 0x80],
                64,
                DecodeErrorKind::UnexpectedEnd {
                    needed: 3,
                    available: 2,
                },
            ),
        ];
        for (varint, bits, kind) in cases {
            for skip in [0, 3, 17] {
                let input = [vec![0x01; skip], varint.to_vec()].concat();
                let mut reader = Reader::new(&input);
                reader.advance(skip);
                let err = reader.read_varint(bits).expect_err("malformed");
                assert_eq!(
                    (err.offset(), err.kind()),
                    (skip, &kind),
                    "{varint:?} after {skip}"
                );
                assert_eq!(reader.position(), skip, "nothing read");
            }
        }
    }

    #[test]
    fn a_varint_cut_by_the_end_of_a_block_is_not_completed_by_the_bytes_after_it() {
        // A block of one byte 0x80 (a varint that continues), then 0x01 outside it.
        let input = [0x01, 0x80, 0x01, 0x01, 0x01];
        let mut reader = Reader::new(&input);
        let mut block = reader.read_block().expect("a block");
        let err = block.read_varint(64).expect_err("cut by the block's end");
        assert_eq!(err.offset(), 1);
        assert_eq!(
            err.kind(),
            &DecodeErrorKind::UnexpectedEnd {
                needed: 2,
                available: 1
            }
        );
        assert_eq!(reader.position(), 2);
        assert_eq!(reader.read_varint(64), Ok(1));
    }

    #[test]
    fn lengths_and_slices_past_the_end_name_the_offset_of_their_prefix() {
        let mut reader = Reader::new(&[0x07, 0x02, b'o', b'k', 0x09, 1]);
        reader.read_u8().expect("a byte");
        assert_eq!(reader.read_len_prefixed(), Ok(&b"ok"[..]));
        let err = reader
            .read_len_prefixed()
            .expect_err("9 bytes declared, 1 left");
        assert_eq!(err.offset(), 4);
        assert_eq!(
            err.kind(),
            &DecodeErrorKind::LengthExceedsInput {
                declared: 9,
                remaining: 1
            }
        );
        assert_eq!(reader.position(), 4, "nothing read past a length in error");
        let err = reader.read_slice(3).expect_err("too long");
        assert_eq!(err.offset(), 4);
        assert_eq!(reader.read_array::<2>(), Ok([0x09, 1]));
        assert!(reader.is_empty());
        assert_eq!(reader.read_rest(), b"");
    }
}
