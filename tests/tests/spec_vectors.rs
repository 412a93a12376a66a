//! Every positive vector of SPEC.md §9, checked both ways: the value (parsed from the
//! spec's notation) encodes to the bytes and the JSON text, and the bytes and the text
//! decode to the value. Vectors are matched to Rust types by their `type`, so a new
//! vector of a known type is checked without touching this file. Also: every block
//! parses, names are unique, and every type a vector names is defined in SPEC.md.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use serde::{Deserialize, Serialize};
use tokio_util::codec::Decoder;
use wirewright::bytes::{Bytes, BytesMut};
use wirewright::frame::{decode_frame, decode_frame_json, encode_frame, encode_frame_json};
use wirewright::rpc::{Inbound, Reply};
use wirewright::transport::{Control, FrameCodec, Hello, Incoming};
use wirewright::{
    Decode, DecodeProtocol, DeserializeMessage, Encode, Fixed, Flags, FrameError, FrameHeader,
    FrameKind, Limits, Message, RawFrame, SerializeMessage,
};
use wirewright_tests::conformance::{
    control_from_notation, failure_from_notation, hello_from_notation, FrameValue,
};
use wirewright_tests::from_notation::FromNotation;
use wirewright_tests::notation::Value as Notation;
use wirewright_tests::spec::{
    all_vectors, blocks, spec_text, to_hex, Reading, Vector, BLOCK_KINDS,
};
use wirewright_tests::spec_types::{
    Get, Join, KvError, Marker, Meters, Pair, Say, Shape, Token, Tree, Value,
};

fn parsed<'a, T: FromNotation<'a>>(vector: &'a Vector) -> T {
    T::from_notation(&vector.value).unwrap_or_else(|err| {
        panic!(
            "{}: the value does not fit {}: {err}",
            vector.name, vector.type_name
        )
    })
}

/// The binary direction: the value encodes to `hex`, `hex` decodes to the value.
fn binary<'a, T>(vector: &'a Vector)
where
    T: Encode + Decode<'a> + FromNotation<'a> + PartialEq + Debug,
{
    assert!(
        vector.json.is_none(),
        "{}: {} has no JSON check",
        vector.name,
        vector.type_name
    );
    check_binary::<T>(vector);
}

fn check_binary<'a, T>(vector: &'a Vector)
where
    T: Encode + Decode<'a> + FromNotation<'a> + PartialEq + Debug,
{
    if !vector.has_hex {
        return;
    }
    let value: T = parsed(vector);
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
    // NaN is not equal to itself: a NaN value must decode to the same bit pattern.
    #[allow(clippy::eq_op)]
    let is_nan = value != value;
    assert!(
        decoded == value || (is_nan && decoded.encode_to_vec() == encoded),
        "{}: decoding gave {decoded:?}, not {value:?}",
        vector.name
    );
}

/// Both directions in binary and, when the vector has `json`, in JSON (SPEC.md §8).
fn with_json<'a, T>(vector: &'a Vector)
where
    T: Encode + Decode<'a> + FromNotation<'a> + Serialize + Deserialize<'a> + PartialEq + Debug,
{
    check_binary::<T>(vector);
    let Some(json) = &vector.json else { return };
    let value: T = parsed(vector);
    let written = serde_json::to_string(&value).unwrap();
    assert_eq!(&written, json, "{}: JSON text of {value:?}", vector.name);
    let read: T = serde_json::from_str(json)
        .unwrap_or_else(|err| panic!("{}: reading the JSON text failed: {err}", vector.name));
    assert_eq!(read, value, "{}: JSON decoding", vector.name);
}

fn frame_value(vector: &Vector) -> FrameValue<'_> {
    parsed(vector)
}

/// The header of the vector's bytes equals the notation's, and the bytes are exactly
/// the frame §3 builds from that header and `payload` (what a peer in another language
/// does).
fn check_frame_layout(vector: &Vector, frame: &FrameValue<'_>, payload: &[u8]) {
    let mut built = Vec::new();
    let flags = Flags::from_bits(frame.flags).unwrap();
    RawFrame::write(
        flags,
        frame.message_type,
        frame.correlation_id,
        payload,
        &mut built,
    )
    .unwrap();
    assert_eq!(
        to_hex(&built),
        to_hex(&vector.bytes),
        "{}: the frame §3 builds",
        vector.name
    );
    let raw = RawFrame::parse(&vector.bytes, &Limits::default()).unwrap();
    assert_eq!(
        raw.header.flags.bits(),
        frame.flags,
        "{}: flags",
        vector.name
    );
    assert_eq!(
        raw.header.message_type, frame.message_type,
        "{}: type",
        vector.name
    );
    assert_eq!(
        raw.header.correlation_id, frame.correlation_id,
        "{}: correlation",
        vector.name
    );
}

/// A message frame (binary or JSON): wirewright's encoder writes exactly the bytes and
/// its decoder reads the message back.
fn message_frame<'a, M>(vector: &'a Vector)
where
    M: Message
        + Encode
        + Decode<'a>
        + DecodeProtocol<'a>
        + SerializeMessage
        + DeserializeMessage<'a>
        + FromNotation<'a>
        + PartialEq
        + Debug,
{
    let frame = frame_value(vector);
    let message = M::from_notation(frame.payload)
        .unwrap_or_else(|err| panic!("{}: payload: {err}", vector.name));
    assert_eq!(
        frame.message_type,
        M::ID,
        "{}: type is the message's id",
        vector.name
    );
    let mut buf = Vec::new();
    let decoded: M = if frame.flags & Flags::JSON.bits() != 0 {
        let payload = serde_json::to_vec(&SerializeAsMessage(&message)).unwrap();
        check_frame_layout(vector, &frame, &payload);
        encode_frame_json(&message, frame.correlation_id, &mut buf).unwrap();
        decode_frame_json(&vector.bytes)
            .unwrap_or_else(|err| panic!("{}: decoding failed: {err}", vector.name))
            .1
    } else {
        check_frame_layout(vector, &frame, &message.encode_to_vec());
        encode_frame(&message, frame.correlation_id, &mut buf).unwrap();
        decode_frame(&vector.bytes)
            .unwrap_or_else(|err| panic!("{}: decoding failed: {err}", vector.name))
            .1
    };
    assert_eq!(
        to_hex(&buf),
        to_hex(&vector.bytes),
        "{}: encoding",
        vector.name
    );
    assert_eq!(decoded, message, "{}: decoding", vector.name);
}

/// Serializes a message through [`SerializeMessage`], the path JSON frames take.
struct SerializeAsMessage<'a, M>(&'a M);

impl<M: SerializeMessage> Serialize for SerializeAsMessage<'_, M> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_message(serializer)
    }
}

/// A control frame: the transport writes exactly its bytes, and its codec reads them back.
/// A HELLO frame (SPEC.md §9.6, §13.6): written byte for byte, read back by the
/// handshake's reader; the codec, which sees frames after the first, rejects it.
fn hello_frame(vector: &Vector) {
    let frame = frame_value(vector);
    let hello = hello_from_notation(frame.payload)
        .unwrap_or_else(|err| panic!("{}: payload: {err}", vector.name));
    assert_eq!(frame.message_type, Control::HELLO, "{}: kind", vector.name);
    let mut buf = Vec::new();
    assert_eq!(hello.write(&mut buf), vector.bytes.len(), "{}", vector.name);
    assert_eq!(
        to_hex(&buf),
        to_hex(&vector.bytes),
        "{}: encoding",
        vector.name
    );
    check_frame_layout(vector, &frame, &buf[16..buf.len() - 4]);
    let read = Hello::read_frame(&vector.bytes, &Limits::default())
        .unwrap_or_else(|err| panic!("{}: decoding failed: {err}", vector.name));
    assert_eq!(
        read,
        Some((hello, vector.bytes.len())),
        "{}: decoding",
        vector.name
    );
    let mut bytes = BytesMut::from(&vector.bytes[..]);
    assert!(
        FrameCodec::<Join>::new().decode(&mut bytes).is_err(),
        "{}: a HELLO after the first frame is a protocol error",
        vector.name
    );
}

fn control_frame(vector: &Vector) {
    let frame = frame_value(vector);
    let control = control_from_notation(frame.payload)
        .unwrap_or_else(|err| panic!("{}: payload: {err}", vector.name));
    assert_eq!(
        frame.message_type,
        control.kind(),
        "{}: type is the kind",
        vector.name
    );
    let mut buf = Vec::new();
    let len = control.write(&mut buf);
    assert_eq!(len, vector.bytes.len(), "{}: frame length", vector.name);
    assert_eq!(
        to_hex(&buf),
        to_hex(&vector.bytes),
        "{}: encoding",
        vector.name
    );
    check_frame_layout(vector, &frame, &buf[16..buf.len() - 4]);
    let mut bytes = BytesMut::from(&vector.bytes[..]);
    let decoded = FrameCodec::<Join>::new()
        .decode(&mut bytes)
        .unwrap_or_else(|err| panic!("{}: decoding failed: {err}", vector.name));
    assert_eq!(
        decoded,
        Some(Incoming::Control(control)),
        "{}: decoding",
        vector.name
    );
    assert!(bytes.is_empty(), "{}: bytes left over", vector.name);
}

/// A request frame: encoded by wirewright as the vector says, read by a server (as an
/// `Inbound` request) and refused by a client, which takes replies only.
fn request_frame(vector: &Vector) {
    let frame = frame_value(vector);
    let get = Get::from_notation(frame.payload).unwrap();
    check_frame_layout(vector, &frame, &get.encode_to_vec());
    let mut buf = Vec::new();
    encode_frame(&get, frame.correlation_id, &mut buf).unwrap();
    assert_eq!(
        to_hex(&buf),
        to_hex(&vector.bytes),
        "{}: encoding",
        vector.name
    );
    let (header, request): (FrameHeader, Inbound<Get>) = decode_frame(&vector.bytes).unwrap();
    assert_eq!(header.flags.kind(), FrameKind::Message);
    assert_eq!(request.decoded(), Some(get));
    let err = decode_frame::<KvReply>(&vector.bytes).unwrap_err();
    assert!(
        matches!(
            err,
            FrameError::UnexpectedKind {
                found: FrameKind::Message,
                expected: FrameKind::Response,
                ..
            }
        ),
        "{}: {err}",
        vector.name
    );
}

type KvReply = Reply<Value, KvError>;

/// A reply frame (§9.7): the server's encoding gives exactly its bytes, the client
/// decodes them back, and a receiver that takes no replies rejects them.
fn reply_frame(vector: &Vector) {
    let frame = frame_value(vector);
    let reply: KvReply = match frame.flags {
        0x04 => Reply::Response(Value::from_notation(frame.payload).unwrap()),
        0x0c if frame.message_type == 0 => {
            Reply::Application(KvError::from_notation(frame.payload).unwrap())
        }
        0x0c => Reply::Failure(failure_from_notation(frame.message_type, frame.payload).unwrap()),
        other => panic!("{}: flags {other:#04x} are not a reply's", vector.name),
    };
    let payload = match &reply {
        Reply::Response(value) => value.encode_to_vec(),
        Reply::Application(error) => error.encode_to_vec(),
        Reply::Failure(failure) => failure.message.encode_to_vec(),
    };
    check_frame_layout(vector, &frame, &payload);
    let mut buf = Vec::new();
    encode_frame(&reply, frame.correlation_id, &mut buf).unwrap();
    assert_eq!(
        to_hex(&buf),
        to_hex(&vector.bytes),
        "{}: encoding",
        vector.name
    );
    let (header, decoded): (FrameHeader, Inbound<KvReply>) = decode_frame(&vector.bytes)
        .unwrap_or_else(|err| panic!("{}: decoding failed: {err}", vector.name));
    assert_eq!(decoded.decoded(), Some(reply), "{}: decoding", vector.name);
    let kind = header.flags.kind();
    let err = decode_frame::<Value>(&vector.bytes).unwrap_err();
    assert!(
        matches!(err, FrameError::UnexpectedKind { found, expected: FrameKind::Message, .. } if found == kind),
        "{}: {err}",
        vector.name
    );
}

type Check = fn(&Vector);

/// The Rust type behind every `type` the vectors use, in the canonical spelling of the
/// notation (`Map<String, u8>`, `(u8, bool, String)`, `[u8; 3]`).
fn registry() -> Vec<(&'static str, Check)> {
    vec![
        ("bool", |v| binary::<bool>(v)),
        ("u8", |v| binary::<u8>(v)),
        ("u16", |v| binary::<u16>(v)),
        ("u64", |v| with_json::<u64>(v)),
        ("u128", |v| with_json::<u128>(v)),
        ("i8", |v| binary::<i8>(v)),
        ("i32", |v| binary::<i32>(v)),
        ("i64", |v| with_json::<i64>(v)),
        ("i128", |v| with_json::<i128>(v)),
        ("isize", |v| binary::<isize>(v)),
        ("Fixed<u32>", |v| binary::<Fixed<u32>>(v)),
        ("f32", |v| with_json::<f32>(v)),
        ("f64", |v| with_json::<f64>(v)),
        ("char", |v| with_json::<char>(v)),
        ("()", |v| with_json::<()>(v)),
        ("String", |v| with_json::<String>(v)),
        ("Bytes", |v| binary::<Bytes>(v)),
        ("Vec<u8>", |v| with_json::<Vec<u8>>(v)),
        ("Vec<u16>", |v| binary::<Vec<u16>>(v)),
        ("Vec<()>", |v| binary::<Vec<()>>(v)),
        ("[u8; 3]", |v| binary::<[u8; 3]>(v)),
        ("Vec<Option<bool>>", |v| with_json::<Vec<Option<bool>>>(v)),
        ("Option<u32>", |v| with_json::<Option<u32>>(v)),
        ("(u8, bool, String)", |v| with_json::<(u8, bool, String)>(v)),
        ("(u16,)", |v| binary::<(u16,)>(v)),
        ("(Fixed<u32>, u32)", |v| binary::<(Fixed<u32>, u32)>(v)),
        ("Map<String, u8>", |v| with_json::<BTreeMap<String, u8>>(v)),
        ("Map<u16, String>", |v| {
            with_json::<BTreeMap<u16, String>>(v)
        }),
        ("Map<i32, bool>", |v| with_json::<BTreeMap<i32, bool>>(v)),
        ("Set<u16>", |v| with_json::<BTreeSet<u16>>(v)),
        ("Box<String>", |v| binary::<Box<String>>(v)),
        ("Join", |v| with_json::<Join>(v)),
        ("Say", |v| with_json::<Say<'_>>(v)),
        ("Shape", |v| with_json::<Shape>(v)),
        ("Token", |v| with_json::<Token>(v)),
        ("Marker", |v| with_json::<Marker>(v)),
        ("Meters", |v| with_json::<Meters>(v)),
        ("Pair", |v| with_json::<Pair>(v)),
        ("Tree", |v| binary::<Tree>(v)),
        ("Frame<Join>", |v| message_frame::<Join>(v)),
        ("Frame<Say>", |v| message_frame::<Say<'_>>(v)),
        ("Frame<Ping>", control_frame),
        ("Frame<Pong>", control_frame),
        ("Frame<Goodbye>", control_frame),
        ("Frame<Hello>", hello_frame),
        ("Frame<Get>", request_frame),
        ("Frame<Value>", reply_frame),
        ("Frame<KvError>", reply_frame),
        ("Frame<Failure>", reply_frame),
    ]
}

#[test]
fn every_positive_spec_vector_encodes_and_decodes_exactly() {
    let spec = spec_text();
    let vectors = all_vectors(&spec);
    let mut registry = registry();
    registry.extend(evolution_registry());
    for vector in &vectors {
        let type_name = vector.ty.to_string();
        let check = registry
            .iter()
            .find(|(name, _)| *name == type_name)
            .unwrap_or_else(|| {
                panic!(
                    "SPEC.md vector {:?} has type {type_name}, which the test registry lacks",
                    vector.name
                )
            });
        (check.1)(vector);
    }
    for (type_name, _) in &registry {
        assert!(
            vectors
                .iter()
                .any(|vector| vector.ty.to_string() == *type_name),
            "the registry's type {type_name} has no vector in SPEC.md"
        );
    }
}

#[test]
fn every_vector_block_parses_and_names_are_unique() {
    let spec = spec_text();
    let blocks = blocks(&spec).unwrap();
    let mut names = Vec::new();
    for block in &blocks {
        let name = match block.kind.as_str() {
            "wirewright-vector" => wirewright_tests::spec::vector(block).map(|v| v.name),
            "wirewright-negative" => wirewright_tests::spec::negative(block).map(|v| v.name),
            "wirewright-behaviour" => wirewright_tests::spec::behaviour(block).map(|v| v.name),
            other => panic!("unknown block kind {other}"),
        };
        names.push(name.unwrap_or_else(|err| panic!("SPEC.md: {err}")));
    }
    for kind in BLOCK_KINDS {
        assert!(
            blocks.iter().filter(|block| block.kind == kind).count() >= 10,
            "fewer than 10 {kind} blocks"
        );
    }
    let count = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), count, "vector names must be unique");
    // A block whose fence is misspelled would be silently skipped by a reader.
    for (index, line) in spec.lines().enumerate() {
        if line.contains("wirewright-") && line.starts_with("```") {
            assert!(
                BLOCK_KINDS.contains(&&line[3..]),
                "line {}: {line:?} is not a block kind",
                index + 1
            );
        }
    }
}

/// The names SPEC.md §9.0's type table lists: the first column's code spans.
fn builtin_type_names(spec: &str) -> Vec<String> {
    let start = spec.find("| type | encoding | value written as |").unwrap();
    spec[start..]
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .flat_map(|line| {
            let first = line.split('|').nth(1).unwrap_or("");
            first
                .split('`')
                .skip(1)
                .step_by(2)
                .map(|code| {
                    code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .next()
                        .unwrap_or("")
                        .to_owned()
                })
                .collect::<Vec<_>>()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// The structs and enums the `rust` blocks of SPEC.md define.
fn defined_type_names(spec: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_rust = false;
    for line in spec.lines() {
        if line.starts_with("```") {
            in_rust = line == "```rust";
            continue;
        }
        if !in_rust {
            continue;
        }
        for keyword in ["struct ", "enum "] {
            if let Some(rest) = line.trim_start().strip_prefix(keyword) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                names.push(name);
            }
        }
    }
    names
}

fn named_paths<'a>(value: &'a Notation, out: &mut Vec<&'a str>) {
    match value {
        Notation::Named { path, body } => {
            out.push(&path[0]);
            match body {
                wirewright_tests::notation::Body::Unit => {}
                wirewright_tests::notation::Body::Tuple(items) => {
                    items.iter().for_each(|item| named_paths(item, out));
                }
                wirewright_tests::notation::Body::Struct(fields) => {
                    fields.iter().for_each(|(_, item)| named_paths(item, out));
                }
            }
        }
        Notation::Some(inner) => named_paths(inner, out),
        Notation::Tuple(items) | Notation::List(items) => {
            items.iter().for_each(|item| named_paths(item, out));
        }
        Notation::Map(entries) => entries.iter().for_each(|(key, value)| {
            named_paths(key, out);
            named_paths(value, out);
        }),
        _ => {}
    }
}

#[test]
fn every_type_a_vector_names_is_defined_in_the_spec() {
    let spec = spec_text();
    let builtin = builtin_type_names(&spec);
    for expected in [
        "bool", "u128", "isize", "Fixed", "Map", "Set", "Bytes", "Frame",
    ] {
        assert!(
            builtin.iter().any(|name| name == expected),
            "{expected} {builtin:?}"
        );
    }
    let defined = defined_type_names(&spec);
    let known = |name: &str| builtin.iter().chain(&defined).any(|known| known == name);
    let mut used: Vec<(String, String)> = Vec::new();
    for vector in all_vectors(&spec) {
        let mut paths = Vec::new();
        named_paths(&vector.value, &mut paths);
        if let Some(read) = &vector.read {
            named_paths(&read.value, &mut paths);
            paths.extend(read.ty.names());
        }
        for name in vector.ty.names().into_iter().chain(paths) {
            used.push((vector.name.clone(), name.to_owned()));
        }
    }
    for vector in wirewright_tests::spec::negatives(&spec) {
        for name in vector.ty.names() {
            used.push((vector.name.clone(), name.to_owned()));
        }
    }
    for vector in wirewright_tests::spec::behaviours(&spec) {
        for step in &vector.steps {
            if let wirewright_tests::spec::Step::ExpectFrame(pattern) = step {
                let mut paths = Vec::new();
                named_paths(pattern, &mut paths);
                used.extend(
                    paths
                        .into_iter()
                        .map(|p| (vector.name.clone(), p.to_owned())),
                );
            }
        }
    }
    for (vector, name) in used {
        assert!(
            known(&name),
            "vector {vector} uses {name}, which SPEC.md does not define"
        );
    }
}

#[test]
fn control_kinds_in_the_spec_are_the_transport_constants() {
    assert_eq!((Control::PING, Control::PONG, Control::GOODBYE), (1, 2, 3));
}

#[test]
fn spec_crc_check_value_matches_crc32fast() {
    assert_eq!(wirewright::frame::frame_crc(b"123456789"), 0xCBF4_3926);
    assert!(spec_text().contains("0xCBF43926"));
}

/// §9.11: a whole binary frame of a message that evolves (no JSON), both directions.
fn evolving_frame<'a, M>(vector: &'a Vector)
where
    M: Message + Encode + Decode<'a> + FromNotation<'a> + PartialEq + Debug,
{
    let frame = frame_value(vector);
    let message = M::from_notation(frame.payload)
        .unwrap_or_else(|err| panic!("{}: payload: {err}", vector.name));
    assert_eq!(frame.message_type, M::ID, "{}: type", vector.name);
    check_frame_layout(vector, &frame, &message.encode_to_vec());
    let mut buf = Vec::new();
    encode_frame(&message, frame.correlation_id, &mut buf).unwrap();
    assert_eq!(
        to_hex(&buf),
        to_hex(&vector.bytes),
        "{}: encoding",
        vector.name
    );
    let (_, decoded): (FrameHeader, M) = decode_frame(&vector.bytes)
        .unwrap_or_else(|err| panic!("{}: decoding failed: {err}", vector.name));
    assert_eq!(decoded, message, "{}: decoding", vector.name);
}

fn reading(vector: &Vector) -> &Reading {
    vector.read.as_ref().unwrap()
}

/// The revision a §9.11 type name carries (`ItemV2`, `Frame<PingV1>`).
fn revision(type_name: &str) -> u32 {
    let digits = type_name.trim_end_matches('>');
    let start = digits.rfind('V').unwrap() + 1;
    digits[start..].parse().unwrap()
}

/// §9.0 `read-type`/`read-value` of a payload type: the bytes decode to `read-value`.
/// A reader of an older revision keeps what it does not know (§12.6), so it also writes
/// the bytes back unchanged; a newer one fills defaults, which it writes out.
fn read_as<'a, R>(vector: &'a Vector)
where
    R: Encode + Decode<'a> + FromNotation<'a> + PartialEq + Debug,
{
    let read = reading(vector);
    let expected = R::from_notation(&read.value).unwrap_or_else(|err| {
        panic!(
            "{}: read-value does not fit {}: {err}",
            vector.name, read.type_name
        )
    });
    let decoded = R::decode(&vector.bytes)
        .unwrap_or_else(|err| panic!("{}: {} fails: {err}", vector.name, read.type_name));
    assert_eq!(
        decoded, expected,
        "{}: read as {}",
        vector.name, read.type_name
    );
    if revision(&read.type_name) < revision(&vector.type_name) {
        assert_eq!(
            to_hex(&decoded.encode_to_vec()),
            to_hex(&vector.bytes),
            "{}: {} writes back what it kept",
            vector.name,
            read.type_name
        );
    }
}

/// §9.0 `read-type: Frame<M>`: the frame decodes, header and payload, to `read-value`.
fn read_frame_as<'a, M>(vector: &'a Vector)
where
    M: Message + Decode<'a> + FromNotation<'a> + PartialEq + Debug,
{
    let read = reading(vector);
    let frame = FrameValue::from_notation(&read.value)
        .unwrap_or_else(|err| panic!("{}: read-value: {err}", vector.name));
    let expected = M::from_notation(frame.payload)
        .unwrap_or_else(|err| panic!("{}: read-value payload: {err}", vector.name));
    let (header, decoded): (FrameHeader, M) = decode_frame(&vector.bytes)
        .unwrap_or_else(|err| panic!("{}: {} fails: {err}", vector.name, read.type_name));
    assert_eq!(
        (
            header.flags.bits(),
            header.message_type,
            header.correlation_id
        ),
        (frame.flags, frame.message_type, frame.correlation_id),
        "{}: read header",
        vector.name
    );
    assert_eq!(
        decoded, expected,
        "{}: read as {}",
        vector.name, read.type_name
    );
}

/// The writers of §9.11's vectors: the two revisions of `tests/src/evolution.rs`.
fn evolution_registry() -> Vec<(&'static str, Check)> {
    use wirewright_tests::evolution::{v1, v2};
    vec![
        ("ItemV1", |v| binary::<v1::Item>(v)),
        ("ItemV2", |v| binary::<v2::Item>(v)),
        ("EventV1", |v| binary::<v1::Event>(v)),
        ("EventV2", |v| binary::<v2::Event>(v)),
        ("OrderV1", |v| binary::<v1::Order>(v)),
        ("OrderV2", |v| binary::<v2::Order>(v)),
        ("Frame<PingV2>", |v| evolving_frame::<v2::Ping>(v)),
    ]
}

/// The readers of `read-type` (§9.0, §9.11).
fn reading_registry() -> Vec<(&'static str, Check)> {
    use wirewright_tests::evolution::{v1, v2};
    vec![
        ("ItemV1", |v| read_as::<v1::Item>(v)),
        ("ItemV2", |v| read_as::<v2::Item>(v)),
        ("EventV1", |v| read_as::<v1::Event>(v)),
        ("EventV2", |v| read_as::<v2::Event>(v)),
        ("OrderV1", |v| read_as::<v1::Order>(v)),
        ("OrderV2", |v| read_as::<v2::Order>(v)),
        ("Frame<PingV1>", |v| read_frame_as::<v1::Ping>(v)),
    ]
}

#[test]
fn every_evolution_vector_is_read_by_both_revisions() {
    let spec = spec_text();
    let readers = reading_registry();
    let mut read = 0;
    for vector in all_vectors(&spec) {
        let Some(reading) = &vector.read else {
            continue;
        };
        let type_name = reading.ty.to_string();
        let check = readers
            .iter()
            .find(|(name, _)| *name == type_name)
            .unwrap_or_else(|| panic!("{}: no reader for {type_name}", vector.name));
        (check.1)(&vector);
        read += 1;
    }
    let evolution = all_vectors(&spec)
        .iter()
        .filter(|vector| vector.name.starts_with("evolution-"))
        .count();
    assert_eq!(read, evolution, "every §9.11 vector states both readings");
    assert_eq!(read, 8);
}
