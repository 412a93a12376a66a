//! Every test vector of SPEC.md §9, checked both ways: encoding the value gives the
//! bytes, decoding the bytes gives the value.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use tokio_util::codec::Decoder;
use wirewright::bytes::{Bytes, BytesMut};
use wirewright::rpc::{ErrorCode, Failure, Inbound, Reply};
use wirewright::transport::{Control, FrameCodec, Goodbye, GoodbyeReason, Incoming};
use wirewright::{
    decode_frame, decode_frame_json, encode_frame, encode_frame_json, Decode, Encode, Fixed, Flags,
    FrameError, FrameHeader, FrameKind, Limits, PayloadFormat, RawFrame,
};
use wirewright_tests::spec::{spec_text, to_hex, vectors, Vector};
use wirewright_tests::spec_types::{Get, Join, KvError, Say, Shape, Value};

/// Checks a value that decodes without borrowing.
fn owned<T>(vector: &Vector, value: T)
where
    T: Encode + for<'de> Decode<'de> + PartialEq + Debug,
{
    borrowed(vector, value);
}

/// Checks a value that may borrow from the vector's bytes.
fn borrowed<'a, T>(vector: &'a Vector, value: T)
where
    T: Encode + Decode<'a> + PartialEq + Debug,
{
    let encoded = value.encode_to_vec();
    assert_eq!(
        to_hex(&encoded),
        to_hex(&vector.bytes),
        "{}: encoding {value:?}",
        vector.name
    );
    assert_eq!(
        value.encoded_len(),
        vector.bytes.len(),
        "{}: encoded_len",
        vector.name
    );
    let decoded = T::decode(&vector.bytes)
        .unwrap_or_else(|err| panic!("{}: decoding failed: {err}", vector.name));
    assert_eq!(decoded, value, "{}: decoding", vector.name);
}

fn join() -> Join {
    Join {
        room: "lobby".into(),
        nick: "ann".into(),
    }
}

fn say() -> Say<'static> {
    Say {
        room: "lobby",
        text: "hi",
        at_ms: 1_700_000_000_000,
    }
}

fn frame_header(
    message_type: u16,
    correlation_id: u32,
    flags: Flags,
    payload_len: usize,
) -> FrameHeader {
    FrameHeader {
        flags,
        message_type,
        correlation_id,
        payload_len: payload_len as u32,
    }
}

/// Checks a control-frame vector: the transport writes exactly its bytes, and its codec
/// reads them back as the same control frame.
fn control(vector: &Vector, value: Control) {
    let mut buf = Vec::new();
    let len = value.write(&mut buf);
    assert_eq!(len, vector.bytes.len(), "{}: frame length", vector.name);
    assert_eq!(
        to_hex(&buf),
        to_hex(&vector.bytes),
        "{}: encoding",
        vector.name
    );
    let mut bytes = BytesMut::from(&vector.bytes[..]);
    let decoded = FrameCodec::<Join>::new()
        .decode(&mut bytes)
        .unwrap_or_else(|err| panic!("{}: decoding failed: {err}", vector.name));
    assert_eq!(
        decoded,
        Some(Incoming::Control(value)),
        "{}: decoding",
        vector.name
    );
    assert!(bytes.is_empty(), "{}: bytes left over", vector.name);
}

type KvReply = Reply<Value, KvError>;

/// Checks a reply vector (§9.7): the server's encoding of `reply` with correlation id
/// `id` gives exactly its bytes, the client decodes them back with the header's kind,
/// and a receiver that takes no replies rejects them.
fn reply(vector: &Vector, id: u32, reply: KvReply, kind: FrameKind) {
    let mut buf = Vec::new();
    encode_frame(&reply, id, &mut buf).unwrap();
    assert_eq!(
        to_hex(&buf),
        to_hex(&vector.bytes),
        "{}: encoding",
        vector.name
    );
    let (header, decoded): (FrameHeader, Inbound<KvReply>) = decode_frame(&vector.bytes)
        .unwrap_or_else(|err| panic!("{}: decoding failed: {err}", vector.name));
    assert_eq!(header.correlation_id, id, "{}", vector.name);
    assert_eq!(header.flags.kind(), kind, "{}", vector.name);
    assert_eq!(decoded.decoded(), Some(reply), "{}: decoding", vector.name);
    let err = decode_frame::<Value>(&vector.bytes).unwrap_err();
    assert!(
        matches!(err, FrameError::UnexpectedKind { found, expected: FrameKind::Message, .. } if found == kind),
        "{}: {err}",
        vector.name
    );
}

type Check = fn(&Vector);

/// The Rust value behind every vector name.
fn registry() -> Vec<(&'static str, Check)> {
    vec![
        ("bool-true", |v| owned(v, true)),
        ("u8-200", |v| owned(v, 200u8)),
        ("i8-minus-2", |v| owned(v, -2i8)),
        ("u16-300", |v| owned(v, 300u16)),
        ("u64-max", |v| owned(v, u64::MAX)),
        ("i64-minus-300", |v| owned(v, -300i64)),
        ("i32-min", |v| owned(v, i32::MIN)),
        ("u128-2-pow-64", |v| owned(v, 1u128 << 64)),
        ("fixed-u32", |v| owned(v, Fixed(0x0102_0304u32))),
        ("f32-1.5", |v| owned(v, 1.5f32)),
        ("f64-minus-0.1", |v| owned(v, -0.1f64)),
        ("char-e-acute", |v| owned(v, 'é')),
        ("unit", |v| owned(v, ())),
        ("string-hello", |v| owned(v, String::from("héllo"))),
        ("bytes-deadbeef", |v| {
            owned(v, Bytes::from_static(&[0xde, 0xad, 0xbe, 0xef]))
        }),
        ("vec-u16", |v| owned(v, vec![1u16, 300])),
        ("array-u8-3", |v| owned(v, [1u8, 2, 3])),
        ("vec-option-bool", |v| owned(v, vec![Some(true), None])),
        ("option-none", |v| owned(v, None::<u32>)),
        ("option-some", |v| owned(v, Some(5u32))),
        ("tuple", |v| borrowed(v, (7u8, false, "a"))),
        ("map-string-u8", |v| {
            owned(
                v,
                BTreeMap::from([("b".to_owned(), 1u8), ("aa".to_owned(), 2)]),
            )
        }),
        ("set-u16", |v| owned(v, BTreeSet::from([129u16, 256]))),
        ("box-str", |v| owned(v, Box::<str>::from("hi"))),
        ("struct-join", |v| owned(v, join())),
        ("struct-say", |v| borrowed(v, say())),
        ("enum-rect", |v| {
            owned(
                v,
                Shape::Rect {
                    width: 3,
                    height: 4,
                },
            )
        }),
        ("enum-empty", |v| owned(v, Shape::Empty)),
        ("frame-join", |v| {
            let mut buf = Vec::new();
            encode_frame(&join(), 0, &mut buf).unwrap();
            assert_eq!(to_hex(&buf), to_hex(&v.bytes), "{}: encoding", v.name);
            let (header, message): (FrameHeader, Join) = decode_frame(&v.bytes).unwrap();
            assert_eq!(header, frame_header(1, 0, Flags::EMPTY, 10));
            assert_eq!(message, join());
        }),
        ("frame-say-correlated", |v| {
            let mut buf = Vec::new();
            encode_frame(&say(), 7, &mut buf).unwrap();
            assert_eq!(to_hex(&buf), to_hex(&v.bytes), "{}: encoding", v.name);
            let (header, message): (FrameHeader, Say<'_>) = decode_frame(&v.bytes).unwrap();
            assert_eq!(header, frame_header(2, 7, Flags::EMPTY, 17));
            assert_eq!(message, say());
        }),
        ("frame-join-json", |v| {
            let json = br#"{"room":"lobby","nick":"ann"}"#;
            let mut buf = Vec::new();
            RawFrame::write(Flags::JSON, 1, 0, json, &mut buf).unwrap();
            assert_eq!(to_hex(&buf), to_hex(&v.bytes), "{}: encoding", v.name);
            // The serde representation of the derived type is the same text.
            buf.clear();
            encode_frame_json(&join(), 0, &mut buf).unwrap();
            assert_eq!(to_hex(&buf), to_hex(&v.bytes), "{}: JSON encoding", v.name);
            let (_, message): (FrameHeader, Join) = decode_frame_json(&v.bytes).unwrap();
            assert_eq!(message, join());
            let frame = RawFrame::parse(&v.bytes, &Limits::default()).unwrap();
            assert_eq!(frame.header, frame_header(1, 0, Flags::JSON, json.len()));
            let value: serde_json::Value = serde_json::from_slice(frame.payload).unwrap();
            assert_eq!(value, serde_json::json!({"room": "lobby", "nick": "ann"}));
            // A binary-only receiver rejects it with a typed error.
            let err = decode_frame::<Join>(&v.bytes).unwrap_err();
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
        }),
        ("frame-ping", |v| {
            control(
                v,
                Control::Ping {
                    nonce: 0x0102_0304_0506_0708,
                },
            )
        }),
        ("frame-pong", |v| {
            control(
                v,
                Control::Pong {
                    nonce: 0x0102_0304_0506_0708,
                },
            )
        }),
        ("frame-goodbye", |v| {
            let goodbye = Goodbye::new(GoodbyeReason::ShuttingDown, "restarting");
            control(v, Control::Goodbye(goodbye))
        }),
        ("frame-goodbye-normal", |v| {
            control(v, Control::Goodbye(Goodbye::new(GoodbyeReason::Normal, "")))
        }),
        ("frame-request", |v| {
            let get = Get { key: "a".into() };
            let mut buf = Vec::new();
            encode_frame(&get, 42, &mut buf).unwrap();
            assert_eq!(to_hex(&buf), to_hex(&v.bytes), "{}: encoding", v.name);
            let (header, request): (FrameHeader, Inbound<Get>) = decode_frame(&v.bytes).unwrap();
            assert_eq!(header, frame_header(10, 42, Flags::EMPTY, 2));
            assert_eq!(header.flags.kind(), FrameKind::Message);
            assert_eq!(request.decoded(), Some(get));
            // A client takes replies only.
            let err = decode_frame::<KvReply>(&v.bytes).unwrap_err();
            assert!(
                matches!(
                    err,
                    FrameError::UnexpectedKind {
                        found: FrameKind::Message,
                        expected: FrameKind::Response,
                        ..
                    }
                ),
                "{err}"
            );
        }),
        ("frame-response", |v| {
            let value = Value {
                value: Some("x".into()),
            };
            reply(v, 42, Reply::Response(value), FrameKind::Response)
        }),
        ("frame-error-application", |v| {
            let error = KvError::NotFound { key: "a".into() };
            reply(v, 42, Reply::Application(error), FrameKind::Error)
        }),
        ("frame-error-unknown-request", |v| {
            let failure = Failure::new(ErrorCode::UnknownRequest, "type 12");
            reply(v, 43, Reply::Failure(failure), FrameKind::Error)
        }),
        ("frame-error-shutting-down", |v| {
            let failure = Failure::new(ErrorCode::ShuttingDown, "");
            reply(v, 44, Reply::Failure(failure), FrameKind::Error)
        }),
        ("frame-error-reply-too-large", |v| {
            let failure = Failure::new(ErrorCode::ReplyTooLarge, "");
            reply(v, 45, Reply::Failure(failure), FrameKind::Error)
        }),
    ]
}

#[test]
fn every_spec_vector_encodes_and_decodes_exactly() {
    let spec = spec_text();
    let vectors = vectors(&spec);
    let registry = registry();
    for vector in &vectors {
        let check = registry
            .iter()
            .find(|(name, _)| *name == vector.name)
            .unwrap_or_else(|| {
                panic!(
                    "SPEC.md vector {:?} has no value in the test registry",
                    vector.name
                )
            });
        (check.1)(vector);
    }
    for (name, _) in &registry {
        assert!(
            vectors.iter().any(|vector| vector.name == *name),
            "the registry's vector {name:?} is missing from SPEC.md"
        );
    }
}

#[test]
fn spec_has_enough_vectors_covering_frames() {
    let vectors = vectors(&spec_text());
    assert!(vectors.len() >= 16, "only {} vectors", vectors.len());
    let frames = vectors
        .iter()
        .filter(|v| v.name.starts_with("frame-"))
        .count();
    assert!(frames >= 3, "only {frames} frame vectors");
    let mut names: Vec<_> = vectors.iter().map(|v| v.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), vectors.len(), "vector names must be unique");
}

#[test]
fn spec_crc_check_value_matches_crc32fast() {
    assert_eq!(wirewright::frame_crc(b"123456789"), 0xCBF4_3926);
    assert!(spec_text().contains("0xCBF43926"));
}
