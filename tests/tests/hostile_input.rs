//! Hostile and malformed input: every case gets its specific, typed error, without a
//! panic, a hang or an allocation the input cannot justify.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use wirewright::bytes::BufMut;
use wirewright::frame::decode_frame;
use wirewright::{
    Decode, DecodeError, DecodeErrorKind, Encode, FrameError, Limits, RawFrame, Reader,
};
use wirewright_tests::alloc_counter::{measure, CountingAllocator};
use wirewright_tests::spec::{spec_text, vectors};
use wirewright_tests::spec_types::{Join, Say};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn frame_vectors() -> Vec<Vec<u8>> {
    vectors(&spec_text())
        .into_iter()
        .filter(|v| v.name.starts_with("frame-"))
        .map(|v| v.bytes)
        .collect()
}

fn join_frame() -> Vec<u8> {
    let mut buf = Vec::new();
    wirewright::frame::encode_frame(
        &Join {
            room: "lobby".into(),
            nick: "ann".into(),
        },
        0,
        &mut buf,
    )
    .unwrap();
    buf
}

fn kind<T: std::fmt::Debug>(result: Result<T, DecodeError>) -> DecodeErrorKind {
    result.unwrap_err().kind().clone()
}

#[test]
fn every_truncation_of_every_spec_frame_is_reported_as_truncated() {
    let limits = Limits::default();
    for frame in frame_vectors() {
        for len in 0..frame.len() {
            let err = RawFrame::parse(&frame[..len], &limits).unwrap_err();
            let needed = if len < 16 { 16 } else { frame.len() };
            assert!(
                matches!(err, FrameError::Truncated { needed: n, available } if n == needed && available == len),
                "prefix of {len} bytes: {err}"
            );
        }
    }
}

#[test]
fn decode_rejects_bad_magic_at_the_first_differing_byte() {
    let frame = join_frame();
    for offset in 0..4 {
        let mut bad = frame.clone();
        bad[offset] ^= 0x20;
        let err = decode_frame::<Join>(&bad).unwrap_err();
        assert!(
            matches!(err, FrameError::BadMagic { offset: o, .. } if o == offset),
            "{err}"
        );
    }
    let err = decode_frame::<Join>(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap_err();
    assert!(matches!(err, FrameError::BadMagic { offset: 0, .. }));
    assert!(
        err.to_string().contains("does not speak wirewright"),
        "{err}"
    );
    // One byte is enough to tell.
    assert!(matches!(
        RawFrame::parse(b"G", &Limits::default()),
        Err(FrameError::BadMagic { offset: 0, .. })
    ));
}

#[test]
fn decode_rejects_unsupported_version() {
    let mut frame = join_frame();
    frame[4] = 2;
    let err = decode_frame::<Join>(&frame).unwrap_err();
    assert!(
        matches!(
            err,
            FrameError::UnsupportedVersion {
                found: 2,
                supported: 1
            }
        ),
        "{err}"
    );
}

#[test]
fn decode_rejects_every_reserved_flag_bit() {
    for bit in 4..8 {
        let mut frame = join_frame();
        frame[5] = 1 << bit;
        let err = decode_frame::<Join>(&frame).unwrap_err();
        assert!(
            matches!(err, FrameError::ReservedFlags { flags, reserved } if flags == 1 << bit && reserved == 1 << bit),
            "{err}"
        );
    }
}

#[test]
fn decode_rejects_flags_that_exclude_each_other() {
    // ERROR alone, CONTROL | RESPONSE, CONTROL | RESPONSE | ERROR, JSON | RESPONSE | ERROR.
    for flags in [0x08, 0x06, 0x0e, 0x0d] {
        let mut frame = join_frame();
        frame[5] = flags;
        let err = decode_frame::<Join>(&frame).unwrap_err();
        assert!(
            matches!(err, FrameError::InvalidFlags { flags: f } if f == flags),
            "{flags:#04x}: {err}"
        );
    }
}

#[test]
fn a_response_frame_is_not_a_message_for_a_plain_protocol() {
    let mut frame = join_frame();
    frame[5] = 0x04; // RESPONSE
    let crc = wirewright::frame::frame_crc(&frame[..frame.len() - 4]);
    let at = frame.len() - 4;
    frame[at..].copy_from_slice(&crc.to_le_bytes());
    let err = decode_frame::<Join>(&frame).unwrap_err();
    assert!(
        matches!(
            err,
            FrameError::UnexpectedKind {
                found: wirewright::FrameKind::Response,
                expected: wirewright::FrameKind::Message,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn decode_rejects_bad_crc_in_payload_header_and_trailer() {
    let frame = join_frame();
    for offset in [6, 9, 16, 20, frame.len() - 5, frame.len() - 1] {
        let mut bad = frame.clone();
        bad[offset] ^= 0x01;
        let err = decode_frame::<Join>(&bad).unwrap_err();
        assert!(
            matches!(err, FrameError::BadCrc { offset: o, .. } if o == frame.len() - 4),
            "byte {offset}: {err}"
        );
    }
}

#[test]
fn decode_rejects_a_header_claiming_4_gib_without_allocating() {
    let header = b"WWRT\x01\x00\x01\x00\x00\x00\x00\x00\xff\xff\xff\xff";
    let (result, allocations) = measure(|| decode_frame::<Join>(header));
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            FrameError::FrameTooLarge {
                declared: 4_294_967_295,
                max: 8_388_608
            }
        ),
        "{err}"
    );
    assert_eq!(
        allocations.total, 0,
        "rejecting the header allocated {allocations:?}"
    );
}

#[test]
fn decode_rejects_frame_with_trailing_bytes() {
    let mut frame = join_frame();
    frame.push(0);
    assert!(matches!(
        decode_frame::<Join>(&frame),
        Err(FrameError::TrailingBytes { count: 1 })
    ));
}

#[test]
fn decode_rejects_u64_max_count_in_a_10_byte_payload_without_allocating() {
    let payload = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    let (result, allocations) = measure(|| Vec::<u64>::decode(&payload));
    assert_eq!(
        kind(result),
        DecodeErrorKind::CountExceedsInput {
            count: u64::MAX,
            min_element_len: 1,
            remaining: 0
        }
    );
    assert!(allocations.largest < 256, "allocated {allocations:?}");
    let (result, allocations) = measure(|| BTreeMap::<String, String>::decode(&payload));
    assert!(matches!(
        kind(result),
        DecodeErrorKind::CountExceedsInput { .. }
    ));
    assert!(allocations.largest < 256, "allocated {allocations:?}");
    let (result, allocations) = measure(|| String::decode(&payload));
    assert!(matches!(
        kind(result),
        DecodeErrorKind::LengthExceedsInput { .. }
    ));
    assert!(allocations.largest < 256, "allocated {allocations:?}");
}

#[test]
fn decode_rejects_2_pow_32_elements_in_a_10_byte_payload_fast_and_without_allocating() {
    // Count 2^32 (80 80 80 80 10), then five bytes of would-be elements.
    let payload = [0x80, 0x80, 0x80, 0x80, 0x10, 1, 2, 3, 4, 5];
    let (result, allocations) = measure(|| Vec::<u8>::decode(&payload));
    assert!(matches!(
        kind(result),
        DecodeErrorKind::CountExceedsInput {
            count: 4_294_967_296,
            ..
        }
    ));
    assert!(allocations.largest < 256, "{allocations:?}");
    let (result, allocations) = measure(|| Vec::<()>::decode(&payload));
    assert!(matches!(
        kind(result),
        DecodeErrorKind::ZeroSizedCountExceedsLimit {
            count: 4_294_967_296,
            ..
        }
    ));
    assert!(allocations.largest < 256, "{allocations:?}");
    let (result, allocations) = measure(|| Vec::<[u8; 0]>::decode(&payload));
    assert!(matches!(
        kind(result),
        DecodeErrorKind::ZeroSizedCountExceedsLimit { .. }
    ));
    assert!(allocations.largest < 256, "{allocations:?}");
}

#[test]
fn decode_bounds_zero_sized_elements_by_the_limit_not_the_input() {
    // 2^32 elements of `()` in a 5-byte payload: no bytes bound them, the limit does.
    let payload = [0x80, 0x80, 0x80, 0x80, 0x10];
    assert_eq!(
        kind(Vec::<()>::decode(&payload)),
        DecodeErrorKind::ZeroSizedCountExceedsLimit {
            count: 1 << 32,
            limit: 65_536
        }
    );
    let ok = Vec::<()>::decode(&[0x80, 0x80, 0x04]).unwrap(); // exactly 65,536
    assert_eq!(ok.len(), 65_536);
}

#[test]
fn decode_reserves_at_most_one_mebibyte_ahead_of_decoded_elements() {
    // 100,000 `Option<[u64; 64]>` elements fit in 100,000 bytes of `None` tags but take
    // 52 MB in memory. The second element is invalid: the decoder must have reserved no
    // more than its 1 MiB cap, not room for the whole declared count.
    let mut payload = Vec::new();
    100_000u64.encode_raw(&mut payload);
    payload.put_u8(0x00);
    payload.put_u8(0x02);
    payload.put_bytes(0, 99_998);
    let (result, allocations) = measure(|| Vec::<Option<[u64; 64]>>::decode(&payload));
    let err = result.unwrap_err();
    assert_eq!(err.kind(), &DecodeErrorKind::InvalidOptionTag { found: 2 });
    assert_eq!(err.path_string(), "[1]");
    assert!(allocations.largest <= 1 << 20, "{allocations:?}");
}

#[test]
fn decode_rejects_overlong_and_overflowing_varints() {
    assert_eq!(
        kind(u32::decode(&[0x80, 0x80, 0x80, 0x80, 0x00])),
        DecodeErrorKind::VarintOverlong
    );
    assert_eq!(
        kind(u64::decode(&[0x80, 0x00])),
        DecodeErrorKind::VarintOverlong
    );
    assert_eq!(
        kind(u32::decode(&[0x80, 0x80, 0x80, 0x80, 0x10])),
        DecodeErrorKind::VarintOverflow { bits: 32 }
    );
    assert_eq!(
        kind(u16::decode(&[0x80, 0x80, 0x04])),
        DecodeErrorKind::VarintOverflow { bits: 16 }
    );
    assert_eq!(
        kind(u64::decode(&[0xff; 11])),
        DecodeErrorKind::VarintOverflow { bits: 64 }
    );
    assert_eq!(
        kind(u64::decode(&[
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02
        ])),
        DecodeErrorKind::VarintOverflow { bits: 64 }
    );
    let mut too_wide = [0x80; 19];
    too_wide[18] = 0x04; // the 19th byte may carry only the top two bits of a u128
    assert_eq!(
        kind(u128::decode(&too_wide)),
        DecodeErrorKind::VarintOverflow { bits: 128 }
    );
    assert_eq!(
        kind(u64::decode(&[0x80, 0x80])),
        DecodeErrorKind::UnexpectedEnd {
            needed: 3,
            available: 2
        }
    );
}

#[test]
fn decode_rejects_invalid_utf8_with_field_path_and_offset() {
    let payload = [
        0x05, b'l', b'o', b'b', b'b', b'y', 0x02, 0xc3, 0x28, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    let err = Say::decode(&payload).unwrap_err();
    assert_eq!(err.kind(), &DecodeErrorKind::InvalidUtf8 { valid_up_to: 0 });
    assert_eq!(err.offset(), 7);
    assert_eq!(err.path_string(), "Say.text");
    assert_eq!(
        err.to_string(),
        "Say.text: invalid UTF-8 after 0 valid bytes of the string at byte 7"
    );
}

#[test]
fn decode_rejects_invalid_bool_option_char_and_enum_tags() {
    assert_eq!(
        kind(bool::decode(&[2])),
        DecodeErrorKind::InvalidBool { found: 2 }
    );
    assert_eq!(
        kind(Option::<u8>::decode(&[2, 0])),
        DecodeErrorKind::InvalidOptionTag { found: 2 }
    );
    // U+D800 is a surrogate: 0xd800 as a varint is 80 b0 03.
    assert_eq!(
        kind(char::decode(&[0x80, 0xb0, 0x03])),
        DecodeErrorKind::InvalidChar { found: 0xd800 }
    );
    assert_eq!(
        kind(char::decode(&[0x80, 0x80, 0xc4, 0x00])),
        DecodeErrorKind::VarintOverlong
    );
    let err = wirewright_tests::spec_types::Shape::decode(&[0x05]).unwrap_err();
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::UnknownVariant {
            type_name: "Shape",
            tag: 5
        }
    );
}

#[test]
fn decode_rejects_map_keys_out_of_order_or_duplicated() {
    // {"aa": 2, "b": 1}: "aa" (02 61 61) must come after "b" (01 62).
    let wrong_order = [0x02, 0x02, 0x61, 0x61, 0x02, 0x01, 0x62, 0x01];
    let err = BTreeMap::<String, u8>::decode(&wrong_order).unwrap_err();
    assert_eq!(err.kind(), &DecodeErrorKind::KeyOrder);
    assert_eq!(err.offset(), 5);
    assert_eq!(err.path_string(), "[1]");
    let duplicate = [0x02, 0x07, 0x07];
    assert_eq!(
        kind(BTreeSet::<u8>::decode(&duplicate)),
        DecodeErrorKind::KeyOrder
    );
    assert_eq!(
        kind(HashMap::<u8, ()>::decode(&duplicate)),
        DecodeErrorKind::KeyOrder
    );
}

#[test]
fn decode_rejects_trailing_bytes_after_the_value() {
    assert_eq!(
        kind(u8::decode(&[1, 2, 3])),
        DecodeErrorKind::TrailingBytes { count: 2 }
    );
}

/// `Nest(Some(Box(Nest(...))))`: a recursive type, as user code would write one.
#[derive(Debug)]
struct Nest(Option<Box<Nest>>);

impl Encode for Nest {
    fn encoded_len(&self) -> usize {
        self.0.encoded_len()
    }
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        self.0.encode_raw(buf);
    }
}

impl<'de> Decode<'de> for Nest {
    const MIN_ENCODED_LEN: usize = 1;
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        Ok(Nest(Decode::decode_raw(reader)?))
    }
}

#[test]
fn decode_rejects_nesting_deeper_than_the_limit_without_overflowing_the_stack() {
    let mut payload = vec![0x01; 100_000];
    payload.push(0x00);
    let result = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || Nest::decode(&payload).map(|_| ()))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(
        kind(result),
        DecodeErrorKind::DepthLimitExceeded { limit: 128 }
    );
    // Within the limit it decodes.
    let mut payload = vec![0x01; 60];
    payload.push(0x00);
    assert!(Nest::decode(&payload).is_ok());
}

#[test]
fn frame_payload_errors_name_the_message_type_and_field() {
    let mut frame = join_frame();
    frame[16] = 0x09; // room length 9: runs into nick and past the end
    let crc = wirewright::frame::frame_crc(&frame[..frame.len() - 4]);
    let at = frame.len() - 4;
    frame[at..].copy_from_slice(&crc.to_le_bytes());
    let err = decode_frame::<Join>(&frame).unwrap_err();
    match &err {
        FrameError::Payload {
            message_type: 1,
            source,
        } => {
            assert_eq!(source.path_string(), "Join.nick");
        }
        other => panic!("unexpected {other}"),
    }
}
