//! JSON payload frames (SPEC.md §8): derived messages and protocols round trip through
//! them with the same header, ids, correlation and CRC as binary frames, and a receiver
//! refuses a frame in the format it has not enabled with a typed error.

#![allow(clippy::unwrap_used)]

use serde::{Deserialize, Serialize};
use wirewright::frame::{
    decode_frame, decode_frame_json, encode_frame, encode_frame_json, encode_frame_json_with,
};
use wirewright::{
    Decode, Flags, FrameError, FrameHeader, Limits, Message, PayloadFormat, Protocol, RawFrame,
    HEADER_LEN, TRAILER_LEN,
};
use wirewright_tests::chat::{Chat, Join, Leave, Presence, Say};

fn conversation() -> Vec<Chat<'static>> {
    vec![
        Chat::Join(Join {
            room: "lobby".into(),
            nick: "ann".into(),
        }),
        Chat::Say(Say {
            room: "lobby",
            text: "hello",
            at_ms: 1_700_000_000_000,
        }),
        Chat::Presence(Presence::Away { minutes: 5 }),
        Chat::Presence(Presence::Offline(Some("bye".into()))),
        Chat::Presence(Presence::Online),
        Chat::Leave(Leave),
    ]
}

#[test]
fn every_message_of_a_derived_protocol_round_trips_through_a_json_frame() {
    for (correlation_id, message) in (1..).zip(conversation()) {
        let mut buf = Vec::new();
        let len = encode_frame_json(&message, correlation_id, &mut buf).unwrap();
        assert_eq!(len, buf.len());
        let (header, back): (FrameHeader, Chat<'_>) = decode_frame_json(&buf).unwrap();
        assert_eq!(header.flags, Flags::JSON);
        assert_eq!(header.message_type, message.message_type());
        assert_eq!(header.correlation_id, correlation_id);
        assert_eq!(header.payload_len as usize, len - HEADER_LEN - TRAILER_LEN);
        assert_eq!(back, message);
    }
}

#[test]
fn json_payload_is_the_message_without_the_protocol_enum_around_it() {
    let say = Say {
        room: "lobby",
        text: "hi",
        at_ms: 5,
    };
    let mut from_protocol = Vec::new();
    encode_frame_json(&Chat::Say(say.clone()), 0, &mut from_protocol).unwrap();
    let mut from_message = Vec::new();
    encode_frame_json(&say, 0, &mut from_message).unwrap();
    assert_eq!(from_protocol, from_message);
    let frame = RawFrame::parse(&from_message, &Limits::default()).unwrap();
    assert_eq!(frame.payload, br#"{"room":"lobby","text":"hi","at_ms":5}"#);
    assert_eq!(frame.header.message_type, Say::ID);
}

#[test]
fn json_frame_decodes_as_the_single_message_type_its_id_names() {
    let mut buf = Vec::new();
    encode_frame_json(&Chat::Presence(Presence::Away { minutes: 3 }), 9, &mut buf).unwrap();
    let (header, presence): (FrameHeader, Presence) = decode_frame_json(&buf).unwrap();
    assert_eq!(header.correlation_id, 9);
    assert_eq!(presence, Presence::Away { minutes: 3 });
    let err = decode_frame_json::<Join>(&buf).unwrap_err();
    assert!(
        matches!(
            err,
            FrameError::UnknownMessageType {
                message_type: 4,
                protocol: "Join"
            }
        ),
        "{err}"
    );
}

#[test]
fn borrowed_fields_of_a_json_frame_point_into_the_frame() {
    let mut buf = Vec::new();
    let say = Say {
        room: "lobby",
        text: "plain text",
        at_ms: 0,
    };
    encode_frame_json(&say, 0, &mut buf).unwrap();
    let (_, back): (FrameHeader, Say<'_>) = decode_frame_json(&buf).unwrap();
    let frame = buf.as_ptr_range();
    assert!(frame.contains(&back.text.as_ptr()));
}

#[test]
fn binary_only_decoder_rejects_a_json_frame_with_unexpected_format() {
    for message in conversation() {
        let mut buf = Vec::new();
        encode_frame_json(&message, 0, &mut buf).unwrap();
        let err = decode_frame::<Chat<'_>>(&buf).unwrap_err();
        assert!(
            matches!(
                err,
                FrameError::UnexpectedFormat {
                    found: PayloadFormat::Json,
                    expected: PayloadFormat::Binary
                }
            ),
            "{err}"
        );
    }
}

#[test]
fn json_decoder_rejects_a_binary_frame_with_unexpected_format() {
    for message in conversation() {
        let mut buf = Vec::new();
        encode_frame(&message, 0, &mut buf).unwrap();
        let err = decode_frame_json::<Chat<'_>>(&buf).unwrap_err();
        assert!(
            matches!(
                err,
                FrameError::UnexpectedFormat {
                    found: PayloadFormat::Binary,
                    expected: PayloadFormat::Json
                }
            ),
            "{err}"
        );
    }
}

#[test]
fn json_frame_with_an_id_outside_the_protocol_is_refused_before_parsing() {
    let mut buf = Vec::new();
    RawFrame::write(Flags::JSON, 77, 0, b"not even json", &mut buf).unwrap();
    let err = decode_frame_json::<Chat<'_>>(&buf).unwrap_err();
    assert!(
        matches!(
            err,
            FrameError::UnknownMessageType {
                message_type: 77,
                protocol: "Chat"
            }
        ),
        "{err}"
    );
}

#[test]
fn json_frame_whose_text_is_not_the_message_is_a_json_error_naming_the_type() {
    for payload in [
        &br#"{"room":"lobby"}"#[..],            // a missing field
        br#"{"room":"lobby","nick":"ann"} {}"#, // trailing text
        b"\xff",                                // not UTF-8
    ] {
        let mut buf = Vec::new();
        RawFrame::write(Flags::JSON, Join::ID, 0, payload, &mut buf).unwrap();
        let err = decode_frame_json::<Chat<'_>>(&buf).unwrap_err();
        assert!(
            matches!(
                err,
                FrameError::Json {
                    message_type: 1,
                    ..
                }
            ),
            "{err}"
        );
    }
}

#[test]
fn flipped_bit_in_a_json_payload_fails_the_crc() {
    let mut buf = Vec::new();
    encode_frame_json(&conversation()[0], 0, &mut buf).unwrap();
    buf[HEADER_LEN + 3] ^= 0x20;
    let err = decode_frame_json::<Chat<'_>>(&buf).unwrap_err();
    assert!(matches!(err, FrameError::BadCrc { .. }), "{err}");
}

#[test]
fn json_frame_over_the_limit_is_refused_and_leaves_the_buffer_as_it_was() {
    let mut buf = b"earlier frames".to_vec();
    let limits = Limits::new().with_max_frame_len(10);
    let err = encode_frame_json_with(&conversation()[0], 0, &limits, &mut buf).unwrap_err();
    assert!(
        matches!(err, FrameError::FrameTooLarge { max: 10, .. }),
        "{err}"
    );
    assert_eq!(buf, b"earlier frames");
}

/// A message whose serde representation JSON cannot write: a map with non-string keys.
#[derive(Message, Serialize, Deserialize, Debug, PartialEq)]
#[wire(id = 40)]
struct Scores {
    by_player: std::collections::BTreeMap<(u8, u8), u32>,
}

#[test]
fn message_json_cannot_write_is_a_json_error_and_leaves_the_buffer_as_it_was() {
    let scores = Scores {
        by_player: [((1, 2), 3)].into_iter().collect(),
    };
    let mut buf = b"earlier".to_vec();
    let err = encode_frame_json(&scores, 0, &mut buf).unwrap_err();
    assert!(
        matches!(
            err,
            FrameError::Json {
                message_type: 40,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(buf, b"earlier");
}

/// Messages without serde: their protocol still derives, and works in binary.
#[derive(Message, Debug, PartialEq)]
#[wire(id = 1)]
struct Plain {
    value: u32,
}

#[derive(Protocol, Debug, PartialEq)]
enum PlainProtocol {
    Plain(Plain),
}

#[test]
fn protocol_of_messages_without_serde_still_derives_and_works_in_binary() {
    let mut buf = Vec::new();
    encode_frame(&PlainProtocol::Plain(Plain { value: 3 }), 0, &mut buf).unwrap();
    let (_, back): (FrameHeader, PlainProtocol) = decode_frame(&buf).unwrap();
    assert_eq!(back, PlainProtocol::Plain(Plain { value: 3 }));
    assert_eq!(Plain::decode(&[3]).unwrap(), Plain { value: 3 });
}

/// A generic protocol: the serde bounds follow the message types.
#[derive(Message, Serialize, Deserialize, Debug, PartialEq)]
#[wire(id = 5)]
struct Put<V> {
    key: String,
    value: V,
}

#[derive(Protocol, Debug, PartialEq)]
enum Store<V> {
    Put(Put<V>),
    Leave(Leave),
}

#[test]
fn generic_protocol_round_trips_through_a_json_frame() {
    let put = Store::Put(Put {
        key: "k".into(),
        value: vec![1.5f64, 2.0],
    });
    let mut buf = Vec::new();
    encode_frame_json(&put, 3, &mut buf).unwrap();
    let (header, back): (FrameHeader, Store<Vec<f64>>) = decode_frame_json(&buf).unwrap();
    assert_eq!((header.message_type, back), (5, put));
}

#[test]
fn json_response_frame_is_refused_where_a_message_is_expected() {
    let mut buf = Vec::new();
    RawFrame::write(
        Flags::JSON | Flags::RESPONSE,
        Join::ID,
        5,
        br#"{"room":"lobby","nick":"ann"}"#,
        &mut buf,
    )
    .unwrap();
    let err = decode_frame_json::<Chat<'_>>(&buf).unwrap_err();
    assert!(
        matches!(
            err,
            FrameError::UnexpectedKind {
                found: wirewright::FrameKind::Response,
                expected: wirewright::FrameKind::Message,
                correlation_id: 5,
                ..
            }
        ),
        "{err}"
    );
}
