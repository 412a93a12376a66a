//! SPEC.md §11.8 (streams): its behaviour scripts (`rpc-stream-behaviour` blocks, in §9.0's
//! notation) replayed over loopback against the `streams` conformance server it defines,
//! and every CREDIT, OPEN or END frame they hold read and written back byte for byte.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::codec::Decoder;
use wirewright::bytes::BytesMut;
use wirewright::frame::encode_frame;
use wirewright::rpc::{Answer, Inbound, RpcServer, RpcServerConfig, Signal};
use wirewright::transport::{FrameCodec, Incoming, Server, ServerConfig};
use wirewright::{HEADER_LEN, TRAILER_LEN};
use wirewright_tests::spec::{to_hex, Step};
use wirewright_tests::spec_types::{Get, KvError, Value as KvValue};
use wirewright_tests::wire_script::{frames, replay, scripts, STEP_TIMEOUT};

/// The `Value` holding `text`.
fn value(text: &str) -> KvValue {
    KvValue {
        value: Some(text.to_owned()),
    }
}

/// The `streams` server's answer to `Get{key}` (SPEC.md §11.8).
fn answer(get: Get) -> Answer<KvValue, KvError> {
    if let Some(rest) = get.key.strip_prefix('=') {
        return Answer::from_result(Ok(value(rest)));
    }
    if get.key.is_empty() {
        return Answer::from_result(Err(KvError::NotFound { key: get.key }));
    }
    let items: Vec<Result<KvValue, KvError>> = get
        .key
        .chars()
        .map(|c| {
            if c == '!' {
                Err(KvError::ReadOnly)
            } else {
                Ok(value(&c.to_string()))
            }
        })
        .collect();
    Answer::from_stream(
        Ok(futures_util::stream::iter(items)),
        std::convert::identity,
    )
}

/// The `streams` server on loopback: its address, its shutdown token, its task.
async fn serve_streams() -> (
    std::net::SocketAddr,
    tokio_util::sync::CancellationToken,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let server = Server::bind("127.0.0.1:0", ServerConfig::new())
        .await
        .unwrap();
    let (addr, shutdown) = (server.local_addr().unwrap(), server.shutdown_token());
    let rpc = RpcServer::streaming(
        RpcServerConfig::new(),
        |get: Get| async move { answer(get) },
    );
    (addr, shutdown, tokio::spawn(rpc.serve(server)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_call_answered_with_one_reply_reads_it_as_the_only_item_then_ends() {
    use futures_util::StreamExt;
    use wirewright::rpc::{CallOptions, RpcClient, RpcClientConfig};

    let (addr, shutdown, serving) = serve_streams().await;
    let client = RpcClient::<Get, KvValue, KvError>::connect(addr, RpcClientConfig::new())
        .await
        .unwrap();
    let get = |key: &str| Get { key: key.into() };
    // "=abc" is answered with one response, not a stream (§11.8, the `streams` server).
    let stream = client
        .stream(get("=abc"), CallOptions::new())
        .await
        .unwrap();
    let items: Vec<_> = timeout(STEP_TIMEOUT, stream.collect::<Vec<_>>())
        .await
        .expect("the stream ends after the one reply");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].as_ref().unwrap(), &value("abc"));
    // A real stream on the same connection still works.
    let stream = client.stream(get("ab"), CallOptions::new()).await.unwrap();
    let items: Vec<_> = timeout(STEP_TIMEOUT, stream.collect::<Vec<_>>())
        .await
        .unwrap();
    let items: Vec<KvValue> = items.into_iter().map(Result::unwrap).collect();
    assert_eq!(items, vec![value("a"), value("b")]);
    shutdown.cancel();
    serving.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stream_script_replays_against_the_streams_server() {
    let scripts = scripts("rpc-stream-behaviour");
    assert!(scripts.len() >= 7, "only {} scripts", scripts.len());
    for script in &scripts {
        let (addr, shutdown, serving) = serve_streams().await;
        let mut stream = TcpStream::connect(addr).await.unwrap();
        replay(script, &mut stream).await;
        drop(stream);
        shutdown.cancel();
        timeout(Duration::from_secs(10), serving)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
}

#[test]
fn the_scripts_credit_open_and_end_frames_read_and_write_back_byte_for_byte() {
    let mut checked = 0;
    for script in scripts("rpc-stream-behaviour") {
        for step in &script.steps {
            let bytes = match step {
                Step::Send(bytes) | Step::Expect(bytes) => bytes,
                _ => continue,
            };
            for frame in frames(bytes) {
                if frame[5] != 0x02 || !(7..=9).contains(&frame[6]) {
                    continue; // not a stream's control frame
                }
                let kind = u16::from(frame[6]);
                let payload = &frame[HEADER_LEN..frame.len() - TRAILER_LEN];
                let correlation_id = u32::from_le_bytes(payload[..4].try_into().unwrap());
                let signal = match kind {
                    Signal::OPEN => Signal::Open { correlation_id },
                    Signal::END => Signal::End { correlation_id },
                    _ => {
                        // CREDIT: as the server reads it (a CREDIT of 0 is refused).
                        let mut buf = BytesMut::from(frame);
                        match FrameCodec::<Inbound<Get>>::new().decode(&mut buf) {
                            Ok(Some(Incoming::Message(received))) => match received.message {
                                Inbound::Signal(signal) => signal,
                                other => panic!("{}: {other:?}", script.name),
                            },
                            _ => continue, // the malformed CREDIT, refused
                        }
                    }
                };
                let mut written = Vec::new();
                encode_frame(&signal, 0, &mut written).unwrap();
                assert_eq!(to_hex(&written), to_hex(frame), "{}", script.name);
                checked += 1;
            }
        }
    }
    assert!(checked >= 12, "only {checked} stream frames");
}
