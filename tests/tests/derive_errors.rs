//! Decode errors of derived types say where they happened: the type, the field path
//! through structs, variants and collections, and the byte offset.

#![allow(clippy::unwrap_used)]

use wirewright::frame::{decode_frame, encode_frame};
use wirewright::{
    Decode, DecodeError, DecodeErrorKind, Encode, FrameError, Limits, Message, PathSegment, Reader,
};
use wirewright_tests::chat::{Chat, Say};

#[test]
fn invalid_utf8_in_say_text_names_the_field_and_the_byte() {
    // room "lobby" (bytes 0-5), then text: length 2 at byte 6, bytes 0xc3 0x28 at 7-8.
    let mut bytes = b"\x05lobby\x02\xc3\x28".to_vec();
    bytes.extend([0; 8]);
    let err = Say::decode(&bytes).unwrap_err();
    assert_eq!(err.path_string(), "Say.text");
    assert_eq!(err.offset(), 7);
    assert_eq!(err.type_name(), Some("Say"));
    assert_eq!(err.kind(), &DecodeErrorKind::InvalidUtf8 { valid_up_to: 0 });
    assert_eq!(
        err.to_string(),
        "Say.text: invalid UTF-8 after 0 valid bytes of the string at byte 7"
    );
}

#[test]
fn truncated_fixed_field_names_the_field() {
    let err = Say::decode(b"\x01a\x01b\x01\x02").unwrap_err();
    assert_eq!(err.path_string(), "Say.at_ms");
    assert_eq!(err.offset(), 4);
    assert!(matches!(
        err.kind(),
        DecodeErrorKind::UnexpectedEnd {
            needed: 8,
            available: 2
        }
    ));
}

#[derive(Message, Debug, PartialEq)]
struct Item {
    id: u32,
    name: String,
}

#[derive(Message, Debug, PartialEq)]
struct Outer {
    items: Vec<Item>,
}

#[test]
fn error_inside_a_vector_of_structs_gives_the_index() {
    let outer = Outer {
        items: vec![
            Item {
                id: 1,
                name: "a".into(),
            },
            Item {
                id: 2,
                name: "b".into(),
            },
            Item {
                id: 3,
                name: "c".into(),
            },
        ],
    };
    let mut bytes = outer.encode_to_vec();
    // items: count at 0; item 0 at 1-3, item 1 at 4-6, item 2: id at 7, name length at
    // 8, name byte at 9.
    bytes[9] = 0xff;
    let err = Outer::decode(&bytes).unwrap_err();
    assert_eq!(err.path_string(), "Outer.items[2].name");
    assert_eq!(err.offset(), 9);
    assert_eq!(
        err.path().collect::<Vec<_>>(),
        [
            &PathSegment::Field("items"),
            &PathSegment::Index(2),
            &PathSegment::Field("name"),
        ]
    );
}

#[derive(Message, Debug, PartialEq)]
enum Shape {
    Dot,
    Circle { radius: u8 },
    Line(bool, bool),
}

#[derive(Message, Debug, PartialEq)]
struct Drawing {
    title: String,
    shape: Shape,
}

#[test]
fn error_in_a_variant_field_names_the_variant() {
    let err = Shape::decode(&[2, 1, 7]).unwrap_err();
    assert_eq!(err.path_string(), "Shape::Line.1");
    assert_eq!(err.offset(), 2);
    assert_eq!(err.kind(), &DecodeErrorKind::InvalidBool { found: 7 });
}

#[test]
fn unknown_tag_is_reported_at_the_tag() {
    let err = Drawing::decode(b"\x02hi\x09").unwrap_err();
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::UnknownVariant {
            type_name: "Shape",
            tag: 9
        }
    );
    assert_eq!(err.offset(), 3);
    assert_eq!(err.path_string(), "Drawing.shape");
    assert_eq!(
        err.to_string(),
        "Drawing.shape: unknown variant tag 9 for enum Shape at byte 3"
    );
}

#[test]
fn tag_larger_than_u32_is_an_overflow() {
    let err = Shape::decode(&[0x80, 0x80, 0x80, 0x80, 0x10]).unwrap_err();
    assert_eq!(err.kind(), &DecodeErrorKind::VarintOverflow { bits: 32 });
    assert_eq!(err.path_string(), "Shape");
}

#[test]
fn trailing_bytes_after_a_derived_value_are_rejected() {
    let err = Shape::decode(&[0, 0]).unwrap_err();
    assert_eq!(err.kind(), &DecodeErrorKind::TrailingBytes { count: 1 });
}

#[derive(Message, Debug, PartialEq)]
enum Expr {
    Number(i64),
    Negate(Box<Expr>),
    Sum(Vec<Expr>),
}

#[test]
fn deep_nesting_stops_at_the_depth_limit() {
    // Negate(Negate(...(Number(0)))) 20 deep: 20 tags of 1, then Number's tag and value.
    let mut bytes = vec![1; 20];
    bytes.extend([0, 0]);
    let limits = Limits::new().with_max_depth(10);
    let err = Expr::decode_with(&bytes, &limits).unwrap_err();
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::DepthLimitExceeded { limit: 10 }
    );
    assert!(err.path_string().starts_with("Expr::Negate.0"));
    // With the default limit the same input decodes.
    let mut expected = Expr::Number(0);
    for _ in 0..20 {
        expected = Expr::Negate(Box::new(expected));
    }
    assert_eq!(Expr::decode(&bytes).unwrap(), expected);
}

#[test]
fn hostile_count_of_derived_elements_is_refused_before_allocating() {
    // Sum claims 2^40 elements in a 7-byte input; each takes at least one byte.
    let err = Expr::decode(&[2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]).unwrap_err();
    assert!(matches!(
        err.kind(),
        DecodeErrorKind::CountExceedsInput {
            min_element_len: 1,
            ..
        }
    ));
    assert_eq!(err.path_string(), "Expr::Sum.0");
}

/// Ports as decimal text, rejecting port 0 with a custom error: a `with` module.
mod nonzero_port {
    use bytes::BufMut;
    use wirewright::{Decode, DecodeError, Encode, Reader};

    pub(crate) fn encoded_len(port: &u16) -> usize {
        port.encoded_len()
    }

    pub(crate) fn encode_raw<B: BufMut + ?Sized>(port: &u16, buf: &mut B) {
        port.encode_raw(buf);
    }

    pub(crate) fn decode_raw(reader: &mut Reader<'_>) -> Result<u16, DecodeError> {
        let start = reader.position();
        match u16::decode_raw(reader)? {
            0 => Err(DecodeError::custom("port 0 is not allowed", start)),
            port => Ok(port),
        }
    }
}

#[derive(Message, Debug, PartialEq)]
struct Endpoint {
    host: String,
    #[wire(with = "nonzero_port")]
    port: u16,
}

#[test]
fn with_module_errors_get_the_field_path() {
    let err = Endpoint::decode(b"\x01h\x00").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Endpoint.port: port 0 is not allowed at byte 2"
    );
}

#[test]
fn payload_error_in_a_frame_keeps_the_path() {
    let mut buf = Vec::new();
    encode_frame(
        &Chat::Say(Say {
            room: "r",
            text: "t",
            at_ms: 0,
        }),
        1,
        &mut buf,
    )
    .unwrap();
    // Corrupt the text and recompute the CRC so that only the payload is wrong.
    buf[16 + 3] = 0xff;
    let crc_at = buf.len() - 4;
    let crc = wirewright::frame::frame_crc(&buf[..crc_at]);
    buf[crc_at..].copy_from_slice(&crc.to_le_bytes());
    let err = decode_frame::<Chat<'_>>(&buf).unwrap_err();
    let FrameError::Payload {
        message_type,
        source,
    } = err
    else {
        panic!("expected a payload error, got {err:?}");
    };
    assert_eq!(message_type, 2);
    assert_eq!(source.path_string(), "Say.text");
    assert_eq!(source.offset(), 3);
}

#[test]
fn decoding_leaves_the_reader_depth_balanced() {
    // Decoding many values in a row from one reader must not accumulate depth.
    let limits = Limits::new().with_max_depth(2);
    let bytes: Vec<u8> = (0..50).flat_map(|_| Shape::Dot.encode_to_vec()).collect();
    let mut reader = Reader::with_limits(&bytes, limits);
    for _ in 0..50 {
        assert_eq!(Shape::decode_raw(&mut reader).unwrap(), Shape::Dot);
    }
    reader.finish().unwrap();
}

#[test]
fn decode_error_is_a_std_error() {
    fn takes_error(_: &dyn std::error::Error) {}
    let err: DecodeError = Shape::decode(&[]).unwrap_err();
    takes_error(&err);
    assert_eq!(err.path_string(), "Shape");
}
