//! Every behaviour vector of SPEC.md §9.10, replayed over loopback TCP against the
//! conformance servers (`messages` and `calls`) built with wirewright's public API: the
//! test plays the peer, writing the script's bytes and checking every byte the server
//! sends back, and when it closes.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::codec::Decoder;
use wirewright::bytes::BytesMut;
use wirewright::transport::Hello;
use wirewright::transport::{FrameCodec, Incoming};
use wirewright::{Decode, FrameHeader, Limits, HEADER_LEN, TRAILER_LEN};
use wirewright_tests::conformance::{
    control_to_notation, failure_to_notation, hello_to_notation, matches_pattern, serve_calls,
    serve_messages, serve_messages_hello_required, Running,
};
use wirewright_tests::from_notation::struct_fields;
use wirewright_tests::notation::{Int, Value};
use wirewright_tests::spec::{behaviours, spec_text, to_hex, Behaviour, Step};
use wirewright_tests::spec_types::Join;

/// How long any one step may wait for the server.
const STEP_TIMEOUT: Duration = Duration::from_secs(5);

async fn read_exact(stream: &mut TcpStream, len: usize, what: &str) -> Vec<u8> {
    let mut buf = vec![0; len];
    timeout(STEP_TIMEOUT, stream.read_exact(&mut buf))
        .await
        .unwrap_or_else(|_| panic!("{what}: the server sent nothing for {STEP_TIMEOUT:?}"))
        .unwrap_or_else(|err| panic!("{what}: reading failed: {err}"));
    buf
}

async fn read_frame(stream: &mut TcpStream, what: &str) -> Vec<u8> {
    let mut frame = read_exact(stream, HEADER_LEN, what).await;
    let header = FrameHeader::parse(&frame, &Limits::default())
        .unwrap_or_else(|err| panic!("{what}: the server sent a bad header: {err}"))
        .unwrap();
    let rest = header.payload_len as usize + TRAILER_LEN;
    frame.extend(read_exact(stream, rest, what).await);
    frame
}

fn uint(value: u64) -> Value {
    Value::Int(Int {
        negative: false,
        magnitude: u128::from(value),
    })
}

/// The payload of `frame`, in the notation, as the type `pattern` names.
fn payload_notation(frame: &[u8], header: &FrameHeader, pattern: &Value, what: &str) -> Value {
    let Value::Named { path, .. } = pattern else {
        panic!("{what}: the payload pattern names no type");
    };
    match path[0].as_str() {
        "Ping" | "Pong" | "Goodbye" => {
            let mut bytes = BytesMut::from(frame);
            match FrameCodec::<Join>::new().decode(&mut bytes) {
                Ok(Some(Incoming::Control(control))) => control_to_notation(&control),
                other => panic!("{what}: not a control frame: {other:?}"),
            }
        }
        "Hello" => match Hello::read_frame(frame, &Limits::default()) {
            Ok(Some((hello, _))) => hello_to_notation(&hello),
            other => panic!("{what}: not a HELLO frame: {other:?}"),
        },
        "Failure" => {
            let payload = &frame[HEADER_LEN..frame.len() - TRAILER_LEN];
            let message = String::decode(payload)
                .unwrap_or_else(|err| panic!("{what}: the failure's message: {err}"));
            let code = wirewright::rpc::ErrorCode::from_code(header.message_type);
            failure_to_notation(&wirewright::rpc::Failure::new(code, message))
        }
        other => panic!("{what}: patterns of {other} payloads are not supported here"),
    }
}

fn check_frame(frame: &[u8], pattern: &Value, what: &str) {
    let [flags, message_type, correlation, payload] = struct_fields(
        pattern,
        &["Frame"],
        ["flags", "type", "correlation", "payload"],
    )
    .unwrap_or_else(|err| panic!("{what}: {err}"));
    let header = FrameHeader::parse(frame, &Limits::default())
        .unwrap()
        .unwrap();
    for (field, expected, found) in [
        ("flags", flags, u64::from(header.flags.bits())),
        ("type", message_type, u64::from(header.message_type)),
        ("correlation", correlation, u64::from(header.correlation_id)),
    ] {
        assert!(
            matches_pattern(expected, &uint(found)),
            "{what}: {field} is {found}, expected {expected:?}: {}",
            to_hex(frame)
        );
    }
    let actual = payload_notation(frame, &header, payload, what);
    assert!(
        matches_pattern(payload, &actual),
        "{what}: payload {actual:?} does not match {payload:?}"
    );
}

async fn expect_close(stream: &mut TcpStream, what: &str) {
    let mut byte = [0u8; 1];
    match timeout(STEP_TIMEOUT, stream.read(&mut byte)).await {
        Err(_) => panic!("{what}: the server did not close within {STEP_TIMEOUT:?}"),
        Ok(Ok(0)) => {}
        Ok(Ok(_)) => panic!("{what}: the server sent {:02x} instead of closing", byte[0]),
        Ok(Err(err)) if err.kind() == std::io::ErrorKind::ConnectionReset => {}
        Ok(Err(err)) => panic!("{what}: reading failed: {err}"),
    }
}

async fn replay(vector: &Behaviour, server: &Running) {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    for (index, step) in vector.steps.iter().enumerate() {
        let what = format!("{} step {}", vector.name, index + 1);
        match step {
            Step::Send(bytes) => stream.write_all(bytes).await.unwrap(),
            Step::Expect(expected) => {
                let found = read_exact(&mut stream, expected.len(), &what).await;
                assert_eq!(to_hex(&found), to_hex(expected), "{what}");
            }
            Step::ExpectFrame(pattern) => {
                let frame = read_frame(&mut stream, &what).await;
                check_frame(&frame, pattern, &what);
            }
            Step::EndStream => stream.shutdown().await.unwrap(),
            Step::ExpectClose => expect_close(&mut stream, &what).await,
        }
    }
}

async fn start(server: &str) -> Running {
    match server {
        "messages" => serve_messages().await.unwrap(),
        "messages-hello-required" => serve_messages_hello_required().await.unwrap(),
        "calls" => serve_calls().await.unwrap(),
        other => panic!("SPEC.md names no conformance server {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_behaviour_spec_vector_replays_against_its_conformance_server() {
    let vectors = behaviours(&spec_text());
    assert!(
        vectors.len() >= 10,
        "only {} behaviour vectors",
        vectors.len()
    );
    for vector in &vectors {
        let server = start(&vector.server).await;
        replay(vector, &server).await;
        server.shutdown.cancel();
        timeout(Duration::from_secs(10), server.serving)
            .await
            .unwrap_or_else(|_| panic!("{}: the server did not shut down", vector.name))
            .unwrap()
            .unwrap();
    }
}

#[test]
fn the_behaviour_vectors_cover_both_servers_and_closing() {
    let vectors = behaviours(&spec_text());
    for server in ["messages", "calls"] {
        assert!(vectors.iter().any(|v| v.server == server), "{server}");
    }
    assert!(vectors
        .iter()
        .any(|v| v.steps.last() == Some(&Step::ExpectClose)));
}
