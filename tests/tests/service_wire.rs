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
use wirewright::rpc::Inbound;
use wirewright::transport::{FrameCodec, Incoming};
use wirewright_tests::conformance::serve_calls;
use wirewright_tests::spec::{behaviours, spec_text, to_hex, Behaviour, Step};
use wirewright_tests::spec_types::Get;
use wirewright_tests::wire_script::{expect_frame, frames, read_exact, STEP_TIMEOUT};

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
