//! # wirewright
//!
//! Custom binary protocols for Rust. Describe your messages as plain Rust types, derive
//! their encoders and decoders, and send them as checked frames: a 16-byte header, a
//! compact canonical payload and a CRC-32. The wire format is specified byte for byte in
//! `SPEC.md`, so peers in other languages can interoperate.
//!
//! ## Quickstart
//!
//! ```
//! use wirewright::{Decode, Encode};
//!
//! // Any supported type encodes on its own...
//! let payload = ("lobby", vec![1u32, 300], Some(true)).encode_to_vec();
//! assert_eq!(payload, [5, b'l', b'o', b'b', b'b', b'y', 2, 0x01, 0xac, 0x02, 1, 1]);
//! let back: (&str, Vec<u32>, Option<bool>) = Decode::decode(&payload)?;
//! assert_eq!(back, ("lobby", vec![1, 300], Some(true)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Messages that travel in frames implement [`Message`] (an id for the header), usually
//! through `#[derive(Message)]`; [`frame::encode_frame`] and [`frame::decode_frame`] wrap
//! and unwrap them.
//!
//! ## Deriving messages and protocols
//!
//! `#[derive(Message)]` writes [`Encode`] and [`Decode`] for a struct or enum, and
//! [`Message`] when it has an id; `#[derive(Protocol)]` turns an enum of messages into
//! one type that can be sent and received on a connection (feature `derive`, on by
//! default):
//!
//! ```
//! use wirewright::frame::{decode_frame, encode_frame};
//! use wirewright::{Encode, FrameHeader, Message, Protocol};
//!
//! #[derive(Message, Debug, PartialEq)]
//! #[wire(id = 1)]
//! pub struct Join { pub room: String, pub nick: String }
//!
//! #[derive(Message, Debug, PartialEq)]
//! #[wire(id = 2)]
//! pub struct Say<'a> { pub room: &'a str, pub text: &'a str, #[wire(fixed)] pub at_ms: u64 }
//!
//! #[derive(Protocol, Debug, PartialEq)]
//! pub enum Chat<'a> { Join(Join), Say(Say<'a>) }
//!
//! let join = Join { room: "lobby".into(), nick: "ann".into() };
//! assert_eq!(join.encode_to_vec(), b"\x05lobby\x03ann");
//!
//! let mut buf = Vec::new();
//! encode_frame(&Chat::Join(join), 1, &mut buf)?;
//! encode_frame(&Chat::Say(Say { room: "lobby", text: "hi", at_ms: 0 }), 2, &mut buf)?;
//! let (first, rest) = buf.split_at(16 + 10 + 4);
//! let (header, chat): (FrameHeader, Chat<'_>) = decode_frame(first)?;
//! assert_eq!(header.message_type, 1);
//! assert!(matches!(chat, Chat::Join(Join { .. })));
//! let (_, chat): (FrameHeader, Chat<'_>) = decode_frame(rest)?;
//! assert_eq!(chat, Chat::Say(Say { room: "lobby", text: "hi", at_ms: 0 })); // borrows `buf`
//! # Ok::<(), wirewright::FrameError>(())
//! ```
//!
//! The attributes (`id`, `crate`, `bound` on the type; `tag` on a variant; `fixed`,
//! `skip`, `with` on a field) are described on the [`Message`](macro@Message) macro.
//!
//! ### What the derive writes
//!
//! For a small struct the derive writes what follows, only with absolute paths
//! (`::wirewright::Encode`, `::core::result::Result`) inside a `const _: () = { ... };`
//! so that no name of yours can change its meaning. Fields are written in order, with
//! nothing between them; each decode error is tagged with the field and the type it
//! happened in.
//!
//! ```
//! use bytes::BufMut;
//! use wirewright::{Decode, DecodeError, Encode, FixedInt, Message, Reader};
//!
//! #[derive(Debug)]
//! // #[derive(Message)]
//! // #[wire(id = 2)]
//! pub struct Say<'a> {
//!     pub text: &'a str,
//!     // #[wire(fixed)]
//!     pub at_ms: u64,
//! }
//!
//! impl<'a> Encode for Say<'a> {
//!     fn encoded_len(&self) -> usize {
//!         <&'a str as Encode>::encoded_len(&self.text) + <u64 as FixedInt>::WIDTH
//!     }
//!     fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
//!         <&'a str as Encode>::encode_raw(&self.text, buf);
//!         <u64 as FixedInt>::put_fixed(self.at_ms, buf);
//!     }
//! }
//!
//! // `'de` is the input's lifetime: `text` borrows from it.
//! impl<'de: 'a, 'a> Decode<'de> for Say<'a> {
//!     const MIN_ENCODED_LEN: usize =
//!         <&'a str as Decode<'de>>::MIN_ENCODED_LEN + <u64 as FixedInt>::WIDTH;
//!     fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
//!         reader.enter()?; // counts towards `Limits::max_depth`
//!         let value = Say {
//!             text: <&'a str as Decode<'de>>::decode_raw(reader)
//!                 .map_err(|err| err.in_field("text").in_type("Say"))?,
//!             at_ms: <u64 as FixedInt>::read_fixed(reader)
//!                 .map_err(|err| err.in_field("at_ms").in_type("Say"))?,
//!         };
//!         reader.leave();
//!         Ok(value)
//!     }
//! }
//!
//! impl<'a> Message for Say<'a> {
//!     const ID: u16 = 2;
//!     const NAME: &'static str = "Say";
//! }
//!
//! let bytes = Say { text: "hi", at_ms: 1 }.encode_to_vec();
//! assert_eq!(bytes, [2, b'h', b'i', 1, 0, 0, 0, 0, 0, 0, 0]);
//! let err = Say::decode(&bytes[..5]).unwrap_err();
//! assert_eq!(err.to_string(), "Say.at_ms: unexpected end of input: needed 8 bytes, 2 remain at byte 3");
//!
//! // The derive writes the same bytes.
//! #[derive(Message)]
//! #[wire(id = 2)]
//! pub struct Derived<'a> {
//!     pub text: &'a str,
//!     #[wire(fixed)]
//!     pub at_ms: u64,
//! }
//! assert_eq!(Derived { text: "hi", at_ms: 1 }.encode_to_vec(), bytes);
//! assert_eq!(<Derived<'_> as Decode<'_>>::MIN_ENCODED_LEN, Say::MIN_ENCODED_LEN);
//! # Ok::<(), wirewright::DecodeError>(())
//! ```
//!
//! An enum is written the same way after its variant's tag, a `u32` varint: the first
//! variant is 0, and each next one the previous tag plus one unless it says
//! `#[wire(tag = N)]`.
//!
//! ## Layers
//!
//! Each layer is a folder of `framework/src`, and each imports only from the layers below
//! it (`framework/tests/layers.rs` checks every `crate::` path):
//!
//! ```text
//!  rpc/        request/response: calls, replies, deadlines, retries   (feature transport)
//!   │          through the public API below: EncodeFrame / DecodeFrame, Server, Client,
//!   │          LocalHello, MessageSender / MessageReceiver
//!   ▼
//!  transport/  tokio codec, connections, control frames, HELLO, server, client
//!   │     │
//!   │     ▼
//!   │    schema/   a protocol's schema, its text and fingerprint (SPEC.md §13)
//!   │     │
//!   ▼     │
//!  frame/ │    header, flags, CRC-32, the one frame writer, Message / Protocol /
//!   │     │    DecodeProtocol, EncodeFrame / DecodeFrame, binary and JSON frames
//!   ▼     ▼
//!  codec/      Encode / Decode, Reader, varints, fixed-width, Limits, DecodeError,
//!              evolution, the impls for the standard types (SPEC.md §4-§6)
//! ```
//!
//! | layer | imports |
//! |---|---|
//! | `codec/` | nothing |
//! | `frame/` | `codec/` |
//! | `schema/` | `codec/` |
//! | `transport/` | `codec/`, `frame/`, `schema/` |
//! | `rpc/` | `codec/`, `frame/`, `schema/`, `transport/` |
//!
//! [`fuzzing`] (checks for fuzz targets) sits beside them and uses `frame/` and `codec/`.
//!
//! The derive macros (`wirewright-derive`) write code against `codec/` and `frame/`
//! traits through absolute paths. The comparison against other formats is a crate of its
//! own, `wirewright-compare` (`framework/compare`), above all of these.
//!
//! ## What is where
//! - [`Encode`] / [`Decode`]: the payload codec traits and their impls for the standard
//!   types (SPEC.md §4), with [`Reader`] as the decoding cursor.
//! - [`Message`], [`Protocol`], [`DecodeProtocol`]: what a frame's message-type id names,
//!   and the derive macros of the same names; [`frame::EncodeFrame`] and
//!   [`frame::DecodeFrame`]: how a value is written as and read from a frame of any kind.
//! - [`frame`]: [`FrameHeader`], [`RawFrame`], [`frame::encode_frame`],
//!   [`frame::decode_frame`] and the other frame functions (SPEC.md §3).
//! - [`Limits`]: what a decoder accepts from untrusted input (SPEC.md §6).
//! - [`DecodeError`], [`FrameError`]: typed errors with offsets and field paths.
//! - [`transport`] (feature `transport`, on by default): a tokio codec, connections
//!   with heartbeats and graceful close, a server and a client.
//! - `frame::encode_frame_json`, `frame::decode_frame_json` and the `json` module (feature `json`):
//!   frames whose payload is the serde JSON of the message (SPEC.md §8); a
//!   `#[derive(Protocol)]` enum whose messages derive serde's traits can travel as JSON,
//!   and `transport::JsonCodec` sends and receives such frames.
//! - The `wirewright-compare` crate (in the workspace, `framework/compare`): sizes and
//!   speeds of your messages in wirewright's format and its peers' (postcard, bitcode,
//!   wincode, bincode 2, serde_json), and end to end over loopback.
//! - [`rpc`] (feature `transport`): request/response over one connection, with
//!   deadlines, typed errors, reconnects and retries.
//! - [`schema`]: the schema of a protocol as a value, a text file and a fingerprint, and
//!   the check that a change keeps the wire compatible (SPEC.md §13).

#![warn(missing_docs)]

mod codec;
mod deprecated;
pub mod frame;
pub mod fuzzing;
#[cfg(feature = "transport")]
pub mod rpc;
pub mod schema;
#[cfg(feature = "transport")]
pub mod transport;

// The codec's files name their siblings `crate::error`, `crate::reader`, ...: these keep
// those paths (the files moved into `codec/` unchanged).
use codec::{decode, error, impls};

pub use codec::{evolve, varint};
pub use codec::{
    Decode, DecodeError, DecodeErrorKind, DecodeOwned, Encode, EncodeError, Fixed, FixedInt,
    Limits, PathSegment, Reader, UnknownFields, UnknownVariant,
};
#[allow(deprecated)]
pub use deprecated::{
    decode_frame, decode_frame_bytes, decode_frame_with, encode_frame, encode_frame_with, frame_crc,
};
#[cfg(feature = "json")]
#[allow(deprecated)]
pub use deprecated::{
    decode_frame_json, decode_frame_json_with, encode_frame_json, encode_frame_json_with,
};
#[cfg(feature = "json")]
pub use frame::json_message as json;
pub use frame::{DecodeProtocol, Message, Protocol};
pub use frame::{
    Flags, FrameBuf, FrameError, FrameHeader, FrameKind, PayloadFormat, RawFrame, HEADER_LEN,
    MAGIC, TRAILER_LEN, VERSION,
};
#[cfg(feature = "json")]
pub use json::{DeserializeMessage, SerializeMessage};

#[cfg(all(feature = "derive", feature = "transport"))]
pub use wirewright_derive::service;
/// The derive macros, named like the traits they implement (as serde's are).
#[cfg(feature = "derive")]
pub use wirewright_derive::{Message, Protocol};

/// Keeps the JSON impls `#[derive(Protocol)]` writes (feature `json`): the derive's
/// output is the same whatever features are on, and this crate decides.
#[doc(hidden)]
#[cfg(feature = "json")]
#[macro_export]
macro_rules! __json_impls {
    ($($item:tt)*) => { $($item)* };
}

/// Drops the JSON impls `#[derive(Protocol)]` writes (feature `json` is off).
#[doc(hidden)]
#[cfg(not(feature = "json"))]
#[macro_export]
macro_rules! __json_impls {
    ($($item:tt)*) => {};
}

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// `bytes`, re-exported so that derived code and users name the same version.
pub use bytes;

/// `serde`, re-exported (feature `json`) so that derived code and users name the same
/// version.
#[cfg(feature = "json")]
pub use serde;
