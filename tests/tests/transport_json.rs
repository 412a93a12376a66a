//! The frame codec with JSON payloads: a `JsonCodec` sends and accepts JSON frames of a
//! derived protocol with the same framing, ids, correlation and CRC as binary frames, and
//! each codec refuses a message frame in the other format with a typed error.
#![allow(clippy::unwrap_used)]

use futures_util::{SinkExt, StreamExt};
use tokio_util::codec::{Decoder, Encoder, Framed};
use wirewright::bytes::BytesMut;
use wirewright::frame::{decode_frame_json, encode_frame_json};
use wirewright::transport::{
    CodecError, Control, Correlated, FrameCodec, Incoming, JsonCodec, Outgoing,
};
use wirewright::{Flags, FrameError, FrameHeader, PayloadFormat, Protocol};
use wirewright_tests::chat::{Join, Leave, Presence};

/// The chat messages that own their text (`Say` borrows, and a codec's items cannot
/// borrow from its buffer), as one protocol.
#[derive(wirewright::Protocol, Debug, Clone, PartialEq)]
enum Owned {
    Join(Join),
    Leave(Leave),
    Presence(Presence),
}

fn conversation() -> Vec<Owned> {
    vec![
        Owned::Join(Join {
            room: "lobby".into(),
            nick: "ann".into(),
        }),
        Owned::Presence(Presence::Away { minutes: 5 }),
        Owned::Presence(Presence::Offline(Some("bye \"now\"".into()))),
        Owned::Leave(Leave),
    ]
}

#[tokio::test]
async fn json_codec_round_trips_a_derived_protocol_with_correlation_ids() {
    let (a, b) = tokio::io::duplex(4096);
    let mut a = Framed::new(a, JsonCodec::<Owned>::new());
    let mut b = Framed::new(b, JsonCodec::<Owned>::new());
    let messages = conversation();
    for (correlation_id, message) in (1..).zip(&messages) {
        a.feed(Outgoing::Message(Correlated {
            correlation_id,
            message: message.clone(),
        }))
        .await
        .unwrap();
    }
    a.flush().await.unwrap();
    for (correlation_id, message) in (1..).zip(&messages) {
        let Some(Incoming::Message(received)) = b.next().await.transpose().unwrap() else {
            panic!("a message frame");
        };
        assert_eq!(received.header.flags, Flags::JSON);
        assert_eq!(received.header.message_type, message.message_type());
        assert_eq!(received.correlation_id(), correlation_id);
        assert_eq!(&received.message, message);
    }
}

#[test]
fn json_codec_writes_the_frames_encode_frame_json_writes() {
    let mut codec = JsonCodec::<Owned>::new();
    let message = conversation().remove(0);
    let mut dst = BytesMut::new();
    codec
        .encode(
            Outgoing::Message(Correlated {
                correlation_id: 7,
                message: message.clone(),
            }),
            &mut dst,
        )
        .unwrap();
    let mut expected = Vec::new();
    encode_frame_json(&message, 7, &mut expected).unwrap();
    assert_eq!(&dst[..], &expected[..]);
    let (header, back): (FrameHeader, Owned) = decode_frame_json(&dst).unwrap();
    assert_eq!((header.correlation_id, back), (7, message));
}

#[test]
fn binary_codec_refuses_a_json_frame_with_unexpected_format() {
    let mut json = JsonCodec::<Owned>::new();
    let mut dst = BytesMut::new();
    json.encode(conversation().remove(0).into(), &mut dst)
        .unwrap();
    let err = FrameCodec::<Owned>::new().decode(&mut dst).unwrap_err();
    assert!(
        matches!(
            err,
            CodecError::Frame(FrameError::UnexpectedFormat {
                found: PayloadFormat::Json,
                expected: PayloadFormat::Binary
            })
        ),
        "{err}"
    );
}

#[test]
fn json_codec_refuses_a_binary_frame_with_unexpected_format() {
    let mut binary = FrameCodec::<Owned>::new();
    let mut dst = BytesMut::new();
    binary
        .encode(conversation().remove(0).into(), &mut dst)
        .unwrap();
    let err = JsonCodec::<Owned>::new().decode(&mut dst).unwrap_err();
    assert!(
        matches!(
            err,
            CodecError::Frame(FrameError::UnexpectedFormat {
                found: PayloadFormat::Binary,
                expected: PayloadFormat::Json
            })
        ),
        "{err}"
    );
}

#[test]
fn json_codec_passes_control_frames_unchanged() {
    let mut codec = JsonCodec::<Owned>::new();
    let mut dst = BytesMut::new();
    codec
        .encode(Control::Ping { nonce: 3 }.into(), &mut dst)
        .unwrap();
    let mut binary_dst = BytesMut::new();
    FrameCodec::<Owned>::new()
        .encode(Control::Ping { nonce: 3 }.into(), &mut binary_dst)
        .unwrap();
    assert_eq!(dst, binary_dst);
    assert_eq!(
        codec.decode(&mut dst).unwrap(),
        Some(Incoming::Control(Control::Ping { nonce: 3 }))
    );
}

#[test]
fn codecs_report_their_format() {
    assert_eq!(JsonCodec::<Owned>::new().format(), PayloadFormat::Json);
    assert_eq!(FrameCodec::<Owned>::new().format(), PayloadFormat::Binary);
}
