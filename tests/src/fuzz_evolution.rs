//! The differential fuzz case between two revisions of one protocol (SPEC.md §12), the
//! `evolution` target (re-exported by [`crate::fuzz_cases`], where every target's case is).

use wirewright::{Decode, DecodeProtocol, Encode, Message, Reader};

use crate::evolution::{project, v1, v2};

/// Target `evolution`: a differential between two revisions of one protocol
/// ([`crate::evolution`]). The first byte picks a type, the rest is decoded by its v1 and
/// its v2 definition, as a top-level payload (`Order`, `Ping`) or a standalone value
/// (`Item`, `Event`). v1 reads a prefix of what v2 reads and keeps the rest, so whatever
/// v2 accepts v1 must accept too, and the two must agree on every field they share;
/// whatever v1 accepts, it must write back byte for byte (it keeps unknown data).
pub fn evolution(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 4 {
        0 => {
            let old = top_level::<v1::Order>(rest);
            if let Some((new, _)) = top_level::<v2::Order>(rest) {
                let (old, read) = old.unwrap_or_else(|| panic!("v2 reads {new:?}, v1 fails"));
                assert_eq!(shared_order(&old), shared_order(&project::order(&new)));
                assert_eq!(read, rest.len(), "v1 keeps the tail of {old:?}");
            }
        }
        1 => {
            let old = v1::Item::decode(rest);
            if let Ok(new) = v2::Item::decode(rest) {
                let old = old.unwrap_or_else(|err| panic!("v2 reads {new:?}, v1 fails: {err}"));
                assert_eq!(shared_item(&old), shared_item(&project::item(&new)));
            }
        }
        2 => {
            let old = v1::Event::decode(rest);
            if let Ok(new) = v2::Event::decode(rest) {
                let old = old.unwrap_or_else(|err| panic!("v2 reads {new:?}, v1 fails: {err}"));
                assert_eq!(shared_event(&old), shared_event(&project::event(&new)));
            }
        }
        _ => {
            let old = top_level::<v1::Ping>(rest);
            if let Some((new, _)) = top_level::<v2::Ping>(rest) {
                let (old, _) = old.unwrap_or_else(|| panic!("v2 reads {new:?}, v1 fails"));
                assert_eq!(old, project::ping(&new));
            }
        }
    }
    // What v1 accepts, it writes back as read, except the tail of a block of
    // `Event::Deleted` (a unit variant keeps nothing): its re-encoding is then a fixed
    // point.
    if let Some((order, _)) = top_level::<v1::Order>(rest) {
        let again = order.encode_to_vec();
        assert_eq!(v1::Order::decode(&again).ok(), Some(order));
    }
    if let Ok(item) = v1::Item::decode(rest) {
        assert_eq!(
            item.encode_to_vec(),
            rest,
            "v1 does not write back what it read"
        );
    }
    if let Ok(event) = v1::Event::decode(rest) {
        let again = event.encode_to_vec();
        if !matches!(event, v1::Event::Deleted) {
            assert_eq!(again, rest, "v1 does not write back what it read");
        }
        assert_eq!(v1::Event::decode(&again).ok(), Some(event));
    }
}

/// Decodes `payload` as a frame's payload of message `M`: the value and how many bytes it
/// read (the rest is an unknown tail the frame skips).
fn top_level<'a, M: Message + DecodeProtocol<'a>>(payload: &'a [u8]) -> Option<(M, usize)> {
    let mut reader = Reader::new(payload);
    let value = M::decode_message(M::ID, &mut reader).ok()?;
    Some((value, reader.position()))
}

/// An event as both revisions see it: its tag, and `by` for `Created`.
type SharedEvent = (u32, Option<String>);

/// What v1 and v2 share of an order: every field v1 knows, unknown data left out.
fn shared_order(order: &v1::Order) -> (u64, Vec<(String, u32)>, SharedEvent) {
    (
        order.id,
        order.items.iter().map(shared_item).collect(),
        shared_event(&order.event),
    )
}

fn shared_item(item: &v1::Item) -> (String, u32) {
    (item.name.clone(), item.qty)
}

/// The tag, and the `by` of a `Created`: an unknown variant's bytes may differ (v2 reads
/// `Renamed` without keeping what follows its field).
fn shared_event(event: &v1::Event) -> SharedEvent {
    match event {
        v1::Event::Created { by, .. } => (0, Some(by.clone())),
        v1::Event::Deleted => (1, None),
        v1::Event::Unknown(unknown) => (unknown.tag, None),
    }
}
