//! LEB128 varints and zigzag, the integer encoding of SPEC.md §4.2.
//!
//! A varint stores an unsigned integer seven bits at a time, least significant group first;
//! the high bit of each byte says whether another byte follows. Canonical form forbids a
//! multi-byte varint whose last byte is `0x00` (it would be *overlong*: the same value has a
//! shorter encoding), and a varint whose value does not fit the target type (*overflow*).
//!
//! ```
//! use wirewright::varint;
//!
//! let mut buf = Vec::new();
//! varint::put_u64(&mut buf, 300);
//! assert_eq!(buf, [0xac, 0x02]);
//! assert_eq!(varint::encoded_len_u64(300), 2);
//! assert_eq!(varint::zigzag_encode_i64(-2), 3);
//! ```

use bytes::BufMut;

use crate::error::DecodeErrorKind;

/// The longest varint of a `u64`, in bytes.
pub const MAX_LEN_U64: usize = 10;
/// The longest varint of a `u128`, in bytes.
pub const MAX_LEN_U128: usize = 19;

/// Number of bytes the varint of `value` takes (1 to 10).
///
/// ```
/// assert_eq!(wirewright::varint::encoded_len_u64(127), 1);
/// assert_eq!(wirewright::varint::encoded_len_u64(128), 2);
/// assert_eq!(wirewright::varint::encoded_len_u64(u64::MAX), 10);
/// ```
#[inline]
pub const fn encoded_len_u64(value: u64) -> usize {
    let bits = 64 - (value | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Number of bytes the varint of `value` takes (1 to 19).
///
/// ```
/// assert_eq!(wirewright::varint::encoded_len_u128(u128::MAX), 19);
/// ```
#[inline]
pub const fn encoded_len_u128(value: u128) -> usize {
    let bits = 128 - (value | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Appends the varint of `value` to `buf`.
///
/// One and two bytes are written directly; wider varints spread their seven-bit groups
/// over one word and write it with one fixed-size copy, never a loop.
///
/// ```
/// let mut buf = Vec::new();
/// wirewright::varint::put_u64(&mut buf, 1);
/// assert_eq!(buf, [0x01]);
/// ```
#[inline(always)]
pub fn put_u64<B: BufMut + ?Sized>(buf: &mut B, value: u64) {
    if value < 0x80 {
        buf.put_u8(value as u8);
    } else if value < 1 << 14 {
        buf.put_u16_le((value as u16 & 0x7f) | 0x80 | ((value as u16 >> 7) << 8));
    } else {
        put_u64_wide(buf, value);
    }
}

/// Writes the varint of a value of 15 to 64 bits (three to ten bytes): the low 56 bits'
/// seven-bit groups are spread over the bytes of one word (the inverse of
/// [`decode_word`]), the continuation bits set on all bytes but the last; a ninth byte
/// carries bits 56 to 62, a tenth bit 63. The bytes go out with one fixed-size copy
/// ([`put_prefix`]): of the word alone below 2^56 (timestamps, sizes, counters), of
/// sixteen bytes from there.
#[inline(always)]
fn put_u64_wide<B: BufMut + ?Sized>(buf: &mut B, value: u64) {
    debug_assert!(value >= 1 << 14);
    let mut word = value & ((1 << 56) - 1);
    word = (word & 0x0000_0000_0fff_ffff) | ((word & 0x00ff_ffff_f000_0000) << 4);
    word = (word & 0x0000_3fff_0000_3fff) | ((word & 0x0fff_c000_0fff_c000) << 2);
    word = (word & 0x007f_007f_007f_007f) | ((word & 0x3f80_3f80_3f80_3f80) << 1);
    let high = value >> 56;
    // Below 2^56 the varint ends at the word's highest non-zero byte (at least the
    // third: `value` has 15 bits or more), and every byte before it continues. From
    // 2^56, all eight continue, into a ninth byte and, from 2^63, a tenth.
    if high == 0 {
        let top = (63 - (word | 1).leading_zeros()) / 8;
        word |= CONTINUATION_BITS & ((1u64 << (8 * top)) - 1);
        put_prefix(buf, &word.to_le_bytes(), top as usize + 1);
        return;
    }
    word |= CONTINUATION_BITS;
    let ninth = (high & 0x7f) | ((value >> 63) << 7);
    let tenth = value >> 63;
    let bytes =
        (u128::from(tenth) << 72 | u128::from(ninth) << 64 | u128::from(word)).to_le_bytes();
    put_prefix(buf, &bytes, 9 + (value >> 63) as usize);
}

/// Appends the first `len` (at most `N`, which is at most sixteen) bytes of `bytes`:
/// when the buffer's next chunk has room for all `N`, with one fixed-size copy and one
/// advance rather than a variable-length copy; otherwise with `put_slice`.
#[inline(always)]
fn put_prefix<B: BufMut + ?Sized, const N: usize>(buf: &mut B, bytes: &[u8; N], len: usize) {
    debug_assert!(len <= bytes.len());
    let chunk = buf.chunk_mut();
    if chunk.len() >= N && len <= N {
        chunk[..N].copy_from_slice(bytes);
        // SAFETY: `advance_mut(len)` requires the next `len` bytes of the chunk to be
        // initialized. The line above initialized the first `N` bytes of the chunk
        // returned by `chunk_mut`, with nothing written to `buf` since, and `len` is at
        // most `N` (checked above): those `len` bytes are initialized. (The varint tests
        // write every length into a `Vec` with and without room, and into `BytesMut`,
        // and compare with the byte-by-byte writer.)
        #[allow(unsafe_code)]
        unsafe {
            buf.advance_mut(len);
        }
    } else {
        buf.put_slice(&bytes[..len.min(N)]);
    }
}

/// The reference writer: one byte at a time. [`put_u64`] writes the same bytes (a
/// property test holds it to this).
#[cfg(test)]
fn put_u64_slow<B: BufMut + ?Sized>(buf: &mut B, mut value: u64) {
    let mut scratch = [0u8; MAX_LEN_U64];
    let mut len = 0;
    while value >= 0x80 {
        scratch[len] = (value as u8) | 0x80;
        value >>= 7;
        len += 1;
    }
    scratch[len] = value as u8;
    buf.put_slice(&scratch[..=len]);
}

/// Appends the varint of a `u128` to `buf`.
///
/// ```
/// let mut buf = Vec::new();
/// wirewright::varint::put_u128(&mut buf, 300);
/// assert_eq!(buf, [0xac, 0x02]);
/// ```
#[inline]
pub fn put_u128<B: BufMut + ?Sized>(buf: &mut B, mut value: u128) {
    let mut scratch = [0u8; MAX_LEN_U128];
    let mut len = 0;
    while value >= 0x80 {
        scratch[len] = (value as u8) | 0x80;
        value >>= 7;
        len += 1;
    }
    scratch[len] = value as u8;
    buf.put_slice(&scratch[..=len]);
}

/// Maps a signed integer to an unsigned one so that small magnitudes stay small:
/// 0 → 0, -1 → 1, 1 → 2, -2 → 3, …
///
/// ```
/// assert_eq!(wirewright::varint::zigzag_encode_i64(i64::MIN), u64::MAX);
/// ```
#[inline]
pub const fn zigzag_encode_i64(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// Inverse of [`zigzag_encode_i64`].
///
/// ```
/// assert_eq!(wirewright::varint::zigzag_decode_i64(3), -2);
/// ```
#[inline]
pub const fn zigzag_decode_i64(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

/// Zigzag for `i128`; see [`zigzag_encode_i64`].
///
/// ```
/// assert_eq!(wirewright::varint::zigzag_encode_i128(-1), 1);
/// ```
#[inline]
pub const fn zigzag_encode_i128(value: i128) -> u128 {
    ((value << 1) ^ (value >> 127)) as u128
}

/// Inverse of [`zigzag_encode_i128`].
///
/// ```
/// assert_eq!(wirewright::varint::zigzag_decode_i128(1), -1);
/// ```
#[inline]
pub const fn zigzag_decode_i128(value: u128) -> i128 {
    ((value >> 1) as i128) ^ -((value & 1) as i128)
}

/// Decodes the canonical varint of at most `bits` significant bits (8 to 64) at the
/// start of `rest`, a suffix of `input` (the bytes not yet read of the input the reader
/// holds). Returns the value and the bytes after the varint, or `None` when `rest`
/// does not start with a canonical varint that fits: the caller then asks the reference
/// reader, [`decode_u64_reference`], which error and where, so that a malformed varint
/// gets the same error whichever path saw it.
///
/// Every width, one to ten bytes, decodes in straight-line code: one and two bytes with
/// a test each; with ten or more bytes left, any other width from one word and two bytes
/// ([`decode_word`]); near the end of the input, the same code over the remaining bytes
/// padded with zeros ([`decode_tail`]).
#[inline(always)]
pub(crate) fn decode_u64<'a>(input: &[u8], rest: &'a [u8], bits: u32) -> Option<(u64, &'a [u8])> {
    match *rest {
        [first, ref after @ ..] if first < 0x80 => return Some((u64::from(first), after)),
        // Two bytes (lengths of 128 bytes to 16 KiB, small numbers): canonical when the
        // second is not zero; 14 bits fit every type read as a varint (16 bits and wider).
        [first, second, ref after @ ..] if second < 0x80 && second != 0 && bits >= 14 => {
            return Some((u64::from(first & 0x7f) | (u64::from(second) << 7), after));
        }
        _ => {}
    }
    let (value, len) = match rest.first_chunk::<MAX_LEN_U64>() {
        Some(chunk) => decode_chunk(chunk, bits),
        None => decode_tail(input, rest, bits),
    }?;
    Some((value, rest.get(len..)?))
}

/// [`decode_word`] over ten bytes.
#[inline(always)]
fn decode_chunk(chunk: &[u8; MAX_LEN_U64], bits: u32) -> Option<(u64, usize)> {
    let [b0, b1, b2, b3, b4, b5, b6, b7, ninth, tenth] = *chunk;
    let word = u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7]);
    decode_word(word, ninth, tenth, bits)
}

/// [`decode_u64`] when fewer than ten bytes remain (the last fields of a message): the
/// remaining bytes, followed by zeros, go through [`decode_word`]. A zero has no
/// continuation bit, so a varint cut short by the end of the input ends in the padding;
/// the length check then sends it to the reference reader, which reports the end.
///
/// The padded bytes come from one load of the input's last sixteen bytes, shifted so
/// that the bytes already read fall off (`rest`, a suffix of `input`, is at most nine of
/// them), or, for an input shorter than sixteen bytes, from overlapping loads of the
/// remaining bytes ([`padded_short`]).
#[inline(always)]
fn decode_tail(input: &[u8], rest: &[u8], bits: u32) -> Option<(u64, usize)> {
    debug_assert!(rest.len() < MAX_LEN_U64);
    debug_assert!(input.ends_with(rest));
    if rest.is_empty() {
        return None; // the reference reader reports the end of the input
    }
    let padded = match input.last_chunk::<16>() {
        Some(last) => u128::from_le_bytes(*last) >> (8 * (16 - rest.len())),
        None => padded_short(rest),
    };
    let [ninth, tenth, ..] = (padded >> 64).to_le_bytes();
    decode_word(padded as u64, ninth, tenth, bits).filter(|&(_, len)| len <= rest.len())
}

/// `rest` (one to nine bytes) as a little-endian number, without a loop: a word and the
/// ninth byte; two overlapping four-byte words; or the first, middle and last bytes
/// (which cover one to three bytes). Overlapping loads place the same bytes at the same
/// places, so OR-ing them is exact.
#[inline(always)]
fn padded_short(rest: &[u8]) -> u128 {
    debug_assert!((1..MAX_LEN_U64).contains(&rest.len()));
    let len = rest.len();
    if let Some(word) = rest.first_chunk::<8>() {
        let ninth = rest.get(8).copied().unwrap_or(0);
        u128::from(u64::from_le_bytes(*word)) | (u128::from(ninth) << 64)
    } else if let (Some(first), Some(last)) = (rest.first_chunk::<4>(), rest.last_chunk::<4>()) {
        let last = u64::from(u32::from_le_bytes(*last)) << (8 * (len - 4));
        u128::from(u64::from(u32::from_le_bytes(*first)) | last)
    } else {
        match *rest {
            [first, .., last] => {
                let middle = u64::from(rest[len / 2]) << (8 * (len / 2));
                u128::from(u64::from(first) | middle | (u64::from(last) << (8 * (len - 1))))
            }
            [only] => u128::from(only),
            [] => 0,
        }
    }
}

/// Bytes with their high bit set: where a varint continues.
const CONTINUATION_BITS: u64 = 0x8080_8080_8080_8080;

/// Decodes the canonical varint at the start of the ten bytes `word` (the first eight,
/// little-endian), `ninth` and `tenth`, with word operations instead of a loop. Returns
/// the value and its length, or `None` when the varint is overlong, too wide for `bits`
/// or longer than ten bytes (the caller then asks the reference reader which error).
#[inline(always)]
fn decode_word(word: u64, ninth: u8, tenth: u8, bits: u32) -> Option<(u64, usize)> {
    let stops = !word & CONTINUATION_BITS;
    if stops != 0 {
        // One to eight bytes. `kept` covers the bytes up to and including the first one
        // without a continuation bit; `last` is that byte alone.
        let (kept, zero_last, len) = first_stop(word, stops);
        let overlong = zero_last && len > 1;
        let value = gather(word & kept & !CONTINUATION_BITS);
        let too_wide = bits < 64 && value >> bits != 0;
        if overlong | too_wide {
            return None;
        }
        Some((value, len))
    } else {
        // Nine or ten bytes, which only a `u64` takes. The ninth byte holds bits 56 to
        // 62; when it continues, the tenth holds bit 63 and must be exactly 1 (0 would be
        // overlong, more would overflow, a continuation bit would make an eleventh byte).
        let low = gather(word & !CONTINUATION_BITS);
        let ten = ninth >= 0x80;
        let value = low | (u64::from(ninth & 0x7f) << 56) | (u64::from(ten) << 63);
        let canonical = if ten { tenth == 1 } else { ninth != 0 };
        if bits < 64 || !canonical {
            return None;
        }
        Some((value, 9 + usize::from(ten)))
    }
}

/// The seven-bit groups of the eight bytes of `word` (continuation bits cleared),
/// gathered into 56 bits: pairs of bytes into 14 bits, pairs of those into 28, and the
/// two halves into 56.
#[inline(always)]
fn gather(mut word: u64) -> u64 {
    word = (word & 0x007f_007f_007f_007f) | ((word & 0x7f00_7f00_7f00_7f00) >> 1);
    word = (word & 0x0000_3fff_0000_3fff) | ((word & 0x3fff_0000_3fff_0000) >> 2);
    (word & 0x0000_0000_0fff_ffff) | ((word & 0x0fff_ffff_0000_0000) >> 4)
}

/// Where the varint ends in `word`, given its `stops` (bytes without a continuation
/// bit, at least one): the bytes up to and including the first stop (`kept`, a mask),
/// whether that last byte is zero, and how many bytes that is.
#[inline(always)]
fn first_stop(word: u64, stops: u64) -> (u64, bool, usize) {
    let kept = stops ^ (stops - 1);
    let last = kept ^ (kept >> 8);
    (
        kept,
        word & last == 0,
        (stops.trailing_zeros() / 8 + 1) as usize,
    )
}

/// The reference reader: one byte at a time, exactly as SPEC.md §4.2 states the rules,
/// over the bytes not yet read. [`decode_u64`] gives the same values (a property test
/// holds it to this), and the reader calls this one to find the error in a malformed
/// varint. The error is the kind only: the varint starts at the reader's position.
///
/// # Errors
/// [`DecodeErrorKind::UnexpectedEnd`] when `rest` stops inside the varint,
/// [`DecodeErrorKind::VarintOverlong`] for a needless trailing zero byte and
/// [`DecodeErrorKind::VarintOverflow`] when the value needs more than `bits` bits.
#[cold]
#[inline(never)]
pub(crate) fn decode_u64_reference(
    rest: &[u8],
    bits: u32,
) -> Result<(u64, usize), DecodeErrorKind> {
    let mut value: u64 = 0;
    for (index, &byte) in rest.iter().enumerate() {
        let shift = 7 * index as u32;
        let group = u64::from(byte & 0x7f);
        // A byte past the last one the type can use, or bits beyond the type's width.
        if shift >= bits || (bits - shift < 7 && group >> (bits - shift) != 0) {
            return Err(DecodeErrorKind::VarintOverflow { bits });
        }
        value |= group << shift;
        if byte & 0x80 == 0 {
            if index > 0 && byte == 0 {
                return Err(DecodeErrorKind::VarintOverlong);
            }
            return Ok((value, index + 1));
        }
    }
    Err(unexpected_end(rest))
}

/// The error of a varint that `rest` ends inside: one byte more was needed at least.
fn unexpected_end(rest: &[u8]) -> DecodeErrorKind {
    DecodeErrorKind::UnexpectedEnd {
        needed: rest.len() + 1,
        available: rest.len(),
    }
}

/// Decodes the canonical varint of at most 128 significant bits at the start of `rest`
/// in straight-line code: up to eight bytes from one word, up to sixteen from two, up
/// to nineteen from two words and three bytes, the bytes past the end of `rest` (if
/// fewer than 24 remain) read as zeros. Returns the value and the varint's length, or
/// `None` when `rest` does not start with a canonical `u128` varint:
/// [`decode_u128_reference`] then names the error.
#[inline]
pub(crate) fn decode_u128(rest: &[u8]) -> Option<(u128, usize)> {
    let mut padded = [0u8; 24];
    let bytes = match rest.first_chunk::<24>() {
        Some(bytes) => bytes,
        None => {
            padded[..rest.len()].copy_from_slice(rest);
            &padded
        }
    };
    let word = |at: usize| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(word)
    };
    let (first, second, third) = (word(0), word(8), word(16));
    let stops = !first & CONTINUATION_BITS;
    if stops != 0 {
        let (kept, zero_last, len) = first_stop(first, stops);
        let value = gather(first & kept & !CONTINUATION_BITS);
        return (!(zero_last && len > 1) && len <= rest.len()).then_some((value.into(), len));
    }
    let low = u128::from(gather(first & !CONTINUATION_BITS));
    let stops = !second & CONTINUATION_BITS;
    if stops != 0 {
        let (kept, zero_last, len) = first_stop(second, stops);
        let value = low | u128::from(gather(second & kept & !CONTINUATION_BITS)) << 56;
        return (!zero_last && 8 + len <= rest.len()).then_some((value, 8 + len));
    }
    let middle = u128::from(gather(second & !CONTINUATION_BITS)) << 56;
    // Bytes 17 to 19 hold bits 112 to 127: a twentieth byte, or a value of more than
    // 16 bits there, overflows.
    let stops = !third & 0x0080_8080;
    if stops == 0 {
        return None;
    }
    let (kept, zero_last, len) = first_stop(third, stops);
    let top = gather(third & kept & !CONTINUATION_BITS);
    let canonical = !zero_last && top >> 16 == 0 && 16 + len <= rest.len();
    canonical.then_some((low | middle | u128::from(top) << 112, 16 + len))
}

/// The reference reader of `u128` varints, one byte at a time: the value and the
/// varint's length.
///
/// # Errors
/// As [`decode_u64_reference`].
#[cold]
#[inline(never)]
pub(crate) fn decode_u128_reference(rest: &[u8]) -> Result<(u128, usize), DecodeErrorKind> {
    const BITS: u32 = 128;
    let mut value: u128 = 0;
    for (index, &byte) in rest.iter().enumerate() {
        let shift = 7 * index as u32;
        let group = u128::from(byte & 0x7f);
        if shift >= BITS || (BITS - shift < 7 && group >> (BITS - shift) != 0) {
            return Err(DecodeErrorKind::VarintOverflow { bits: BITS });
        }
        value |= group << shift;
        if byte & 0x80 == 0 {
            if index > 0 && byte == 0 {
                return Err(DecodeErrorKind::VarintOverlong);
            }
            return Ok((value, index + 1));
        }
    }
    Err(unexpected_end(rest))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// What the fast decoder gives for the varint at byte `skip` of `input`: the value
    /// and its length, or `None` where it leaves the input to the reference reader.
    fn fast_at(input: &[u8], skip: usize, bits: u32) -> Option<(u64, usize)> {
        let rest = &input[skip..];
        decode_u64(input, rest, bits).map(|(value, after)| (value, rest.len() - after.len()))
    }

    /// What the reference reader gives for the varint at byte `skip` of `input`.
    fn reference_at(input: &[u8], skip: usize, bits: u32) -> Result<(u64, usize), DecodeErrorKind> {
        decode_u64_reference(&input[skip..], bits)
    }

    /// Varint-shaped inputs: runs of continuation bytes ending anywhere, zero bytes,
    /// values near each width.
    fn varint_bytes() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..12),
            (
                proptest::collection::vec(0x80u8..=0xff, 0..11),
                0u8..0x80,
                proptest::collection::vec(any::<u8>(), 0..4),
            )
                .prop_map(|(mut run, last, tail)| {
                    run.push(last);
                    run.extend(tail);
                    run
                }),
            any::<u64>().prop_map(|value| {
                let mut buf = Vec::new();
                put_u64(&mut buf, value);
                buf
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn word_reader_agrees_with_the_byte_reader_on_values_and_declines_every_error(
            prefix in proptest::collection::vec(any::<u8>(), 0..24),
            varint in varint_bytes(),
            bits in prop_oneof![Just(8u32), Just(16), Just(32), Just(64)],
        ) {
            // After a prefix, so that reads near the end of longer inputs are covered.
            let skip = prefix.len();
            let input = [prefix, varint].concat();
            prop_assert_eq!(fast_at(&input, skip, bits), reference_at(&input, skip, bits).ok());
        }

        #[test]
        fn fast_reader_agrees_with_the_byte_reader_on_every_value_and_width(
            value in prop_oneof![
                any::<u64>(),
                (0u32..64).prop_map(|shift| 1u64 << shift),
                (0u32..64).prop_map(|shift| (1u64 << shift) - 1),
            ],
            tail in proptest::collection::vec(any::<u8>(), 0..12),
            bits in prop_oneof![Just(8u32), Just(16), Just(32), Just(64)],
        ) {
            let mut input = Vec::new();
            put_u64(&mut input, value);
            let len = input.len();
            input.extend(tail);
            let fast = fast_at(&input, 0, bits);
            prop_assert_eq!(fast, reference_at(&input, 0, bits).ok());
            if bits == 64 {
                prop_assert_eq!(fast, Some((value, len)));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn word_writer_writes_the_bytes_of_the_byte_writer(
            value in prop_oneof![any::<u64>(), (0u32..64).prop_map(|shift| 1u64 << shift)],
            delta in 0u64..3,
        ) {
            let value = value.saturating_sub(delta);
            let mut fast = vec![0xaa];
            put_u64(&mut fast, value);
            let mut slow = vec![0xaa];
            put_u64_slow(&mut slow, value);
            prop_assert_eq!(&fast, &slow);
            prop_assert_eq!(fast.len() - 1, encoded_len_u64(value));
        }
    }

    #[test]
    fn varints_of_every_width_write_the_same_bytes_into_any_buffer() {
        for shift in 0..64 {
            for value in [1u64 << shift, (1u64 << shift) - 1, u64::MAX >> (63 - shift)] {
                let mut want = Vec::new();
                put_u64_slow(&mut want, value);
                let mut roomy = Vec::with_capacity(64);
                put_u64(&mut roomy, value);
                assert_eq!(roomy, want, "{value}");
                let mut after = vec![0xaa; 61];
                put_u64(&mut after, value);
                assert_eq!(after[61..], want[..], "{value}");
                let mut shared = bytes::BytesMut::new();
                put_u64(&mut shared, value);
                assert_eq!(shared[..], want[..], "{value}");
                // A slice exactly as long as the varint: no room for a whole word.
                let mut storage = vec![0u8; want.len()];
                let mut slice = &mut storage[..];
                put_u64(&mut slice, value);
                assert_eq!(slice.remaining_mut(), 0);
                assert_eq!(storage, want, "{value}");
            }
        }
    }

    #[test]
    fn a_varint_at_the_end_of_inputs_of_every_length_is_left_to_the_reference_reader() {
        for len in 0..40 {
            let input = vec![0x01; len];
            for bits in [16, 32, 64] {
                assert_eq!(fast_at(&input, len, bits), None);
                assert_eq!(
                    reference_at(&input, len, bits),
                    Err(DecodeErrorKind::UnexpectedEnd {
                        needed: 1,
                        available: 0
                    })
                );
            }
        }
    }

    #[test]
    fn remaining_bytes_of_every_short_length_pad_to_the_same_number_as_a_copy() {
        let bytes: Vec<u8> = (0xf1..=0xf9).collect();
        for len in 1..MAX_LEN_U64 {
            let mut copy = [0u8; 16];
            copy[..len].copy_from_slice(&bytes[..len]);
            assert_eq!(
                padded_short(&bytes[..len]),
                u128::from_le_bytes(copy),
                "{len}"
            );
        }
    }

    #[test]
    fn varints_near_the_end_of_inputs_shorter_than_sixteen_bytes_read_as_in_longer_ones() {
        for value in [
            0u64,
            127,
            128,
            300,
            1 << 21,
            1 << 35,
            1 << 49,
            1 << 56,
            u64::MAX,
        ] {
            let mut varint = Vec::new();
            put_u64(&mut varint, value);
            for before in 0..=(15 - varint.len()) {
                let input = [vec![0x01; before], varint.clone()].concat();
                assert!(input.len() < 16);
                assert_eq!(fast_at(&input, before, 64), Some((value, varint.len())));
                // Cut short: left to the reference reader, which names the end.
                let cut = &input[..input.len() - 1];
                assert_eq!(fast_at(cut, before, 64), None);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn u128_word_reader_agrees_with_the_byte_reader_and_declines_every_error(
            run in proptest::collection::vec(0x80u8..=0xff, 0..21),
            last in any::<u8>(),
            tail in proptest::collection::vec(any::<u8>(), 0..30),
            value in any::<u128>(),
            shift in 0u32..128,
        ) {
            let shaped = [run, vec![last], tail].concat();
            prop_assert_eq!(decode_u128(&shaped), decode_u128_reference(&shaped).ok());
            let mut encoded = Vec::new();
            put_u128(&mut encoded, value >> shift);
            prop_assert_eq!(decode_u128(&encoded), Some((value >> shift, encoded.len())));
            for cut in 0..encoded.len() {
                prop_assert_eq!(decode_u128(&encoded[..cut]), None);
            }
        }
    }

    #[test]
    fn u128_varints_of_every_width_read_back_and_malformed_ones_are_named() {
        for shift in 0..128 {
            for value in [1u128 << shift, (1u128 << shift) - 1] {
                let mut buf = Vec::new();
                put_u128(&mut buf, value);
                let len = buf.len();
                assert_eq!(decode_u128(&buf), Some((value, len)));
                assert_eq!(decode_u128_reference(&buf), Ok((value, len)));
                buf.extend_from_slice(&[0xff; 24]);
                assert_eq!(decode_u128(&buf), Some((value, len)));
            }
        }
        let cases: [(&[u8], DecodeErrorKind); 3] = [
            (&[0x80, 0x00], DecodeErrorKind::VarintOverlong),
            (&[0xff; 20], DecodeErrorKind::VarintOverflow { bits: 128 }),
            (
                &[0x80, 0x80],
                DecodeErrorKind::UnexpectedEnd {
                    needed: 3,
                    available: 2,
                },
            ),
        ];
        for (input, kind) in cases {
            assert_eq!(decode_u128(input), None);
            assert_eq!(decode_u128_reference(input), Err(kind));
        }
        let mut too_wide = vec![0xff; 18];
        too_wide.push(0x04);
        assert_eq!(decode_u128(&too_wide), None);
        assert_eq!(
            decode_u128_reference(&too_wide),
            Err(DecodeErrorKind::VarintOverflow { bits: 128 })
        );
    }

    #[test]
    fn every_length_from_one_to_ten_bytes_reads_back_at_the_end_of_the_input_and_before_more() {
        for shift in 0..64 {
            for value in [1u64 << shift, (1u64 << shift) - 1, u64::MAX >> (63 - shift)] {
                let mut buf = Vec::new();
                put_u64(&mut buf, value);
                let len = buf.len();
                assert_eq!(fast_at(&buf, 0, 64), Some((value, len)));
                buf.extend_from_slice(&[0xff; 9]);
                assert_eq!(fast_at(&buf, 0, 64), Some((value, len)));
            }
        }
    }
}
