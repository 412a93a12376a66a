//! Each format behind one small trait, through its own fastest API: bincode 2.0.1,
//! postcard and wincode into a reused slice, bitcode through its reused `Buffer`, serde_json and
//! wirewright into a reused `Vec`. Hand framing (what a user of a plain serializer writes:
//! a `u32` length prefix, the payload, a CRC-32 from crc32fast over both) is the same code
//! for every peer.

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::datasets::blob::Blob;
use crate::datasets::chat::{Chat, ChatRef};
use crate::datasets::ids::Span;
use crate::datasets::labels::{Series, SeriesRef};
use crate::datasets::log::{AccessLog, AccessLogRef};
use crate::datasets::telemetry::Telemetry;

/// wincode's default configuration: bincode's legacy layout (fixed-width integers, `u64`
/// lengths, `u32` enum tags) with its preallocation limits.
pub type WincodeConfig = wincode::config::DefaultConfig;

/// What every owned dataset type implements: wirewright's, serde's, bincode's, bitcode's
/// and wincode's traits.
///
/// ```
/// fn measurable<T: wirewright_examples::peers::Owned>() {}
/// measurable::<wirewright_examples::datasets::chat::Chat>();
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
/// fn measurable<'de, T: wirewright_examples::peers::Borrowed<'de>>() {}
/// measurable::<wirewright_examples::datasets::log::AccessLogRef<'_>>();
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
/// use wirewright::Encode;
/// use wirewright_examples::datasets::chat::{self, Chat};
/// use wirewright_examples::peers::{Borrowing, Codec, Postcard};
///
/// let message = &chat::messages(1)[0];
/// let mut postcard = Postcard::default();
/// let payload = postcard.encode(message).to_vec();
/// let borrowed: <Chat as Borrowing>::Ref<'_> = postcard.decode_borrowed(&payload);
/// assert_eq!(borrowed, message.as_ref());
/// ```
pub trait Borrowing: Owned {
    /// The borrowed form.
    type Ref<'a>: Borrowed<'a> + PartialEq + Debug;
}

impl Borrowing for Chat {
    type Ref<'a> = ChatRef<'a>;
}

impl Borrowing for AccessLog {
    type Ref<'a> = AccessLogRef<'a>;
}

impl Borrowing for Telemetry {
    type Ref<'a> = Telemetry;
}

impl Borrowing for Span {
    type Ref<'a> = Span;
}

impl Borrowing for Series {
    type Ref<'a> = SeriesRef<'a>;
}

impl Borrowing for Blob {
    type Ref<'a> = Blob;
}

/// Bytes before the payload in a codec's buffer: room for a hand-framed length prefix.
///
/// ```
/// assert_eq!(wirewright_examples::peers::HEADROOM, 4); // a u32 length
/// ```
pub const HEADROOM: usize = 4;
/// Bytes after it: room for the CRC-32.
///
/// ```
/// assert_eq!(wirewright_examples::peers::TAILROOM, 4); // a CRC-32
/// ```
pub const TAILROOM: usize = 4;
/// The largest payload of any dataset in any format (a JSON blob is about 230 KB).
///
/// ```
/// use wirewright_examples::{datasets::blob, peers::MAX_PAYLOAD};
/// assert!(MAX_PAYLOAD > 4 * blob::BLOB_LEN);
/// ```
pub const MAX_PAYLOAD: usize = 512 * 1024;

/// One format, with reused buffers: one value encodes and decodes many messages.
///
/// ```
/// use wirewright_examples::datasets::chat;
/// use wirewright_examples::peers::{Bincode, Codec};
///
/// let message = &chat::messages(1)[0];
/// let mut codec = Bincode::default();
/// let payload = codec.encode(message).to_vec();
/// assert_eq!(&codec.decode::<chat::Chat>(&payload), message);
/// let frame = codec.encode_framed(message).to_vec();
/// assert_eq!(frame.len(), 4 + payload.len() + 4);
/// assert_eq!(&codec.decode_framed::<chat::Chat>(&frame), message);
/// ```
pub trait Codec: Default {
    /// The name in benchmark ids.
    const NAME: &'static str;

    /// Writes the payload of `message` at byte [`HEADROOM`] of [`buffer`](Self::buffer),
    /// leaving [`TAILROOM`] bytes after it, and returns its length.
    fn write_payload<T: Owned>(&mut self, message: &T) -> usize;

    /// The buffer `write_payload` writes to.
    fn buffer(&mut self) -> &mut [u8];

    /// Decodes one owned message that fills `payload`.
    fn decode<T: Owned>(&mut self, payload: &[u8]) -> T;

    /// Decodes one borrowed message that fills `payload`.
    fn decode_borrowed<'de, T: Borrowed<'de>>(&mut self, payload: &'de [u8]) -> T;

    /// The payload of `message`, by the format's fastest way to a reused buffer.
    fn encode<T: Owned>(&mut self, message: &T) -> &[u8] {
        let len = self.write_payload(message);
        &self.buffer()[HEADROOM..HEADROOM + len]
    }

    /// `message` framed by hand: length, payload, CRC-32 of both.
    fn encode_framed<T: Owned>(&mut self, message: &T) -> &[u8] {
        let len = self.write_payload(message);
        let buf = self.buffer();
        buf[..HEADROOM].copy_from_slice(&(len as u32).to_le_bytes());
        let crc = crc32fast::hash(&buf[..HEADROOM + len]);
        buf[HEADROOM + len..HEADROOM + len + TAILROOM].copy_from_slice(&crc.to_le_bytes());
        &buf[..HEADROOM + len + TAILROOM]
    }

    /// Checks a hand-made frame (exact length, CRC) and decodes its payload.
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

/// A buffer of [`MAX_PAYLOAD`] zeroed bytes, for the formats that write into a slice.
fn slice_buffer() -> Vec<u8> {
    vec![0; HEADROOM + MAX_PAYLOAD + TAILROOM]
}

/// wirewright's binary format: `encode_raw` into a reused `Vec`, `Decode::decode`.
///
/// ```
/// use wirewright_examples::peers::{Codec, Wirewright};
/// assert_eq!(Wirewright::NAME, "wirewright");
/// ```
#[derive(Default)]
pub struct Wirewright {
    buf: Vec<u8>,
}

impl Codec for Wirewright {
    const NAME: &'static str = "wirewright";

    fn write_payload<T: Owned>(&mut self, message: &T) -> usize {
        self.buf.clear();
        self.buf.extend_from_slice(&[0; HEADROOM]);
        message.encode_raw(&mut self.buf);
        let len = self.buf.len() - HEADROOM;
        self.buf.extend_from_slice(&[0; TAILROOM]);
        len
    }

    fn buffer(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    fn encode<T: Owned>(&mut self, message: &T) -> &[u8] {
        self.buf.clear();
        message.encode_raw(&mut self.buf);
        &self.buf
    }

    fn decode<T: Owned>(&mut self, payload: &[u8]) -> T {
        <T as wirewright::Decode<'_>>::decode(payload).expect("wirewright decodes its own payload")
    }

    fn decode_borrowed<'de, T: Borrowed<'de>>(&mut self, payload: &'de [u8]) -> T {
        <T as wirewright::Decode<'de>>::decode(payload).expect("wirewright decodes its own payload")
    }
}

/// bincode 2.0.1, standard configuration, its own derive: `encode_into_slice`,
/// `decode_from_slice`, `borrow_decode_from_slice`.
///
/// ```
/// use wirewright_examples::peers::{Bincode, Codec};
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

    fn write_payload<T: Owned>(&mut self, message: &T) -> usize {
        let end = self.buf.len() - TAILROOM;
        bincode::encode_into_slice(
            message,
            &mut self.buf[HEADROOM..end],
            bincode::config::standard(),
        )
        .expect("bincode encodes")
    }

    fn buffer(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    fn decode<T: Owned>(&mut self, payload: &[u8]) -> T {
        let (value, read) = bincode::decode_from_slice(payload, bincode::config::standard())
            .expect("bincode decodes its own payload");
        debug_assert_eq!(read, payload.len());
        value
    }

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
/// use wirewright_examples::peers::{Codec, Postcard};
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

    fn write_payload<T: Owned>(&mut self, message: &T) -> usize {
        let end = self.buf.len() - TAILROOM;
        postcard::to_slice(message, &mut self.buf[HEADROOM..end])
            .expect("postcard encodes")
            .len()
    }

    fn buffer(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    fn decode<T: Owned>(&mut self, payload: &[u8]) -> T {
        postcard::from_bytes(payload).expect("postcard decodes its own payload")
    }

    fn decode_borrowed<'de, T: Borrowed<'de>>(&mut self, payload: &'de [u8]) -> T {
        postcard::from_bytes(payload).expect("postcard decodes its own payload")
    }
}

/// bitcode 0.6, its own derive, through a reused `bitcode::Buffer` (which keeps its
/// allocations from one message to the next).
///
/// ```
/// use wirewright_examples::peers::{Bitcode, Codec};
/// assert_eq!(Bitcode::NAME, "bitcode");
/// ```
#[derive(Default)]
pub struct Bitcode {
    bitcode: bitcode::Buffer,
    buf: Vec<u8>,
}

impl Codec for Bitcode {
    const NAME: &'static str = "bitcode";

    fn write_payload<T: Owned>(&mut self, message: &T) -> usize {
        // bitcode writes only into its own buffer: a frame needs one copy.
        let payload = self.bitcode.encode(message);
        self.buf.clear();
        self.buf.extend_from_slice(&[0; HEADROOM]);
        self.buf.extend_from_slice(payload);
        self.buf.extend_from_slice(&[0; TAILROOM]);
        payload.len()
    }

    fn buffer(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    fn encode<T: Owned>(&mut self, message: &T) -> &[u8] {
        self.bitcode.encode(message)
    }

    fn decode<T: Owned>(&mut self, payload: &[u8]) -> T {
        self.bitcode
            .decode(payload)
            .expect("bitcode decodes its own payload")
    }

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
/// use wirewright_examples::datasets::chat;
/// use wirewright_examples::peers::{Codec, Wincode};
///
/// let message = &chat::messages(1)[0];
/// let mut codec = Wincode::default();
/// let payload = codec.encode(message).to_vec();
/// assert_eq!(&codec.decode::<chat::Chat>(&payload), message);
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

    fn write_payload<T: Owned>(&mut self, message: &T) -> usize {
        let end = self.buf.len() - TAILROOM;
        let mut window: &mut [u8] = &mut self.buf[HEADROOM..end];
        let room = window.len();
        wincode::serialize_into(&mut window, message).expect("wincode encodes");
        room - window.len()
    }

    fn buffer(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    fn decode<T: Owned>(&mut self, payload: &[u8]) -> T {
        wincode::deserialize(payload).expect("wincode decodes its own payload")
    }

    fn decode_borrowed<'de, T: Borrowed<'de>>(&mut self, payload: &'de [u8]) -> T {
        wincode::deserialize(payload).expect("wincode decodes its own payload")
    }
}

/// serde_json: `to_writer` into a reused `Vec`, `from_slice`.
///
/// ```
/// use wirewright_examples::peers::{Codec, Json};
/// assert_eq!(Json::NAME, "serde_json");
/// ```
#[derive(Default)]
pub struct Json {
    buf: Vec<u8>,
}

impl Codec for Json {
    const NAME: &'static str = "serde_json";

    fn write_payload<T: Owned>(&mut self, message: &T) -> usize {
        self.buf.clear();
        self.buf.extend_from_slice(&[0; HEADROOM]);
        serde_json::to_writer(&mut self.buf, message).expect("JSON encodes");
        let len = self.buf.len() - HEADROOM;
        self.buf.extend_from_slice(&[0; TAILROOM]);
        len
    }

    fn buffer(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    fn encode<T: Owned>(&mut self, message: &T) -> &[u8] {
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, message).expect("JSON encodes");
        &self.buf
    }

    fn decode<T: Owned>(&mut self, payload: &[u8]) -> T {
        serde_json::from_slice(payload).expect("JSON decodes its own payload")
    }

    fn decode_borrowed<'de, T: Borrowed<'de>>(&mut self, payload: &'de [u8]) -> T {
        serde_json::from_slice(payload).expect("JSON decodes its own payload")
    }
}
