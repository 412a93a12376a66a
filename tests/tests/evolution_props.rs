//! Property tests of evolution (SPEC.md §12) over random values: v1 decodes v2's bytes to
//! the projection and re-encodes them unchanged; v2 decodes v1's bytes to the value with
//! defaults; each revision round-trips its own values exactly.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use wirewright::bytes::Bytes;
use wirewright::frame::{decode_frame, encode_frame};
use wirewright::{Decode, Encode, FrameHeader};
use wirewright::{UnknownFields, UnknownVariant};
use wirewright_tests::evolution::{lift, project, v1, v2};

fn text() -> impl Strategy<Value = String> {
    "[a-zé]{0,6}"
}

fn v2_item() -> impl Strategy<Value = v2::Item> {
    (text(), any::<u32>(), any::<u64>(), text()).prop_map(|(name, qty, price_cents, currency)| {
        v2::Item {
            name,
            qty,
            price_cents,
            currency,
            rest: UnknownFields::new(),
        }
    })
}

/// Variants of revisions after v2 too: the catch-all holds any tag either revision does
/// not define, with any bytes.
fn unknown_variant() -> impl Strategy<Value = UnknownVariant> {
    (
        3u32..=u32::MAX,
        proptest::collection::vec(any::<u8>(), 0..8),
    )
        .prop_map(|(tag, body)| UnknownVariant {
            tag,
            body: UnknownFields::from_bytes(Bytes::from(body)),
        })
}

fn v2_event() -> impl Strategy<Value = v2::Event> {
    prop_oneof![
        (text(), any::<u64>()).prop_map(|(by, at)| v2::Event::Created {
            by,
            at,
            rest: UnknownFields::new()
        }),
        Just(v2::Event::Deleted),
        text().prop_map(|to| v2::Event::Renamed { to }),
        unknown_variant().prop_map(v2::Event::Unknown),
    ]
}

fn v2_order() -> impl Strategy<Value = v2::Order> {
    (
        any::<u64>(),
        proptest::collection::vec(v2_item(), 0..4),
        v2_event(),
        proptest::option::of(text()),
        any::<u32>(),
    )
        .prop_map(|(id, items, event, note, priority)| v2::Order {
            id,
            items,
            event,
            note,
            priority,
            rest: UnknownFields::new(),
        })
}

fn v1_order() -> impl Strategy<Value = v1::Order> {
    let item = (text(), any::<u32>()).prop_map(|(name, qty)| v1::Item {
        name,
        qty,
        rest: UnknownFields::new(),
    });
    let event = prop_oneof![
        text().prop_map(|by| v1::Event::Created {
            by,
            rest: UnknownFields::new()
        }),
        Just(v1::Event::Deleted),
        unknown_variant().prop_map(v1::Event::Unknown),
    ];
    (any::<u64>(), proptest::collection::vec(item, 0..4), event).prop_map(|(id, items, event)| {
        v1::Order {
            id,
            items,
            event,
            rest: UnknownFields::new(),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn v1_decodes_v2_bytes_to_the_projection_and_reencodes_them_unchanged(order in v2_order()) {
        let bytes = order.encode_to_vec();
        let old = v1::Order::decode(&bytes).unwrap();
        prop_assert_eq!(&old, &project::order(&order));
        prop_assert_eq!(old.encoded_len(), bytes.len());
        prop_assert_eq!(old.encode_to_vec(), bytes);
    }

    #[test]
    fn v2_decodes_v1_bytes_to_the_value_with_defaults(order in v1_order()) {
        let bytes = order.encode_to_vec();
        let new = v2::Order::decode(&bytes).unwrap();
        prop_assert_eq!(&new, &lift::order(&order));
        // What v2 writes back, v1 reads as its own value plus the v2 fields as unknown
        // data, and v2 reads as the same value again.
        let again = new.encode_to_vec();
        prop_assert_eq!(v2::Order::decode(&again).unwrap(), new.clone());
        prop_assert_eq!(v1::Order::decode(&again).unwrap(), project::order(&new));
    }

    #[test]
    fn each_revision_roundtrips_its_own_values_exactly(new in v2_order(), old in v1_order()) {
        let bytes = new.encode_to_vec();
        prop_assert_eq!(bytes.len(), new.encoded_len());
        prop_assert_eq!(v2::Order::decode(&bytes).unwrap(), new);
        let bytes = old.encode_to_vec();
        prop_assert_eq!(bytes.len(), old.encoded_len());
        prop_assert_eq!(v1::Order::decode(&bytes).unwrap(), old);
    }

    #[test]
    fn a_v1_reader_forwards_v2_frames_byte_for_byte(order in v2_order(), correlation_id in any::<u32>()) {
        let mut frame = Vec::new();
        encode_frame(&v2::Shop::Order(order), correlation_id, &mut frame).unwrap();
        let (header, old): (FrameHeader, v1::Shop) = decode_frame(&frame).unwrap();
        let mut forwarded = Vec::new();
        encode_frame(&old, header.correlation_id, &mut forwarded).unwrap();
        prop_assert_eq!(forwarded, frame);
    }

    #[test]
    fn a_v1_reader_skips_the_tail_of_a_v2_ping(seq in any::<u32>(), sent_at in any::<u64>()) {
        let ping = v2::Ping { seq, sent_at };
        let mut frame = Vec::new();
        encode_frame(&ping, 0, &mut frame).unwrap();
        let (_, old): (FrameHeader, v1::Ping) = decode_frame(&frame).unwrap();
        prop_assert_eq!(old, project::ping(&ping));
    }
}
