//! What the derive's `Describe` records: every wire attribute, generics, recursion, the
//! standard types, and a hand-written type that does not describe itself.

#![allow(dead_code)] // the types exist for their schemas; most are never built
use wirewright::schema::{Definition, Describe, Field, Fields, Int, Kind, Type, Variant};
use wirewright::{Message, Protocol, UnknownFields, UnknownVariant};

mod hex {
    use wirewright::bytes::BufMut;
    use wirewright::{DecodeError, Reader};

    pub(super) fn encoded_len(_: &u32) -> usize {
        4
    }
    pub(super) fn encode_raw<B: BufMut + ?Sized>(value: &u32, buf: &mut B) {
        buf.put_u32(*value);
    }
    pub(super) fn decode_raw(reader: &mut Reader<'_>) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(reader.read_array::<4>()?))
    }
}

fn default_port() -> u16 {
    7
}

#[derive(Message)]
#[wire(id = 9, evolvable)]
struct Every {
    plain: u16,
    #[wire(fixed)]
    fixed: i64,
    #[wire(skip)]
    _skipped: String,
    #[wire(with = "hex")]
    custom: u32,
    #[wire(since = 2, default = "default_port")]
    port: u16,
    #[wire(unknown)]
    rest: UnknownFields,
}

#[test]
fn every_field_attribute_is_recorded() {
    let schema = Every::schema();
    assert_eq!(schema.root, Type::Named("Every".into()));
    let field = |name: &str, ty: Type, since: u32| Field {
        name: name.into(),
        ty,
        since,
    };
    assert_eq!(
        schema.definitions,
        [Definition {
            name: "Every".into(),
            evolvable: true,
            id: Some(9),
            kind: Kind::Struct(Fields {
                fields: vec![
                    field("plain", Type::Int(Int::U16), 1),
                    field("fixed", Type::Fixed(Int::I64), 1),
                    field("custom", Type::With("hex".into()), 1),
                    field("port", Type::Int(Int::U16), 2),
                ],
                unknown: Some("rest".into()),
            }),
        }]
    );
}

#[derive(Message)]
#[wire(evolvable)]
enum Shape {
    Empty,
    #[wire(tag = 10)]
    Circle {
        radius: f32,
    },
    Square(u16, #[wire(skip)] Option<String>),
    #[wire(other)]
    Unknown(UnknownVariant),
}

#[test]
fn enum_variants_keep_their_tags_and_the_catch_all() {
    let text = Shape::schema().to_string();
    assert_eq!(
        text,
        "wirewright schema 1\nroot Shape\n\nevolvable enum Shape\n  variant 0 Empty\n  \
         variant 10 Circle\n    field radius: f32\n  variant 11 Square\n    field 0: u16\n  \
         other Unknown\n"
    );
    let Some(Definition {
        kind: Kind::Enum(variants),
        ..
    }) = Shape::schema().definition("Shape").cloned()
    else {
        panic!("Shape is an enum")
    };
    assert_eq!(
        variants.last(),
        Some(&Variant::Other {
            name: "Unknown".into()
        })
    );
}

/// A hand-written codec without `Describe`: described by its Rust name.
struct Raw;

impl wirewright::Encode for Raw {
    fn encoded_len(&self) -> usize {
        0
    }
    fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, _: &mut B) {}
}

impl wirewright::Decode<'_> for Raw {
    const MIN_ENCODED_LEN: usize = 0;
    fn decode_raw(_: &mut wirewright::Reader<'_>) -> Result<Self, wirewright::DecodeError> {
        Ok(Raw)
    }
}

#[derive(Message)]
struct Holder {
    raw: Raw,
}

#[test]
fn a_type_without_describe_is_opaque() {
    let text = Holder::schema().to_string();
    assert!(
        text.contains("  field raw: opaque schema_describe::Raw\n"),
        "{text}"
    );
}

#[derive(Message)]
#[wire(id = 5)]
struct Page<T> {
    items: Vec<T>,
    next: Option<Box<Page<T>>>,
}

#[derive(Message)]
#[wire(id = 6)]
struct Ack;

#[derive(Protocol)]
enum Paging<T> {
    Page(Page<T>),
    Ack(Ack),
}

#[test]
fn generic_protocol_names_its_arguments_and_recursion_ends() {
    assert_eq!(
        Paging::<(u8, char)>::schema().to_string(),
        "wirewright schema 1\nroot Paging\n\n\
         struct Ack id 6\n\n\
         struct Page<(u8, char)> id 5\n  field items: seq<(u8, char)>\n  field next: option<Page<(u8, char)>>\n\n\
         protocol Paging\n  message 5 Page: Page<(u8, char)>\n  message 6 Ack: Ack\n"
    );
}

#[test]
fn standard_types_describe_their_encoding() {
    use std::collections::{BTreeSet, HashMap};
    #[derive(Message)]
    struct Std<'a> {
        a: [u8; 4],
        b: HashMap<String, Vec<i32>>,
        c: BTreeSet<char>,
        d: (bool, f64, ()),
        e: std::marker::PhantomData<u8>,
        f: &'a [u8],
        g: Vec<Option<u128>>,
        h: isize,
        i: wirewright::Fixed<u16>,
    }
    let text = Std::schema().to_string();
    let fields: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("  field"))
        .collect();
    assert_eq!(
        fields,
        [
            "  field a: array<u8, 4>",
            "  field b: map<string, seq<i32>>",
            "  field c: set<char>",
            "  field d: (bool, f64, unit)",
            "  field e: unit",
            "  field f: bytes",
            "  field g: seq<option<u128>>",
            "  field h: i64",
            "  field i: fixed u16",
        ]
    );
}

mod request {
    #[derive(wirewright::Message)]
    #[wire(id = 1)]
    pub(super) struct Get {
        pub(super) key: String,
    }
}

mod response {
    #[derive(wirewright::Message)]
    #[wire(id = 2)]
    pub(super) struct Get {
        pub(super) value: Option<Vec<u8>>,
    }
}

#[derive(Protocol)]
enum Kv {
    Get(request::Get),
    Got(response::Get),
}

#[test]
fn two_types_of_one_name_stay_two_definitions() {
    let schema = Kv::schema();
    let names: Vec<&str> = schema.definitions.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["Get", "Kv", "schema_describe::response::Get"]);
    assert_eq!(wirewright::schema::parse(&schema.to_string()), Ok(schema));
}
