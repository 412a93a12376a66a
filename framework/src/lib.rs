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
//! use wirewright::{decode_frame, encode_frame, Decode, Encode, FrameHeader};
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
//! through `#[derive(Message)]`; [`encode_frame`] and [`decode_frame`] wrap and unwrap
//! them.
//!
//! ## What is where
//! - [`Encode`] / [`Decode`]: the payload codec traits and their impls for the standard
//!   types (SPEC.md §4), with [`Reader`] as the decoding cursor.
//! - [`Message`], [`Protocol`], [`DecodeProtocol`]: what a frame's message-type id names.
//! - [`FrameHeader`], [`RawFrame`], [`encode_frame`], [`decode_frame`]: frames (SPEC.md §3).
//! - [`Limits`]: what a decoder accepts from untrusted input (SPEC.md §6).
//! - [`DecodeError`], [`FrameError`]: typed errors with offsets and field paths.
//! - [`transport`] (feature `transport`, on by default): a tokio codec, connections
//!   with heartbeats and graceful close, a server and a client.

#![warn(missing_docs)]

mod decode;
mod encode;
mod error;
mod fixed;
mod frame;
mod impls;
mod limits;
mod message;
mod reader;
#[cfg(feature = "transport")]
pub mod transport;
pub mod varint;

pub use decode::{Decode, DecodeOwned};
pub use encode::Encode;
pub use error::{DecodeError, DecodeErrorKind, EncodeError, PathSegment};
pub use fixed::{Fixed, FixedInt};
pub use frame::{
    decode_frame, decode_frame_bytes, decode_frame_with, encode_frame, encode_frame_with,
    frame_crc, Flags, FrameBuf, FrameError, FrameHeader, PayloadFormat, RawFrame, HEADER_LEN,
    MAGIC, TRAILER_LEN, VERSION,
};
pub use limits::Limits;
pub use message::{DecodeProtocol, Message, Protocol};
pub use reader::Reader;

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// `bytes`, re-exported so that derived code and users name the same version.
pub use bytes;
