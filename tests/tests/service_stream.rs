//! Server-streaming methods (SPEC.md §11.8): a `#[service]` method returning
//! `Result<Streaming<T, E>, E>` streams its items to the typed client in order, with
//! credit-based flow control driven by the reader, cancellation from both sides, the
//! call's deadline over the whole stream, and stream frames from a misbehaving client
//! refused as protocol errors.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;
use wirewright::frame::encode_frame;
use wirewright::rpc::{
    CallOptions, Context, ErrorCode, Reply, RpcClientConfig, RpcError, RpcServerConfig, Signal,
    Streaming,
};
use wirewright::transport::{Connection, ConnectionConfig, Metrics};
use wirewright::{Encode, Message};

#[derive(Message, Debug, Clone, PartialEq)]
enum FeedError {
    Refused,
    Broke { at: u32 },
}

#[derive(Message, Debug, Clone, PartialEq)]
struct Event {
    seq: u32,
    /// The deadline the stream saw when it made this item, in ms (u64::MAX: none).
    left_ms: u64,
    body: String,
}

/// How a stream of [`Feed::events`] behaves.
#[derive(Message, Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// `count` items, then the end.
    Finite,
    /// Items until the reader goes away.
    Endless,
    /// Three items, then `FeedError::Broke`.
    Breaks,
    /// Two items, then a panic.
    Panics,
    /// An item every 100 ms, forever.
    Slow,
}

#[wirewright::service]
trait Feed {
    /// `count` events whose bodies are `pad` bytes, as `mode` says.
    #[wire(id = 1)]
    async fn events(
        &self,
        count: u32,
        pad: u32,
        mode: Mode,
    ) -> Result<Streaming<Event, FeedError>, FeedError>;

    #[wire(id = 2)]
    async fn ping(&self, n: u32) -> Result<u32, FeedError>;
}

/// Sends a message when dropped: the handler's stream was dropped.
struct DropSignal(mpsc::UnboundedSender<()>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// The service, counting the payload bytes of the items its streams produced.
struct Source {
    produced_bytes: Arc<AtomicU64>,
    dropped: mpsc::UnboundedSender<()>,
}

impl Feed for Source {
    async fn events(
        &self,
        count: u32,
        pad: u32,
        mode: Mode,
    ) -> Result<Streaming<Event, FeedError>, FeedError> {
        if count == 0 {
            return Err(FeedError::Refused);
        }
        let guard = DropSignal(self.dropped.clone());
        let produced = Arc::clone(&self.produced_bytes);
        let body = "x".repeat(pad as usize);
        let items = futures_util::stream::unfold((0u32, guard), move |(seq, guard)| {
            let produced = Arc::clone(&produced);
            let body = body.clone();
            async move {
                let end = match mode {
                    Mode::Finite => seq >= count,
                    Mode::Endless | Mode::Slow => false,
                    Mode::Breaks => seq > 3,
                    Mode::Panics => seq > 2,
                };
                if end {
                    return None;
                }
                if mode == Mode::Slow {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                if mode == Mode::Breaks && seq == 3 {
                    return Some((Err(FeedError::Broke { at: 3 }), (seq + 1, guard)));
                }
                assert!(mode != Mode::Panics || seq < 2, "the stream broke down");
                let left_ms = Context::current()
                    .and_then(|call| call.remaining())
                    .map_or(u64::MAX, |left| left.as_millis() as u64);
                let event = Event { seq, left_ms, body };
                produced.fetch_add(event.encoded_len() as u64, Ordering::SeqCst);
                Some((Ok(event), (seq + 1, guard)))
            }
        });
        Ok(Box::pin(items))
    }

    async fn ping(&self, n: u32) -> Result<u32, FeedError> {
        Ok(n)
    }
}

/// A served `Source` over a duplex stream: the client's end, the server connection's
/// metrics, the bytes its streams produced, and the drops of its streams.
struct Served {
    io: DuplexStream,
    metrics: Metrics,
    produced_bytes: Arc<AtomicU64>,
    dropped: mpsc::UnboundedReceiver<()>,
    /// The task serving the connection.
    task: tokio::task::JoinHandle<()>,
}

fn serve(buffer: usize) -> Served {
    let (client_io, server_io) = tokio::io::duplex(buffer);
    let (dropped_tx, dropped) = mpsc::unbounded_channel();
    let produced_bytes = Arc::new(AtomicU64::new(0));
    let source = Source {
        produced_bytes: Arc::clone(&produced_bytes),
        dropped: dropped_tx,
    };
    let (connection, driver) = Connection::with_driver(server_io, &ConnectionConfig::new());
    let metrics = connection.metrics().clone();
    let server = FeedServer::new(source).into_rpc_server(RpcServerConfig::new());
    let task = tokio::spawn(async move {
        let (_, _) = tokio::join!(server.serve_connection(connection), driver);
    });
    Served {
        io: client_io,
        metrics,
        produced_bytes,
        dropped,
        task,
    }
}

const HANG: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_streaming_call_receives_every_event_in_order_and_then_its_end() {
    let served = serve(64 * 1024);
    let feed = FeedClient::over(served.io, RpcClientConfig::new());
    let stream = feed.events(1000, 8, Mode::Finite).await.unwrap();
    let events: Vec<Event> = stream.map(Result::unwrap).collect().await;
    let seqs: Vec<u32> = events.iter().map(|event| event.seq).collect();
    assert_eq!(seqs, (0..1000).collect::<Vec<_>>());
    assert!(events.iter().all(|event| event.body == "xxxxxxxx"));
    assert_eq!(
        feed.ping(7).await.unwrap(),
        7,
        "the connection still serves calls"
    );
}

#[tokio::test]
async fn a_refused_stream_fails_the_call_with_the_typed_error() {
    let served = serve(64 * 1024);
    let feed = FeedClient::over(served.io, RpcClientConfig::new());
    let err = feed.events(0, 0, Mode::Finite).await.unwrap_err();
    assert!(
        matches!(err, RpcError::Application(FeedError::Refused)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_hundred_thousand_events_to_a_slow_reader_keep_the_server_within_the_readers_credit() {
    const WINDOW: u32 = 16 * 1024;
    const EVENTS: u32 = 100_000;
    let served = serve(4 * 1024);
    let config = RpcClientConfig::new().with_stream_window(WINDOW);
    let feed = FeedClient::over(served.io, config);
    let mut stream = feed.events(EVENTS, 24, Mode::Finite).await.unwrap();
    let item_len = Event {
        seq: EVENTS,
        left_ms: u64::MAX,
        body: "x".repeat(24),
    }
    .encoded_len() as u64;
    let mut read_bytes = 0u64;
    let mut most_ahead = 0u64;
    let mut most_queued = 0u64;
    for seq in 0..EVENTS {
        let event = stream.next().await.unwrap().unwrap();
        assert_eq!(event.seq, seq);
        read_bytes += event.encoded_len() as u64;
        if seq % 5_000 == 0 {
            // The reader stalls: the server makes what the credit allows, then stops.
            for _ in 0..200 {
                tokio::task::yield_now().await;
            }
            let ahead = served.produced_bytes.load(Ordering::SeqCst) - read_bytes;
            most_ahead = most_ahead.max(ahead);
            most_queued = most_queued.max(served.metrics.bytes_buffered_out());
        }
    }
    assert!(stream.next().await.is_none());
    // The server never makes more than the credit the reader granted (the window, with
    // what was read but not yet credited back) plus the item it was sending.
    assert!(
        most_ahead <= u64::from(WINDOW) + item_len,
        "the server made {most_ahead} bytes ahead of the reader (window {WINDOW})"
    );
    assert!(most_ahead > 0, "the server made items ahead of the reader");
    // What the server's connection holds to send is bounded by the same credit.
    assert!(
        most_queued <= u64::from(WINDOW) + 64 * item_len,
        "the server queued {most_queued} bytes"
    );
    assert_eq!(
        served.produced_bytes.load(Ordering::SeqCst),
        read_bytes,
        "every item made was read"
    );
}

#[tokio::test]
async fn dropping_the_stream_drops_the_handlers_stream_on_the_server() {
    let mut served = serve(64 * 1024);
    let feed = FeedClient::over(served.io, RpcClientConfig::new());
    let mut stream = feed.events(1, 0, Mode::Endless).await.unwrap();
    for seq in 0..5 {
        assert_eq!(stream.next().await.unwrap().unwrap().seq, seq);
    }
    drop(stream);
    tokio::time::timeout(HANG, served.dropped.recv())
        .await
        .expect("the server dropped the handler's stream")
        .unwrap();
    assert_eq!(feed.ping(3).await.unwrap(), 3);
}

#[tokio::test]
async fn an_error_of_the_handlers_stream_ends_the_client_stream_with_the_typed_error() {
    let served = serve(64 * 1024);
    let feed = FeedClient::over(served.io, RpcClientConfig::new());
    let mut stream = feed.events(1, 0, Mode::Breaks).await.unwrap();
    for seq in 0..3 {
        assert_eq!(stream.next().await.unwrap().unwrap().seq, seq);
    }
    let err = stream.next().await.unwrap().unwrap_err();
    assert!(
        matches!(err, RpcError::Application(FeedError::Broke { at: 3 })),
        "{err:?}"
    );
    assert!(
        stream.next().await.is_none(),
        "the error is the stream's end"
    );
}

#[tokio::test]
async fn a_panic_in_the_handlers_stream_ends_the_client_stream_with_code_3() {
    let mut served = serve(64 * 1024);
    let feed = FeedClient::over(served.io, RpcClientConfig::new());
    let mut stream = feed.events(1, 0, Mode::Panics).await.unwrap();
    for seq in 0..2 {
        assert_eq!(stream.next().await.unwrap().unwrap().seq, seq);
    }
    let err = stream.next().await.unwrap().unwrap_err();
    assert!(
        matches!(&err, RpcError::Failed(failure) if failure.code == ErrorCode::HandlerFailed),
        "{err:?}"
    );
    assert!(stream.next().await.is_none());
    tokio::time::timeout(HANG, served.dropped.recv())
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_calls_deadline_covers_the_whole_stream_on_both_sides() {
    let mut served = serve(64 * 1024);
    let feed = FeedClient::over(served.io, RpcClientConfig::new());
    let options = CallOptions::new().with_timeout(Duration::from_millis(1050));
    let mut stream = feed
        .with_options(options)
        .events(1, 0, Mode::Slow)
        .await
        .unwrap();
    let first = stream.next().await.unwrap().unwrap();
    assert!(
        (900..=1050).contains(&first.left_ms),
        "the stream sees the caller's deadline: {} ms left",
        first.left_ms
    );
    let mut items = 1;
    let err = loop {
        match stream.next().await.unwrap() {
            Ok(_) => items += 1,
            Err(err) => break err,
        }
    };
    assert_eq!(items, 10, "an item every 100 ms within 1050 ms");
    let late = match &err {
        RpcError::Timeout { timeout } => *timeout == Duration::from_millis(1050),
        RpcError::Failed(failure) => failure.code == ErrorCode::DeadlineExceeded,
        _ => false,
    };
    assert!(late, "{err:?}");
    tokio::time::timeout(HANG, served.dropped.recv())
        .await
        .expect("the server stopped the stream at its deadline")
        .unwrap();
}

/// Writes `frames` to the server, then reads one frame back.
async fn exchange(io: &mut DuplexStream, frames: &[u8]) -> Vec<u8> {
    io.write_all(frames).await.unwrap();
    let mut head = [0u8; 16];
    io.read_exact(&mut head).await.unwrap();
    let len = u32::from_le_bytes([head[12], head[13], head[14], head[15]]) as usize;
    let mut rest = vec![0u8; len + 4];
    io.read_exact(&mut rest).await.unwrap();
    [head.as_slice(), &rest].concat()
}

/// Whether `frame` is a GOODBYE with reason 4 (protocol error).
fn is_protocol_error_goodbye(frame: &[u8]) -> bool {
    frame[5] == 0x02 && frame[6] == 3 && frame[16] == 4
}

#[tokio::test]
async fn stream_frames_only_a_server_sends_end_a_clients_connection_with_a_protocol_error() {
    for signal in [
        Signal::Open { correlation_id: 7 },
        Signal::End { correlation_id: 7 },
    ] {
        let mut io = serve(64 * 1024).io;
        let mut frames = Vec::new();
        encode_frame(&signal, 0, &mut frames).unwrap();
        let reply = tokio::time::timeout(HANG, exchange(&mut io, &frames))
            .await
            .unwrap();
        assert!(
            is_protocol_error_goodbye(&reply),
            "{signal:?}: {reply:02x?}"
        );
    }
}

#[tokio::test]
async fn a_credit_of_zero_bytes_is_a_malformed_control_frame() {
    let mut io = serve(64 * 1024).io;
    // CREDIT for stream 7 granting 0 bytes: type 7, payload 07 00 00 00 00.
    let mut frames = Vec::new();
    let credit = Signal::Credit {
        correlation_id: 7,
        bytes: 1,
    };
    encode_frame(&credit, 0, &mut frames).unwrap();
    let payload_at = frames.len() - 4 - 1;
    frames[payload_at] = 0;
    let crc = wirewright::frame::frame_crc(&frames[..frames.len() - 4]);
    let at = frames.len() - 4;
    frames[at..].copy_from_slice(&crc.to_le_bytes());
    let reply = tokio::time::timeout(HANG, exchange(&mut io, &frames))
        .await
        .unwrap();
    assert!(is_protocol_error_goodbye(&reply), "{reply:02x?}");
}

#[tokio::test]
async fn a_credit_for_a_stream_that_is_not_open_is_ignored() {
    let mut io = serve(64 * 1024).io;
    let mut frames = Vec::new();
    let credit = Signal::Credit {
        correlation_id: 12_345,
        bytes: 4096,
    };
    encode_frame(&credit, 0, &mut frames).unwrap();
    encode_frame(&FeedRequest::Ping(FeedPingRequest { n: 5 }), 9, &mut frames).unwrap();
    let reply = tokio::time::timeout(HANG, exchange(&mut io, &frames))
        .await
        .unwrap();
    let (header, response): (wirewright::FrameHeader, Reply<FeedResponse, FeedError>) =
        wirewright::frame::decode_frame(&reply).unwrap();
    assert_eq!(header.correlation_id, 9);
    assert!(matches!(
        response,
        Reply::Response(FeedResponse::Ping(FeedPingResponse(5)))
    ));
}

/// Reads one whole frame from `io`.
async fn read_frame(io: &mut DuplexStream) -> Vec<u8> {
    let mut head = [0u8; 16];
    io.read_exact(&mut head).await.unwrap();
    let len = u32::from_le_bytes([head[12], head[13], head[14], head[15]]) as usize;
    let mut rest = vec![0u8; len + 4];
    io.read_exact(&mut rest).await.unwrap();
    [head.as_slice(), &rest].concat()
}

/// A hand-written server end: reads the stream's request and first CREDIT, and returns
/// the stream's correlation id.
async fn read_stream_request(io: &mut DuplexStream) -> u32 {
    let request = read_frame(io).await;
    let id = u32::from_le_bytes([request[8], request[9], request[10], request[11]]);
    let credit = read_frame(io).await;
    assert_eq!(
        (credit[5], credit[6]),
        (0x02, 7),
        "the first CREDIT follows the request"
    );
    id
}

fn item(seq: u32) -> wirewright::rpc::Reply<FeedResponse, FeedError> {
    wirewright::rpc::Reply::Response(FeedResponse::Events(FeedEventsResponse(Event {
        seq,
        left_ms: 0,
        body: "x".repeat(40),
    })))
}

#[tokio::test]
async fn a_server_that_sends_beyond_the_credit_ends_the_stream_with_code_9() {
    let (client_io, mut server_io) = tokio::io::duplex(64 * 1024);
    let feed = FeedClient::over(client_io, RpcClientConfig::new().with_stream_window(100));
    let opening = tokio::spawn(async move {
        let id = read_stream_request(&mut server_io).await;
        let mut frames = Vec::new();
        encode_frame(&Signal::Open { correlation_id: id }, 0, &mut frames).unwrap();
        for seq in 0..10 {
            encode_frame(&item(seq), id, &mut frames).unwrap(); // whatever the credit
        }
        server_io.write_all(&frames).await.unwrap();
        server_io
    });
    let mut stream = feed.events(10, 40, Mode::Finite).await.unwrap();
    let _server_io = opening.await.unwrap();
    let mut items = 0;
    let err = loop {
        match tokio::time::timeout(HANG, stream.next()).await.unwrap() {
            Some(Ok(_)) => items += 1,
            Some(Err(err)) => break err,
            None => panic!("the stream ended without an error"),
        }
    };
    // Each item is 43 bytes; one may be sent while the credit is positive: 100, 57, 14.
    assert_eq!(items, 3, "100 bytes of credit take three items of 43 bytes");
    assert!(
        matches!(&err, RpcError::Failed(failure) if failure.code == ErrorCode::FlowControl),
        "{err:?}"
    );
}

#[tokio::test]
async fn stream_frames_for_ids_the_client_does_not_know_are_dropped_and_counted() {
    let (client_io, mut server_io) = tokio::io::duplex(64 * 1024);
    let client = wirewright::rpc::RpcClient::<FeedRequest, FeedResponse, FeedError>::over(
        client_io,
        RpcClientConfig::new(),
    );
    let mut frames = Vec::new();
    encode_frame(&Signal::Open { correlation_id: 41 }, 0, &mut frames).unwrap();
    encode_frame(&item(0), 41, &mut frames).unwrap();
    encode_frame(&Signal::End { correlation_id: 41 }, 0, &mut frames).unwrap();
    server_io.write_all(&frames).await.unwrap();
    // The connection still carries calls: answer one by hand.
    let ping = FeedRequest::Ping(FeedPingRequest { n: 4 });
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.call(ping).await }
    });
    let request = read_frame(&mut server_io).await;
    let id = u32::from_le_bytes([request[8], request[9], request[10], request[11]]);
    let mut reply = Vec::new();
    let pong = Reply::<FeedResponse, FeedError>::Response(FeedResponse::Ping(FeedPingResponse(4)));
    encode_frame(&pong, id, &mut reply).unwrap();
    server_io.write_all(&reply).await.unwrap();
    let answer = tokio::time::timeout(HANG, call).await.unwrap().unwrap();
    assert!(matches!(
        answer,
        Ok(FeedResponse::Ping(FeedPingResponse(4)))
    ));
    assert_eq!(
        client.unmatched_replies(),
        3,
        "OPEN, the item and END of stream 41"
    );
}

/// A typed client over a balanced client of two feed servers on loopback, both up.
async fn two_feed_servers_behind_a_balancer(
) -> FeedClient<wirewright::rpc::balance::BalancedClient<FeedRequest, FeedResponse, FeedError>> {
    use wirewright::rpc::balance::{BalanceConfig, BalancedClient, EndpointState};
    use wirewright::transport::{Server, ServerConfig};

    let mut addrs = Vec::new();
    for _ in 0..2 {
        let server = Server::bind("127.0.0.1:0", ServerConfig::new())
            .await
            .unwrap();
        addrs.push(server.local_addr().unwrap());
        let (dropped, _) = mpsc::unbounded_channel();
        let source = Source {
            produced_bytes: Arc::default(),
            dropped,
        };
        let rpc = FeedServer::new(source).into_rpc_server(RpcServerConfig::new());
        tokio::spawn(rpc.serve(server));
    }
    let balanced =
        BalancedClient::<FeedRequest, FeedResponse, FeedError>::new(addrs, BalanceConfig::new());
    let all_up = balanced.wait_until(|servers| {
        servers
            .iter()
            .all(|server| server.state == EndpointState::Up)
    });
    tokio::time::timeout(HANG, all_up).await.unwrap();
    FeedClient::new(balanced)
}

#[tokio::test]
async fn a_typed_client_over_a_balanced_client_opens_streams_on_its_servers() {
    let feed = two_feed_servers_behind_a_balancer().await;
    for _ in 0..4 {
        let stream = feed.events(50, 4, Mode::Finite).await.unwrap();
        let seqs: Vec<u32> = stream.map(|event| event.unwrap().seq).collect().await;
        assert_eq!(seqs, (0..50).collect::<Vec<_>>());
    }
    assert_eq!(
        feed.ping(1).await.unwrap(),
        1,
        "calls go through the balancer too"
    );
    let calls: u64 = feed
        .get_ref()
        .endpoints()
        .iter()
        .map(|server| server.calls)
        .sum();
    assert_eq!(
        calls, 5,
        "four streams and a call, each counted by its server"
    );
}

#[tokio::test]
async fn an_open_stream_counts_as_load_so_the_balancer_sends_calls_to_the_other_server() {
    let feed = two_feed_servers_behind_a_balancer().await;
    let mut stream = feed.events(u32::MAX, 4, Mode::Endless).await.unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap().seq, 0);
    let servers = feed.get_ref().endpoints();
    let streaming = servers.iter().position(|server| server.in_flight == 1);
    let streaming = streaming.expect("the open stream is in flight on its server");
    assert_eq!(servers[1 - streaming].in_flight, 0);
    // With two servers, power of two choices compares both: every call goes to the one
    // that is not streaming.
    for n in 0..20 {
        assert_eq!(feed.ping(n).await.unwrap(), n);
    }
    let servers = feed.get_ref().endpoints();
    assert_eq!(servers[streaming].calls, 1, "only the stream");
    assert_eq!(servers[1 - streaming].calls, 20);
    drop(stream);
    let servers = feed.get_ref().endpoints();
    assert!(
        servers.iter().all(|server| server.in_flight == 0),
        "{servers:?}"
    );
}

#[tokio::test]
async fn a_credit_beyond_two_gigabytes_ends_the_stream_with_code_9() {
    let mut io = serve(64 * 1024).io;
    let mut frames = Vec::new();
    // Endless, so that the stream is still open when the second CREDIT is read.
    let request = FeedRequest::Events(FeedEventsRequest {
        count: 1,
        pad: 0,
        mode: Mode::Endless,
    });
    encode_frame(&request, 5, &mut frames).unwrap();
    // Twice the most a stream may hold: whatever items went out between them, the second
    // CREDIT takes the credit above 2^31 - 1 bytes.
    for bytes in [(1 << 31) - 1, (1 << 31) - 1] {
        let credit = Signal::Credit {
            correlation_id: 5,
            bytes,
        };
        encode_frame(&credit, 0, &mut frames).unwrap();
    }
    io.write_all(&frames).await.unwrap();
    let end = tokio::time::timeout(HANG, async {
        loop {
            let frame = read_frame(&mut io).await;
            if frame[5] == 0x0c {
                break frame;
            }
        }
    })
    .await
    .unwrap();
    let (header, reply): (wirewright::FrameHeader, Reply<FeedResponse, FeedError>) =
        wirewright::frame::decode_frame(&end).unwrap();
    assert_eq!(header.correlation_id, 5);
    assert!(
        matches!(&reply, Reply::Failure(failure) if failure.code == ErrorCode::FlowControl),
        "{reply:?}"
    );
}

#[tokio::test]
async fn a_server_that_goes_away_mid_stream_ends_the_client_stream_with_outcome_unknown() {
    let served = serve(64 * 1024);
    let feed = FeedClient::over(served.io, RpcClientConfig::new());
    let mut stream = feed.events(1, 0, Mode::Slow).await.unwrap();
    served.task.abort(); // the server's connection vanishes: its end of the stream closes
    let err = tokio::time::timeout(HANG, stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, RpcError::OutcomeUnknown(_)), "{err:?}");
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn open_streams_count_as_calls_in_flight_on_the_server() {
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let (dropped, _) = mpsc::unbounded_channel();
    let source = Source {
        produced_bytes: Arc::default(),
        dropped,
    };
    let config = RpcServerConfig::new()
        .with_max_in_flight(2)
        .with_reject_when_busy(true);
    let server = FeedServer::new(source).into_rpc_server(config);
    tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
    let feed = FeedClient::over(client_io, RpcClientConfig::new());
    let first = feed.events(1, 0, Mode::Slow).await.unwrap();
    let second = feed.events(1, 0, Mode::Slow).await.unwrap();
    let err = feed.ping(1).await.unwrap_err();
    assert!(
        matches!(&err, RpcError::Failed(failure) if failure.code == ErrorCode::Overloaded),
        "two open streams fill the server's two slots: {err:?}"
    );
    drop(first);
    // The CANCEL frees a slot once the server has read it.
    let answered = tokio::time::timeout(HANG, async {
        loop {
            match feed.ping(2).await {
                Ok(n) => break n,
                Err(RpcError::Failed(failure)) if failure.code == ErrorCode::Overloaded => {
                    tokio::task::yield_now().await;
                }
                Err(err) => panic!("{err:?}"),
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(answered, 2);
    drop(second);
}
