//! SPEC.md §11.7 (deadlines and cancellation): its behaviour scripts (`rpc-signal-behaviour`
//! blocks, in §9.0's notation) replayed over loopback against the `calls` conformance
//! server, and every DEADLINE or CANCEL frame they send read and written back byte for
//! byte.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::codec::Decoder;
use wirewright::bytes::BytesMut;
use wirewright::frame::encode_frame;
use wirewright::rpc::Inbound;
use wirewright::transport::{FrameCodec, Incoming};
use wirewright_tests::conformance::serve_calls;
use wirewright_tests::spec::{to_hex, Step};
use wirewright_tests::spec_types::Get;
use wirewright_tests::wire_script::{frames, replay, scripts};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_deadline_and_cancel_script_replays_against_the_calls_server() {
    let scripts = scripts("rpc-signal-behaviour");
    assert!(scripts.len() >= 4, "only {} scripts", scripts.len());
    for script in &scripts {
        assert_eq!(script.server, "calls", "{}", script.name);
        let server = serve_calls().await.unwrap();
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        replay(script, &mut stream).await;
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
    for script in scripts("rpc-signal-behaviour") {
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
