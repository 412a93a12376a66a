//! Frames: the 16-byte header, the payload, the CRC-32 trailer (SPEC.md §3), and the
//! traits that name what a frame carries ([`Message`], [`Protocol`], [`DecodeProtocol`])
//! and the hooks through which a layer above writes and reads other frame kinds
//! ([`EncodeFrame`], [`DecodeFrame`]).
//! The layer above the codec: it imports [`Encode`](crate::Encode),
//! [`Decode`](crate::Decode), [`Reader`](crate::Reader) and [`Limits`](crate::Limits), and
//! nothing from the transport or rpc.
//!
//! ```text
//!  0       4   5   6       8               12              16
//!  +-------+---+---+-------+---------------+---------------+---------+-------+
//!  | magic |ver|flg| type  | correlation id| payload length| payload | CRC-32|
//!  | WWRT  |   |   | u16le |     u32le     |     u32le     |  len B  | u32le |
//!  +-------+---+---+-------+---------------+---------------+---------+-------+
//!  '------------------ CRC-32 covers these bytes -------------------'
//! ```

mod buffer;
mod checksum;
mod error;
mod flags;
mod framing;
mod header;
#[cfg(feature = "json")]
mod json;
#[cfg(feature = "json")]
pub mod json_message;
pub(crate) mod message;
mod raw;
mod typed;
mod writer;

pub use buffer::FrameBuf;
#[cfg(feature = "transport")]
pub(crate) use checksum::check_trailer;
pub use checksum::frame_crc;
pub use error::FrameError;
pub use flags::{Flags, FrameKind, PayloadFormat};
pub use framing::{DecodeFrame, EncodeFrame};
pub use header::{FrameHeader, HEADER_LEN, MAGIC, TRAILER_LEN, VERSION};
#[cfg(all(feature = "transport", feature = "json"))]
pub(crate) use json::decode_json_payload;
#[cfg(feature = "json")]
pub use json::{
    decode_frame_json, decode_frame_json_with, encode_frame_json, encode_frame_json_with,
};
#[cfg(feature = "json")]
pub use json_message::{DeserializeMessage, SerializeMessage};
pub use message::{DecodeProtocol, Message, Protocol};
pub use raw::RawFrame;
pub(crate) use typed::check_message_frame;
#[cfg(feature = "transport")]
pub(crate) use typed::{check_message_frame_for, decode_payload};
pub use typed::{
    decode_frame, decode_frame_bytes, decode_frame_bytes_with, decode_frame_with, encode_frame,
    encode_frame_with,
};
pub(crate) use writer::FrameWriter;
