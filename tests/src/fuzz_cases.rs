//! The fuzz cases: one function per cargo-fuzz target in `fuzz/fuzz_targets/`, over
//! message types that cover every SPEC.md type family. The targets are one-line wrappers,
//! and `tests/fuzz_replay.rs` replays every committed seed and regression input through
//! these same functions on the stable toolchain.
//!
//! Each function panics on a finding and returns normally on input that is merely
//! invalid (decoders must reject it with an error).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use arbitrary::{Arbitrary, Unstructured};
use serde::{Deserialize, Serialize};
use tokio_util::codec::Decoder;
use wirewright::bytes::{Bytes, BytesMut};
use wirewright::fuzzing::{check_decode, check_payload, check_roundtrip};
use wirewright::transport::{FrameCodec, Incoming};
use wirewright::{Decode, Encode, Message, Protocol, UnknownFields, UnknownVariant};

pub use crate::fuzz_evolution::evolution;

/// A pair with two type parameters: generics in derived code.
#[derive(Message, Arbitrary, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Pair<A, B> {
    /// First.
    pub first: A,
    /// Second.
    pub second: B,
}

/// An enum with explicit and implicit tags and every variant shape.
#[derive(Message, Arbitrary, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum Shape {
    /// Tag 0.
    Point,
    /// Tag 1.
    Circle {
        /// Radius.
        radius: u32,
    },
    /// Tag 5.
    #[wire(tag = 5)]
    Polygon(Vec<(i32, i32)>),
    /// Tag 6.
    Labelled(String, Box<Shape>),
}

/// A recursive tree: nesting depth comes from the input, not the type.
#[derive(Message, Arbitrary, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[wire(id = 3)]
pub enum Tree {
    /// Tag 0.
    Leaf(i64),
    /// Tag 1.
    Node(Vec<Tree>),
    /// Tag 2.
    Boxed(Option<Box<Tree>>),
}

/// A message with borrowed fields, fixed-width integers, maps, sets, options, arrays,
/// tuples, generics and nested enums.
#[derive(Message, Arbitrary, Debug, Clone, PartialEq)]
#[wire(id = 1)]
pub struct Record<'a> {
    /// Varint.
    pub id: u64,
    /// Fixed width.
    #[wire(fixed)]
    pub stamp: i64,
    /// Borrowed string.
    pub name: &'a str,
    /// Borrowed bytes.
    pub blob: &'a [u8],
    /// Borrowed or owned.
    pub note: Cow<'a, str>,
    /// A map of sequences.
    pub tags: BTreeMap<String, Vec<u16>>,
    /// A hash set (canonical order on the wire).
    pub seen: HashMap<u32, bool>,
    /// A set.
    pub flags: BTreeSet<i8>,
    /// Options of boxes.
    pub parent: Option<Box<Shape>>,
    /// Generic struct.
    pub pair: Pair<u128, Option<char>>,
    /// Floats.
    pub ratio: (f32, f64),
    /// Array without a count.
    pub address: [u8; 4],
    /// Nested protocol-free enum.
    pub shapes: Vec<Shape>,
}

/// An owned message that also derives serde, for the JSON differential and the stream.
#[derive(Message, Arbitrary, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[wire(id = 2)]
pub struct Doc {
    /// Varint.
    pub id: u32,
    /// Signed.
    pub delta: i16,
    /// Text.
    pub title: String,
    /// Bytes as a sequence.
    pub body: Vec<u8>,
    /// A map with string keys (JSON object keys are strings).
    pub meta: BTreeMap<String, Shape>,
    /// Option.
    pub score: Option<f64>,
    /// Generic.
    pub pair: Pair<bool, u64>,
    /// Char.
    pub mark: char,
    /// Recursive.
    pub tree: Tree,
}

/// An evolvable struct (a block) that keeps unknown data (SPEC.md §12).
#[derive(Message, Arbitrary, Debug, Clone, PartialEq)]
#[wire(evolvable)]
pub struct Entry {
    /// Text.
    pub key: String,
    /// Signed.
    pub amount: i64,
    /// Appended by later revisions: any bytes.
    #[wire(unknown)]
    #[arbitrary(with = unknown_fields)]
    pub rest: UnknownFields,
}

/// An evolvable enum with a catch-all, blocks inside blocks.
#[derive(Message, Arbitrary, Debug, Clone, PartialEq)]
#[wire(evolvable)]
pub enum Change {
    /// Tag 0: a tuple variant keeps its unknown data in its last field.
    Add(
        Entry,
        #[wire(unknown)]
        #[arbitrary(with = unknown_fields)]
        UnknownFields,
    ),
    /// Tag 1.
    Remove {
        /// Which.
        key: String,
        /// Appended by later revisions.
        #[wire(unknown)]
        #[arbitrary(with = unknown_fields)]
        rest: UnknownFields,
    },
    /// Tag 2. A unit variant could not keep what a later revision appends to it, so
    /// this one has a field for it: every block of `Ledger` re-encodes byte for byte.
    Clear {
        /// Appended by later revisions.
        #[wire(unknown)]
        #[arbitrary(with = unknown_fields)]
        rest: UnknownFields,
    },
    /// Any other tag.
    #[wire(other)]
    Unknown(#[arbitrary(with = unknown_change)] UnknownVariant),
}

/// A top-level message of evolvable types that keeps its own unknown tail.
#[derive(Message, Arbitrary, Debug, Clone, PartialEq)]
#[wire(id = 4)]
pub struct Ledger {
    /// Evolvable structs in a sequence.
    pub entries: Vec<Entry>,
    /// Evolvable enums in a sequence.
    pub changes: Vec<Change>,
    /// And in an option.
    pub last: Option<Change>,
    /// Appended by later revisions.
    #[wire(unknown)]
    #[arbitrary(with = unknown_fields)]
    pub rest: UnknownFields,
}

fn unknown_fields(input: &mut Unstructured<'_>) -> arbitrary::Result<UnknownFields> {
    Ok(UnknownFields::from_bytes(Bytes::from(
        Vec::<u8>::arbitrary(input)?,
    )))
}

/// A variant `Change` does not define (its tags are 0 to 2), with any bytes.
fn unknown_change(input: &mut Unstructured<'_>) -> arbitrary::Result<UnknownVariant> {
    Ok(UnknownVariant {
        tag: input.int_in_range(3..=u32::MAX)?,
        body: unknown_fields(input)?,
    })
}

/// Every fuzz message in one protocol.
#[derive(Protocol, Debug, Clone, PartialEq)]
pub enum FuzzProtocol<'a> {
    /// Id 1.
    Record(Record<'a>),
    /// Id 2.
    Doc(Doc),
    /// Id 3.
    Tree(Tree),
    /// Id 4.
    Ledger(Ledger),
}

/// The owned messages, for decoders that outlive their input (the stream).
#[derive(Protocol, Arbitrary, Debug, Clone, PartialEq)]
pub enum OwnedProtocol {
    /// Id 2.
    Doc(Doc),
    /// Id 3.
    Tree(Tree),
    /// Id 4.
    Ledger(Ledger),
}

/// Target `frame`: arbitrary bytes into the frame decoder, and (first two bytes as the
/// id) into the protocol's payload decoders. Whatever decodes must re-encode to the same
/// bytes.
pub fn frame(data: &[u8]) {
    check_decode::<FuzzProtocol<'_>>(data);
}

/// Target `payload`: the first byte picks a type, the rest is decoded as one payload of
/// it; whatever decodes must re-encode to the same bytes.
pub fn payload(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 10 {
        0 => check_payload::<Record<'_>>(rest),
        1 => check_payload::<Doc>(rest),
        2 => check_payload::<Tree>(rest),
        3 => check_payload::<Shape>(rest),
        4 => check_payload::<Vec<Option<(u16, i64)>>>(rest),
        5 => check_payload::<HashMap<String, BTreeSet<u8>>>(rest),
        6 => check_payload::<(char, f32, [u16; 3], Pair<&str, &[u8]>)>(rest),
        7 => check_payload::<(bool, u8, i8, u128, i128, usize, isize, ())>(rest),
        8 => check_payload::<Ledger>(rest),
        _ => check_payload::<Vec<Option<Change>>>(rest),
    }
}

/// Two records are the same when every field is, floats compared by bits (so a NaN
/// that survived the round trip counts as the same).
fn same_record(decoded: &Record<'_>, original: &Record<'_>) -> bool {
    let bits = |r: &Record<'_>| (r.ratio.0.to_bits(), r.ratio.1.to_bits());
    fn without_floats<'a>(record: &Record<'a>) -> Record<'a> {
        Record {
            ratio: (0.0, 0.0),
            ..record.clone()
        }
    }
    bits(decoded) == bits(original) && without_floats(decoded) == without_floats(original)
}

/// Target `roundtrip`: `arbitrary` builds values; each must encode, decode back equal,
/// with an exact `encoded_len`.
pub fn roundtrip(data: &[u8]) {
    let mut input = Unstructured::new(data);
    if let Ok(doc) = Doc::arbitrary(&mut input) {
        if doc.score.is_none_or(|score| !score.is_nan()) && within_depth_limit(&doc) {
            check_roundtrip(&doc);
        }
    }
    if let Ok(tree) = Tree::arbitrary(&mut input) {
        if within_depth_limit(&tree) {
            check_roundtrip(&tree);
        }
    }
    if let Ok(ledger) = Ledger::arbitrary(&mut input) {
        check_roundtrip(&ledger);
    }
    if let Ok(record) = Record::arbitrary(&mut input) {
        let bytes = record.encode_to_vec();
        assert_eq!(bytes.len(), record.encoded_len());
        match Record::decode(&bytes) {
            Ok(decoded) => assert!(
                same_record(&decoded, &record),
                "round trip changed {record:?}"
            ),
            Err(err) if is_depth_limit(&err) => {}
            Err(err) => panic!("{record:?}: {err}"),
        }
    }
    if let Ok(message) = OwnedProtocol::arbitrary(&mut input) {
        let mut frame = Vec::new();
        if wirewright::frame::encode_frame(&message, 9, &mut frame).is_ok() {
            match wirewright::frame::decode_frame::<OwnedProtocol>(&frame) {
                Ok((header, back)) => {
                    assert_eq!(header.message_type, message.message_type());
                    if !has_nan(&back) {
                        assert_eq!(back, message);
                    }
                }
                Err(wirewright::FrameError::Payload { source, .. }) if is_depth_limit(&source) => {}
                Err(err) => panic!("{message:?}: {err}"),
            }
        }
    }
}

/// Encoding does not check the nesting limit, decoding does: an `arbitrary` tree can be
/// deeper than a decoder accepts, which is no finding.
fn within_depth_limit<T: Encode + for<'de> Decode<'de>>(value: &T) -> bool {
    T::decode(&value.encode_to_vec()).map_or_else(|err| !is_depth_limit(&err), |_| true)
}

fn is_depth_limit(err: &wirewright::DecodeError) -> bool {
    matches!(
        err.kind(),
        wirewright::DecodeErrorKind::DepthLimitExceeded { .. }
    )
}

fn has_nan(message: &OwnedProtocol) -> bool {
    matches!(message, OwnedProtocol::Doc(Doc { score: Some(score), .. }) if score.is_nan())
}

/// Target `json`: a differential between the binary format and JSON. Whatever decodes
/// from binary must survive a JSON round trip unchanged (values JSON cannot represent,
/// non-finite floats, are skipped).
pub fn json(data: &[u8]) {
    let Ok(doc) = Doc::decode(data) else {
        return;
    };
    if doc.score.is_some_and(|score| !score.is_finite()) {
        return;
    }
    let text = serde_json::to_string(&doc).unwrap_or_else(|err| panic!("{doc:?} to JSON: {err}"));
    if json_depth(&text) > SERDE_JSON_MAX_DEPTH {
        // serde_json refuses deeper documents (its stack guard); SPEC.md §8 notes that a
        // value near the binary depth limit may be too deep for a JSON peer.
        return;
    }
    let back: Doc =
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("{text} from JSON: {err}"));
    assert_eq!(back, doc, "JSON changed the value: {text}");
    assert_eq!(
        back.encode_to_vec(),
        data,
        "binary re-encoding after JSON differs"
    );
}

/// Target `stream`: a valid sequence of frames, cut into fuzzer-chosen chunks and
/// optionally corrupted at one fuzzer-chosen byte, fed through the tokio-util decoder.
/// The frames before the corruption must decode identically, then the decoder must
/// report a typed error (or, at the end of the input, a truncated frame); without
/// corruption every frame must decode. The read buffer never grows past what was fed
/// plus the codec's read-ahead.
pub fn stream(data: &[u8]) {
    let mut input = Unstructured::new(data);
    let Ok(count) = input.int_in_range(0..=12usize) else {
        return;
    };
    let mut wire = Vec::new();
    let mut frames = Vec::new(); // (end offset, encoding of the message)
    for index in 0..count {
        let Ok(message) = OwnedProtocol::arbitrary(&mut input) else {
            break;
        };
        // Only messages within the decoder's limits (a deep `arbitrary` tree may exceed
        // the nesting limit: encoding does not check it, decoding does).
        let mut frame = Vec::new();
        if wirewright::frame::encode_frame(&message, index as u32, &mut frame).is_ok()
            && wirewright::frame::decode_frame::<OwnedProtocol>(&frame).is_ok()
        {
            wire.extend_from_slice(&frame);
            frames.push((wire.len(), message.encode_to_vec()));
        }
    }
    let corruption = match (
        input.arbitrary::<bool>(),
        input.arbitrary::<u32>(),
        input.arbitrary::<u8>(),
    ) {
        (Ok(true), Ok(at), Ok(mask)) if !wire.is_empty() && mask != 0 => {
            let at = at as usize % wire.len();
            wire[at] ^= mask;
            Some(at)
        }
        _ => None,
    };
    // Frames that end before the corrupted byte are intact.
    let intact = corruption.map_or(frames.len(), |at| {
        frames.iter().take_while(|(end, _)| *end <= at).count()
    });

    let mut codec = FrameCodec::<OwnedProtocol>::new();
    let mut buffer = BytesMut::new();
    let mut decoded = Vec::new();
    let mut failed = false;
    let mut fed = 0;
    let mut rest = &wire[..];
    'feed: while !rest.is_empty() {
        let chunk = input
            .int_in_range(1..=rest.len().min(4096))
            .unwrap_or(rest.len());
        buffer.extend_from_slice(&rest[..chunk]);
        rest = &rest[chunk..];
        fed += chunk;
        loop {
            match codec.decode(&mut buffer) {
                Ok(Some(Incoming::Message(received))) => {
                    decoded.push(received.message.encode_to_vec())
                }
                Ok(Some(Incoming::Control(control))) => {
                    panic!("no control frame was sent, got {control:?}")
                }
                Ok(None) => break,
                Err(_) => {
                    failed = true;
                    break 'feed;
                }
            }
            assert!(
                buffer.capacity() <= fed + FrameCodec::<OwnedProtocol>::READ_AHEAD,
                "buffer grew to {} after {fed} bytes",
                buffer.capacity()
            );
        }
    }
    if !failed {
        failed = codec.decode_eof(&mut buffer).is_err();
    }
    let expected: Vec<&Vec<u8>> = frames.iter().take(intact).map(|(_, bytes)| bytes).collect();
    let decoded_intact: Vec<&Vec<u8>> = decoded.iter().take(intact).collect();
    assert_eq!(
        decoded_intact, expected,
        "the intact prefix decodes identically"
    );
    if corruption.is_some() && intact < frames.len() {
        assert_eq!(
            decoded.len(),
            intact,
            "a frame at or after the corruption decoded"
        );
        assert!(failed, "the corruption went unreported");
    } else {
        assert_eq!(decoded.len(), frames.len());
        assert!(!failed, "a valid stream failed");
    }
}

/// The deepest nesting of arrays and objects serde_json parses (its recursion limit).
const SERDE_JSON_MAX_DEPTH: usize = 127;

/// The deepest nesting of `[`/`{` in a JSON text, outside strings.
fn json_depth(text: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for byte in text.bytes() {
        match (in_string, escaped, byte) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') | (false, _, b'"') => in_string = !in_string,
            (false, _, b'[' | b'{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (false, _, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}
