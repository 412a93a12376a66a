//! Derived encodings are byte-exact: each test writes out by hand the bytes SPEC.md's
//! rules give for a value, and checks the derive produces exactly those.

#![allow(clippy::unwrap_used)]

use std::borrow::Cow;
use std::marker::PhantomData;

use wirewright::{Decode, Encode, Message, Protocol};
use wirewright_tests::chat::{Chat, Join, Leave, Presence, Say};

/// Encodes `value`, checks the bytes and `encoded_len`, and decodes them back.
fn assert_bytes<T>(value: &T, expected: &[u8])
where
    T: Encode + for<'de> Decode<'de> + PartialEq + std::fmt::Debug,
{
    let bytes = value.encode_to_vec();
    assert_eq!(bytes, expected, "encoding of {value:?}");
    assert_eq!(value.encoded_len(), expected.len());
    assert_eq!(&T::decode(expected).unwrap(), value);
}

#[test]
fn join_is_its_two_strings_back_to_back() {
    let join = Join {
        room: "lobby".into(),
        nick: "ann".into(),
    };
    assert_bytes(
        &join,
        &[0x05, 0x6c, 0x6f, 0x62, 0x62, 0x79, 0x03, 0x61, 0x6e, 0x6e],
    );
}

#[test]
fn say_borrows_its_strings_and_writes_a_fixed_timestamp() {
    let say = Say {
        room: "a",
        text: "hi",
        at_ms: 0x0102,
    };
    let bytes = say.encode_to_vec();
    assert_eq!(
        bytes,
        [1, b'a', 2, b'h', b'i', 0x02, 0x01, 0, 0, 0, 0, 0, 0]
    );
    let back = Say::decode(&bytes).unwrap();
    assert_eq!(back, say);
    // The strings point into the input: nothing was copied.
    assert_eq!(back.text.as_ptr(), bytes[3..].as_ptr());
}

#[test]
fn unit_struct_is_zero_bytes() {
    assert_bytes(&Leave, &[]);
}

#[derive(Message, Debug, PartialEq)]
struct Point(i32, i32);

#[test]
fn tuple_struct_is_its_fields_in_order() {
    assert_bytes(&Point(1, -1), &[0x02, 0x01]);
}

#[derive(Message, Debug, PartialEq)]
enum Shape {
    Empty,
    #[wire(tag = 10)]
    Circle {
        #[wire(fixed)]
        radius: u32,
    },
    Square(u16),
    #[wire(tag = 300)]
    Far,
    Farther(bool),
}

#[test]
fn enum_is_its_tag_then_the_variant_fields() {
    assert_bytes(&Shape::Empty, &[0]);
    assert_bytes(&Shape::Circle { radius: 1 }, &[10, 1, 0, 0, 0]);
}

#[test]
fn variant_without_tag_follows_the_previous_tag() {
    assert_bytes(&Shape::Square(300), &[11, 0xac, 0x02]);
    assert_bytes(&Shape::Farther(true), &[0xad, 0x02, 1]);
}

#[test]
fn tag_of_300_is_a_two_byte_varint() {
    assert_bytes(&Shape::Far, &[0xac, 0x02]);
}

#[test]
fn enum_message_writes_its_tag() {
    assert_bytes(&Presence::Online, &[0]);
    assert_bytes(&Presence::Away { minutes: 300 }, &[1, 0xac, 0x02]);
    assert_bytes(
        &Presence::Offline(Some("bye".into())),
        &[2, 1, 3, b'b', b'y', b'e'],
    );
}

#[derive(Message, Debug, PartialEq, Default)]
struct Fixed {
    #[wire(fixed)]
    small: u8,
    #[wire(fixed)]
    signed: i32,
    #[wire(fixed)]
    wide: u128,
    #[wire(fixed)]
    size: usize,
}

#[test]
fn fixed_fields_are_little_endian_at_full_width() {
    let value = Fixed {
        small: 0xab,
        signed: -1,
        wide: 1,
        size: 0x0102,
    };
    let mut expected = vec![0xab, 0xff, 0xff, 0xff, 0xff, 1];
    expected.extend([0; 15]);
    expected.extend([0x02, 0x01, 0, 0, 0, 0, 0, 0]);
    assert_bytes(&value, &expected);
}

#[derive(Message, Debug, PartialEq)]
struct Cached {
    id: u32,
    #[wire(skip)]
    cache: Option<String>,
    name: String,
}

#[test]
fn skipped_field_is_not_on_the_wire_and_decodes_as_default() {
    let value = Cached {
        id: 7,
        cache: Some("derived".into()),
        name: "x".into(),
    };
    let bytes = value.encode_to_vec();
    assert_eq!(bytes, [7, 1, b'x']);
    let back = Cached::decode(&bytes).unwrap();
    assert_eq!(
        back,
        Cached {
            id: 7,
            cache: None,
            name: "x".into()
        }
    );
}

#[derive(Message, Debug, PartialEq)]
struct Address {
    #[wire(with = "wirewright_tests::big_endian")]
    ip: u32,
    port: u16,
}

#[test]
fn with_module_writes_the_field() {
    let value = Address {
        ip: 0x7f00_0001,
        port: 80,
    };
    assert_bytes(&value, &[0x7f, 0, 0, 1, 80]);
}

#[derive(Message, Debug, PartialEq)]
struct Pair<A, B> {
    first: A,
    second: B,
    #[wire(skip)]
    marker: PhantomData<fn() -> (A, B)>,
}

#[test]
fn generic_struct_encodes_its_type_arguments() {
    let value = Pair {
        first: "a".to_owned(),
        second: 300u16,
        marker: PhantomData,
    };
    assert_bytes(&value, &[1, b'a', 0xac, 0x02]);
}

#[derive(Message, Debug, PartialEq)]
struct Nested<'a> {
    shape: Shape,
    points: Vec<Point>,
    label: Option<Cow<'a, str>>,
}

#[test]
fn nested_derived_types_encode_in_place() {
    let value = Nested {
        shape: Shape::Square(1),
        points: vec![Point(0, 1)],
        label: Some(Cow::Borrowed("p")),
    };
    let bytes = value.encode_to_vec();
    assert_eq!(bytes, [11, 1, 1, 0, 2, 1, 1, b'p']);
    let back = Nested::decode(&bytes).unwrap();
    assert_eq!(back.points, value.points);
    assert_eq!(back.label.as_deref(), Some("p"));
}

#[test]
fn min_encoded_len_sums_the_fields_on_the_wire() {
    assert_eq!(<Join as Decode<'_>>::MIN_ENCODED_LEN, 2);
    assert_eq!(<Say<'_> as Decode<'_>>::MIN_ENCODED_LEN, 1 + 1 + 8);
    assert_eq!(<Leave as Decode<'_>>::MIN_ENCODED_LEN, 0);
    assert_eq!(<Point as Decode<'_>>::MIN_ENCODED_LEN, 2);
    assert_eq!(<Fixed as Decode<'_>>::MIN_ENCODED_LEN, 1 + 4 + 16 + 8);
    // Skipped and `with` fields count for nothing.
    assert_eq!(<Cached as Decode<'_>>::MIN_ENCODED_LEN, 2);
    assert_eq!(<Address as Decode<'_>>::MIN_ENCODED_LEN, 1);
}

#[test]
fn min_encoded_len_of_an_enum_is_its_tag() {
    assert_eq!(<Shape as Decode<'_>>::MIN_ENCODED_LEN, 1);
    assert_eq!(<Presence as Decode<'_>>::MIN_ENCODED_LEN, 1);
}

#[test]
fn message_id_and_name_come_from_the_attribute_and_the_type() {
    assert_eq!((Join::ID, Join::NAME), (1, "Join"));
    assert_eq!((Say::ID, Say::NAME), (2, "Say"));
    assert_eq!((Leave::ID, Leave::NAME), (3, "Leave"));
    assert_eq!((Presence::ID, Presence::NAME), (4, "Presence"));
}

#[test]
fn protocol_encodes_the_inner_message_alone() {
    let join = Join {
        room: "lobby".into(),
        nick: "ann".into(),
    };
    let chat = Chat::Join(join.clone());
    assert_eq!(chat.encode_to_vec(), join.encode_to_vec());
    assert_eq!(chat.encoded_len(), join.encoded_len());
    assert_eq!((chat.message_type(), chat.message_name()), (1, "Join"));
    let presence = Chat::Presence(Presence::Online);
    assert_eq!(
        (presence.message_type(), presence.message_name()),
        (4, "Presence")
    );
}

#[derive(Message, Debug, PartialEq)]
#[wire(id = 65535)]
struct Raw {
    r#type: u8,
}

#[test]
fn raw_identifiers_lose_their_prefix_in_names() {
    assert_eq!(Raw::ID, 65535);
    let err = Raw::decode(&[]).unwrap_err();
    assert_eq!(err.path_string(), "Raw.type");
}
