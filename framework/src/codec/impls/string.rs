//! Strings and byte strings: a varint byte length, then the bytes (SPEC.md §4.5).

use std::alloc::{self, Layout};
use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;

use bytes::buf::UninitSlice;
use bytes::{BufMut, Bytes};

use crate::error::DecodeErrorKind;
use crate::{varint, Decode, DecodeError, Encode, Reader};

/// Reads a length-prefixed, UTF-8-validated string borrowed from the input.
#[inline(always)]
fn read_str<'de>(reader: &mut Reader<'de>) -> Result<&'de str, DecodeError> {
    let bytes = reader.read_len_prefixed()?;
    match utf8(bytes) {
        Ok(text) => Ok(text),
        Err(err) => Err(invalid_utf8(reader, bytes, err)),
    }
}

/// The error for the string `bytes`, just read, that is not UTF-8.
#[cold]
fn invalid_utf8(reader: &Reader<'_>, bytes: &[u8], err: core::str::Utf8Error) -> DecodeError {
    let start = reader.position() - bytes.len();
    reader.error_at(
        start + err.valid_up_to(),
        DecodeErrorKind::InvalidUtf8 {
            valid_up_to: err.valid_up_to(),
        },
    )
}

/// `bytes` as a `str` if they are valid UTF-8, exactly as `core::str::from_utf8` decides,
/// with a faster path for ASCII, the usual content of protocol strings (names, keys,
/// paths): [`is_ascii`] checks a word at a time where `from_utf8` goes byte by byte until
/// its input is aligned, which for short strings is all of it.
#[inline]
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, core::str::Utf8Error> {
    if is_ascii(bytes) {
        // SAFETY: `from_utf8_unchecked` requires `bytes` to be valid UTF-8. Every byte is
        // below 0x80 (`is_ascii`), and a byte below 0x80 is by itself a complete UTF-8
        // sequence (the one-byte form, `0xxxxxxx`), so the whole slice is a sequence of
        // valid one-byte sequences: valid UTF-8. (Tested against `from_utf8` below.)
        #[allow(unsafe_code)]
        let text = unsafe { core::str::from_utf8_unchecked(bytes) };
        Ok(text)
    } else {
        core::str::from_utf8(bytes)
    }
}

/// Whether every byte is below 0x80, as `<[u8]>::is_ascii` says, with few branches for
/// the short strings of protocols: the OR of all bytes, read as (overlapping) words,
/// has no high bit set. Every byte is read: up to sixteen bytes, the first and last
/// eight-byte words (or four-byte words, or the first, middle and last bytes) cover the
/// slice; up to 128 bytes, four overlapping blocks of 32 bytes (four words each), so
/// that a sentence-sized text takes no loop and no branch on its length (whose outcome a
/// varying length would mispredict); beyond, the last word and every whole word before
/// it.
#[inline(always)]
fn is_ascii(bytes: &[u8]) -> bool {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let words = |block: &[u8; 32]| {
        let word = |at: usize| {
            let mut word = [0u8; 8];
            word.copy_from_slice(&block[at..at + 8]);
            u64::from_ne_bytes(word)
        };
        word(0) | word(8) | word(16) | word(24)
    };
    if let (Some(first), Some(last)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
        let mut any = u64::from_ne_bytes(*first) | u64::from_ne_bytes(*last);
        if bytes.len() > 16 {
            match (bytes.first_chunk::<16>(), bytes.last_chunk::<16>()) {
                (Some(first), Some(last)) if bytes.len() <= 32 => {
                    let half = |half: &[u8; 16], at: usize| {
                        let mut word = [0u8; 8];
                        word.copy_from_slice(&half[at..at + 8]);
                        u64::from_ne_bytes(word)
                    };
                    any |= half(first, 8) | half(last, 0);
                }
                _ => match (bytes.first_chunk::<32>(), bytes.last_chunk::<32>()) {
                    (Some(first), Some(last)) if bytes.len() <= 128 => {
                        // Four blocks of 32 bytes at offsets 0, `c`, `m - c` and `m`
                        // (`m = len - 32`, `c = ⌈m / 3⌉ ≤ 32`): no two consecutive ones
                        // more than 32 apart, so they cover every byte, for every length
                        // from 33 to 128 with no branch on the length.
                        let m = bytes.len() - 32;
                        let c = m.div_ceil(3);
                        let block = |at: usize| bytes.get(at..).and_then(<[u8]>::first_chunk);
                        match (block(c), block(m - c)) {
                            (Some(second), Some(third)) => {
                                any |= words(first) | words(second) | words(third) | words(last);
                            }
                            // Not reached: `c` and `m - c` are at most `m`, and 32 bytes follow `m`.
                            _ => return bytes.is_ascii(),
                        }
                    }
                    _ => {
                        for chunk in bytes.chunks_exact(8) {
                            if let Some(word) = chunk.first_chunk::<8>() {
                                any |= u64::from_ne_bytes(*word);
                            }
                        }
                    }
                },
            }
        }
        any & HIGH_BITS == 0
    } else if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        (u32::from_ne_bytes(*first) | u32::from_ne_bytes(*last)) & 0x8080_8080 == 0
    } else {
        match bytes {
            [] => true,
            [first, .., last] => (first | bytes[bytes.len() / 2] | last) < 0x80,
            [only] => *only < 0x80,
        }
    }
}

/// Reads a length-prefixed, UTF-8-validated string into a new `String`. Short ASCII
/// strings (most protocol strings) are checked and copied from the same few loads
/// ([`short_ascii_string`]); others are validated, then copied.
#[inline(always)]
fn read_string(reader: &mut Reader<'_>) -> Result<String, DecodeError> {
    let bytes = reader.read_len_prefixed()?;
    if bytes.len() <= SHORT {
        if let Some(text) = short_ascii_string(bytes) {
            return Ok(text);
        }
    }
    match utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(err) => Err(invalid_utf8(reader, bytes, err)),
    }
}

/// `bytes` as a new `String`, allocated at their exact length, when they are at most
/// [`SHORT`] ASCII bytes; `None` otherwise (nothing allocated).
#[inline(always)]
fn short_ascii_string(bytes: &[u8]) -> Option<String> {
    let len = bytes.len();
    if len >= 8 {
        ascii_string_of_two_words::<8>(bytes)
    } else if len >= 4 {
        ascii_string_of_two_words::<4>(bytes)
    } else if len >= 2 {
        ascii_string_of_two_words::<2>(bytes)
    } else if len == 1 {
        ascii_string_of_two_words::<1>(bytes)
    } else {
        Some(String::new())
    }
}

/// `bytes`, `W` to `2 * W` of them (`W` at most 8), as a new `String` allocated at their
/// exact length, if they are ASCII; `None` otherwise (nothing allocated). The bytes are
/// loaded once, as two overlapping words (the first `W` and the last `W`): the same two
/// loads are checked for high bits, as [`is_ascii`] does, and stored into the new
/// buffer, instead of a check, then a call to `memcpy`.
#[inline(always)]
fn ascii_string_of_two_words<const W: usize>(bytes: &[u8]) -> Option<String> {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let len = bytes.len();
    let (Some(&head), Some(&tail)) = (bytes.first_chunk::<W>(), bytes.last_chunk::<W>()) else {
        return None;
    };
    // The words zero-extended to eight bytes (one load each, of `W` bytes).
    let widen = |word: [u8; W]| {
        let mut wide = [0u8; 8];
        wide[..W].copy_from_slice(&word);
        u64::from_ne_bytes(wide)
    };
    if W > 8 || len > 2 * W || (widen(head) | widen(tail)) & HIGH_BITS != 0 {
        return None;
    }
    // `len` is at least `W`, so at least 1: the layout is never zero-sized.
    let Ok(layout) = Layout::array::<u8>(len) else {
        return None;
    };
    // SAFETY: `alloc` requires a layout of non-zero size: `len >= W >= 1` (`bytes` has a
    // first chunk of `W` bytes). A null result is handled below, as `Vec` handles it.
    #[allow(unsafe_code)]
    let at = unsafe { alloc::alloc(layout) };
    if at.is_null() {
        alloc::handle_alloc_error(layout);
    }
    // SAFETY: `at` points to `len` bytes freshly allocated by the global allocator with
    // the layout of `[u8; len]` (size `len`, alignment 1). `W <= len` (`bytes` has a
    // first and a last chunk of `W`), so the `W` bytes written at offset 0 and the `W`
    // written at offset `len - W` lie inside the allocation; unaligned writes need no
    // alignment. As `len <= 2 * W` (checked above), the two writes cover every offset of
    // `0..len`, with the first `W` and the last `W` of `bytes`: all `len` bytes are
    // initialized and equal to `bytes`. `Vec::from_raw_parts(at, len, len)` then holds:
    // the pointer was allocated by the global allocator for `u8`, with alignment 1 and
    // size `len * 1` equal to the capacity `len`, and its first `len` elements are
    // initialized. No byte has its high bit set (checked above on these same words), so
    // they are ASCII, and ASCII is valid UTF-8: `from_utf8_unchecked` holds. (Tested
    // below for every length from 0 to 40, with a high byte at every position or none,
    // against `String::from_utf8`, and by the fuzz targets.)
    #[allow(unsafe_code)]
    unsafe {
        at.cast::<[u8; W]>().write_unaligned(head);
        at.add(len - W).cast::<[u8; W]>().write_unaligned(tail);
        Some(String::from_utf8_unchecked(Vec::from_raw_parts(
            at, len, len,
        )))
    }
}

/// Reads a length-prefixed byte string borrowed from the input.
#[inline(always)]
fn read_bytes<'de>(reader: &mut Reader<'de>) -> Result<&'de [u8], DecodeError> {
    reader.read_len_prefixed()
}

#[inline]
fn bytes_len(bytes: &[u8]) -> usize {
    varint::encoded_len_u64(bytes.len() as u64) + bytes.len()
}

/// Strings up to this long are written by [`put_short`].
const SHORT: usize = 16;

/// Writes the length prefix and the bytes.
#[inline(always)]
fn put_bytes<B: BufMut + ?Sized>(buf: &mut B, bytes: &[u8]) {
    if bytes.len() <= SHORT && put_short(buf, bytes) {
        return;
    }
    varint::put_u64(buf, bytes.len() as u64);
    buf.put_slice(bytes);
}

/// Writes a string of up to [`SHORT`] bytes (names, keys, labels: most protocol strings)
/// and its one-byte prefix with one room check and a few fixed-size copies, rather than
/// a check for the prefix, a check for the bytes and a call to `memcpy`. Returns `false`,
/// having written nothing, when the buffer's next chunk is shorter than `SHORT + 1`.
#[inline(always)]
fn put_short<B: BufMut + ?Sized>(buf: &mut B, bytes: &[u8]) -> bool {
    let chunk = buf.chunk_mut();
    if chunk.len() <= SHORT {
        return false;
    }
    let written = write_short(chunk, bytes);
    // SAFETY: `advance_mut(written)` requires the next `written` bytes of the chunk to be
    // initialized: `write_short` initialized exactly the first `written` bytes of the
    // chunk returned by `chunk_mut`, and nothing was written to `buf` since. (Tested
    // below: every length, into a `Vec` with and without room, a `BytesMut` and a slice
    // with no spare byte, against the encoding built byte by byte.)
    #[allow(unsafe_code)]
    unsafe {
        buf.advance_mut(written);
    }
    true
}

/// Writes the one-byte prefix and the bytes of a string of up to [`SHORT`] bytes at the
/// start of `window` (which has more than `SHORT` bytes) and returns how many bytes that
/// is, `bytes.len() + 1`: every one of them initialized, none beyond. Two overlapping
/// words (or half-words, or the first, middle and last bytes) cover every byte of a
/// short string, whatever its length.
#[inline(always)]
fn write_short(window: &mut UninitSlice, bytes: &[u8]) -> usize {
    let len = bytes.len();
    debug_assert!(len <= SHORT && window.len() > SHORT);
    window.write_byte(0, len as u8);
    let text = &mut window[1..=SHORT];
    if let (Some(first), Some(last)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
        text[..8].copy_from_slice(first);
        text[len - 8..len].copy_from_slice(last);
    } else if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        text[..4].copy_from_slice(first);
        text[len - 4..len].copy_from_slice(last);
    } else if let [first, .., last] = *bytes {
        text.write_byte(0, first);
        text.write_byte(len / 2, bytes[len / 2]);
        text.write_byte(len - 1, last);
    } else if let [only] = *bytes {
        text.write_byte(0, only);
    }
    len + 1
}

/// Writes byte strings back to back (the elements of a `Vec<String>`: tags, labels,
/// names). While they are short and the buffer's next chunk has room, they go into that
/// chunk at a running offset, each with one room check against the local chunk, and the
/// buffer is advanced once for the run, instead of asking the buffer for its chunk and
/// advancing it for every string. A long string, or a chunk that runs out, ends the
/// run: that string is written by [`put_bytes`], and a new run starts after it.
#[inline(always)]
fn put_byte_strings<B: BufMut + ?Sized, T: AsRef<[u8]>>(items: &[T], buf: &mut B) {
    let mut items = items.iter();
    loop {
        let chunk = buf.chunk_mut();
        let mut written = 0;
        let mut stopped_at = None;
        for item in items.by_ref() {
            let bytes = item.as_ref();
            let window = &mut chunk[written..];
            if bytes.len() > SHORT || window.len() <= SHORT {
                stopped_at = Some(bytes);
                break;
            }
            written += write_short(window, bytes);
        }
        // SAFETY: `advance_mut(written)` requires the next `written` bytes of the chunk to
        // be initialized. Each `write_short` above initialized the bytes of `window` from
        // its start up to the count it returned, and `window` starts at `written` in the
        // chunk returned by `chunk_mut`: so every byte of `0..written` is initialized,
        // and nothing was written to `buf` since `chunk_mut`. (Tested below: lists of
        // strings of every short and some long lengths, into buffers that run out at
        // every offset, against the strings written one by one.)
        #[allow(unsafe_code)]
        unsafe {
            buf.advance_mut(written);
        }
        match stopped_at {
            Some(bytes) => put_bytes(buf, bytes),
            None => return,
        }
    }
}

impl Encode for str {
    #[inline]
    fn encoded_len(&self) -> usize {
        bytes_len(self.as_bytes())
    }
    #[inline(always)]
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
    #[inline(always)]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        put_bytes(buf, self.as_bytes());
    }
    #[inline]
    fn encode_slice_raw<B: BufMut + ?Sized>(items: &[Self], buf: &mut B) {
        put_byte_strings(items, buf);
    }
}

// `Box<str>`, `Rc<str>` and `Arc<str>` encode through the pointer impls of `wrapper.rs`.
macro_rules! owned_str {
    ($($ty:ty => |$s:ident| $make:expr),*) => {$(
        impl<'de> Decode<'de> for $ty {
            const MIN_ENCODED_LEN: usize = 1;
            // Inlined into the decoder of the struct or vector that holds the string:
            // a call would cost as much as the length prefix and the UTF-8 check.
            #[inline(always)]
            fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
                let $s = read_str(reader)?;
                Ok($make)
            }
        }
    )*};
}

impl<'de> Decode<'de> for String {
    const MIN_ENCODED_LEN: usize = 1;
    // Inlined into the decoder of the struct or vector that holds the string: a call
    // would cost as much as the length prefix and the UTF-8 check.
    #[inline(always)]
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        read_string(reader)
    }
}

owned_str!(
    Box<str> => |s| Box::from(s),
    Rc<str> => |s| Rc::from(s),
    Arc<str> => |s| Arc::from(s)
);

impl Encode for Cow<'_, str> {
    #[inline]
    fn encoded_len(&self) -> usize {
        bytes_len(self.as_bytes())
    }
    #[inline(always)]
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::utf8;

    /// Text around the ASCII boundary: ASCII runs of every length with a multi-byte
    /// character, a stray continuation byte, a truncated sequence or a 0x80 somewhere.
    fn texts() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            4 => proptest::collection::vec(0u8..0x80, 0..20),
            1 => Just("é".as_bytes().to_vec()),
            1 => Just("€".as_bytes().to_vec()),
            1 => Just("🦀".as_bytes().to_vec()),
            1 => Just(vec![0x80]),
            1 => Just(vec![0xe2, 0x82]),
            1 => Just(vec![0xff]),
        ];
        proptest::collection::vec(piece, 0..6).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn utf8_decides_exactly_as_from_utf8(bytes in texts()) {
            prop_assert_eq!(utf8(&bytes), core::str::from_utf8(&bytes));
        }

        #[test]
        fn utf8_decides_exactly_as_from_utf8_on_any_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            prop_assert_eq!(utf8(&bytes), core::str::from_utf8(&bytes));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn is_ascii_agrees_with_the_standard_library(
            mut bytes in proptest::collection::vec(0u8..0x80, 0..80),
            high in proptest::option::of((any::<proptest::sample::Index>(), 0x80u8..=0xff)),
        ) {
            if let (Some((index, byte)), false) = (high, bytes.is_empty()) {
                let at = index.index(bytes.len());
                bytes[at] = byte;
            }
            prop_assert_eq!(super::is_ascii(&bytes), bytes.is_ascii());
        }
    }

    #[test]
    fn strings_of_every_length_around_the_one_byte_prefix_write_the_same_bytes_into_any_buffer() {
        use bytes::BufMut;
        use wirewright_encode_check::expected;
        for len in 0..300 {
            let text: String = (0..len)
                .map(|i| char::from(b'a' + (i % 26) as u8))
                .collect();
            let want = expected(&text);
            // A vector with no room (its chunk comes from a fresh reservation), one
            // with room, one written after other bytes.
            let mut empty = Vec::new();
            super::put_bytes(&mut empty, text.as_bytes());
            assert_eq!(empty, want, "len {len}");
            let mut roomy = Vec::with_capacity(1024);
            super::put_bytes(&mut roomy, text.as_bytes());
            assert_eq!(roomy, want, "len {len}");
            let mut after = vec![0xaa; 61];
            super::put_bytes(&mut after, text.as_bytes());
            assert_eq!(after[61..], want[..], "len {len}");
            // A slice exactly as long as the encoding: the chunk has no spare byte.
            let mut storage = vec![0u8; want.len()];
            let mut slice = &mut storage[..];
            super::put_bytes(&mut slice, text.as_bytes());
            assert_eq!(slice.remaining_mut(), 0);
            assert_eq!(storage, want, "len {len}");
            let mut shared = bytes::BytesMut::new();
            super::put_bytes(&mut shared, text.as_bytes());
            assert_eq!(shared[..], want[..], "len {len}");
        }
    }

    #[test]
    fn string_lists_write_the_same_bytes_as_string_by_string_into_buffers_that_run_out_anywhere() {
        use bytes::BufMut;
        use wirewright_encode_check::expected;
        let lengths = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 40, 200, 3, 16, 0, 12];
        let items: Vec<String> = lengths
            .iter()
            .enumerate()
            .map(|(i, &len)| {
                (0..len)
                    .map(|j| char::from(b'a' + ((i + j) % 26) as u8))
                    .collect()
            })
            .collect();
        for start in 0..items.len() {
            for end in start..=items.len() {
                let list = &items[start..end];
                let want: Vec<u8> = list.iter().flat_map(|item| expected(item)).collect();
                // Every capacity, so that the chunk runs out at every offset of the list.
                for capacity in 0..=want.len() + 17 {
                    let mut buf = Vec::with_capacity(capacity);
                    super::put_byte_strings(list, &mut buf);
                    assert_eq!(buf, want, "strings {start}..{end}, capacity {capacity}");
                }
                // Written after other bytes, into a shared buffer, and into a slice
                // exactly as long as the encoding (no spare byte at the end).
                let mut after = vec![0xaa; 61];
                super::put_byte_strings(list, &mut after);
                assert_eq!(after[61..], want[..], "strings {start}..{end}");
                let mut shared = bytes::BytesMut::new();
                super::put_byte_strings(list, &mut shared);
                assert_eq!(shared[..], want[..], "strings {start}..{end}");
                let mut storage = vec![0u8; want.len()];
                let mut slice = &mut storage[..];
                super::put_byte_strings(list, &mut slice);
                assert_eq!(slice.remaining_mut(), 0);
                assert_eq!(storage, want, "strings {start}..{end}");
            }
        }
    }

    /// The encoding by the rules of SPEC.md §4.5, built byte by byte.
    mod wirewright_encode_check {
        pub(super) fn expected(text: &str) -> Vec<u8> {
            let mut out = Vec::new();
            let mut len = text.len();
            while len >= 0x80 {
                out.push((len as u8) | 0x80);
                len >>= 7;
            }
            out.push(len as u8);
            out.extend_from_slice(text.as_bytes());
            out
        }
    }

    #[test]
    fn owned_strings_of_every_length_with_a_high_byte_anywhere_decode_as_from_utf8() {
        use crate::{Decode, Encode};
        let text: String = (0..40u8).map(|i| char::from(b'a' + i % 26)).collect();
        for len in 0..=text.len() {
            let ascii = &text.as_bytes()[..len];
            let mut variants = vec![ascii.to_vec()];
            for at in 0..len {
                for high in [0x80, 0xc3, 0xff] {
                    let mut bytes = ascii.to_vec();
                    bytes[at] = high;
                    variants.push(bytes);
                }
                // A two-byte character ending at the last byte, or starting there.
                if at + 1 < len {
                    let mut bytes = ascii.to_vec();
                    bytes[at..at + 2].copy_from_slice("é".as_bytes());
                    variants.push(bytes);
                }
            }
            for bytes in variants {
                let encoded = bytes.as_slice().encode_to_vec();
                let decoded = String::decode(&encoded);
                match String::from_utf8(bytes.clone()) {
                    Ok(want) => {
                        let got = decoded.expect("valid UTF-8 decodes");
                        assert_eq!(got, want);
                        assert_eq!(got.capacity(), len, "allocated at the exact length");
                    }
                    Err(_) => {
                        let err = decoded.expect_err("invalid UTF-8 is rejected");
                        let valid_up_to = core::str::from_utf8(&bytes)
                            .expect_err("invalid")
                            .valid_up_to();
                        assert_eq!(
                            err.kind(),
                            &crate::DecodeErrorKind::InvalidUtf8 { valid_up_to },
                            "{bytes:?}"
                        );
                        assert_eq!(err.offset(), encoded.len() - len + valid_up_to);
                    }
                }
            }
        }
    }

    #[test]
    fn is_ascii_sees_a_high_byte_at_every_position_of_every_short_length() {
        for len in 0..=140 {
            assert!(super::is_ascii(&vec![b'a'; len]));
            for at in 0..len {
                let mut bytes = vec![b'a'; len];
                bytes[at] = 0x80;
                assert!(!super::is_ascii(&bytes), "len {len}, high byte at {at}");
            }
        }
    }

    #[test]
    fn ascii_of_every_length_up_to_three_words_is_the_same_text() {
        let text: String = (0..24u8).map(|i| char::from(b'a' + i)).collect();
        for len in 0..=text.len() {
            assert_eq!(utf8(&text.as_bytes()[..len]), Ok(&text[..len]));
        }
    }

    #[test]
    fn one_high_byte_anywhere_in_ascii_is_rejected_where_it_is() {
        for len in 1..=24 {
            for at in 0..len {
                let mut bytes = vec![b'x'; len];
                bytes[at] = 0x80;
                let err = utf8(&bytes).expect_err("a byte of 0x80 is not UTF-8");
                assert_eq!(err.valid_up_to(), at);
            }
        }
    }
}
