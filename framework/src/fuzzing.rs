//! Checks to call from your own fuzz targets (cargo-fuzz / libFuzzer).
//!
//! Each function feeds fuzzer input through wirewright's decoders and **panics** when a
//! property fails, which is how a fuzz target reports a finding. Decoding errors are
//! expected and ignored: the decoders must reject garbage with an error, never panic.
//!
//! A whole fuzz target for your protocol (`fuzz/fuzz_targets/my_protocol.rs`):
//!
//! ```ignore
//! #![no_main]
//! libfuzzer_sys::fuzz_target!(|data: &[u8]| {
//!     wirewright::fuzzing::check_decode::<my_crate::MyProtocol>(data);
//! });
//! ```

use std::fmt::Debug;

use crate::frame::check_message_frame;
use crate::frame::{encode_frame, DecodeFrame};
use crate::{
    Decode, DecodeProtocol, Encode, Limits, PayloadFormat, Protocol, RawFrame, Reader, HEADER_LEN,
    TRAILER_LEN,
};

/// Feeds `data` to the decoders of protocol `P` in two ways and checks the canonical
/// round trip of whatever decodes:
///
/// 1. as a complete frame: if it decodes, encoding the message again (with the same
///    correlation id) must give back exactly `data`, except for an unknown tail of the
///    payload that the message skipped (SPEC.md §12.2): its payload is then exactly the
///    bytes before the tail;
/// 2. as a message-type id (the first two bytes, little-endian) followed by a payload,
///    bypassing the CRC so that the fuzzer reaches the payload decoders: if the payload
///    decodes, the message must report the same id and re-encode to exactly the payload
///    bytes it read (all of them, unless it skipped an unknown tail).
///
/// # Panics
/// When a decoded message does not re-encode to the bytes it came from, or reports a
/// different message type. A panic inside a decoder is a finding too.
///
/// ```
/// # use bytes::BufMut;
/// # #[derive(Debug, PartialEq)] struct Ping(u8);
/// # impl wirewright::Encode for Ping {
/// #     fn encoded_len(&self) -> usize { 1 }
/// #     fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) { buf.put_u8(self.0) }
/// # }
/// # impl<'de> wirewright::Decode<'de> for Ping {
/// #     const MIN_ENCODED_LEN: usize = 1;
/// #     fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Ping(r.read_u8()?)) }
/// # }
/// # impl wirewright::Message for Ping { const ID: u16 = 1; const NAME: &'static str = "Ping"; }
/// wirewright::fuzzing::check_decode::<Ping>(b"\x01\x00\x07"); // id 1, payload 07
/// wirewright::fuzzing::check_decode::<Ping>(b"garbage");
/// ```
pub fn check_decode<'a, P>(data: &'a [u8])
where
    P: DecodeProtocol<'a> + Protocol + Debug,
{
    if let Ok(raw) = RawFrame::parse(data, &Limits::default()) {
        if check_message_frame(&raw.header, PayloadFormat::Binary).is_ok() {
            let mut reader = Reader::with_limits(raw.payload, Limits::default());
            if let Ok(message) = P::decode_frame_payload(&raw.header, &mut reader) {
                let known = &raw.payload[..raw.payload.len() - reader.remaining()];
                let mut again = Vec::with_capacity(data.len());
                encode_frame(&message, raw.header.correlation_id, &mut again).unwrap_or_else(
                    |err| panic!("{message:?} decoded from a frame but does not encode: {err}"),
                );
                assert_eq!(
                    &again[HEADER_LEN..again.len() - TRAILER_LEN],
                    known,
                    "frame of {message:?} is not canonical"
                );
                if known.len() == raw.payload.len() {
                    assert_eq!(again, data, "frame of {message:?} is not canonical");
                }
            }
        }
    }
    if let Some((id, payload)) = data.split_first_chunk::<2>() {
        let message_type = u16::from_le_bytes(*id);
        let mut reader = Reader::with_limits(payload, Limits::default());
        if let Ok(message) = P::decode_message(message_type, &mut reader) {
            // What the message left is an unknown tail (SPEC.md §12.2): the message
            // re-encodes to exactly the bytes before it.
            let known = &payload[..payload.len() - reader.remaining()];
            assert_eq!(
                message.message_type(),
                message_type,
                "{message:?} changed its id"
            );
            assert_eq!(
                message.encoded_len(),
                known.len(),
                "encoded_len of {message:?}"
            );
            assert_eq!(
                message.encode_to_vec(),
                known,
                "payload of {message:?} is not canonical"
            );
        }
    }
}

/// Decodes `data` as one payload of type `T`; if it decodes, checks that it re-encodes to
/// exactly `data` with an exact `encoded_len`.
///
/// # Panics
/// When the round trip is not canonical.
///
/// ```
/// wirewright::fuzzing::check_payload::<(u16, String)>(&[0xac, 0x02, 0x01, b'x']);
/// wirewright::fuzzing::check_payload::<Vec<bool>>(&[0x02, 0x01, 0x07]); // rejected: fine
/// ```
pub fn check_payload<'a, T>(data: &'a [u8])
where
    T: Decode<'a> + Encode + Debug,
{
    if let Ok(value) = T::decode(data) {
        assert_eq!(value.encoded_len(), data.len(), "encoded_len of {value:?}");
        assert_eq!(value.encode_to_vec(), data, "{value:?} is not canonical");
    }
}

/// Encodes `value` (typically produced by `arbitrary`), decodes it back and checks that
/// the decoder consumed exactly `encoded_len` bytes and returned an equal value.
///
/// # Panics
/// When the value does not survive the round trip.
///
/// ```
/// wirewright::fuzzing::check_roundtrip(&(7u8, "seven".to_string(), Some(-7i64)));
/// ```
pub fn check_roundtrip<T>(value: &T)
where
    T: Encode + for<'de> Decode<'de> + PartialEq + Debug,
{
    let bytes = value.encode_to_vec();
    assert_eq!(bytes.len(), value.encoded_len(), "encoded_len of {value:?}");
    let decoded =
        T::decode(&bytes).unwrap_or_else(|err| panic!("{value:?} does not decode: {err}"));
    assert_eq!(&decoded, value, "round trip changed the value");
}
