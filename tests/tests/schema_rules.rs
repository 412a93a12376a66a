//! One test per evolution rule of SPEC.md §12 (and §12.7's type table): two definitions
//! of a type, the old and the new, and the difference the checker reports.

#![allow(unreachable_pub)]
use wirewright::schema::{compare, Compatibility, Describe, Report};
use wirewright::{Message, Protocol, UnknownFields, UnknownVariant};

fn report<Old: Describe, New: Describe>() -> Report {
    compare(&Old::schema(), &New::schema())
}

/// The single difference, as one line.
fn only<Old: Describe, New: Describe>() -> String {
    let report = report::<Old, New>();
    assert_eq!(report.differences.len(), 1, "{report}");
    report.differences[0].to_string()
}

macro_rules! field_change {
    ($test:ident, $old:ty, $new:ty, $expected:expr) => {
        #[test]
        fn $test() {
            mod old {
                #[derive(wirewright::Message)]
                #[wire(id = 2)]
                pub struct Say {
                    pub text: $old,
                }
            }
            mod new {
                #[derive(wirewright::Message)]
                #[wire(id = 2)]
                pub struct Say {
                    pub text: $new,
                }
            }
            assert_eq!(only::<old::Say, new::Say>(), $expected);
        }
    };
}

field_change!(
    string_to_bytes_is_compatible_for_new_readers,
    String,
    Vec<u8>,
    "compatible new reader/old writer: Say.text: string → bytes: peers with the old definition reject non-UTF-8 text"
);
field_change!(
    bytes_to_string_is_compatible_for_old_readers,
    bytes::Bytes,
    String,
    "compatible old reader/new writer: Say.text: bytes → string: new readers reject old writers' bytes that are not UTF-8"
);
field_change!(
    u16_widened_to_u64_is_compatible_for_new_readers,
    u16,
    u64,
    "compatible new reader/old writer: Say.text: u16 → u64: old readers reject values wider than 16 bits (varint overflow)"
);
field_change!(
    i64_narrowed_to_i32_is_compatible_for_old_readers,
    i64,
    i32,
    "compatible old reader/new writer: Say.text: i64 → i32: new readers reject old writers' values wider than 32 bits (varint overflow)"
);
field_change!(
    bool_to_u32_is_compatible_for_new_readers,
    bool,
    u32,
    "compatible new reader/old writer: Say.text: bool → u32: old readers reject values other than 0 and 1"
);
field_change!(
    char_to_u32_is_compatible_for_new_readers,
    char,
    u32,
    "compatible new reader/old writer: Say.text: char → u32: old readers reject values that are not Unicode scalar values"
);
field_change!(
    u8_to_u16_is_breaking,
    u8,
    u16,
    "breaking: Say.text: u8 → u16: u8 and i8 are a raw byte, wider integers a varint"
);
field_change!(
    unsigned_to_signed_is_breaking,
    u32,
    i32,
    "breaking: Say.text: u32 → i32: signed integers are zigzag varints: 1 is 02, -1 is 01"
);
field_change!(
    fixed_u32_to_fixed_u64_is_breaking,
    wirewright::Fixed<u32>,
    wirewright::Fixed<u64>,
    "breaking: Say.text: fixed u32 → fixed u64: fixed widths differ: 4 bytes vs 8"
);
field_change!(
    f32_to_f64_is_breaking,
    f32,
    f64,
    "breaking: Say.text: f32 → f64: f32 is 4 bytes, f64 8"
);
field_change!(
    array_to_vec_is_breaking,
    [u32; 4],
    Vec<u32>,
    "breaking: Say.text: array<u32, 4> → seq<u32>: an array has no count"
);
field_change!(
    value_to_option_is_breaking,
    u32,
    Option<u32>,
    "breaking: Say.text: u32 → option<u32>: an option adds a tag byte"
);
field_change!(
    map_to_vec_of_pairs_is_compatible_for_new_readers,
    std::collections::BTreeMap<u32, String>,
    Vec<(u32, String)>,
    "compatible new reader/old writer: Say.text: map<u32, string> → seq<(u32, string)>: old readers reject elements that are not sorted and unique"
);
field_change!(
    string_to_u32_is_breaking,
    String,
    u32,
    "breaking: Say.text: string → u32: the two types are encoded differently"
);

#[test]
fn identical_encodings_have_no_difference() {
    use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
    use std::sync::Arc;
    mod old {
        #[derive(wirewright::Message)]
        pub struct Same<'a> {
            pub a: String,
            pub b: Vec<u32>,
            pub c: std::collections::BTreeMap<u8, bool>,
            pub d: std::collections::BTreeSet<i16>,
            pub e: u32,
            pub f: &'a [u8],
            pub g: usize,
        }
    }
    #[derive(Message)]
    struct Same<'a> {
        a: std::borrow::Cow<'a, str>,
        b: VecDeque<u32>,
        c: HashMap<u8, bool>,
        d: HashSet<i16>,
        e: Box<u32>,
        f: bytes::Bytes,
        g: Arc<u64>,
    }
    let _ = (BTreeMap::<u8, u8>::new(), BTreeSet::<u8>::new());
    assert!(report::<old::Same<'_>, Same<'_>>().is_empty());
}

#[test]
fn tuple_to_frozen_struct_is_compatible() {
    mod old {
        #[derive(wirewright::Message)]
        pub struct Line {
            pub from: (u32, u32),
        }
    }
    mod new {
        #[derive(wirewright::Message)]
        pub struct Point {
            pub x: u32,
            pub y: u32,
        }
        #[derive(wirewright::Message)]
        pub struct Line {
            pub from: Point,
        }
    }
    assert_eq!(
        only::<old::Line, new::Line>(),
        "compatible: Line.from: (u32, u32) → Point: a frozen struct is its fields in order"
    );
}

#[test]
fn field_appended_with_default_to_a_message_is_compatible() {
    mod old {
        #[derive(wirewright::Message)]
        #[wire(id = 1)]
        pub struct Ping {
            pub seq: u32,
        }
    }
    #[derive(Message)]
    #[wire(id = 1)]
    struct Ping {
        seq: u32,
        #[wire(since = 2)]
        sent_at: u64,
    }
    assert_eq!(
        only::<old::Ping, Ping>(),
        "compatible: Ping.sent_at: appended in revision 2: old readers skip it; new readers fill its default for old writers"
    );
}

#[test]
fn field_appended_without_since_is_breaking() {
    mod old {
        #[derive(wirewright::Message)]
        #[wire(id = 1)]
        pub struct Ping {
            pub seq: u32,
        }
    }
    #[derive(Message)]
    #[wire(id = 1)]
    struct Ping {
        seq: u32,
        sent_at: u64,
    }
    assert_eq!(
        only::<old::Ping, Ping>(),
        "breaking: Ping.sent_at: appended without `since`: new readers reject what old writers wrote, which ends before it"
    );
}

#[test]
fn field_appended_to_a_frozen_nested_struct_is_breaking() {
    mod old {
        #[derive(wirewright::Message)]
        pub struct Item {
            pub name: String,
        }
        #[derive(wirewright::Message)]
        #[wire(id = 1)]
        pub struct Order {
            pub items: Vec<Item>,
        }
    }
    mod new {
        #[derive(wirewright::Message)]
        pub struct Item {
            pub name: String,
            #[wire(since = 2)]
            pub price: u64,
        }
        #[derive(wirewright::Message)]
        #[wire(id = 1)]
        pub struct Order {
            pub items: Vec<Item>,
        }
    }
    assert_eq!(
        only::<old::Order, new::Order>(),
        "breaking: Item.price: appended: the type is frozen: its bytes have no length, so readers misread what follows"
    );
}

#[test]
fn field_appended_to_an_evolvable_nested_struct_is_compatible() {
    mod old {
        #[derive(wirewright::Message)]
        #[wire(evolvable)]
        pub struct Item {
            pub name: String,
        }
        #[derive(wirewright::Message)]
        #[wire(id = 1)]
        pub struct Order {
            pub items: Vec<Item>,
        }
    }
    mod new {
        #[derive(wirewright::Message)]
        #[wire(evolvable)]
        pub struct Item {
            pub name: String,
            #[wire(since = 2)]
            pub price: u64,
        }
        #[derive(wirewright::Message)]
        #[wire(id = 1)]
        pub struct Order {
            pub items: Vec<Item>,
        }
    }
    let report = report::<old::Order, new::Order>();
    assert!(!report.is_breaking(), "{report}");
    assert_eq!(report.differences.len(), 1, "{report}");
}

#[test]
fn field_removed_from_the_middle_is_breaking() {
    mod old {
        #[derive(wirewright::Message)]
        #[wire(id = 1)]
        pub struct Join {
            pub room: String,
            pub nick: String,
            pub colour: u32,
        }
    }
    #[derive(Message)]
    #[wire(id = 1)]
    struct Join {
        room: String,
        colour: u32,
    }
    let report = report::<old::Join, Join>();
    assert!(report.is_breaking(), "{report}");
    assert_eq!(
        report.differences[0].to_string(),
        "breaking: Join.colour: moved from position 2 to 1: fields are read by position"
    );
}

#[test]
fn field_of_revision_1_removed_from_the_end_is_breaking() {
    mod old {
        #[derive(wirewright::Message)]
        #[wire(id = 1)]
        pub struct Join {
            pub room: String,
            pub nick: String,
        }
    }
    #[derive(Message)]
    #[wire(id = 1)]
    struct Join {
        room: String,
    }
    assert_eq!(
        only::<old::Join, Join>(),
        "breaking: Join.nick: removed: old readers require it (revision 1) and reject what new writers write"
    );
}

#[test]
fn fields_reordered_is_breaking() {
    mod old {
        #[derive(wirewright::Message)]
        #[wire(id = 1)]
        pub struct Join {
            pub room: String,
            pub nick: String,
        }
    }
    #[derive(Message)]
    #[wire(id = 1)]
    struct Join {
        nick: String,
        room: String,
    }
    let report = report::<old::Join, Join>();
    let lines: Vec<String> = report.differences.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "breaking: Join.room: moved from position 0 to 1: fields are read by position",
            "breaking: Join.nick: moved from position 1 to 0: fields are read by position",
        ]
    );
}

#[test]
fn field_renamed_is_compatible() {
    mod old {
        #[derive(wirewright::Message)]
        #[wire(id = 1)]
        pub struct Join {
            pub nick: String,
        }
    }
    #[derive(Message)]
    #[wire(id = 1)]
    struct Join {
        name: String,
    }
    assert_eq!(
        only::<old::Join, Join>(),
        "compatible: Join.nick: renamed to name: names are not on the wire"
    );
}

#[test]
fn fixed_to_varint_is_breaking() {
    mod old {
        #[derive(wirewright::Message)]
        #[wire(id = 1)]
        pub struct Say {
            #[wire(fixed)]
            pub at_ms: u64,
        }
    }
    #[derive(Message)]
    #[wire(id = 1)]
    struct Say {
        at_ms: u64,
    }
    assert_eq!(
        only::<old::Say, Say>(),
        "breaking: Say.at_ms: fixed u64 → u64: fixed ↔ varint: the widths differ"
    );
}

#[test]
fn frozen_to_evolvable_is_breaking() {
    mod old {
        #[derive(wirewright::Message)]
        pub struct Item {
            pub name: String,
        }
    }
    #[derive(Message)]
    #[wire(evolvable)]
    struct Item {
        name: String,
    }
    assert_eq!(
        only::<old::Item, Item>(),
        "breaking: Item: frozen → evolvable: a block adds its length: the bytes differ"
    );
}

#[test]
fn variant_added_to_an_evolvable_enum_with_a_catch_all_is_compatible() {
    mod old {
        #[derive(wirewright::Message)]
        #[wire(evolvable)]
        pub enum Event {
            Created {
                by: String,
            },
            #[wire(other)]
            Unknown(wirewright::UnknownVariant),
        }
    }
    #[derive(Message)]
    #[wire(evolvable)]
    enum Event {
        Created {
            by: String,
        },
        Deleted,
        #[wire(other)]
        Unknown(UnknownVariant),
    }
    assert_eq!(
        only::<old::Event, Event>(),
        "compatible: Event::Deleted: added (tag 1): old readers keep it in their catch-all `Unknown`"
    );
}

#[test]
fn variant_added_to_a_frozen_enum_is_rejected_by_old_readers() {
    mod old {
        #[derive(wirewright::Message)]
        pub enum Shape {
            Empty,
        }
    }
    #[derive(Message)]
    enum Shape {
        Empty,
        Circle(u32),
    }
    assert_eq!(
        only::<old::Shape, Shape>(),
        "compatible new reader/old writer: Shape::Circle: added (tag 1): the enum is frozen: old readers reject it (unknown variant)"
    );
}

#[test]
fn variant_tag_changed_is_breaking() {
    mod old {
        #[derive(wirewright::Message)]
        pub enum Shape {
            Empty,
            Circle(u32),
        }
    }
    #[derive(Message)]
    enum Shape {
        Empty,
        #[wire(tag = 5)]
        Circle(u32),
    }
    assert_eq!(
        only::<old::Shape, Shape>(),
        "breaking: Shape::Circle: tag 1 → 5: the tag is the variant"
    );
}

#[test]
fn unknown_field_added_is_compatible() {
    mod old {
        #[derive(wirewright::Message)]
        #[wire(id = 1)]
        pub struct Ping {
            pub seq: u32,
        }
    }
    #[derive(Message)]
    #[wire(id = 1)]
    struct Ping {
        seq: u32,
        #[wire(unknown)]
        rest: UnknownFields,
    }
    assert_eq!(
        only::<old::Ping, Ping>(),
        "compatible: Ping: unknown data kept in `rest`: the unknown field is not on the wire"
    );
}

mod v1 {
    use wirewright::{Message, Protocol};

    #[derive(Message)]
    #[wire(id = 1)]
    pub struct Join {
        pub room: String,
    }

    #[derive(Message)]
    #[wire(id = 2)]
    pub struct Say {
        pub text: String,
    }

    #[derive(Protocol)]
    pub enum Chat {
        Join(Join),
        Say(Say),
    }
}

#[test]
fn message_added_to_a_protocol_is_rejected_by_old_readers() {
    #[derive(Message)]
    #[wire(id = 3)]
    struct Leave;
    #[derive(Protocol)]
    enum Chat {
        Join(v1::Join),
        Say(v1::Say),
        Leave(Leave),
    }
    assert_eq!(
        only::<v1::Chat, Chat>(),
        "compatible new reader/old writer: Chat::Leave: message 3 added: old readers reject it (unknown message type; a server answers code 1)"
    );
}

#[test]
fn message_removed_from_a_protocol_is_rejected_by_new_readers() {
    #[derive(Protocol)]
    enum Chat {
        Join(v1::Join),
    }
    assert_eq!(
        only::<v1::Chat, Chat>(),
        "compatible old reader/new writer: Chat::Say: message 2 removed: new readers reject it from old writers (unknown message type)"
    );
}

#[test]
fn message_id_changed_is_breaking() {
    #[derive(Message)]
    #[wire(id = 7)]
    struct Say {
        text: String,
    }
    #[derive(Protocol)]
    enum Chat {
        Join(v1::Join),
        Say(Say),
    }
    assert_eq!(
        only::<v1::Chat, Chat>(),
        "breaking: Chat::Say: message id 2 → 7: the header names the message by its id"
    );
}

#[test]
fn message_id_reused_for_another_type_is_breaking() {
    #[derive(Message)]
    #[wire(id = 2)]
    struct Kick {
        nick: String,
        minutes: u32,
    }
    #[derive(Protocol)]
    enum Chat {
        Join(v1::Join),
        Kick(Kick),
    }
    let report = report::<v1::Chat, Chat>();
    assert!(report.is_breaking(), "{report}");
    let text = report.to_string();
    assert!(
        text.contains("breaking: Kick.minutes: appended without `since`"),
        "{text}"
    );
    assert!(
        text.contains("compatible: Chat::Say: variant renamed to Kick"),
        "{text}"
    );
}

#[test]
fn every_difference_is_listed_with_its_classification() {
    mod new {
        #[derive(wirewright::Message)]
        #[wire(id = 1)]
        pub struct Join {
            pub room: u32,
        }
        #[derive(wirewright::Message)]
        #[wire(id = 2)]
        pub struct Say {
            pub text: Vec<u8>,
        }
        #[derive(wirewright::Message)]
        #[wire(id = 3)]
        pub struct Leave;
        #[derive(wirewright::Protocol)]
        pub enum Chat {
            Join(Join),
            Say(Say),
            Leave(Leave),
        }
    }
    let report = report::<v1::Chat, new::Chat>();
    assert_eq!(report.count(Compatibility::Breaking), 1, "{report}");
    assert_eq!(
        report.count(Compatibility::NewReaderOldWriter),
        2,
        "{report}"
    );
    assert_eq!(
        report.to_string(),
        "3 difference(s), 1 breaking\n  \
         breaking: Join.room: string → u32: the two types are encoded differently\n  \
         compatible new reader/old writer: Say.text: string → bytes: peers with the old definition reject non-UTF-8 text\n  \
         compatible new reader/old writer: Chat::Leave: message 3 added: old readers reject it (unknown message type; a server answers code 1)\n"
    );
}
