//! A frame in a payload format the receiver has not enabled (SPEC.md §3.5, §11.4): a JSON
//! request to a binary rpc server is answerable (code 2), while a JSON frame that is not
//! a request stays an error, and a client keeps refusing message frames as the wrong kind.
#![allow(clippy::unwrap_used)]

use wirewright::frame::decode_frame;
use wirewright::rpc::{Inbound, Reply};
use wirewright::{Flags, FrameError, FrameHeader, FrameKind, PayloadFormat, RawFrame};
use wirewright_tests::spec_types::{Get, KvError, Value};

fn json_frame(flags: Flags, message_type: u16, correlation_id: u32) -> Vec<u8> {
    let mut buf = Vec::new();
    RawFrame::write(
        flags,
        message_type,
        correlation_id,
        br#"{"key":"a"}"#,
        &mut buf,
    )
    .unwrap();
    buf
}

fn is_json_refused(err: &FrameError) -> bool {
    matches!(
        err,
        FrameError::UnexpectedFormat {
            found: PayloadFormat::Json,
            expected: PayloadFormat::Binary
        }
    )
}

#[test]
fn json_request_to_a_binary_server_is_an_answerable_undecodable_request() {
    let frame = json_frame(Flags::JSON, 10, 46);
    let (header, inbound): (FrameHeader, Inbound<Get>) = decode_frame(&frame).unwrap();
    assert_eq!(header.correlation_id, 46);
    match inbound {
        Inbound::Undecodable { error } => assert!(is_json_refused(&error), "{error}"),
        Inbound::Decoded(get) => panic!("a JSON request decoded as binary: {get:?}"),
        Inbound::Signal(signal) => panic!("a request decoded as a control frame: {signal:?}"),
    }
}

#[test]
fn json_message_without_correlation_id_is_not_a_request_and_stays_an_error() {
    let frame = json_frame(Flags::JSON, 10, 0);
    let err = decode_frame::<Inbound<Get>>(&frame).unwrap_err();
    assert!(is_json_refused(&err), "{err}");
    assert!(!err.is_connection_error());
}

#[test]
fn json_message_frame_to_a_client_is_the_wrong_kind_before_the_wrong_format() {
    let frame = json_frame(Flags::JSON, 10, 46);
    let err = decode_frame::<Inbound<Reply<Value, KvError>>>(&frame).unwrap_err();
    assert!(
        matches!(
            err,
            FrameError::UnexpectedKind {
                found: FrameKind::Message,
                expected: FrameKind::Response,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn json_response_to_a_server_is_not_tolerated() {
    let frame = json_frame(Flags::JSON | Flags::RESPONSE, 11, 46);
    let err = decode_frame::<Inbound<Get>>(&frame).unwrap_err();
    assert!(is_json_refused(&err), "{err}");
}
