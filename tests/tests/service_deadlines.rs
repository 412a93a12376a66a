//! Deadlines and cancellation on the wire (SPEC.md §11.7): the handler reads the caller's
//! deadline, a request already late is not run, and a call the caller gives up on
//! (timeout or dropped future) stops its handler on the server.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use wirewright::frame::{decode_frame, encode_frame};
use wirewright::rpc::{
    CallOptions, Context, ErrorCode, Reply, RpcClient, RpcClientConfig, RpcError, RpcServer,
    RpcServerConfig, Signal,
};
use wirewright::{FrameHeader, Message};

#[derive(Message, Debug, Clone, PartialEq)]
#[wire(id = 1)]
struct Work {
    millis: u64,
}

#[derive(Message, Debug, Clone, PartialEq)]
#[wire(id = 2)]
struct Done {
    /// The time the handler saw left, in ms (u64::MAX: no deadline).
    left_ms: u64,
}

type Client = RpcClient<Work, Done, String>;

/// Sends a message when dropped: the handler's future was dropped.
struct DropSignal(mpsc::UnboundedSender<bool>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        let _ = self.0.send(true);
    }
}

/// A server whose handler reports the deadline it sees, counts the calls it starts, and
/// says when a call's future is dropped.
fn server(
    started: Arc<AtomicU32>,
    dropped: mpsc::UnboundedSender<bool>,
) -> tokio::io::DuplexStream {
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let rpc = RpcServer::new(RpcServerConfig::new(), move |work: Work| {
        started.fetch_add(1, Ordering::SeqCst);
        let guard = DropSignal(dropped.clone());
        let left_ms = Context::current()
            .and_then(|call| call.remaining())
            .map_or(u64::MAX, |left| left.as_millis() as u64);
        async move {
            tokio::time::sleep(Duration::from_millis(work.millis)).await;
            std::mem::forget(guard); // finished: not dropped early
            Ok::<_, String>(Done { left_ms })
        }
    });
    tokio::spawn(async move { rpc.serve_io(server_io, &Default::default()).await });
    client_io
}

fn signalling() -> RpcClientConfig {
    RpcClientConfig::new().with_call_signals(true)
}

#[tokio::test(start_paused = true)]
async fn the_handler_sees_the_callers_remaining_deadline() {
    let (dropped, _) = mpsc::unbounded_channel();
    let io = server(Arc::default(), dropped);
    let client = Client::over(io, signalling());
    let options = CallOptions::new().with_timeout(Duration::from_millis(1500));
    let done = client.call_with(Work { millis: 0 }, options).await.unwrap();
    assert_eq!(done.left_ms, 1500, "time is paused: nothing elapsed");
}

#[tokio::test(start_paused = true)]
async fn a_client_without_call_signals_is_served_without_a_deadline() {
    let (dropped, _) = mpsc::unbounded_channel();
    let io = server(Arc::default(), dropped);
    let client = Client::over(io, RpcClientConfig::new());
    let done = client.call(Work { millis: 0 }).await.unwrap();
    assert_eq!(done.left_ms, u64::MAX);
}

#[tokio::test(start_paused = true)]
async fn a_call_that_times_out_stops_its_handler_on_the_server() {
    let started = Arc::new(AtomicU32::new(0));
    let (dropped, mut drops) = mpsc::unbounded_channel();
    let io = server(Arc::clone(&started), dropped);
    let client = Client::over(io, signalling());
    let options = CallOptions::new().with_timeout(Duration::from_millis(100));
    let err = client
        .call_with(Work { millis: 60_000 }, options)
        .await
        .unwrap_err();
    assert!(matches!(err, RpcError::Timeout { .. }), "{err}");
    let seen = tokio::time::timeout(Duration::from_secs(1), drops.recv()).await;
    assert_eq!(seen.unwrap(), Some(true), "the server dropped the handler");
    assert_eq!(started.load(Ordering::SeqCst), 1);
    // The connection is still good; the cancelled call's answer (code 8) was dropped.
    let done = client.call(Work { millis: 1 }).await.unwrap();
    assert!(done.left_ms > 0);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_call_future_stops_its_handler_on_the_server() {
    let (dropped, mut drops) = mpsc::unbounded_channel();
    let io = server(Arc::default(), dropped);
    let client = Client::over(io, signalling());
    let call = client.call(Work { millis: 60_000 });
    // Give up after 10 ms by dropping the future (not through the call's own deadline).
    let given_up = tokio::time::timeout(Duration::from_millis(10), call).await;
    assert!(given_up.is_err());
    let seen = tokio::time::timeout(Duration::from_secs(1), drops.recv()).await;
    assert_eq!(seen.unwrap(), Some(true));
}

/// Writes `frames`, then reads one frame back.
async fn exchange(io: &mut tokio::io::DuplexStream, frames: &[u8]) -> Vec<u8> {
    io.write_all(frames).await.unwrap();
    let mut head = [0u8; 16];
    io.read_exact(&mut head).await.unwrap();
    let len = u32::from_le_bytes([head[12], head[13], head[14], head[15]]) as usize;
    let mut rest = vec![0u8; len + 4];
    io.read_exact(&mut rest).await.unwrap();
    [head.as_slice(), &rest].concat()
}

#[tokio::test]
async fn a_request_past_its_deadline_on_arrival_is_answered_code_7_and_not_run() {
    let started = Arc::new(AtomicU32::new(0));
    let (dropped, _) = mpsc::unbounded_channel();
    let mut io = server(Arc::clone(&started), dropped);
    let mut frames = Vec::new();
    let late = Signal::Deadline {
        correlation_id: 9,
        remaining: Duration::ZERO,
    };
    encode_frame(&late, 0, &mut frames).unwrap();
    encode_frame(&Work { millis: 0 }, 9, &mut frames).unwrap();
    let reply = exchange(&mut io, &frames).await;
    let (header, reply): (FrameHeader, Reply<Done, String>) = decode_frame(&reply).unwrap();
    assert_eq!(header.correlation_id, 9);
    assert!(
        matches!(&reply, Reply::Failure(failure) if failure.code == ErrorCode::DeadlineExceeded),
        "{reply:?}"
    );
    assert_eq!(started.load(Ordering::SeqCst), 0, "the handler never ran");

    // A CANCEL for a call that does not run is ignored; the next request is served.
    frames.clear();
    encode_frame(&Signal::Cancel { correlation_id: 77 }, 0, &mut frames).unwrap();
    encode_frame(&Work { millis: 0 }, 10, &mut frames).unwrap();
    let reply = exchange(&mut io, &frames).await;
    let (header, reply): (FrameHeader, Reply<Done, String>) = decode_frame(&reply).unwrap();
    assert_eq!(header.correlation_id, 10);
    assert_eq!(reply, Reply::Response(Done { left_ms: u64::MAX }));
}

#[tokio::test]
async fn a_cancelled_call_is_answered_code_8() {
    let (dropped, mut drops) = mpsc::unbounded_channel();
    let mut io = server(Arc::default(), dropped);
    let mut frames = Vec::new();
    encode_frame(&Work { millis: 60_000 }, 5, &mut frames).unwrap();
    encode_frame(&Signal::Cancel { correlation_id: 5 }, 0, &mut frames).unwrap();
    let reply = exchange(&mut io, &frames).await;
    let (header, reply): (FrameHeader, Reply<Done, String>) = decode_frame(&reply).unwrap();
    assert_eq!(header.correlation_id, 5);
    assert!(
        matches!(&reply, Reply::Failure(failure) if failure.code == ErrorCode::Cancelled),
        "{reply:?}"
    );
    assert_eq!(drops.recv().await, Some(true));
}

#[tokio::test]
async fn a_flood_of_deadlines_without_requests_holds_a_bounded_table_and_serves_on() {
    let started = Arc::new(AtomicU32::new(0));
    let (dropped, _) = mpsc::unbounded_channel();
    let mut io = server(Arc::clone(&started), dropped);
    // 10,000 DEADLINEs whose requests never come (the table keeps at most max_in_flight,
    // 128, of them), then a request with the first of them: the server answers normally,
    // and a request whose DEADLINE was dropped runs without one.
    let mut frames = Vec::new();
    for id in 1..=10_000u32 {
        let deadline = Signal::Deadline {
            correlation_id: id,
            remaining: Duration::from_secs(60),
        };
        encode_frame(&deadline, 0, &mut frames).unwrap();
    }
    encode_frame(&Work { millis: 0 }, 1, &mut frames).unwrap();
    let reply = exchange(&mut io, &frames).await;
    let (header, reply): (FrameHeader, Reply<Done, String>) = decode_frame(&reply).unwrap();
    assert_eq!(header.correlation_id, 1);
    assert!(
        matches!(reply, Reply::Response(Done { left_ms }) if left_ms > 50_000 && left_ms <= 60_000),
        "{reply:?}"
    );
    frames.clear();
    encode_frame(&Work { millis: 0 }, 9_999, &mut frames).unwrap();
    let reply = exchange(&mut io, &frames).await;
    let (_, reply): (FrameHeader, Reply<Done, String>) = decode_frame(&reply).unwrap();
    assert_eq!(
        reply,
        Reply::Response(Done { left_ms: u64::MAX }),
        "its DEADLINE was dropped"
    );
    assert_eq!(started.load(Ordering::SeqCst), 2);
}
