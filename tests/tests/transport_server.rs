//! The server and client over loopback TCP: echo, a thousand concurrent clients, graceful
//! shutdown with messages in flight, the connection limit, misbehaving peers, retries.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_util::codec::Framed;
use wirewright::bytes::BytesMut;
use wirewright::transport::{
    Backoff, CancellationToken, Client, ClientConfig, Connection, ConnectionConfig,
    ConnectionError, Control, FrameCodec, GoodbyeReason, Incoming, Metrics, Server, ServerConfig,
};
use wirewright_tests::transport_types::Packet;

/// A running server and what a test needs to drive it.
struct Running {
    addr: SocketAddr,
    shutdown: CancellationToken,
    metrics: Metrics,
    serving: JoinHandle<std::io::Result<()>>,
}

/// Echoes every message back with its correlation id, after `release` is cancelled.
async fn start_echo(config: ServerConfig, release: CancellationToken) -> Running {
    let server = Server::bind("127.0.0.1:0", config).await.unwrap();
    let running = Running {
        addr: server.local_addr().unwrap(),
        shutdown: server.shutdown_token(),
        metrics: server.metrics().clone(),
        serving: tokio::spawn(server.serve(move |mut connection: Connection<Packet>| {
            let release = release.clone();
            async move {
                release.cancelled().await;
                while let Some(received) = connection.recv().await? {
                    let id = received.correlation_id();
                    connection.send_correlated(id, received.message).await?;
                }
                Ok(())
            }
        })),
    };
    running
}

fn released() -> CancellationToken {
    let token = CancellationToken::new();
    token.cancel();
    token
}

fn client() -> Client {
    Client::new(ClientConfig::new().with_backoff(Backoff::new().with_max_attempts(20)))
}

/// Sends `count` numbered packets, then reads the echoes; returns them.
async fn exchange(connection: &mut Connection<Packet>, client: u32, count: u32) -> Vec<Packet> {
    for seq in 0..count {
        connection
            .send_correlated(seq + 1, Packet::numbered(client, seq))
            .await
            .unwrap();
    }
    let mut echoes = Vec::new();
    for _ in 0..count {
        let received = connection.recv().await.unwrap().unwrap();
        assert_eq!(received.correlation_id(), received.message.seq + 1);
        echoes.push(received.message);
    }
    echoes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_round_trip() {
    let server = start_echo(ServerConfig::new(), released()).await;
    let mut connection = client().connect(server.addr).await.unwrap();
    assert_eq!(connection.peer_addr(), Some(server.addr));
    let echoes = exchange(&mut connection, 1, 3).await;
    assert_eq!(
        echoes,
        (0..3)
            .map(|seq| Packet::numbered(1, seq))
            .collect::<Vec<_>>()
    );
    connection.close().await;

    server.shutdown.cancel();
    server.serving.await.unwrap().unwrap();
    let metrics = server.metrics.snapshot();
    assert_eq!(metrics.connections_accepted, 1);
    assert_eq!(metrics.connections_open, 0);
    assert_eq!(metrics.connections_peak, 1);
    assert!(
        metrics.frames_in >= 4 && metrics.frames_out >= 4,
        "{metrics:?}"
    );
    assert!(metrics.bytes_in > 0 && metrics.bytes_out > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_clients_each_send_a_hundred_messages_received_once_in_order() {
    rlimit::increase_nofile_limit(4096).unwrap();
    let config = ServerConfig::new().with_max_connections(2000);
    let server = start_echo(config, released()).await;
    let client = client();
    let mut clients = tokio::task::JoinSet::new();
    for id in 0..1000 {
        let client = client.clone();
        let addr = server.addr;
        clients.spawn(async move {
            let mut connection = client.connect::<Packet, Packet>(addr).await.unwrap();
            let echoes = exchange(&mut connection, id, 100).await;
            connection.close().await;
            (id, echoes)
        });
    }
    let mut finished = 0;
    while let Some(joined) = clients.join_next().await {
        let (id, echoes) = joined.unwrap();
        let expected: Vec<Packet> = (0..100).map(|seq| Packet::numbered(id, seq)).collect();
        assert_eq!(echoes, expected, "client {id}: each message once, in order");
        finished += 1;
    }
    assert_eq!(finished, 1000);
    let metrics = server.metrics.snapshot();
    assert_eq!(metrics.connections_accepted, 1000);
    assert_eq!(metrics.connections_refused, 0);
    assert_eq!(metrics.protocol_errors, 0);
    server.shutdown.cancel();
    server.serving.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_with_a_thousand_messages_in_flight_loses_none() {
    let release = CancellationToken::new();
    let config = ServerConfig::new()
        .with_shutdown_grace(Duration::from_secs(20))
        .with_connection(
            // A short receive queue: most of the messages wait in the sockets. The
            // goodbye timeout (5 s) does not cut the shutdown grace short.
            ConnectionConfig::new().with_receive_queue(8),
        );
    let server = start_echo(config, release.clone()).await;
    let client = client();
    // Ten clients queue 100 messages each; the handlers hold them until released.
    let mut connections = Vec::new();
    for id in 0..10 {
        let connection = client.connect::<Packet, Packet>(server.addr).await.unwrap();
        for seq in 0..100 {
            connection.send(Packet::numbered(id, seq)).await.unwrap();
        }
        connections.push(connection);
    }
    // Each connection has read what its queue holds, and stopped.
    while server.metrics.frames_in() < 10 * 9 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(server.metrics.frames_in() < 1000);

    server.shutdown.cancel();
    // Connections made while the listener was closing may be reset; after that, every
    // new connection is refused.
    let refused = async {
        loop {
            match TcpStream::connect(server.addr).await {
                Err(err) if err.kind() == std::io::ErrorKind::ConnectionRefused => break,
                _ => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), refused)
        .await
        .expect("new connections are refused once shutdown begins");

    release.cancel(); // the in-flight messages are handled now
    for (id, mut connection) in connections.into_iter().enumerate() {
        for seq in 0..100 {
            let received = connection.recv().await.unwrap().unwrap();
            assert_eq!(received.message, Packet::numbered(id as u32, seq));
        }
        let end = connection.recv().await.unwrap_err();
        assert!(
            matches!(
                end,
                ConnectionError::Goodbye {
                    reason: GoodbyeReason::ShuttingDown,
                    ..
                }
            ),
            "{end}"
        );
    }
    tokio::time::timeout(Duration::from_secs(10), server.serving)
        .await
        .expect("shutdown finishes before its deadline")
        .unwrap()
        .unwrap();
    assert_eq!(server.metrics.connections_open(), 0);
    assert_eq!(server.metrics.connections_peak(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handler_may_finish_its_work_after_the_shutdown_handshake() {
    // The idle timeout is shorter than the handler's last piece of work: once the
    // client has answered the GOODBYE the server is not waiting for it any more.
    let connection = ConnectionConfig::new().with_idle_timeout(Some(Duration::from_millis(200)));
    let server = Server::bind(
        "127.0.0.1:0",
        ServerConfig::new().with_connection(connection),
    )
    .await
    .unwrap();
    let addr = server.local_addr().unwrap();
    let shutdown = server.shutdown_token();
    let serving = tokio::spawn(
        server.serve(|mut connection: Connection<Packet>| async move {
            while let Some(received) = connection.recv().await? {
                connection.send(received.message).await?;
            }
            tokio::time::sleep(Duration::from_millis(600)).await;
            connection.send(Packet::numbered(99, 0)).await
        }),
    );
    let mut connection = client().connect::<Packet, Packet>(addr).await.unwrap();
    connection.send(Packet::numbered(1, 0)).await.unwrap();
    assert_eq!(connection.recv().await.unwrap().unwrap().message.client, 1);
    shutdown.cancel();
    let last = connection.recv().await.unwrap().unwrap();
    assert_eq!(last.message, Packet::numbered(99, 0));
    assert!(matches!(
        connection.recv().await,
        Err(ConnectionError::Goodbye {
            reason: GoodbyeReason::ShuttingDown,
            ..
        })
    ));
    serving.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_beyond_the_limit_gets_goodbye_and_the_others_carry_on() {
    let config = ServerConfig::new().with_max_connections(2);
    let server = start_echo(config, released()).await;
    let client = client();
    let mut first = client.connect(server.addr).await.unwrap();
    let mut second = client.connect(server.addr).await.unwrap();
    exchange(&mut first, 1, 1).await;
    exchange(&mut second, 2, 1).await;

    let mut third = client.connect::<Packet, Packet>(server.addr).await.unwrap();
    let refused = tokio::time::timeout(Duration::from_secs(5), third.recv())
        .await
        .expect("a clean refusal, not a hang")
        .unwrap_err();
    assert!(
        matches!(
            refused,
            ConnectionError::Goodbye {
                reason: GoodbyeReason::ConnectionLimit,
                ..
            }
        ),
        "{refused}"
    );
    assert_eq!(server.metrics.connections_refused(), 1);
    exchange(&mut first, 1, 10).await;
    exchange(&mut second, 2, 10).await;
    server.shutdown.cancel();
    server.serving.await.unwrap().unwrap();
}

/// Connects raw TCP, writes `bytes`, and returns the GOODBYE the server answers with.
async fn misbehave(addr: SocketAddr, bytes: &[u8]) -> wirewright::transport::Goodbye {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut framed = Framed::new(stream, FrameCodec::<Packet>::new());
    let frame = tokio::time::timeout(Duration::from_secs(5), framed.next())
        .await
        .expect("an answer, not a hang");
    let Some(Ok(Incoming::Control(Control::Goodbye(goodbye)))) = frame else {
        panic!("expected GOODBYE, got {frame:?}")
    };
    // Then the server closes.
    let mut rest = Vec::new();
    let mut stream = framed.into_inner();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest))
        .await
        .unwrap()
        .unwrap();
    goodbye
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misbehaving_peers_are_closed_with_their_error_and_others_finish() {
    let server = start_echo(ServerConfig::new(), released()).await;
    let client = client();
    let mut good = client.connect(server.addr).await.unwrap();
    let behaving = tokio::spawn(async move {
        let mut echoes = 0;
        for round in 0..20 {
            echoes += exchange(&mut good, 7, 10).await.len();
            if round == 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        good.close().await;
        echoes
    });

    let mut bad_crc = BytesMut::new();
    wirewright::frame::encode_frame(&Packet::numbered(1, 1), 0, &mut bad_crc).unwrap();
    let last = bad_crc.len() - 1;
    bad_crc[last] ^= 0xff;
    let claims_4_gib = b"WWRT\x01\x00\x14\x00\x00\x00\x00\x00\xff\xff\xff\xff";

    let garbage = misbehave(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let crc = misbehave(server.addr, &bad_crc).await;
    let huge = misbehave(server.addr, claims_4_gib).await;
    for (goodbye, expected) in [
        (garbage, "bad magic"),
        (crc, "CRC mismatch"),
        (huge, "frame too large: payload length 4294967295"),
    ] {
        assert_eq!(goodbye.reason, GoodbyeReason::ProtocolError);
        assert!(
            goodbye.message.contains(expected),
            "{:?} should mention {expected:?}",
            goodbye.message
        );
    }

    assert_eq!(behaving.await.unwrap(), 200);
    let metrics = server.metrics.snapshot();
    assert_eq!(metrics.protocol_errors, 3, "{metrics:?}");
    assert_eq!(metrics.crc_failures, 1);
    server.shutdown.cancel();
    server.serving.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn client_retries_with_capped_backoff_then_reports_the_last_error() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let backoff = Backoff::new()
        .with_max_attempts(6)
        .with_initial_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_millis(400));
    let client = Client::new(ClientConfig::new().with_backoff(backoff));
    let start = tokio::time::Instant::now();
    let err = client.connect::<Packet, Packet>(closed).await.unwrap_err();
    let wirewright::transport::ConnectError::Exhausted { attempts, last } = err else {
        panic!("{err}")
    };
    assert_eq!(attempts, 6);
    assert_eq!(last.kind(), std::io::ErrorKind::ConnectionRefused);
    // Five waits, each at most its ceiling: 100 + 200 + 400 + 400 + 400 ms.
    assert!(
        start.elapsed() <= Duration::from_millis(1500),
        "{:?}",
        start.elapsed()
    );
    for retry in 0..5 {
        assert!(backoff.delay(retry) <= backoff.ceiling(retry));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_connects_once_the_server_comes_up() {
    let addr = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let backoff = Backoff::new()
        .with_max_attempts(50)
        .with_initial_delay(Duration::from_millis(20))
        .with_max_delay(Duration::from_millis(50));
    let client = Client::new(ClientConfig::new().with_backoff(backoff));
    let connecting = tokio::spawn(async move { client.connect::<Packet, Packet>(addr).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!connecting.is_finished());
    let server = Server::bind(addr, ServerConfig::new()).await.unwrap();
    let shutdown = server.shutdown_token();
    let serving = tokio::spawn(
        server.serve(|mut connection: Connection<Packet>| async move {
            while let Some(received) = connection.recv().await? {
                connection.send(received.message).await?;
            }
            Ok(())
        }),
    );
    let mut connection = connecting.await.unwrap().unwrap();
    connection.send(Packet::numbered(1, 1)).await.unwrap();
    assert_eq!(
        connection.recv().await.unwrap().unwrap().message,
        Packet::numbered(1, 1)
    );
    connection.close().await;
    shutdown.cancel();
    serving.await.unwrap().unwrap();
}
