//! Each format behind one small trait, through its own fastest API: bincode 2.0.1,
//! postcard and wincode into a reused slice, bitcode through its reused `Buffer`, serde_json and
//! wirewright into a reused `Vec`. Hand framing (what a user of a plain serializer writes:
//! a `u32` length prefix, the payload, a CRC-32 from crc32fast over both) is the same code
//! for every peer.
//!
//! Every method of every format's adapter is `#[inline(always)]`, so that each format is
//! compiled into a benchmark's loop the same way: left to the compiler, one format's
//! adapter is inlined and another's is a call whose result is then copied out of the
//! `Result` with loads wider than the stores that wrote it (a stall on every message),
//! and the ratios measure that choice rather than the formats.

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::format::BoxedError;

/// wincode's default configuration: bincode's legacy layout (fixed-width integers, `u64`
/// lengths, `u32` enum tags) with its preallocation limits.
pub type WincodeConfig = wincode::config::DefaultConfig;

/// What every owned dataset type implements: wirewright's, serde's, bincode's, bitcode's
/// and wincode's traits.
///
/// ```
/// # #[derive(wirewright::Message, serde::Serialize, serde::Deserialize, bincode::Encode,
/// #     bincode::Decode, bitcode::Encode, bitcode::Decode, wincode::SchemaWrite,
/// #     wincode::SchemaRead, Debug, PartialEq)]
/// # #[wire(id = 1)]
/// # struct Point { x: u32, label: String }
/// fn measurable<T: wirewright_compare::peers::Owned>() {}
/// measurable::<Point>();
/// ```
pub trait Owned:
    wirewright::Encode
    + wirewright::DecodeOwned
    + Serialize
    + DeserializeOwned
    + bincode::Encode
    + bincode::Decode<()>
    + bitcode::Encode
    + bitcode::DecodeOwned
    + wincode::SchemaWrite<WincodeConfig, Src = Self>
    + for<'de> wincode::SchemaRead<'de, WincodeConfig, Dst = Self>
    + PartialEq
    + Debug
{
}

impl<T> Owned for T where
    T: wirewright::Encode
        + wirewright::DecodeOwned
        + Serialize
        + DeserializeOwned
        + bincode::Encode
        + bincode::Decode<()>
        + bitcode::Encode
        + bitcode::DecodeOwned
        + wincode::SchemaWrite<WincodeConfig, Src = Self>
        + for<'de> wincode::SchemaRead<'de, WincodeConfig, Dst = Self>
        + PartialEq
        + Debug
{
}

/// What every borrowed dataset type implements.
///
/// ```
/// fn measurable<'de, T: wirewright_compare::peers::Borrowed<'de>>() {}
/// measurable::<(u32, &str)>();
/// ```
pub trait Borrowed<'de>:
    wirewright::Decode<'de>
    + Deserialize<'de>
    + bincode::BorrowDecode<'de, ()>
    + bitcode::Decode<'de>
    + wincode::SchemaRead<'de, WincodeConfig, Dst = Self>
{
}

impl<'de, T> Borrowed<'de> for T where
    T: wirewright::Decode<'de>
        + Deserialize<'de>
        + bincode::BorrowDecode<'de, ()>
        + bitcode::Decode<'de>
        + wincode::SchemaRead<'de, WincodeConfig, Dst = Self>
{
}

/// A dataset type and the form of it that every format decodes borrowing from the input:
/// `ChatRef<'a>` for `Chat`, `AccessLogRef<'a>` for `AccessLog`, `SeriesRef<'a>` for
/// `Series`; telemetry and ids have no text to borrow, and bitcode cannot borrow bytes, so
/// those decode owned.
///
/// ```
/// # #[derive(wirewright::Message, serde::Serialize, serde::Deserialize, bincode::Encode,
/// #     bincode::Decode, bitcode::Encode, bitcode::Decode, wincode::SchemaWrite,
/// #     wincode::SchemaRead, Debug, PartialEq)]
/// # #[wire(id = 1)]
/// # struct Point { x: u32, label: String }
/// use wirewright_compare::peers::{Borrowing, Codec, Postcard};
///
/// impl Borrowing for Point {
///     type Ref<'a> = Point; // nothing borrowed: decodes owned
/// }
/// let message = Point { x: 7, label: "seven".into() };
/// let mut postcard = Postcard::default();
/// let payload = postcard.encode(&message).to_vec();
/// let back: <Point as Borrowing>::Ref<'_> = postcard.decode_borrowed(&payload);
/// assert_eq!(back, message);
/// ```
pub trait Borrowing: Owned {
    /// The borrowed form.
    type Ref<'a>: Borrowed<'a> + PartialEq + Debug;
}

/// Bytes before the payload in a codec's buffer: room for a hand-framed length prefix.
///
/// ```
/// assert_eq!(wirewright_compare::peers::HEADROOM, 4); // a u32 length
/// ```
pub const HEADROOM: usize = 4;
/// Bytes after it: room for the CRC-32.
///
/// ```
/// assert_eq!(wirewright_compare::peers::TAILROOM, 4); // a CRC-32
/// ```
pub const TAILROOM: usize = 4;
/// The largest payload of any dataset in any format (a JSON blob is about 230 KB).
///
/// ```
/// assert_eq!(wirewright_compare::peers::MAX_PAYLOAD, 512 * 1024);
/// ```
pub const MAX_PAYLOAD: usize = 512 * 1024;

/// One format, with reused buffers: one value encodes and decodes many messages.
///
/// ```
/// # #[derive(wirewright::Message, serde::Serialize, serde::Deserialize, bincode::Encode,
/// #     bincode::Decode, bitcode::Encode, bitcode::Decode, wincode::SchemaWrite,
/// #     wincode::SchemaRead, Debug, PartialEq)]
/// # #[wire(id = 1)]
/// # struct Point { x: u32, label: String }
/// use wirewright_compare::peers::{Bincode, Codec};
///
/// let message = Point { x: 7, label: "seven".into() };
/// let mut codec = Bincode::default();
/// let payload = codec.encode(&message).to_vec();
/// assert_eq!(codec.decode::<Point>(&payload), message);
/// let frame = codec.encode_framed(&message).to_vec();
/// assert_eq!(frame.len(), 4 + payload.len() + 4);
/// assert_eq!(codec.decode_framed::<Point>(&frame), message);
/// ```
pub trait Codec: Default {
    /// The name in benchmark ids.
    const NAME: &'static str;

    /// Writes the payload of `message` at byte [`HEADROOM`] of [`buffer`](Self::buffer),
    /// leaving [`TAILROOM`] bytes after it, and returns its length.
    ///
    /// # Errors
    /// The format library's error (a message larger than [`MAX_PAYLOAD`], a map JSON
    /// cannot write).
    fn try_write_payload<T: Owned>(&mut self, message: &T) -> Result<usize, BoxedError>;

    /// The buffer `try_write_payload` writes to.
    fn buffer(&mut self) -> &mut [u8];

    /// Decodes one owned message that fills `payload`.
    ///
    /// # Errors
    /// The format library's error, or trailing bytes.
    fn try_decode<T: Owned>(&mut self, payload: &[u8]) -> Result<T, BoxedError>;

    /// Decodes one borrowed message that fills `payload`.
    ///
    /// # Panics
    /// When the payload does not decode (the benchmarks decode what they encoded).
    fn decode_borrowed<'de, T: Borrowed<'de>>(&mut self, payload: &'de [u8]) -> T;

    /// The payload of `message`, by the format's fastest way to a reused buffer.
    ///
    /// # Errors
    /// As [`try_write_payload`](Self::try_write_payload).
    #[inline(always)]
    fn try_encode<T: Owned>(&mut self, message: &T) -> Result<&[u8], BoxedError> {
        let len = self.try_write_payload(message)?;
        Ok(&self.buffer()[HEADROOM..HEADROOM + len])
    }

    /// [`try_write_payload`](Self::try_write_payload) for messages known to encode.
    ///
    /// # Panics
    /// When the message does not encode.
    #[inline(always)]
    fn write_payload<T: Owned>(&mut self, message: &T) -> usize {
        match self.try_write_payload(message) {
            Ok(len) => len,
            Err(err) => panic!("{} cannot encode the message: {err}", Self::NAME),
        }
    }

    /// [`try_encode`](Self::try_encode) for messages known to encode.
    ///
    /// # Panics
    /// When the message does not encode.
    #[inline(always)]
    fn encode<T: Owned>(&mut self, message: &T) -> &[u8] {
        match self.try_encode(message) {
            Ok(payload) => payload,
            Err(err) => panic!("{} cannot encode the message: {err}", Self::NAME),
        }
    }

    /// [`try_decode`](Self::try_decode) for payloads known to decode.
    ///
    /// # Panics
    /// When the payload does not decode.
    #[inline(always)]
    fn decode<T: Owned>(&mut self, payload: &[u8]) -> T {
        match self.try_decode(payload) {
            Ok(value) => value,
            Err(err) => panic!("{} cannot decode its own payload: {err}", Self::NAME),
        }
    }

    /// `message` framed by hand: length, payload, CRC-32 of both.
    #[inline(always)]
    fn encode_framed<T: Owned>(&mut self, message: &T) -> &[u8] {
        let len = self.write_payload(message);
        let buf = self.buffer();
        buf[..HEADROOM].copy_from_slice(&(len as u32).to_le_bytes());
        let crc = crc32fast::hash(&buf[..HEADROOM + len]);
        buf[HEADROOM + len..HEADROOM + len + TAILROOM].copy_from_slice(&crc.to_le_bytes());
        &buf[..HEADROOM + len + TAILROOM]
    }

    /// Checks a hand-made frame (exact length, CRC) and decodes its payload.
    #[inline(always)]
    fn decode_framed<T: Owned>(&mut self, frame: &[u8]) -> T {
        let (prefix, rest) = frame
            .split_first_chunk::<HEADROOM>()
            .expect("a length prefix");
        let len = u32::from_le_bytes(*prefix) as usize;
        assert_eq!(rest.len(), len + TAILROOM, "frame length");
        let (body, trailer) = frame.split_at(HEADROOM + len);
        let stored = u32::from_le_bytes(trailer.try_into().expect("four CRC bytes"));
        assert_eq!(crc32fast::hash(body), stored, "CRC");
        self.decode(&body[HEADROOM..])
    }
}

/// The error for bytes left after a decoded value.
fn trailing_bytes(count: usize) -> BoxedError {
    format!("{count} trailing bytes after the value").into()
}

/// A buffer of [`MAX_PAYLOAD`] zeroed bytes, for the formats that write into a slice.
fn slice_buffer() -> Vec<u8> {
    vec![0; HEADROOM + MAX_PAYLOAD + TAILROOM]
}

/// wirewright's binary format: `encode_raw` into a reused `Vec`, `Decode::decode`.
///
/// ```
/// use wirewright_compare::peers::{Codec, Wirewright};
/// assert_eq!(Wirewright::NAME, "wirewright");
/// ```
#[derive(Default)]
pub struct Wirewright {
    buf: Vec<u8>,
}

impl Codec for Wirewright {
    const NAME: &'static str = "wirewright";

    #[inline(always)]
    fn try_write_payload<T: Owned>(&mut self, message: &T) -> Result<usize, BoxedError> {
        self.buf.clear();
        self.buf.extend_from_slice(&[0; HEADROOM]);
        message.encode_raw(&mut self.buf);
        let len = self.buf.len() - HEADROOM;
        self.buf.extend_from_slice(&[0; TAILROOM]);
        Ok(len)
    }

    #[inline(always)]
    fn buffer(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    #[inline(always)]
    fn try_encode<T: Owned>(&mut self, message: &T) -> Result<&[u8], BoxedError> {
        self.buf.clear();
        message.encode_raw(&mut self.buf);
        Ok(&self.buf)
    }

    #[inline(always)]
    fn try_decode<T: Owned>(&mut self, payload: &[u8]) -> Result<T, BoxedError> {
        Ok(<T as wirewright::Decode<'_>>::decode(payload)?)
    }

    #[inline(always)]
    fn decode_borrowed<'de, T: Borrowed<'de>>(&mut self, payload: &'de [u8]) -> T {
        <T as wirewright::Decode<'de>>::decode(payload).expect("wirewright decodes its own payload")
    }
}

/// bincode 2.0.1, standard configuration, its own derive: `encode_into_slice`,
/// `decode_from_slice`, `borrow_decode_from_slice`.
///
/// ```
/// use wirewright_compare::peers::{Bincode, Codec};
/// assert_eq!(Bincode::NAME, "bincode");
/// ```
pub struct Bincode {
    buf: Vec<u8>,
}

impl Default for Bincode {
    fn default() -> Self {
        Bincode {
            buf: slice_buffer(),
        }
    }
}

impl Codec for Bincode {
    const NAME: &'static str = "bincode";

    #[inline(always)]
    fn try_write_payload<T: Owned>(&mut self, message: &T) -> Result<usize, BoxedError> {
        let end = self.buf.len() - TAILROOM;
        Ok(bincode::encode_into_slice(
            message,
            &mut self.buf[HEADROOM..end],
            bincode::config::standard(),
        )?)
    }

    #[inline(always)]
    fn buffer(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    #[inline(always)]
    fn try_decode<T: Owned>(&mut self, payload: &[u8]) -> Result<T, BoxedError> {
        let (value, read) = bincode::decode_from_slice(payload, bincode::config::standard())?;
        if read != payload.len() {
            return Err(trailing_bytes(payload.len() - read));
        }
        Ok(value)
    }

    #[inline(always)]
    fn decode_borrowed<'de, T: Borrowed<'de>>(&mut self, payload: &'de [u8]) -> T {
        let (value, read) = bincode::borrow_decode_from_slice(payload, bincode::config::standard())
            .expect("bincode decodes its own payload");
        debug_assert_eq!(read, payload.len());
        value
    }
}

/// postcard through serde: `to_slice`, `from_bytes`.
///
/// ```
/// use wirewright_compare::peers::{Codec, Postcard};
/// assert_eq!(Postcard::NAME, "postcard");
/// ```
pub struct Postcard {
    buf: Vec<u8>,
}

impl Default for Postcard {
    fn default() -> Self {
        Postcard {
            buf: slice_buffer(),
        }
    }
}

impl Codec for Postcard {
    const NAME: &'static str = "postcard";

    #[inline(always)]
    fn try_write_payload<T: Owned>(&mut self, message: &T) -> Result<usize, BoxedError> {
        let end = self.buf.len() - TAILROOM;
        Ok(postcard::to_slice(message, &mut self.buf[HEADROOM..end])?.len())
    }

    #[inline(always)]
    fn buffer(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    #[inline(always)]
    fn try_decode<T: Owned>(&mut self, payload: &[u8]) -> Result<T, BoxedError> {
        let (value, rest) = postcard::take_from_bytes(payload)?;
        if !rest.is_empty() {
            return Err(trailing_bytes(rest.len()));
        }
        Ok(value)
    }

    #[inline(always)]
    fn decode_borrowed<'de, T: Borrowed<'de>>(&mut self, payload: &'de [u8]) -> T {
        postcard::from_bytes(payload).expect("postcard decodes its own payload")
    }
}

/// bitcode 0.6, its own derive, through a reused `bitcode::Buffer` (which keeps its
/// allocations from one message to the next).
///
/// ```
/// use wirewright_compare::peers::{Bitcode, Codec};
/// assert_eq!(Bitcode::NAME, "bitcode");
/// ```
#[derive(Default)]
pub struct Bitcode {
    bitcode: bitcode::Buffer,
    buf: Vec<u8>,
}

impl Codec for Bitcode {
    const NAME: &'static str = "bitcode";

    #[inline(always)]
    fn try_write_payload<T: Owned>(&mut self, message: &T) -> Result<usize, BoxedError> {
        // bitcode writes only into its own buffer: a frame needs one copy.
        let payload = self.bitcode.encode(message);
        self.buf.clear();
        self.buf.extend_from_slice(&[0; HEADROOM]);
        self.buf.extend_from_slice(payload);
        self.buf.extend_from_slice(&[0; TAILROOM]);
        Ok(payload.len())
    }

    #[inline(always)]
    fn buffer(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    #[inline(always)]
    fn try_encode<T: Owned>(&mut self, message: &T) -> Result<&[u8], BoxedError> {
        Ok(self.bitcode.encode(message))
    }

    #[inline(always)]
    fn try_decode<T: Owned>(&mut self, payload: &[u8]) -> Result<T, BoxedError> {
        Ok(self.bitcode.decode(payload)?)
    }

    #[inline(always)]
    fn decode_borrowed<'de, T: Borrowed<'de>>(&mut self, payload: &'de [u8]) -> T {
        self.bitcode
            .decode(payload)
            .expect("bitcode decodes its own payload")
    }
}

/// wincode 0.6, its own derive (`SchemaWrite`, `SchemaRead`), default configuration:
/// `serialize_into` a reused slice, `deserialize`. The maintained successor of bincode's
/// layout: fixed-width integers and `u64` lengths, so its messages are larger than
/// postcard's and wirewright's.
///
/// ```
/// # #[derive(wirewright::Message, serde::Serialize, serde::Deserialize, bincode::Encode,
/// #     bincode::Decode, bitcode::Encode, bitcode::Decode, wincode::SchemaWrite,
/// #     wincode::SchemaRead, Debug, PartialEq)]
/// # #[wire(id = 1)]
/// # struct Point { x: u32, label: String }
/// use wirewright_compare::peers::{Codec, Wincode};
///
/// let message = Point { x: 7, label: "seven".into() };
/// let mut codec = Wincode::default();
/// let payload = codec.encode(&message).to_vec();
/// assert_eq!(payload.len(), 4 + 8 + 5); // fixed-width u32, u64 length
/// assert_eq!(codec.decode::<Point>(&payload), message);
/// ```
pub struct Wincode {
    buf: Vec<u8>,
}

impl Default for Wincode {
    fn default() -> Self {
        Wincode {
            buf: slice_buffer(),
        }
    }
}

impl Codec for Wincode {
    const NAME: &'static str = "wincode";

    #[inline(always)]
    fn try_write_payload<T: Owned>(&mut self, message: &T) -> Result<usize, BoxedError> {
        let end = self.buf.len() - TAILROOM;
        let mut window: &mut [u8] = &mut self.buf[HEADROOM..end];
        let room = window.len();
        wincode::serialize_into(&mut window, message)?;
        Ok(room - window.len())
    }

    #[inline(always)]
    fn buffer(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    #[inline(always)]
    fn try_decode<T: Owned>(&mut self, payload: &[u8]) -> Result<T, BoxedError> {
        Ok(wincode::deserialize(payload)?)
    }

    #[inline(always)]
    fn decode_borrowed<'de, T: Borrowed<'de>>(&mut self, payload: &'de [u8]) -> T {
        wincode::deserialize(payload).expect("wincode decodes its own payload")
    }
}

/// serde_json: `to_writer` into a reused `Vec`, `from_slice`.
///
/// ```
/// use wirewright_compare::peers::{Codec, Json};
/// assert_eq!(Json::NAME, "serde_json");
/// ```
#[derive(Default)]
pub struct Json {
    buf: Vec<u8>,
}

impl Codec for Json {
    const NAME: &'static str = "serde_json";

    #[inline(always)]
    fn try_write_payload<T: Owned>(&mut self, message: &T) -> Result<usize, BoxedError> {
        self.buf.clear();
        self.buf.extend_from_slice(&[0; HEADROOM]);
        serde_json::to_writer(&mut self.buf, message)?;
        let len = self.buf.len() - HEADROOM;
        self.buf.extend_from_slice(&[0; TAILROOM]);
        Ok(len)
    }

    #[inline(always)]
    fn buffer(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    #[inline(always)]
    fn try_encode<T: Owned>(&mut self, message: &T) -> Result<&[u8], BoxedError> {
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, message)?;
        Ok(&self.buf)
    }

    #[inline(always)]
    fn try_decode<T: Owned>(&mut self, payload: &[u8]) -> Result<T, BoxedError> {
        Ok(serde_json::from_slice(payload)?)
    }

    #[inline(always)]
    fn decode_borrowed<'de, T: Borrowed<'de>>(&mut self, payload: &'de [u8]) -> T {
        serde_json::from_slice(payload).expect("JSON decodes its own payload")
    }
}
