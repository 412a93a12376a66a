//! `#[wire(crate = "...")]`: types derived through a re-exporting crate compile and
//! round-trip although `::wirewright` is not a name in this package.

#![allow(clippy::unwrap_used)]

use wirewright_facade::wire::frame::{decode_frame, encode_frame};
use wirewright_facade::wire::{Decode, Encode, FrameHeader, Message, Protocol};

#[derive(Message, Debug, PartialEq)]
#[wire(crate = "wirewright_facade::wire", id = 1)]
struct Join {
    room: String,
    #[wire(fixed)]
    at_ms: u64,
}

#[derive(Message, Debug, PartialEq)]
#[wire(crate = "wirewright_facade::wire", id = 2)]
enum Mood<'a> {
    Happy,
    Other { word: &'a str },
}

#[derive(Protocol, Debug, PartialEq)]
#[wire(crate = "wirewright_facade::wire")]
enum Chat<'a> {
    Join(Join),
    Mood(Mood<'a>),
}

#[test]
fn message_derived_through_the_facade_round_trips() {
    let join = Join {
        room: "lobby".into(),
        at_ms: 5,
    };
    let bytes = join.encode_to_vec();
    assert_eq!(bytes, b"\x05lobby\x05\0\0\0\0\0\0\0");
    assert_eq!(Join::decode(&bytes).unwrap(), join);
    assert_eq!((Join::ID, Join::NAME), (1, "Join"));
}

#[test]
fn protocol_derived_through_the_facade_dispatches() {
    let messages = [
        Chat::Join(Join {
            room: "r".into(),
            at_ms: 0,
        }),
        Chat::Mood(Mood::Other { word: "meh" }),
        Chat::Mood(Mood::Happy),
    ];
    for message in &messages {
        let mut buf = Vec::new();
        encode_frame(message, 0, &mut buf).unwrap();
        let (header, back): (FrameHeader, Chat<'_>) = decode_frame(&buf).unwrap();
        assert_eq!(header.message_type, message.message_type());
        assert_eq!(&back, message);
    }
}
