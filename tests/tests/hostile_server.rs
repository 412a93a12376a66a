//! Hostile peers against a `Server` on loopback, with small budgets: each attack of
//! issue 10 asserts the bytes the server holds (`Metrics::bytes_buffered_in` and
//! `bytes_buffered_out`) stay under the configured budgets plus a fixed cost per
//! connection, while a well-behaved probe client keeps being served.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::{timeout, Instant};
use tokio_util::codec::{Encoder, Framed};
use wirewright::bytes::{Bytes, BytesMut};
use wirewright::transport::{
    Backoff, CancellationToken, Client, ClientConfig, Connection, ConnectionConfig, Control,
    FrameCodec, Goodbye, GoodbyeReason, Incoming, Metrics, Outgoing, Server, ServerConfig,
};
use wirewright::{Flags, FrameHeader, Limits};
use wirewright_tests::transport_types::Packet;

const MAX_FRAME: u32 = 256 * 1024;
/// What one connection may hold beyond the budgets: the memory budget's floor (16 KiB)
/// and one read of up to a frame plus the codec's 64 KiB read-ahead.
const PER_CONNECTION: u64 = 16 * 1024 + MAX_FRAME as u64 + 64 * 1024 + 20;

struct Running {
    addr: SocketAddr,
    shutdown: CancellationToken,
    metrics: Metrics,
    serving: JoinHandle<std::io::Result<()>>,
}

impl Running {
    async fn stop(self) {
        self.shutdown.cancel();
        timeout(Duration::from_secs(20), self.serving)
            .await
            .expect("the server shuts down within its grace")
            .unwrap()
            .unwrap();
    }
}

fn small_connection() -> ConnectionConfig {
    ConnectionConfig::new()
        .with_limits(Limits::new().with_max_frame_len(MAX_FRAME))
        .with_receive_budget(256 * 1024)
        .with_send_budget(256 * 1024)
}

/// An echo server.
async fn start_echo(config: ServerConfig) -> Running {
    let server = Server::bind(
        "127.0.0.1:0",
        config.with_shutdown_grace(Duration::from_secs(2)),
    )
    .await
    .unwrap();
    Running {
        addr: server.local_addr().unwrap(),
        shutdown: server.shutdown_token(),
        metrics: server.metrics().clone(),
        serving: tokio::spawn(
            server.serve(|mut connection: Connection<Packet>| async move {
                while let Some(received) = connection.recv().await? {
                    let id = received.correlation_id();
                    connection.send_correlated(id, received.message).await?;
                }
                Ok(())
            }),
        ),
    }
}

fn client() -> Client {
    let connection =
        ConnectionConfig::new().with_limits(Limits::new().with_max_frame_len(MAX_FRAME));
    Client::new(
        ClientConfig::new()
            .with_connection(connection)
            .with_backoff(Backoff::new().with_max_attempts(20)),
    )
}

/// A well-behaved client: `rounds` echoes of a small message, each within 2 s.
async fn probe(addr: SocketAddr, rounds: u32) {
    let mut connection = client().connect::<Packet, Packet>(addr).await.unwrap();
    for seq in 1..=rounds {
        connection
            .send_correlated(seq, Packet::numbered(99, seq))
            .await
            .unwrap();
        let echo = timeout(Duration::from_secs(2), connection.recv())
            .await
            .expect("the probe is served during the attack")
            .unwrap()
            .unwrap();
        assert_eq!(echo.message.seq, seq);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    connection.close().await;
}

/// The most bytes held in and out, sampled every 2 ms until `stop` is cancelled.
fn sample_peaks(metrics: Metrics, stop: CancellationToken) -> JoinHandle<(u64, u64)> {
    tokio::spawn(async move {
        let (mut peak_in, mut peak_out) = (0, 0);
        while !stop.is_cancelled() {
            peak_in = peak_in.max(metrics.bytes_buffered_in());
            peak_out = peak_out.max(metrics.bytes_buffered_out());
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        (peak_in, peak_out)
    })
}

fn encode(item: impl Into<Outgoing<Packet>>) -> BytesMut {
    let mut buf = BytesMut::new();
    FrameCodec::<Packet>::with_limits(Limits::new().with_max_frame_len(MAX_FRAME))
        .encode(item.into(), &mut buf)
        .unwrap();
    buf
}

/// The first GOODBYE the server sends on `stream` (reading past anything else).
async fn goodbye_from(stream: TcpStream) -> Goodbye {
    let mut framed = Framed::new(
        stream,
        FrameCodec::<Packet>::with_limits(Limits::new().with_max_frame_len(MAX_FRAME)),
    );
    timeout(Duration::from_secs(10), async {
        loop {
            match framed.next().await {
                Some(Ok(Incoming::Control(Control::Goodbye(goodbye)))) => return goodbye,
                Some(Ok(_)) => {}
                other => panic!("the stream ended without a GOODBYE: {other:?}"),
            }
        }
    })
    .await
    .expect("a GOODBYE arrives")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_reading_peers_sending_max_size_frames_stay_under_the_budgets_while_a_probe_is_served(
) {
    let memory_budget = 2 << 20;
    let server = start_echo(
        ServerConfig::new()
            .with_connection(small_connection())
            .with_memory_budget(memory_budget)
            .with_memory_wait_timeout(Duration::from_secs(30)),
    )
    .await;
    let frame = encode(Packet {
        client: 1,
        seq: 1,
        body: Bytes::from(vec![7u8; MAX_FRAME as usize - 16]),
    })
    .freeze();
    let attackers = 4;
    let stop = CancellationToken::new();
    let sent = Arc::new(AtomicU64::new(0));
    let mut attacks = Vec::new();
    for _ in 0..attackers {
        let (frame, sent) = (frame.clone(), Arc::clone(&sent));
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        attacks.push(tokio::spawn(async move {
            // Writes whole frames and never reads, until aborted: writing blocks when
            // the server stops reading.
            while stream.write_all(&frame).await.is_ok() {
                sent.fetch_add(frame.len() as u64, Ordering::Relaxed);
            }
        }));
    }
    let peaks = sample_peaks(server.metrics.clone(), stop.clone());
    tokio::time::sleep(Duration::from_millis(500)).await;
    probe(server.addr, 50).await;
    stop.cancel();
    let (peak_in, peak_out) = peaks.await.unwrap();
    for attack in &attacks {
        assert!(!attack.is_finished(), "an attacker's connection was closed");
    }
    for attack in attacks {
        attack.abort();
    }
    assert_eq!(server.metrics.protocol_errors(), 0);
    let connections = attackers + 1;
    let sent = sent.load(Ordering::Relaxed);
    eprintln!("attackers wrote {sent} bytes; the server held at most {peak_in} in, {peak_out} out");
    assert!(
        peak_in <= memory_budget as u64 + connections * PER_CONNECTION,
        "{peak_in}"
    );
    // The send budget (256 KiB), or one larger message alone.
    assert!(peak_out <= connections * (256 * 1024 + 64), "{peak_out}");
    // Everything held, in and out, within the memory budget and the fixed costs.
    assert!(
        peak_in + peak_out <= memory_budget as u64 + connections * PER_CONNECTION * 2,
        "{peak_in} + {peak_out}"
    );
    assert!(server.metrics.budget_waits() > 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_flood_from_a_peer_that_never_reads_keeps_memory_flat_and_is_closed_as_a_flood() {
    let server = start_echo(ServerConfig::new().with_connection(small_connection())).await;
    let mut pings = BytesMut::new();
    for nonce in 0..1000 {
        pings.extend_from_slice(&encode(Control::Ping { nonce }));
    }
    let pings = pings.freeze();
    let stop = CancellationToken::new();
    let peaks = sample_peaks(server.metrics.clone(), stop.clone());
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let flood_started = Instant::now();
    while server.metrics.control_flood_closes() == 0 {
        assert!(
            flood_started.elapsed() < Duration::from_secs(10),
            "not closed"
        );
        if timeout(Duration::from_millis(20), stream.write_all(&pings))
            .await
            .is_ok_and(|w| w.is_err())
        {
            break; // closed
        }
    }
    probe(server.addr, 10).await;
    stop.cancel();
    let (peak_in, peak_out) = peaks.await.unwrap();
    eprintln!("ping flood: the server held at most {peak_in} in, {peak_out} out");
    assert_eq!(server.metrics.control_flood_closes(), 1);
    assert!(peak_in <= 2 * PER_CONNECTION, "{peak_in}");
    assert_eq!(
        goodbye_from(stream).await.reason,
        GoodbyeReason::ControlFlood
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_peers_filling_large_frames_slowly_hold_the_server_budget_while_a_probe_is_served() {
    let memory_budget: u64 = 1 << 20;
    let server = start_echo(
        ServerConfig::new()
            .with_connection(small_connection())
            .with_memory_budget(memory_budget as usize)
            .with_memory_wait_timeout(Duration::from_millis(800)),
    )
    .await;
    let peers = 20u64;
    let header = {
        let mut buf = Vec::new();
        FrameHeader {
            flags: Flags::EMPTY,
            message_type: 20,
            correlation_id: 0,
            payload_len: MAX_FRAME,
        }
        .write(&mut buf);
        buf
    };
    let stop = CancellationToken::new();
    let peaks = sample_peaks(server.metrics.clone(), stop.clone());
    let mut slow = Vec::new();
    for _ in 0..peers {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        let (header, stop) = (header.clone(), stop.clone());
        slow.push(tokio::spawn(async move {
            stream.write_all(&header).await.unwrap();
            // 2 KiB every 10 ms: 200 KiB of the declared 256 KiB in a second.
            for _ in 0..100 {
                if stop.is_cancelled()
                    || timeout(Duration::from_millis(50), stream.write_all(&[1u8; 2048]))
                        .await
                        .is_ok_and(|written| written.is_err())
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            stream
        }));
    }
    probe(server.addr, 100).await;
    let streams: Vec<TcpStream> = futures_util::future::join_all(slow)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    stop.cancel();
    let (peak_in, _) = peaks.await.unwrap();
    eprintln!(
        "{peers} slow frames of {MAX_FRAME} bytes: the server held at most {peak_in} bytes; {} closed for the memory budget",
        server.metrics.memory_budget_closes()
    );
    // Without the budget: 20 x 200 KiB = 4,000 KiB.
    assert!(
        peak_in <= memory_budget + (peers + 1) * (16 + 64) * 1024,
        "{peak_in}"
    );
    assert!(server.metrics.memory_budget_closes() > 0);
    // The peers closed for the budget were told why; the others are still open (their
    // frames fit once the budget had room).
    let reasons = futures_util::future::join_all(streams.into_iter().map(|stream| async {
        timeout(Duration::from_secs(3), goodbye_from(stream))
            .await
            .ok()
            .map(|goodbye| goodbye.reason)
    }))
    .await;
    assert!(
        reasons.contains(&Some(GoodbyeReason::MemoryBudget)),
        "{reasons:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_peers_that_only_answer_pings_at_the_limit_are_evicted_for_a_new_client() {
    let peers = 1000;
    let server = start_echo(
        ServerConfig::new()
            .with_max_connections(peers)
            .with_idle_eviction_after(Some(Duration::from_secs(1)))
            .with_connection(
                small_connection().with_heartbeat_interval(Some(Duration::from_millis(500))),
            ),
    )
    .await;
    let mut idlers = Vec::new();
    for _ in 0..peers {
        let stream = TcpStream::connect(server.addr).await.unwrap();
        idlers.push(tokio::spawn(async move {
            // Answers every PING and sends nothing else, until the server says goodbye.
            let mut framed = Framed::new(stream, FrameCodec::<Packet>::new());
            while let Some(Ok(frame)) = framed.next().await {
                match frame {
                    Incoming::Control(Control::Ping { nonce })
                        if framed.send(Control::Pong { nonce }.into()).await.is_err() =>
                    {
                        return None;
                    }
                    Incoming::Control(Control::Goodbye(goodbye)) => return Some(goodbye.reason),
                    _ => {}
                }
            }
            None
        }));
    }
    while server.metrics.connections_open() < peers as u64 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await; // heartbeats answered meanwhile
    probe(server.addr, 5).await;
    assert!(server.metrics.idle_evictions() >= 1);
    assert_eq!(server.metrics.connections_refused(), 0);
    server.shutdown.cancel();
    let mut evicted = 0;
    for idler in idlers {
        if idler.await.unwrap() == Some(GoodbyeReason::IdleEviction) {
            evicted += 1;
        }
    }
    assert!(evicted >= 1);
    timeout(Duration::from_secs(20), server.serving)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_beyond_its_limit_is_refused_with_goodbye_5_and_others_are_not() {
    let server = start_echo(
        ServerConfig::new()
            .with_max_connections_per_address(Some(3))
            .with_connection(small_connection()),
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(
            client()
                .connect::<Packet, Packet>(server.addr)
                .await
                .unwrap(),
        );
    }
    while server.metrics.connections_open() < 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let fourth = TcpStream::connect(server.addr).await.unwrap();
    let goodbye = goodbye_from(fourth).await;
    assert_eq!(goodbye.reason, GoodbyeReason::ConnectionLimit);
    assert!(
        goodbye.message.contains("per address"),
        "{}",
        goodbye.message
    );
    assert_eq!(server.metrics.connections_refused(), 1);
    // A slot freed is a slot again.
    held.pop().unwrap().close().await;
    while server.metrics.connections_open() > 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut again = client()
        .connect::<Packet, Packet>(server.addr)
        .await
        .unwrap();
    again
        .send_correlated(1, Packet::numbered(5, 1))
        .await
        .unwrap();
    let echo = timeout(Duration::from_secs(5), again.recv()).await.unwrap();
    assert_eq!(echo.unwrap().unwrap().message.seq, 1);
    drop(held);
    server.stop().await;
}
