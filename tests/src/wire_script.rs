//! Replaying SPEC.md's request/response scripts (`rpc-signal-behaviour`,
//! `rpc-stream-behaviour`) over loopback: splitting the bytes a script sends into frames,
//! and reading the server's frames against the script's expected patterns. A frame that
//! is not what the script expects fails the test (these helpers unwrap).
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::codec::Decoder;
use wirewright::bytes::BytesMut;
use wirewright::rpc::{ErrorCode, Failure};
use wirewright::transport::{FrameCodec, Incoming};
use wirewright::{Decode, FrameHeader, Limits, HEADER_LEN, TRAILER_LEN};

use crate::conformance::{control_to_notation, failure_to_notation, matches_pattern};
use crate::from_notation::struct_fields;
use crate::notation::{Int, Value};
use crate::spec::{behaviours, spec_text, to_hex, Behaviour, Step};
use crate::spec_types::Get;

/// The scripts in SPEC.md's code blocks whose info string is `info` (for instance
/// `rpc-stream-behaviour`), read with the behaviour parser of §9.0.
pub fn scripts(info: &str) -> Vec<Behaviour> {
    let opening = format!("```{info}");
    let mut blocks = String::new();
    let mut inside = false;
    for line in spec_text().lines() {
        if line == opening {
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

/// Plays `script`'s steps over `stream`, failing the test at the first step the server
/// does not answer as the script expects.
pub async fn replay(script: &Behaviour, stream: &mut TcpStream) {
    for (index, step) in script.steps.iter().enumerate() {
        let what = format!("{} step {}", script.name, index + 1);
        match step {
            Step::Send(bytes) => stream.write_all(bytes).await.unwrap(),
            Step::Expect(expected) => {
                let found = read_exact(stream, expected.len(), &what).await;
                assert_eq!(to_hex(&found), to_hex(expected), "{what}");
            }
            Step::ExpectFrame(pattern) => expect_frame(stream, pattern, &what).await,
            Step::EndStream => stream.shutdown().await.unwrap(),
            Step::ExpectClose => {
                let mut byte = [0u8; 1];
                let read = timeout(STEP_TIMEOUT, stream.read(&mut byte)).await.unwrap();
                assert!(matches!(read, Ok(0) | Err(_)), "{what}: {read:?}");
            }
        }
    }
}

/// How long a script waits for each frame it expects.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(5);

/// The frames of `bytes`, split by their headers' lengths.
pub fn frames(mut bytes: &[u8]) -> Vec<&[u8]> {
    let mut frames = Vec::new();
    while bytes.len() >= HEADER_LEN {
        let len = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]) as usize;
        let (frame, rest) = bytes.split_at(HEADER_LEN + len + TRAILER_LEN);
        frames.push(frame);
        bytes = rest;
    }
    frames
}

/// Reads exactly `len` bytes, failing the test (named `what`) if the server sends
/// nothing within [`STEP_TIMEOUT`] or closes.
pub async fn read_exact(stream: &mut TcpStream, len: usize, what: &str) -> Vec<u8> {
    let mut buf = vec![0; len];
    timeout(STEP_TIMEOUT, stream.read_exact(&mut buf))
        .await
        .unwrap_or_else(|_| panic!("{what}: the server sent nothing"))
        .unwrap_or_else(|err| panic!("{what}: {err}"));
    buf
}

/// The notation value of an unsigned integer.
pub fn uint(value: u64) -> Value {
    Value::Int(Int {
        negative: false,
        magnitude: u128::from(value),
    })
}

/// Reads one frame and matches it against `pattern` (a GOODBYE or a failure).
pub async fn expect_frame(stream: &mut TcpStream, pattern: &Value, what: &str) {
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
