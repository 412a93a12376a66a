//! `#[derive(Protocol)]`: frames of several message types share one buffer and decode
//! back, one frame at a time, to the right variants.

#![allow(clippy::unwrap_used)]

use wirewright::frame::{decode_frame, encode_frame};
use wirewright::{
    DecodeProtocol, FrameError, FrameHeader, Limits, Message, Protocol, HEADER_LEN, TRAILER_LEN,
};
use wirewright_tests::chat::{Chat, Join, Leave, Presence, Say};

fn conversation() -> Vec<Chat<'static>> {
    vec![
        Chat::Join(Join {
            room: "lobby".into(),
            nick: "ann".into(),
        }),
        Chat::Say(Say {
            room: "lobby",
            text: "hello",
            at_ms: 1_700_000_000_000,
        }),
        Chat::Presence(Presence::Away { minutes: 5 }),
        Chat::Say(Say {
            room: "lobby",
            text: "",
            at_ms: 0,
        }),
        Chat::Presence(Presence::Offline(Some("bye".into()))),
        Chat::Leave(Leave),
    ]
}

/// Splits `buf` into frames using each header's payload length.
fn frames(buf: &[u8]) -> Vec<&[u8]> {
    let mut frames = Vec::new();
    let mut rest = buf;
    while !rest.is_empty() {
        let header = FrameHeader::parse(rest, &Limits::default())
            .unwrap()
            .unwrap();
        let len = header.frame_len();
        assert_eq!(len, HEADER_LEN + header.payload_len as usize + TRAILER_LEN);
        let (frame, tail) = rest.split_at(len);
        frames.push(frame);
        rest = tail;
    }
    frames
}

#[test]
fn frames_of_several_messages_decode_back_one_at_a_time() {
    let messages = conversation();
    let mut buf = Vec::new();
    for (correlation_id, message) in (10..).zip(&messages) {
        encode_frame(message, correlation_id, &mut buf).unwrap();
    }
    let frames = frames(&buf);
    assert_eq!(frames.len(), messages.len());
    for ((frame, expected), correlation_id) in frames.into_iter().zip(&messages).zip(10..) {
        let (header, chat): (FrameHeader, Chat<'_>) = decode_frame(frame).unwrap();
        assert_eq!(&chat, expected);
        assert_eq!(header.message_type, expected.message_type());
        assert_eq!(header.correlation_id, correlation_id);
        assert_eq!(
            header.payload_len as usize,
            wirewright::Encode::encoded_len(expected)
        );
    }
}

#[test]
fn each_variant_travels_under_its_message_id() {
    let ids: Vec<(u16, &str)> = conversation()
        .iter()
        .map(|chat| (chat.message_type(), chat.message_name()))
        .collect();
    assert_eq!(
        ids,
        [
            (1, "Join"),
            (2, "Say"),
            (4, "Presence"),
            (2, "Say"),
            (4, "Presence"),
            (3, "Leave")
        ]
    );
}

#[test]
fn protocol_frame_is_the_same_as_the_bare_message_frame() {
    let join = Join {
        room: "r".into(),
        nick: "n".into(),
    };
    let mut as_protocol = Vec::new();
    encode_frame(&Chat::Join(join.clone()), 5, &mut as_protocol).unwrap();
    let mut as_message = Vec::new();
    encode_frame(&join, 5, &mut as_message).unwrap();
    assert_eq!(as_protocol, as_message);
}

#[derive(Message, Debug, PartialEq)]
#[wire(id = 99)]
struct Kick {
    nick: String,
}

#[test]
fn unknown_message_id_names_the_protocol() {
    let mut buf = Vec::new();
    encode_frame(&Kick { nick: "bob".into() }, 0, &mut buf).unwrap();
    let err = decode_frame::<Chat<'_>>(&buf).unwrap_err();
    assert!(
        matches!(
            err,
            FrameError::UnknownMessageType {
                message_type: 99,
                protocol: "Chat"
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "unknown message type 99 for protocol Chat");
}

#[test]
fn accepts_exactly_the_ids_of_its_messages() {
    let accepted: Vec<u16> = (0..=200).filter(|&id| Chat::accepts(id)).collect();
    assert_eq!(accepted, [1, 2, 3, 4]);
    assert_eq!(<Chat<'_> as DecodeProtocol<'_>>::PROTOCOL_NAME, "Chat");
}

#[test]
fn a_single_message_type_decodes_its_own_frames() {
    let mut buf = Vec::new();
    encode_frame(&Presence::Online, 0, &mut buf).unwrap();
    let (_, presence): (FrameHeader, Presence) = decode_frame(&buf).unwrap();
    assert_eq!(presence, Presence::Online);
    // ...and refuses another message's frame.
    buf.clear();
    encode_frame(&Leave, 0, &mut buf).unwrap();
    let err = decode_frame::<Presence>(&buf).unwrap_err();
    assert!(matches!(
        err,
        FrameError::UnknownMessageType {
            message_type: 3,
            protocol: "Presence"
        }
    ));
}

/// A protocol over message types that are generic: bounds go on the message types.
mod generic {
    use wirewright::{Decode, Encode, Message, Protocol};

    #[derive(Message, Debug, PartialEq)]
    #[wire(id = 7)]
    pub(crate) struct Put<V> {
        pub(crate) key: String,
        pub(crate) value: V,
    }

    #[derive(Message, Debug, PartialEq)]
    #[wire(id = 8)]
    pub(crate) struct Get {
        pub(crate) key: String,
    }

    #[derive(Protocol, Debug, PartialEq)]
    pub(crate) enum Store<V> {
        Put(Put<V>),
        Get(Get),
    }

    pub(crate) fn round_trip<V>(value: Store<V>) -> Store<V>
    where
        V: Encode + for<'de> Decode<'de>,
    {
        let mut buf = Vec::new();
        wirewright::frame::encode_frame(&value, 0, &mut buf).unwrap();
        let (_, back) = wirewright::frame::decode_frame(&buf).unwrap();
        back
    }
}

#[test]
fn generic_protocol_dispatches_like_any_other() {
    use generic::{round_trip, Get, Put, Store};
    let put = Store::Put(Put {
        key: "k".into(),
        value: vec![1u32, 2],
    });
    assert_eq!(
        round_trip(put),
        Store::Put(Put {
            key: "k".into(),
            value: vec![1, 2]
        })
    );
    let get: Store<u8> = Store::Get(Get { key: "k".into() });
    assert_eq!(get.message_type(), 8);
    assert_eq!(round_trip(get), Store::Get(Get { key: "k".into() }));
}

#[derive(Protocol, Debug)]
enum Nothing {}

#[test]
fn empty_protocol_accepts_nothing() {
    assert!(!Nothing::accepts(0));
    let mut buf = Vec::new();
    encode_frame(&Leave, 0, &mut buf).unwrap();
    assert!(matches!(
        decode_frame::<Nothing>(&buf),
        Err(FrameError::UnknownMessageType {
            protocol: "Nothing",
            ..
        })
    ));
}
