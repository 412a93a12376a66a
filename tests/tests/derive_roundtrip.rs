//! Property tests: every derived type, whatever attributes and field types it uses,
//! decodes back to the value it encoded (skipped fields as their default), the decoder
//! consumes exactly `encoded_len` bytes, and encoding the result gives the same bytes.

#![allow(clippy::unwrap_used)]

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt::Debug;
use std::marker::PhantomData;

use bytes::Bytes;
use proptest::collection::{btree_map, btree_set, hash_map, hash_set, vec, vec_deque};
use proptest::option;
use proptest::prelude::*;
use wirewright::frame::{decode_frame, encode_frame};
use wirewright::{
    Decode, DecodeOwned, DecodeProtocol, Encode, Fixed, FrameHeader, Message, Protocol, Reader,
};
use wirewright_tests::chat::{Chat, Join, Leave, Presence, Say};

/// The three round-trip properties for a value `encoded` that should decode to
/// `expected` (the same value, with skipped fields at their default).
macro_rules! assert_round_trip {
    ($ty:ty, $encoded:expr, $expected:expr) => {{
        let encoded: &$ty = &$encoded;
        let bytes = Encode::encode_to_vec(encoded);
        prop_assert_eq!(bytes.len(), Encode::encoded_len(encoded));
        prop_assert!(bytes.len() >= <$ty as Decode<'_>>::MIN_ENCODED_LEN);
        let mut reader = Reader::new(&bytes);
        let decoded: $ty = match Decode::decode_raw(&mut reader) {
            Ok(decoded) => decoded,
            Err(err) => return Err(TestCaseError::fail(format!("{err} in {bytes:02x?}"))),
        };
        prop_assert_eq!(
            reader.position(),
            bytes.len(),
            "decoder consumed a different length"
        );
        prop_assert_eq!(&decoded, &$expected);
        prop_assert_eq!(Encode::encode_to_vec(&decoded), bytes);
    }};
}

/// The round trip of a type with nothing skipped and nothing borrowed.
fn round_trip<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Encode + DecodeOwned + PartialEq + Debug,
{
    assert_round_trip!(T, *value, *value);
    Ok(())
}

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,8}"
}

fn float64() -> impl Strategy<Value = f64> {
    prop::num::f64::NORMAL
        | prop::num::f64::ZERO
        | prop::num::f64::SUBNORMAL
        | prop::num::f64::INFINITE
}

fn float32() -> impl Strategy<Value = f32> {
    prop::num::f32::NORMAL | prop::num::f32::ZERO | prop::num::f32::INFINITE
}

#[derive(Message, Debug, Clone, PartialEq)]
struct Scalars {
    flag: bool,
    byte: u8,
    signed_byte: i8,
    short: u16,
    signed_short: i16,
    int: u32,
    signed_int: i32,
    long: u64,
    signed_long: i64,
    huge: u128,
    signed_huge: i128,
    size: usize,
    signed_size: isize,
    single: f32,
    double: f64,
    letter: char,
    nothing: (),
}

fn scalars() -> impl Strategy<Value = Scalars> {
    (
        (
            any::<bool>(),
            any::<u8>(),
            any::<i8>(),
            any::<u16>(),
            any::<i16>(),
            any::<u32>(),
        ),
        (
            any::<i32>(),
            any::<u64>(),
            any::<i64>(),
            any::<u128>(),
            any::<i128>(),
        ),
        (
            any::<usize>(),
            any::<isize>(),
            float32(),
            float64(),
            any::<char>(),
        ),
    )
        .prop_map(
            |(
                (flag, byte, signed_byte, short, signed_short, int),
                (signed_int, long, signed_long, huge, signed_huge),
                (size, signed_size, single, double, letter),
            )| Scalars {
                flag,
                byte,
                signed_byte,
                short,
                signed_short,
                int,
                signed_int,
                long,
                signed_long,
                huge,
                signed_huge,
                size,
                signed_size,
                single,
                double,
                letter,
                nothing: (),
            },
        )
}

#[derive(Message, Debug, Clone, PartialEq)]
#[wire(id = 10)]
struct Collections {
    text: String,
    numbers: Vec<u32>,
    maybe: Option<String>,
    maybe_maybe: Option<Option<bool>>,
    quad: [u8; 4],
    triple: [u16; 3],
    tuple: (u8, String, bool),
    boxed: Box<u64>,
    boxed_text: Box<str>,
    sorted: BTreeMap<String, u32>,
    hashed: HashMap<u16, Vec<u8>>,
    set: BTreeSet<i32>,
    hash_set: HashSet<u8>,
    deque: VecDeque<u8>,
    fixed_list: Vec<Fixed<u64>>,
    blob: Bytes,
}

fn collections() -> impl Strategy<Value = Collections> {
    (
        (
            text(),
            vec(any::<u32>(), 0..6),
            option::of(text()),
            any::<Option<Option<bool>>>(),
        ),
        (
            any::<[u8; 4]>(),
            any::<[u16; 3]>(),
            (any::<u8>(), text(), any::<bool>()),
        ),
        (any::<u64>(), text(), btree_map(text(), any::<u32>(), 0..4)),
        (
            hash_map(any::<u16>(), vec(any::<u8>(), 0..4), 0..4),
            btree_set(any::<i32>(), 0..4),
        ),
        (hash_set(any::<u8>(), 0..6), vec_deque(any::<u8>(), 0..6)),
        (vec(any::<u64>(), 0..4), vec(any::<u8>(), 0..8)),
    )
        .prop_map(
            |(
                (text, numbers, maybe, maybe_maybe),
                (quad, triple, tuple),
                (boxed, boxed_text, sorted),
                (hashed, set),
                (hash_set, deque),
                (fixed_list, blob),
            )| Collections {
                text,
                numbers,
                maybe,
                maybe_maybe,
                quad,
                triple,
                tuple,
                boxed: Box::new(boxed),
                boxed_text: boxed_text.into_boxed_str(),
                sorted,
                hashed,
                set,
                hash_set,
                deque,
                fixed_list: fixed_list.into_iter().map(Fixed).collect(),
                blob: Bytes::from(blob),
            },
        )
}

/// Any `Display + FromStr` type as its text: a generic `with` module.
mod as_text {
    use std::fmt::Display;
    use std::str::FromStr;

    use bytes::BufMut;
    use wirewright::{Decode, DecodeError, Encode, Reader};

    pub(crate) fn encoded_len<T: Display>(value: &T) -> usize {
        value.to_string().encoded_len()
    }

    pub(crate) fn encode_raw<T: Display, B: BufMut + ?Sized>(value: &T, buf: &mut B) {
        value.to_string().encode_raw(buf);
    }

    pub(crate) fn decode_raw<T: FromStr>(reader: &mut Reader<'_>) -> Result<T, DecodeError> {
        let start = reader.position();
        let text = <&str>::decode_raw(reader)?;
        text.parse()
            .map_err(|_| DecodeError::custom(format!("`{text}` does not parse"), start))
    }
}

#[derive(Message, Debug, Clone, PartialEq)]
struct Attributes {
    #[wire(fixed)]
    checksum: u32,
    #[wire(fixed)]
    offset: i64,
    #[wire(fixed)]
    port: u16,
    #[wire(skip)]
    cache: Vec<u8>,
    #[wire(with = "wirewright_tests::big_endian")]
    address: u32,
    #[wire(with = "as_text")]
    ratio: i64,
    plain: u32,
}

fn attributes() -> impl Strategy<Value = Attributes> {
    (
        any::<u32>(),
        any::<i64>(),
        any::<u16>(),
        vec(any::<u8>(), 0..4),
        any::<u32>(),
        any::<i64>(),
        any::<u32>(),
    )
        .prop_map(
            |(checksum, offset, port, cache, address, ratio, plain)| Attributes {
                checksum,
                offset,
                port,
                cache,
                address,
                ratio,
                plain,
            },
        )
}

#[derive(Message, Debug, Clone, PartialEq)]
struct Borrowed<'a> {
    name: &'a str,
    data: &'a [u8],
    note: Cow<'a, str>,
    raw: Cow<'a, [u8]>,
    words: Vec<&'a str>,
    pair: (&'a str, Option<&'a [u8]>),
}

#[derive(Message, Debug, Clone, PartialEq)]
struct Generic<T, U> {
    value: T,
    list: Vec<U>,
    by_key: BTreeMap<u8, T>,
    #[wire(skip)]
    hidden: U,
}

/// Only `PhantomData` mentions `T`: no bound on it, so it need not be encodable.
#[derive(Message, Debug, Clone, PartialEq)]
struct Tagged<T> {
    id: u32,
    marker: PhantomData<T>,
}

/// Neither `Encode` nor `Decode`.
#[derive(Debug, Clone, PartialEq)]
struct NotOnTheWire;

/// A trait with an associated type, to bound `C::Item` rather than `C`.
trait Codec {
    type Item;
}

#[derive(Debug, Clone, PartialEq)]
struct TextCodec;

impl Codec for TextCodec {
    type Item = String;
}

#[derive(Message, Debug, Clone, PartialEq)]
struct Coded<C: Codec> {
    items: Vec<C::Item>,
    codec: PhantomData<C>,
}

#[derive(Message, Debug, Clone, PartialEq)]
#[wire(bound = "T: wirewright::Encode + wirewright::DecodeOwned")]
struct Overridden<T> {
    values: Vec<T>,
}

#[derive(Message, Debug, Clone, PartialEq)]
#[wire(bound(encode = "T: Encode", decode = "T: Decode<'de>"))]
struct SplitBounds<T> {
    value: Option<T>,
}

#[derive(Message, Debug, Clone, PartialEq)]
struct Sized_<const N: usize> {
    items: [u16; N],
}

#[derive(Message, Debug, Clone, PartialEq)]
struct Empty;

#[derive(Message, Debug, Clone, PartialEq)]
struct Tuple(u8, String, #[wire(skip)] u32, #[wire(fixed)] u64);

#[derive(Message, Debug, Clone, PartialEq)]
enum Shape {
    Dot,
    Circle {
        #[wire(fixed)]
        radius: u32,
    },
    Polygon(Vec<(i32, i32)>),
}

#[derive(Message, Debug, Clone, PartialEq)]
enum Mixed<'a, T> {
    Unit,
    #[wire(tag = 1000)]
    Tuple(T, &'a str),
    Struct {
        #[wire(fixed)]
        x: i32,
        #[wire(skip)]
        y: u8,
        shape: Shape,
        shapes: Option<Box<Shape>>,
    },
    #[wire(tag = 5)]
    Nested(Box<Mixed<'a, T>>),
}

#[derive(Message, Debug, Clone, PartialEq)]
enum Tree {
    Leaf(u32),
    Node { left: Box<Tree>, right: Box<Tree> },
    Many(Vec<Tree>),
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Dot),
        any::<u32>().prop_map(|radius| Shape::Circle { radius }),
        vec(any::<(i32, i32)>(), 0..4).prop_map(Shape::Polygon),
    ]
}

fn tree() -> impl Strategy<Value = Tree> {
    any::<u32>()
        .prop_map(Tree::Leaf)
        .prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(left, right)| Tree::Node {
                    left: Box::new(left),
                    right: Box::new(right)
                }),
                vec(inner, 0..4).prop_map(Tree::Many),
            ]
        })
}

/// A `Mixed` borrowing from `text`, and what it decodes to (`y` skipped).
fn mixed(text: &str, choice: u8, number: u64, x: i32, y: u8, shape: Shape) -> [Mixed<'_, u64>; 2] {
    match choice % 4 {
        0 => [Mixed::Unit, Mixed::Unit],
        1 => [Mixed::Tuple(number, text), Mixed::Tuple(number, text)],
        2 => {
            let make = |y| Mixed::Struct {
                x,
                y,
                shape: shape.clone(),
                shapes: Some(Box::new(shape.clone())),
            };
            [make(y), make(0)]
        }
        _ => {
            let inner = Mixed::Tuple(number, text);
            [
                Mixed::Nested(Box::new(inner.clone())),
                Mixed::Nested(Box::new(inner)),
            ]
        }
    }
}

proptest! {
    #[test]
    fn scalars_round_trip(value in scalars()) {
        round_trip(&value)?;
    }

    #[test]
    fn collections_round_trip(value in collections()) {
        round_trip(&value)?;
    }

    #[test]
    fn fixed_skip_and_with_fields_round_trip(value in attributes()) {
        let expected = Attributes { cache: Vec::new(), ..value.clone() };
        assert_round_trip!(Attributes, value, expected);
    }

    #[test]
    fn borrowed_fields_round_trip(
        name in text(),
        data in vec(any::<u8>(), 0..8),
        note in text(),
        words in vec(text(), 0..4),
        some in any::<bool>(),
    ) {
        let value = Borrowed {
            name: &name,
            data: &data,
            note: Cow::Owned(note.clone()),
            raw: Cow::Borrowed(&data),
            words: words.iter().map(String::as_str).collect(),
            pair: (&note, some.then_some(&data[..])),
        };
        assert_round_trip!(Borrowed<'_>, value, value);
    }

    #[test]
    fn generic_struct_round_trips(
        value in any::<i64>(),
        list in vec(text(), 0..4),
        by_key in btree_map(any::<u8>(), any::<i64>(), 0..4),
        hidden in text(),
    ) {
        let encoded = Generic { value, list: list.clone(), by_key: by_key.clone(), hidden };
        let expected = Generic { value, list, by_key, hidden: String::new() };
        assert_round_trip!(Generic<i64, String>, encoded, expected);
    }

    #[test]
    fn phantom_only_parameter_needs_no_bound(id in any::<u32>()) {
        round_trip(&Tagged::<NotOnTheWire> { id, marker: PhantomData })?;
    }

    #[test]
    fn associated_type_field_round_trips(items in vec(text(), 0..4)) {
        round_trip(&Coded::<TextCodec> { items, codec: PhantomData })?;
    }

    #[test]
    fn bound_overrides_round_trip(values in vec(any::<u16>(), 0..4), value in any::<Option<u8>>()) {
        round_trip(&Overridden { values })?;
        round_trip(&SplitBounds { value })?;
    }

    #[test]
    fn const_generic_array_round_trips(items in any::<[u16; 5]>()) {
        round_trip(&Sized_ { items })?;
        round_trip(&Sized_::<0> { items: [] })?;
    }

    #[test]
    fn unit_and_tuple_structs_round_trip(a in any::<u8>(), b in text(), c in any::<u32>(), d in any::<u64>()) {
        round_trip(&Empty)?;
        assert_round_trip!(Tuple, Tuple(a, b.clone(), c, d), Tuple(a, b.clone(), 0, d));
    }

    #[test]
    fn enums_of_every_variant_style_round_trip(value in shape()) {
        round_trip(&value)?;
    }

    #[test]
    fn generic_enum_with_lifetimes_round_trips(
        text in text(),
        choice in any::<u8>(),
        number in any::<u64>(),
        x in any::<i32>(),
        y in any::<u8>(),
        shape in shape(),
    ) {
        let [encoded, expected] = mixed(&text, choice, number, x, y, shape);
        assert_round_trip!(Mixed<'_, u64>, encoded, expected);
    }

    #[test]
    fn recursive_enum_round_trips(value in tree()) {
        round_trip(&value)?;
    }

    #[test]
    fn protocol_messages_round_trip_through_frames(
        choice in 0u8..6,
        room in text(),
        word in text(),
        number in any::<u64>(),
        correlation_id in any::<u32>(),
    ) {
        let message = match choice {
            0 => Chat::Join(Join { room: room.clone(), nick: word.clone() }),
            1 => Chat::Say(Say { room: &room, text: &word, at_ms: number }),
            2 => Chat::Leave(Leave),
            3 => Chat::Presence(Presence::Online),
            4 => Chat::Presence(Presence::Away { minutes: number as u16 }),
            _ => Chat::Presence(Presence::Offline(Some(word.clone()))),
        };
        // The payload alone, dispatched on the id.
        let payload = message.encode_to_vec();
        prop_assert_eq!(payload.len(), message.encoded_len());
        let mut reader = Reader::new(&payload);
        let decoded = Chat::decode_message(message.message_type(), &mut reader).unwrap();
        prop_assert!(reader.is_empty());
        prop_assert_eq!(&decoded, &message);
        let mut frame = Vec::new();
        let len = encode_frame(&message, correlation_id, &mut frame).unwrap();
        prop_assert_eq!(len, frame.len());
        prop_assert_eq!(len, 16 + message.encoded_len() + 4);
        let (header, back): (FrameHeader, Chat<'_>) = decode_frame(&frame).unwrap();
        prop_assert_eq!(header.message_type, message.message_type());
        prop_assert_eq!(header.correlation_id, correlation_id);
        prop_assert_eq!(back, message);
    }
}
