//! The schema text form (SPEC.md §13.2): printing then parsing gives the schema back, for
//! derived schemas and for arbitrary ones; the SPEC's vector prints byte for byte and has
//! the fingerprint the SPEC gives.

use proptest::prelude::*;
use wirewright::schema::{
    fnv1a_64, parse, Definition, Describe, Field, Fields, Int, Kind, MessageEntry, Schema, Type,
    Variant,
};
use wirewright::{Message, Protocol, UnknownFields, UnknownVariant};

/// The protocol of SPEC.md §13.5.
mod spec {
    use super::*;

    #[derive(Message)]
    #[wire(evolvable)]
    pub(super) enum Event {
        Created {
            by: String,
        },
        Deleted,
        #[wire(other)]
        Unknown(UnknownVariant),
    }

    #[derive(Message)]
    #[wire(id = 1)]
    pub(super) struct Join {
        pub(super) room: String,
        pub(super) nick: String,
    }

    #[derive(Message)]
    #[wire(id = 2)]
    pub(super) struct Say<'a> {
        pub(super) room: &'a str,
        pub(super) text: &'a str,
        #[wire(fixed)]
        pub(super) at_ms: u64,
        #[wire(since = 2)]
        pub(super) events: Vec<Event>,
        #[wire(unknown)]
        pub(super) rest: UnknownFields,
    }

    #[derive(Protocol)]
    pub(super) enum Chat<'a> {
        Join(Join),
        Say(Say<'a>),
    }
}

const SPEC_TEXT: &str = "\
wirewright schema 1
root Chat

protocol Chat
  message 1 Join: Join
  message 2 Say: Say

evolvable enum Event
  variant 0 Created
    field by: string
  variant 1 Deleted
  other Unknown

struct Join id 1
  field room: string
  field nick: string

struct Say id 2
  field room: string
  field text: string
  field at_ms: fixed u64
  field events: seq<Event> since 2
  unknown rest
";

#[test]
fn spec_vector_prints_byte_for_byte_with_its_fingerprint() {
    let schema = spec::Chat::schema();
    assert_eq!(schema.to_string(), SPEC_TEXT);
    assert_eq!(schema.fingerprint(), 0x1c1d_dd34_1bfe_0c7a);
    assert_eq!(parse(SPEC_TEXT), Ok(schema));
}

#[test]
fn fnv1a_vectors_of_the_spec() {
    assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv1a_64(b"wirewright schema 1\n"), 0xe683_f3ba_7f5e_0683);
}

#[test]
fn recursive_and_generic_types_are_named_once() {
    #[derive(Message)]
    struct Tree {
        value: u32,
        children: Vec<Tree>,
    }
    #[derive(Message)]
    struct Page<T> {
        items: Vec<T>,
        next: Option<Box<Page<T>>>,
    }
    #[derive(Message)]
    #[wire(id = 4)]
    struct Both {
        tree: Tree,
        page: Page<Tree>,
        with_strings: Page<String>,
    }
    let schema = Both::schema();
    let names: Vec<&str> = schema.definitions.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["Both", "Page<Tree>", "Page<string>", "Tree"]);
    assert_eq!(parse(&schema.to_string()), Ok(schema));
}

#[test]
fn malformed_texts_are_rejected_with_their_line() {
    let cases = [
        ("", 1, "the header `wirewright schema 1`"),
        ("wirewright schema 1\nroot X", 3, "a newline at the end"),
        (
            "wirewright schema 1\nroot seq<u8>\n",
            2,
            "`bytes` for a sequence of u8",
        ),
        (
            "wirewright schema 1\nroot B\n\nstruct B\n\nstruct A\n",
            6,
            "definitions sorted by name, each once",
        ),
        (
            "wirewright schema 1\nroot A\n\nstruct A\n  field x: u32 since 1\n",
            5,
            "a revision of 2 or more (1 is not written)",
        ),
        (
            "wirewright schema 1\nroot A\n\nstruct A\n  field x: fixed u8\n",
            5,
            "an integer type wider than 8 bits after `fixed`",
        ),
    ];
    for (text, line, expected) in cases {
        let err = parse(text).expect_err("malformed");
        assert_eq!(
            (err.line, err.expected),
            (line, expected),
            "{text:?}: {err}"
        );
    }
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("A"),
        Just("B"),
        Just("Page<u32>"),
        Just("r#seq"),
        Just("Z9")
    ]
    .prop_map(str::to_owned)
}

fn int() -> impl Strategy<Value = Int> {
    proptest::sample::select(Int::ALL.to_vec())
}

fn ty() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::Bool),
        int().prop_map(Type::Int),
        int()
            .prop_filter("fixed 8-bit is plain", |int| int.bits() > 8)
            .prop_map(Type::Fixed),
        Just(Type::F32),
        Just(Type::F64),
        Just(Type::Char),
        Just(Type::String),
        Just(Type::Bytes),
        Just(Type::Unit),
        Just(Type::Never),
        name().prop_map(Type::Named),
        Just(Type::With("my::module".to_owned())),
        Just(Type::Opaque("a::B<c::D, [u8; 4]>".to_owned())),
    ];
    leaf.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::seq),
            (inner.clone(), 0u64..100).prop_map(|(t, n)| Type::Array(Box::new(t), n)),
            (inner.clone(), inner.clone()).prop_map(|(k, v)| Type::Map(Box::new(k), Box::new(v))),
            inner.clone().prop_map(|t| Type::Set(Box::new(t))),
            inner.clone().prop_map(|t| Type::Option(Box::new(t))),
            proptest::collection::vec(inner, 1..4).prop_map(Type::Tuple),
        ]
    })
}

fn fields() -> impl Strategy<Value = Fields> {
    (
        proptest::collection::vec((ty(), 1u32..4), 0..4),
        proptest::option::of(Just("rest".to_owned())),
    )
        .prop_map(|(fields, unknown)| Fields {
            fields: fields
                .into_iter()
                .enumerate()
                .map(|(index, (ty, since))| Field {
                    name: format!("f{index}"),
                    ty,
                    since,
                })
                .collect(),
            unknown,
        })
}

fn definition() -> impl Strategy<Value = Definition> {
    let kind = prop_oneof![
        fields().prop_map(Kind::Struct),
        proptest::collection::vec(
            prop_oneof![
                (0u32..10, fields()).prop_map(|(tag, fields)| Variant::Tagged {
                    tag,
                    name: format!("V{tag}"),
                    fields
                }),
                Just(Variant::Other {
                    name: "Unknown".to_owned()
                }),
            ],
            0..4
        )
        .prop_map(Kind::Enum),
        proptest::collection::vec((any::<u16>(), ty()), 0..4).prop_map(|messages| {
            Kind::Protocol(
                messages
                    .into_iter()
                    .map(|(id, ty)| MessageEntry {
                        id,
                        variant: format!("M{id}"),
                        ty,
                    })
                    .collect(),
            )
        }),
    ];
    (
        name(),
        any::<bool>(),
        proptest::option::of(any::<u16>()),
        kind,
    )
        .prop_map(|(name, evolvable, id, kind)| {
            let protocol = matches!(kind, Kind::Protocol(_));
            Definition {
                name,
                evolvable: evolvable && !protocol,
                id: id.filter(|_| !protocol),
                kind,
            }
        })
}

fn schema() -> impl Strategy<Value = Schema> {
    (ty(), proptest::collection::vec(definition(), 0..5)).prop_map(|(root, mut definitions)| {
        definitions.sort_by(|a, b| a.name.cmp(&b.name));
        definitions.dedup_by(|a, b| a.name == b.name);
        Schema { root, definitions }
    })
}

proptest! {
    #[test]
    fn printing_then_parsing_gives_the_schema_back(schema in schema()) {
        let text = schema.to_string();
        prop_assert_eq!(parse(&text), Ok(schema), "{}", text);
    }
}

#[test]
fn spec_section_13_vector_is_the_printed_schema() {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../SPEC.md"))
        .expect("SPEC.md");
    let section = &spec[spec.find("### 13.5").expect("SPEC §13.5")..];
    let block = section
        .split("```wwschema\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a wwschema block in §13.5");
    assert_eq!(block, spec::Chat::schema().to_string());
    let fingerprint = format!("fingerprint `{:016x}`", spec::Chat::schema().fingerprint());
    assert!(section.contains(&fingerprint), "§13.5 gives {fingerprint}");
    for (input, hash) in [("", "cbf29ce484222325"), ("a", "af63dc4c8601ec8c")] {
        assert_eq!(format!("{:016x}", fnv1a_64(input.as_bytes())), hash);
        assert!(spec.contains(&format!("`{hash}`")));
    }
}
