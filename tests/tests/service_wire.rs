//! SPEC.md §11.7 (deadlines and cancellation): its behaviour scripts (`rpc-signal-behaviour`
//! blocks, in §9.0's notation) replayed over loopback against the `calls` conformance
//! server, and every DEADLINE or CANCEL frame they send read and written back byte for
//! byte.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::codec::Decoder;
use wirewright::bytes::BytesMut;
use wirewright::frame::encode_frame;
use wirewright::rpc::{ErrorCode, Failure, Inbound};
use wirewright::transport::{FrameCodec, Incoming};
use wirewright::{Decode, FrameHeader, Limits, HEADER_LEN, TRAILER_LEN};
use wirewright_tests::conformance::{
    control_to_notation, failure_to_notation, matches_pattern, serve_calls,
};
use wirewright_tests::from_notation::struct_fields;
use wirewright_tests::notation::{Int, Value};
use wirewright_tests::spec::{behaviours, spec_text, to_hex, Behaviour, Step};
use wirewright_tests::spec_types::Get;

const STEP_TIMEOUT: Duration = Duration::from_secs(5);

/// §11.7's scripts, read with the behaviour parser of §9.
fn signal_scripts() -> Vec<Behaviour> {
    let spec = spec_text();
    let mut blocks = String::new();
    let mut inside = false;
    for line in spec.lines() {
        if line == "```rpc-signal-behaviour" {
            inside = true;
            blocks.push_str("```wirewright-behaviour\n");
        } else if inside {
            blocks.push_str(line);
            blocks.push('\n');
            inside = line != "```";
        }
    }
    behaviours(&blocks)
}

/// The frames of `bytes`, split by their headers' lengths.
fn frames(mut bytes: &[u8]) -> Vec<&[u8]> {
    let mut frames = Vec::new();
    while bytes.len() >= HEADER_LEN {
        let len = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]) as usize;
        let (frame, rest) = bytes.split_at(HEADER_LEN + len + TRAILER_LEN);
        frames.push(frame);
        bytes = rest;
    }
    frames
}

async fn read_exact(stream: &mut TcpStream, len: usize, what: &str) -> Vec<u8> {
    let mut buf = vec![0; len];
    timeout(STEP_TIMEOUT, stream.read_exact(&mut buf))
        .await
        .unwrap_or_else(|_| panic!("{what}: the server sent nothing"))
        .unwrap_or_else(|err| panic!("{what}: {err}"));
    buf
}

fn uint(value: u64) -> Value {
    Value::Int(Int {
        negative: false,
        magnitude: u128::from(value),
    })
}

/// Reads one frame and matches it against `pattern` (a GOODBYE or a failure).
async fn expect_frame(stream: &mut TcpStream, pattern: &Value, what: &str) {
    let mut frame = read_exact(stream, HEADER_LEN, what).await;
    let header = FrameHeader::parse(&frame, &Limits::default())
        .unwrap()
        .unwrap();
    frame.extend(read_exact(stream, header.payload_len as usize + TRAILER_LEN, what).await);
    let [flags, message_type, correlation, payload] = struct_fields(
        pattern,
        &["Frame"],
        ["flags", "type", "correlation", "payload"],
    )
    .unwrap();
    for (expected, found) in [
        (flags, u64::from(header.flags.bits())),
        (message_type, u64::from(header.message_type)),
        (correlation, u64::from(header.correlation_id)),
    ] {
        assert!(
            matches_pattern(expected, &uint(found)),
            "{what}: {}",
            to_hex(&frame)
        );
    }
    let actual = if header.flags.bits() == 0x02 {
        let mut bytes = BytesMut::from(&frame[..]);
        match FrameCodec::<Get>::new().decode(&mut bytes) {
            Ok(Some(Incoming::Control(control))) => control_to_notation(&control),
            other => panic!("{what}: not a control frame: {other:?}"),
        }
    } else {
        let message = String::decode(&frame[HEADER_LEN..frame.len() - TRAILER_LEN]).unwrap();
        let code = ErrorCode::from_code(header.message_type);
        failure_to_notation(&Failure::new(code, message))
    };
    assert!(matches_pattern(payload, &actual), "{what}: {actual:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_deadline_and_cancel_script_replays_against_the_calls_server() {
    let scripts = signal_scripts();
    assert!(scripts.len() >= 4, "only {} scripts", scripts.len());
    for script in &scripts {
        assert_eq!(script.server, "calls", "{}", script.name);
        let server = serve_calls().await.unwrap();
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        for (index, step) in script.steps.iter().enumerate() {
            let what = format!("{} step {}", script.name, index + 1);
            match step {
                Step::Send(bytes) => stream.write_all(bytes).await.unwrap(),
                Step::Expect(expected) => {
                    let found = read_exact(&mut stream, expected.len(), &what).await;
                    assert_eq!(to_hex(&found), to_hex(expected), "{what}");
                }
                Step::ExpectFrame(pattern) => expect_frame(&mut stream, pattern, &what).await,
                Step::EndStream => stream.shutdown().await.unwrap(),
                Step::ExpectClose => {
                    let mut byte = [0u8; 1];
                    let read = timeout(STEP_TIMEOUT, stream.read(&mut byte)).await.unwrap();
                    assert!(matches!(read, Ok(0) | Err(_)), "{what}: {read:?}");
                }
            }
        }
        drop(stream);
        server.shutdown.cancel();
        timeout(Duration::from_secs(10), server.serving)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
}

#[test]
fn the_scripts_deadline_and_cancel_frames_read_and_write_back_byte_for_byte() {
    let mut checked = 0;
    for script in signal_scripts() {
        for step in &script.steps {
            let Step::Send(bytes) = step else { continue };
            for frame in frames(bytes) {
                let mut buf = BytesMut::from(frame);
                let decoded = FrameCodec::<Inbound<Get>>::new().decode(&mut buf);
                let Ok(Some(Incoming::Message(received))) = decoded else {
                    continue; // a malformed frame, refused (its script says how)
                };
                let Inbound::Signal(signal) = received.message else {
                    continue; // a request
                };
                let mut written = Vec::new();
                encode_frame(&signal, 0, &mut written).unwrap();
                assert_eq!(to_hex(&written), to_hex(frame), "{}", script.name);
                checked += 1;
            }
        }
    }
    assert!(checked >= 3, "only {checked} signal frames");
}
