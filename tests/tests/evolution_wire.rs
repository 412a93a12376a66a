//! Protocol evolution (SPEC.md §12) on the bytes: a v1 reader decodes v2 values to their
//! projection and re-encodes them unchanged, a v2 reader fills defaults for what v1 did
//! not write, and hostile blocks get typed errors with the field path.
#![allow(clippy::unwrap_used)]

use wirewright::bytes::Bytes;
use wirewright::frame::{decode_frame, encode_frame};
use wirewright::{
    Decode, DecodeErrorKind, Encode, FrameError, FrameHeader, Limits, UnknownFields, UnknownVariant,
};
use wirewright_tests::alloc_counter::{measure, CountingAllocator};
use wirewright_tests::evolution::{lift, project, v1, v2};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn v2_order() -> v2::Order {
    v2::Order {
        id: 7,
        items: vec![
            v2::Item {
                name: "tea".into(),
                qty: 2,
                price_cents: 350,
                currency: "CHF".into(),
                rest: UnknownFields::new(),
            },
            v2::Item {
                name: "cake".into(),
                qty: 1,
                price_cents: 0,
                currency: "EUR".into(),
                rest: UnknownFields::new(),
            },
        ],
        event: v2::Event::Created {
            by: "ann".into(),
            at: 1_700_000_000,
            rest: UnknownFields::new(),
        },
        note: Some("no sugar".into()),
        priority: 3,
        rest: UnknownFields::new(),
    }
}

fn v1_order() -> v1::Order {
    v1::Order {
        id: 9,
        items: vec![v1::Item {
            name: "tea".into(),
            qty: 4,
            rest: UnknownFields::new(),
        }],
        event: v1::Event::Deleted,
        rest: UnknownFields::new(),
    }
}

fn frame_of<P: wirewright::Protocol>(message: &P) -> Vec<u8> {
    let mut buf = Vec::new();
    encode_frame(message, 5, &mut buf).unwrap();
    buf
}

#[test]
fn v1_reads_a_v2_order_as_its_projection_and_reencodes_it_byte_for_byte() {
    let order = v2_order();
    let bytes = order.encode_to_vec();
    let old = v1::Order::decode(&bytes).unwrap();
    assert_eq!(old, project::order(&order));
    assert_eq!(old.encode_to_vec(), bytes);
    assert_eq!(old.encoded_len(), bytes.len());
}

#[test]
fn v2_reads_a_v1_order_with_the_defaults_of_the_appended_fields() {
    let order = v1_order();
    let bytes = order.encode_to_vec();
    let new = v2::Order::decode(&bytes).unwrap();
    assert_eq!(new, lift::order(&order));
    assert_eq!(new.items[0].currency, "EUR"); // the `default` function, not ""
    assert_eq!(v2::Order::decode(&new.encode_to_vec()).unwrap(), new);
}

#[test]
fn v2_reads_a_revision_2_order_that_ends_before_the_revision_3_field() {
    let mut order = v2_order();
    order.priority = 0;
    let bytes = order.encode_to_vec();
    // A revision-2 writer stops after `note`; priority 0 is the one byte 00 at the end.
    let revision_2 = &bytes[..bytes.len() - 1];
    assert_eq!(v2::Order::decode(revision_2).unwrap(), order);
}

#[test]
fn v1_keeps_a_variant_it_does_not_know_and_writes_it_back() {
    let renamed = v2::Event::Renamed { to: "x".into() };
    let bytes = renamed.encode_to_vec();
    assert_eq!(bytes, [2, 2, 1, b'x']); // tag 2, block of 2 bytes
    let old = v1::Event::decode(&bytes).unwrap();
    assert_eq!(
        old,
        v1::Event::Unknown(UnknownVariant {
            tag: 2,
            body: UnknownFields::from_bytes(Bytes::from_static(&[1, b'x'])),
        })
    );
    assert_eq!(old.encode_to_vec(), bytes);
}

#[test]
fn a_v1_frame_proxy_forwards_a_v2_order_unchanged() {
    let frame = frame_of(&v2::Shop::Order(v2_order()));
    let (header, old): (FrameHeader, v1::Shop) = decode_frame(&frame).unwrap();
    let mut forwarded = Vec::new();
    encode_frame(&old, header.correlation_id, &mut forwarded).unwrap();
    assert_eq!(forwarded, frame);
}

#[test]
fn a_top_level_message_that_keeps_nothing_skips_the_unknown_tail_of_its_frame() {
    let ping = v2::Ping {
        seq: 4,
        sent_at: 300,
    };
    let frame = frame_of(&ping);
    let (_, old): (FrameHeader, v1::Ping) = decode_frame(&frame).unwrap();
    assert_eq!(old, project::ping(&ping));
    let (_, old): (FrameHeader, v1::Shop) = decode_frame(&frame).unwrap();
    assert_eq!(old, v1::Shop::Ping(v1::Ping { seq: 4 }));
}

#[test]
fn a_v2_reader_fills_defaults_for_a_v1_frame() {
    let frame = frame_of(&v1::Ping { seq: 4 });
    let (_, new): (FrameHeader, v2::Ping) = decode_frame(&frame).unwrap();
    assert_eq!(new, lift::ping(&v1::Ping { seq: 4 }));
}

#[test]
fn standalone_decode_still_rejects_a_tail_the_type_does_not_keep() {
    let bytes = v2::Ping {
        seq: 4,
        sent_at: 300,
    }
    .encode_to_vec();
    let err = v1::Ping::decode(&bytes).unwrap_err();
    assert_eq!(err.kind(), &DecodeErrorKind::TrailingBytes { count: 2 });
}

#[test]
fn an_evolvable_block_costs_one_varint_and_a_top_level_message_nothing() {
    let item = v1::Item {
        name: "ab".into(),
        qty: 3,
        rest: UnknownFields::new(),
    };
    assert_eq!(item.encode_to_vec(), [4, 2, b'a', b'b', 3]);
    assert_eq!(v1::Ping { seq: 3 }.encode_to_vec(), [3]);
}

#[test]
fn a_block_that_ends_inside_a_field_is_an_error_with_the_field_path() {
    // Item block of 3 bytes: name "ab" (3 bytes), then no room for qty.
    let err = v1::Item::decode(&[3, 2, b'a', b'b']).unwrap_err();
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::UnexpectedEnd {
            needed: 1,
            available: 0
        }
    );
    assert_eq!(err.path_string(), "Item.qty");
    assert_eq!(err.offset(), 4);
    // The block ends inside the appended `currency` (declared 5 bytes, 1 left).
    let err = v2::Item::decode(&[5, 0, 1, 0, 5, b'E']).unwrap_err();
    assert_eq!(err.path_string(), "Item.currency");
    assert!(matches!(
        err.kind(),
        DecodeErrorKind::LengthExceedsInput {
            declared: 5,
            remaining: 1
        }
    ));
}

#[test]
fn a_payload_shorter_than_the_required_fields_is_an_error_with_the_field_path() {
    // Order: id 7, then the payload ends before `items`, a field of revision 1.
    let err = v2::Order::decode(&[7]).unwrap_err();
    assert_eq!(err.path_string(), "Order.items");
    let frame = frame_of(&v1::Ping { seq: 1 });
    let mut truncated = frame.clone();
    truncated.truncate(16);
    truncated[12] = 0; // an empty payload: `seq` is missing
    let crc = wirewright::frame::frame_crc(&truncated);
    truncated.extend_from_slice(&crc.to_le_bytes());
    let err = decode_frame::<v2::Ping>(&truncated).unwrap_err();
    let FrameError::Payload { source, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(source.path_string(), "Ping.seq");
}

#[test]
fn a_block_length_beyond_the_input_is_rejected_before_anything_is_allocated() {
    // Vec of one Item whose block claims 2^62 bytes.
    let hostile = [1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40];
    let (result, allocations) = measure(|| Vec::<v1::Item>::decode(&hostile));
    let err = result.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            DecodeErrorKind::LengthExceedsInput {
                declared: 0x4000_0000_0000_0000,
                remaining: 0
            }
        ),
        "{err}"
    );
    assert_eq!(err.path_string(), "Item[0]");
    assert!(allocations.largest < 256, "{allocations:?}");
}

#[test]
fn unknown_data_is_bounded_by_the_bytes_received() {
    let payload = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08];
    let input = Bytes::copy_from_slice(&[&[7u8, 0, 1, 0][..], &payload[..]].concat());
    let (order, allocations) = measure(|| v1::Order::decode_bytes(&input).unwrap());
    assert_eq!(order.rest.as_bytes(), payload);
    // Shared with the input, not copied: the only allocation is the reference count
    // that `Bytes` sets up the first time a buffer made from a `Vec` is shared.
    assert_eq!(order.rest.as_bytes().as_ptr(), input[4..].as_ptr());
    assert!(allocations.total <= 32, "{allocations:?}");
}

#[test]
fn an_unknown_tag_without_a_catch_all_is_still_an_error_naming_it() {
    let err = wirewright_tests::spec_types::Shape::decode(&[9]).unwrap_err();
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::UnknownVariant {
            type_name: "Shape",
            tag: 9
        }
    );
}

#[test]
fn evolvable_blocks_count_toward_the_depth_limit() {
    let order = v2_order();
    let bytes = order.encode_to_vec();
    // Order (1), Vec (2), Item (3) ; the event enum is at depth 2.
    let limits = Limits::new().with_max_depth(2);
    let err = v1::Order::decode_with(&bytes, &limits).unwrap_err();
    assert!(
        matches!(err.kind(), DecodeErrorKind::DepthLimitExceeded { limit: 2 }),
        "{err}"
    );
    assert!(v1::Order::decode_with(&bytes, &Limits::new().with_max_depth(3)).is_ok());
}

/// Derived evolution code uses absolute paths only: it compiles where the prelude and
/// the runtime's names are shadowed, without a warning.
mod shadowed {
    #![deny(warnings, unused_qualifications, unused_results, trivial_numeric_casts)]
    #![allow(dead_code, non_camel_case_types)]

    use wirewright::Message;

    struct Result;
    struct Option;
    struct Default;
    struct Ok;
    struct Err;
    struct u32;
    struct usize;
    struct UnknownFields;
    struct UnknownVariant;
    struct Reader;
    mod core {}
    mod bytes {}
    mod evolve {}

    fn sixty() -> ::core::primitive::u64 {
        60
    }

    #[derive(Message, Debug, PartialEq)]
    #[wire(evolvable)]
    pub(crate) struct Nested {
        pub(crate) a: ::core::primitive::u8,
        #[wire(since = 2, default = "sixty")]
        pub(crate) b: ::core::primitive::u64,
        #[wire(unknown)]
        pub(crate) rest: ::wirewright::UnknownFields,
    }

    #[derive(Message, Debug, PartialEq)]
    #[wire(evolvable)]
    pub(crate) enum Kind {
        One {
            #[wire(since = 2)]
            x: ::core::primitive::u16,
        },
        #[wire(other)]
        Other(::wirewright::UnknownVariant),
    }

    #[derive(Message, Debug, PartialEq)]
    #[wire(id = 3)]
    pub(crate) struct Top {
        pub(crate) nested: Nested,
        pub(crate) kind: Kind,
        #[wire(since = 2)]
        pub(crate) c: ::core::primitive::u32,
        #[wire(unknown)]
        pub(crate) rest: ::wirewright::UnknownFields,
    }
}

#[test]
fn derived_evolution_code_compiles_with_shadowed_names_and_reads_older_bytes() {
    use shadowed::{Kind, Nested, Top};
    // nested block [1 byte: a = 5], kind tag 0 with an empty block; no `c`.
    let top = Top::decode(&[1, 5, 0, 0]).unwrap();
    assert_eq!(
        top,
        Top {
            nested: Nested {
                a: 5,
                b: 60,
                rest: UnknownFields::new()
            },
            kind: Kind::One { x: 0 },
            c: 0,
            rest: UnknownFields::new(),
        }
    );
}
