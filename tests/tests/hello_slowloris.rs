//! HELLO slowloris (issue 14): many connections each start a near-maximal HELLO (about
//! 60 KiB of schema text, under `Hello::MAX_FRAME_LEN`) and never finish it. The bytes
//! the server reads of them count in its memory budget (`Metrics::bytes_buffered_in`)
//! from the moment they arrive, and once the budget is spent an exchange holding the
//! budget's floor (16 KiB) stops reading: the server holds about the floor per such
//! connection, not the 60 KiB each announced, while a well-behaved client connects with
//! its own HELLO and is served. And the HELLO a server keeps with a connection (for
//! `Connection::peer_hello`) counts until the connection ends. Asserts on bytes held,
//! never on timing.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::{sleep, timeout, Instant};
use wirewright::transport::{
    Client, ClientConfig, Connection, Hello, HelloMode, Metrics, Server, ServerConfig,
};
use wirewright_tests::transport_types::Packet;

/// Connections sending a HELLO they never finish.
const SLOW_PEERS: u64 = 16;
/// The server's memory budget: a fraction of what the slow peers announce.
const MEMORY_BUDGET: u64 = 64 * 1024;
/// The budget's floor (`ServerConfig::memory_budget`): a connection holding less keeps
/// reading when the budget is spent.
const FLOOR: u64 = 16 * 1024;
/// The schema text of each slow HELLO.
const TEXT_LEN: usize = 60 * 1024;

/// A HELLO of about `TEXT_LEN` bytes of schema text.
fn near_max_hello() -> Vec<u8> {
    let hello = Hello {
        protocol: "Packet".into(),
        fingerprint: 1,
        revision: 1,
        schema: Some("x".repeat(TEXT_LEN)),
    };
    let mut frame = Vec::new();
    hello.write(&mut frame);
    assert!(frame.len() > TEXT_LEN && frame.len() <= Hello::MAX_FRAME_LEN);
    frame
}

/// Sends all of `frame` but its last byte, in 4 KiB pieces, then holds the connection.
async fn slow_peer(addr: std::net::SocketAddr, frame: Arc<Vec<u8>>) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    for piece in frame[..frame.len() - 1].chunks(4096) {
        stream.write_all(piece).await.unwrap();
        sleep(Duration::from_millis(2)).await;
    }
    stream
}

/// Samples `bytes_buffered_in` until `stop`, keeping the peak.
fn sample_peak(metrics: Metrics, stop: Arc<AtomicBool>, peak: Arc<AtomicU64>) {
    tokio::spawn(async move {
        while !stop.load(Ordering::Relaxed) {
            peak.fetch_max(metrics.bytes_buffered_in(), Ordering::Relaxed);
            sleep(Duration::from_millis(1)).await;
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_near_max_hellos_are_held_to_the_memory_budget_while_a_client_is_served() {
    let config = ServerConfig::new()
        .with_memory_budget(MEMORY_BUDGET as usize)
        .with_hello(HelloMode::Optional)
        .with_hello_timeout(Duration::from_secs(30))
        .with_shutdown_grace(Duration::from_secs(2));
    let server = Server::bind("127.0.0.1:0", config).await.unwrap();
    let addr = server.local_addr().unwrap();
    let metrics = server.metrics().clone();
    let shutdown = server.shutdown_token();
    let serving = tokio::spawn(
        server.serve(|mut connection: Connection<Packet>| async move {
            while let Some(received) = connection.recv().await? {
                connection.send(received.message).await?;
            }
            Ok(())
        }),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    sample_peak(metrics.clone(), Arc::clone(&stop), Arc::clone(&peak));

    // The slow peers: each has sent all but one byte of its HELLO.
    let frame = Arc::new(near_max_hello());
    let mut peers = Vec::new();
    for _ in 0..SLOW_PEERS {
        peers.push(tokio::spawn(slow_peer(addr, Arc::clone(&frame))));
    }
    let mut slow = Vec::new();
    for peer in peers {
        slow.push(peer.await.unwrap());
    }
    // The server reads each until the budget is spent and the peer holds the floor.
    let deadline = Instant::now() + Duration::from_secs(20);
    while metrics.bytes_buffered_in() < SLOW_PEERS * FLOOR {
        assert!(
            Instant::now() < deadline,
            "the slow HELLOs are not counted: {} bytes buffered in",
            metrics.bytes_buffered_in()
        );
        sleep(Duration::from_millis(5)).await;
    }

    // A well-behaved client: its HELLO is small, it is answered and its packets echoed.
    let client = Client::new(ClientConfig::new());
    let mut connection: Connection<Packet> = timeout(Duration::from_secs(20), client.connect(addr))
        .await
        .expect("the client connects while the slow HELLOs are held")
        .unwrap();
    assert!(connection.peer_hello().is_some(), "the HELLO exchange ran");
    for seq in 0..20 {
        connection.send(Packet::numbered(1, seq)).await.unwrap();
        let echoed = timeout(Duration::from_secs(20), connection.recv())
            .await
            .expect("an echo while the slow HELLOs are held")
            .unwrap()
            .expect("the connection stays open");
        assert_eq!(echoed.message, Packet::numbered(1, seq));
    }
    connection.close().await;
    let held = metrics.bytes_buffered_in();
    stop.store(true, Ordering::Relaxed);
    let peak = peak.load(Ordering::Relaxed);

    // Announced: 16 × 60 KiB. Held: the budget, and under twice the floor per peer (one
    // read may take a peer below the floor past it).
    let announced = SLOW_PEERS * frame.len() as u64;
    let bound = MEMORY_BUDGET + SLOW_PEERS * 2 * FLOOR;
    assert!(
        peak <= bound && bound < announced,
        "peak {peak} bytes buffered in, over {bound} (the peers announced {announced})"
    );
    assert!(
        held >= SLOW_PEERS * FLOOR,
        "the held HELLOs are still counted: {held}"
    );

    // The server stops (its exchanges end within the shutdown grace): every byte is
    // given back.
    shutdown.cancel();
    timeout(Duration::from_secs(20), serving)
        .await
        .expect("the server shuts down")
        .unwrap()
        .unwrap();
    drop(slow);
    assert_eq!(
        metrics.bytes_buffered_in(),
        0,
        "bytes still counted after the server stopped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clients_hello_kept_with_its_connection_counts_until_the_connection_ends() {
    let config = ServerConfig::new().with_shutdown_grace(Duration::from_secs(2));
    let server = Server::bind("127.0.0.1:0", config).await.unwrap();
    let addr = server.local_addr().unwrap();
    let metrics = server.metrics().clone();
    let shutdown = server.shutdown_token();
    let serving = tokio::spawn(
        server.serve(|mut connection: Connection<Packet>| async move {
            while let Some(received) = connection.recv().await? {
                connection.send(received.message).await?;
            }
            Ok(())
        }),
    );
    // What the client announces: its protocol's name and schema text.
    let hello = Hello::of(&<Packet as wirewright::schema::Describe>::schema());
    let kept = (hello.protocol.len() + hello.schema.as_ref().map_or(0, String::len)) as u64;
    assert!(kept > 0);

    let client = Client::new(ClientConfig::new());
    let mut connection: Connection<Packet> = client.connect(addr).await.unwrap();
    connection.send(Packet::numbered(1, 1)).await.unwrap();
    let echoed = connection.recv().await.unwrap().expect("an echo");
    assert_eq!(echoed.message, Packet::numbered(1, 1));
    // Idle, the connection holds the HELLO it keeps for `Connection::peer_hello`.
    let deadline = Instant::now() + Duration::from_secs(20);
    while metrics.bytes_buffered_in() != kept {
        assert!(
            Instant::now() < deadline,
            "{} bytes buffered in, the kept HELLO is {kept}",
            metrics.bytes_buffered_in()
        );
        sleep(Duration::from_millis(5)).await;
    }
    connection.close().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while metrics.bytes_buffered_in() != 0 {
        assert!(
            Instant::now() < deadline,
            "{} bytes still counted after the connection ended",
            metrics.bytes_buffered_in()
        );
        sleep(Duration::from_millis(5)).await;
    }
    shutdown.cancel();
    timeout(Duration::from_secs(20), serving)
        .await
        .expect("the server shuts down")
        .unwrap()
        .unwrap();
}
