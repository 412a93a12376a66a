//! HELLO (SPEC.md §13.6) over loopback TCP, through the public API: compatible,
//! forward-compatible and incompatible peers; clients and servers that take no part
//! (HELLO off, or an older server written by hand); hostile HELLOs. Every wait is bounded.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::timeout;
use wirewright::rpc::{RpcClient, RpcClientConfig, RpcServer, RpcServerConfig};
use wirewright::schema::{Compatibility, Describe};
use wirewright::transport::{
    Backoff, CancellationToken, Client, ClientConfig, ConnectError, Connection, ConnectionError,
    Control, Goodbye, GoodbyeReason, Hello, HelloError, HelloMode, Metrics, PeerHello, Server,
    ServerConfig, Verdict,
};
use wirewright::{DecodeProtocol, FrameHeader, Limits, Protocol, HEADER_LEN, TRAILER_LEN};

/// The first revision of a chat protocol.
mod v1 {
    #[derive(wirewright::Message, Debug, Clone, PartialEq)]
    #[wire(id = 1)]
    pub(crate) struct Say {
        pub text: String,
    }

    #[derive(wirewright::Protocol, Debug, Clone, PartialEq)]
    pub(crate) enum Chat {
        Say(Say),
    }
}

/// Revision 2: a field appended to `Say` (`since = 2`) and a message added.
mod v2 {
    #[derive(wirewright::Message, Debug, Clone, PartialEq)]
    #[wire(id = 1)]
    pub(crate) struct Say {
        pub text: String,
        #[wire(since = 2)]
        pub mood: u32,
    }

    #[derive(wirewright::Message, Debug, Clone, PartialEq)]
    #[wire(id = 2)]
    pub(crate) struct Leave {
        pub nick: String,
    }

    #[derive(wirewright::Protocol, Debug, Clone, PartialEq)]
    pub(crate) enum Chat {
        Say(Say),
        Leave(Leave),
    }
}

/// A breaking change: `Say.text` became a number.
mod broken {
    #[derive(wirewright::Message, Debug, Clone, PartialEq)]
    #[wire(id = 1)]
    pub(crate) struct Say {
        pub text: u32,
    }

    #[derive(wirewright::Protocol, Debug, Clone, PartialEq)]
    pub(crate) enum Chat {
        Say(Say),
    }
}

const WAIT: Duration = Duration::from_secs(10);

/// A server of protocol `P` that echoes every message and reports what each client
/// announced.
struct Echo {
    addr: SocketAddr,
    metrics: Metrics,
    shutdown: CancellationToken,
    hellos: mpsc::UnboundedReceiver<Option<PeerHello>>,
}

async fn echo_server<P>(config: ServerConfig) -> Echo
where
    P: for<'de> DecodeProtocol<'de> + Protocol + Describe + Send + 'static,
{
    let server = Server::bind("127.0.0.1:0", config).await.expect("bind");
    let (addr, metrics, shutdown) = (
        server.local_addr().expect("addr"),
        server.metrics().clone(),
        server.shutdown_token(),
    );
    let (tx, hellos) = mpsc::unbounded_channel();
    tokio::spawn(server.serve(move |mut connection: Connection<P>| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(connection.peer_hello().cloned());
            while let Some(received) = connection.recv().await? {
                connection.send(received.message).await?;
            }
            Ok(())
        }
    }));
    Echo {
        addr,
        metrics,
        shutdown,
        hellos,
    }
}

fn client(hello: HelloMode) -> Client {
    Client::new(
        ClientConfig::new()
            .with_hello(hello)
            .with_backoff(Backoff::new().with_max_attempts(1)),
    )
}

async fn connect<P>(hello: HelloMode, addr: SocketAddr) -> Result<Connection<P>, ConnectError>
where
    P: for<'de> DecodeProtocol<'de> + Protocol + Describe + Send + 'static,
{
    timeout(WAIT, client(hello).connect::<P, P>(addr))
        .await
        .expect("connect within the wait")
}

/// Waits (bounded) until `done` holds: counters a server updates after its GOODBYE.
async fn eventually(done: impl Fn() -> bool) {
    timeout(WAIT, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("within the wait");
}

async fn next<P>(connection: &mut Connection<P>) -> P {
    timeout(WAIT, connection.recv())
        .await
        .expect("a message within the wait")
        .expect("the connection is open")
        .expect("a message")
        .message
}

#[tokio::test]
async fn compatible_peers_exchange_hello_and_talk() {
    let mut server = echo_server::<v1::Chat>(ServerConfig::new()).await;
    let mut connection = connect::<v1::Chat>(HelloMode::Optional, server.addr)
        .await
        .expect("connected");
    let announced = connection.peer_hello().expect("the server answered");
    assert_eq!(announced.hello, Hello::of(&v1::Chat::schema()));
    assert_eq!(announced.verdict, Verdict::Same);
    let server_saw = server.hellos.recv().await.expect("a connection");
    assert_eq!(
        server_saw.expect("the client sent HELLO").verdict,
        Verdict::Same
    );

    let say = v1::Chat::Say(v1::Say { text: "hi".into() });
    connection.send(say.clone()).await.expect("sent");
    assert_eq!(next(&mut connection).await, say);
    assert_eq!(server.metrics.hello_exchanges(), 1);
    assert_eq!(server.metrics.hello_rejections(), 0);
    server.shutdown.cancel();
}

#[tokio::test]
async fn a_revision_1_client_talks_with_a_revision_2_server() {
    let mut server = echo_server::<v2::Chat>(ServerConfig::new()).await;
    let mut connection = connect::<v1::Chat>(HelloMode::Required, server.addr)
        .await
        .expect("forward-compatible peers connect");

    let announced = connection.peer_hello().expect("the server answered");
    assert_eq!(announced.hello.revision, 2);
    let Verdict::Compatible(report) = &announced.verdict else {
        panic!("expected a compatible report, got {:?}", announced.verdict);
    };
    assert!(!report.is_breaking(), "{report}");
    assert!(
        report
            .differences
            .iter()
            .any(|d| d.compatibility == Compatibility::OldReaderNewWriter),
        "the added message is one-way: {report}"
    );
    let server_saw = server.hellos.recv().await.expect("a connection");
    let server_saw = server_saw.expect("the client sent HELLO");
    assert_eq!(server_saw.hello.revision, 1);
    assert!(matches!(server_saw.verdict, Verdict::Compatible(_)));

    // The server reads the old Say with its appended field defaulted, and echoes the
    // new Say, whose appended field the old client skips.
    let say = v1::Chat::Say(v1::Say {
        text: "hello".into(),
    });
    connection.send(say.clone()).await.expect("sent");
    assert_eq!(next(&mut connection).await, say);
    server.shutdown.cancel();
}

#[tokio::test]
async fn incompatible_peers_fail_at_connect_naming_both_ends() {
    let server = echo_server::<v1::Chat>(ServerConfig::new()).await;
    let err = connect::<broken::Chat>(HelloMode::Optional, server.addr)
        .await
        .expect_err("a breaking change");
    let ConnectError::Hello(HelloError::IncompatibleSchema {
        local,
        peer,
        difference,
    }) = &err
    else {
        panic!("expected IncompatibleSchema, got {err}");
    };
    assert_eq!(**local, Hello::of(&broken::Chat::schema()));
    assert_eq!(**peer, Hello::of(&v1::Chat::schema()));
    assert!(difference.starts_with("breaking: Say.text"), "{difference}");
    let text = err.to_string();
    for end in [local.fingerprint, peer.fingerprint] {
        assert!(text.contains(&format!("{end:016x}")), "{text}");
    }
    // The server refused it too (GOODBYE 9), without running its handler.
    eventually(|| server.metrics.hello_rejections() == 1).await;
    assert_eq!(server.metrics.hello_exchanges(), 0);
    server.shutdown.cancel();
}

#[tokio::test]
async fn the_server_answers_an_incompatible_hello_with_its_own_then_goodbye_9() {
    let server = echo_server::<v1::Chat>(ServerConfig::new()).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let mut hello = Vec::new();
    Hello::of(&broken::Chat::schema()).write(&mut hello);
    stream.write_all(&hello).await.expect("write");

    let answer = read_frame(&mut stream).await;
    let (server_hello, _) = Hello::read_frame(&answer, &Limits::default())
        .expect("a valid frame")
        .expect("a HELLO");
    assert_eq!(server_hello, Hello::of(&v1::Chat::schema()));
    let goodbye = read_goodbye(&mut stream).await;
    assert_eq!(goodbye.reason, GoodbyeReason::IncompatibleSchema);
    assert!(goodbye.message.contains("Say.text"), "{goodbye}");
    expect_close(&mut stream).await;
    server.shutdown.cancel();
}

#[tokio::test]
async fn a_client_without_hello_is_served_by_an_optional_server() {
    let mut server = echo_server::<v1::Chat>(ServerConfig::new()).await;
    let mut connection = connect::<v1::Chat>(HelloMode::Off, server.addr)
        .await
        .expect("connected");
    assert!(connection.peer_hello().is_none());
    let say = v1::Chat::Say(v1::Say { text: "old".into() });
    connection.send(say.clone()).await.expect("sent");
    assert_eq!(next(&mut connection).await, say);
    assert_eq!(server.hellos.recv().await.expect("a connection"), None);
    server.shutdown.cancel();
}

#[tokio::test]
async fn a_client_without_hello_is_refused_by_a_required_server_with_goodbye_10() {
    let config = ServerConfig::new().with_hello(HelloMode::Required);
    let server = echo_server::<v1::Chat>(config).await;
    let mut connection = connect::<v1::Chat>(HelloMode::Off, server.addr)
        .await
        .expect("TCP connects");
    let say = v1::Chat::Say(v1::Say { text: "old".into() });
    connection.send(say).await.expect("sent");
    let outcome = timeout(WAIT, connection.recv()).await.expect("an answer");
    assert!(
        matches!(
            outcome,
            Err(ConnectionError::Goodbye {
                reason: GoodbyeReason::HelloRequired,
                ..
            })
        ),
        "{outcome:?}"
    );
    eventually(|| server.metrics.hello_rejections() == 1).await;
    server.shutdown.cancel();
}

#[tokio::test]
async fn a_silent_client_is_refused_by_a_required_server_after_its_hello_timeout() {
    let config = ServerConfig::new()
        .with_hello(HelloMode::Required)
        .with_hello_timeout(Duration::from_millis(100));
    let server = echo_server::<v1::Chat>(config).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let goodbye = read_goodbye(&mut stream).await;
    assert_eq!(goodbye.reason, GoodbyeReason::HelloRequired);
    expect_close(&mut stream).await;
    server.shutdown.cancel();
}

/// A server of an earlier version, by hand: it rejects an unknown control kind with
/// GOODBYE 4 and closes; otherwise it echoes every frame. Counts its connections.
async fn older_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                loop {
                    let Some(frame) = try_read_frame(&mut stream).await else {
                        return;
                    };
                    if frame[5] == 0x02 && frame[6] > 3 {
                        let mut goodbye = Vec::new();
                        let bye =
                            Goodbye::new(GoodbyeReason::ProtocolError, "unknown control kind");
                        Control::Goodbye(bye).write(&mut goodbye);
                        let _ = stream.write_all(&goodbye).await;
                        return;
                    }
                    if frame[5] == 0x02 {
                        return; // a GOODBYE (or PING): done
                    }
                    if stream.write_all(&frame).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, accepted)
}

#[tokio::test]
async fn an_optional_client_connects_again_without_hello_to_an_older_server() {
    let (addr, accepted) = older_server().await;
    let mut connection = connect::<v1::Chat>(HelloMode::Optional, addr)
        .await
        .expect("connected on the second attempt");
    assert!(connection.peer_hello().is_none());
    eventually(|| accepted.load(Ordering::SeqCst) == 2).await;
    let say = v1::Chat::Say(v1::Say { text: "hi".into() });
    connection.send(say.clone()).await.expect("sent");
    assert_eq!(next(&mut connection).await, say);
}

#[tokio::test]
async fn a_required_client_gets_a_typed_error_from_an_older_server() {
    let (addr, accepted) = older_server().await;
    let err = connect::<v1::Chat>(HelloMode::Required, addr)
        .await
        .expect_err("no HELLO in answer");
    let ConnectError::Hello(HelloError::Closed {
        goodbye: Some(goodbye),
    }) = &err
    else {
        panic!("expected Closed with the GOODBYE, got {err}");
    };
    assert_eq!(goodbye.reason, GoodbyeReason::ProtocolError);
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "no second attempt");
}

#[tokio::test]
async fn an_optional_client_and_a_server_with_hello_off_talk_without_it() {
    let config = ServerConfig::new().with_hello(HelloMode::Off);
    let server = echo_server::<v1::Chat>(config).await;
    let mut connection = connect::<v1::Chat>(HelloMode::Optional, server.addr)
        .await
        .expect("connected without HELLO");
    assert!(connection.peer_hello().is_none());
    let say = v1::Chat::Say(v1::Say { text: "hi".into() });
    connection.send(say.clone()).await.expect("sent");
    assert_eq!(next(&mut connection).await, say);
    server.shutdown.cancel();
}

#[tokio::test]
async fn a_hello_longer_than_the_limit_is_refused_before_it_is_read() {
    let server = echo_server::<v1::Chat>(ServerConfig::new()).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    // A header announcing a 1 MiB HELLO, and a little of its payload.
    let header = FrameHeader {
        flags: wirewright::Flags::CONTROL,
        message_type: Control::HELLO,
        correlation_id: 0,
        payload_len: 1 << 20,
    };
    stream.write_all(&header.to_bytes()).await.expect("write");
    stream.write_all(&[0x61; 1000]).await.expect("write");
    let goodbye = read_goodbye(&mut stream).await;
    assert_eq!(goodbye.reason, GoodbyeReason::ProtocolError);
    assert!(goodbye.message.contains("exceeds"), "{goodbye}");
    eventually(|| server.metrics.hello_rejections() == 1).await;
    server.shutdown.cancel();
}

#[tokio::test]
async fn a_hello_with_garbage_schema_text_is_refused_with_goodbye_4() {
    let server = echo_server::<v1::Chat>(ServerConfig::new()).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let hostile = Hello {
        protocol: "Chat".into(),
        fingerprint: 7,
        revision: 1,
        schema: Some(format!(
            "wirewright schema 1\nroot {}",
            "seq<".repeat(15_000)
        )),
    };
    let mut frame = Vec::new();
    hostile.write(&mut frame);
    assert!(frame.len() < Hello::MAX_FRAME_LEN);
    stream.write_all(&frame).await.expect("write");
    let goodbye = read_goodbye(&mut stream).await;
    assert_eq!(goodbye.reason, GoodbyeReason::ProtocolError);
    assert!(goodbye.message.contains("schema text"), "{goodbye}");
    expect_close(&mut stream).await;

    // The server still serves a well-behaved client.
    let mut connection = connect::<v1::Chat>(HelloMode::Required, server.addr)
        .await
        .expect("connected");
    let say = v1::Chat::Say(v1::Say { text: "ok".into() });
    connection.send(say.clone()).await.expect("sent");
    assert_eq!(next(&mut connection).await, say);
    server.shutdown.cancel();
}

/// A hand-written server whose first frame is `frame`, after reading the client's HELLO.
async fn server_answering(frame: Vec<u8>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        if let Ok((mut stream, _)) = listener.accept().await {
            let _ = try_read_frame(&mut stream).await;
            let _ = stream.write_all(&frame).await;
            let mut rest = Vec::new();
            let _ = timeout(WAIT, stream.read_to_end(&mut rest)).await;
        }
    });
    addr
}

#[tokio::test]
async fn a_client_given_a_hostile_hello_gets_a_typed_error() {
    let garbage = Hello {
        protocol: "Chat".into(),
        fingerprint: 1,
        revision: 1,
        schema: Some("\u{0}not a schema\n".repeat(3000)),
    };
    let mut frame = Vec::new();
    garbage.write(&mut frame);
    let addr = server_answering(frame).await;
    let err = connect::<v1::Chat>(HelloMode::Optional, addr)
        .await
        .expect_err("malformed schema text");
    assert!(
        matches!(err, ConnectError::Hello(HelloError::SchemaText(_))),
        "{err}"
    );

    // A HELLO frame with a bad CRC.
    let mut frame = Vec::new();
    Hello::of(&v1::Chat::schema()).write(&mut frame);
    let last = frame.len() - 1;
    frame[last] ^= 0xff;
    let addr = server_answering(frame).await;
    let err = connect::<v1::Chat>(HelloMode::Optional, addr)
        .await
        .expect_err("bad CRC");
    assert!(
        matches!(err, ConnectError::Hello(HelloError::Malformed(_))),
        "{err}"
    );
}

#[tokio::test]
async fn rpc_peers_with_incompatible_error_types_fail_at_connect() {
    #[derive(wirewright::Message, Debug, Clone, PartialEq)]
    #[wire(id = 10)]
    struct Square(u32);

    let server = Server::bind("127.0.0.1:0", ServerConfig::new())
        .await
        .expect("bind");
    let addr = server.local_addr().expect("addr");
    let shutdown = server.shutdown_token();
    let rpc = RpcServer::new(RpcServerConfig::new(), |Square(n): Square| async move {
        Ok::<_, String>(Square(n * n))
    });
    tokio::spawn(rpc.serve(server));
    let config = || {
        RpcClientConfig::new()
            .with_client(ClientConfig::new().with_backoff(Backoff::new().with_max_attempts(1)))
    };

    let same = RpcClient::<Square, Square, String>::connect(addr, config())
        .await
        .expect("the same schema");
    assert_eq!(same.call(Square(7)).await.expect("answered"), Square(49));

    let err = RpcClient::<Square, Square, u32>::connect(addr, config())
        .await
        .expect_err("the error type changed");
    let ConnectError::Hello(HelloError::IncompatibleSchema { local, peer, .. }) = &err else {
        panic!("expected IncompatibleSchema, got {err}");
    };
    assert_eq!(local.protocol, "(Square, Square, u32)");
    assert_eq!(peer.protocol, "(Square, Square, string)");
    shutdown.cancel();
}

async fn try_read_frame(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut frame = vec![0; HEADER_LEN];
    timeout(WAIT, stream.read_exact(&mut frame))
        .await
        .ok()?
        .ok()?;
    let header = FrameHeader::parse(&frame, &Limits::default()).ok()??;
    let mut rest = vec![0; header.payload_len as usize + TRAILER_LEN];
    timeout(WAIT, stream.read_exact(&mut rest))
        .await
        .ok()?
        .ok()?;
    frame.extend(rest);
    Some(frame)
}

async fn read_frame(stream: &mut TcpStream) -> Vec<u8> {
    try_read_frame(stream).await.expect("a whole frame")
}

async fn read_goodbye(stream: &mut TcpStream) -> Goodbye {
    let frame = read_frame(stream).await;
    let header = FrameHeader::parse(&frame, &Limits::default())
        .expect("a header")
        .expect("whole");
    let payload = wirewright::bytes::Bytes::copy_from_slice(&frame[HEADER_LEN..frame.len() - 4]);
    match Control::parse(&header, &payload, &Limits::default()) {
        Ok(Control::Goodbye(goodbye)) => goodbye,
        other => panic!("expected a GOODBYE, got {other:?}"),
    }
}

async fn expect_close(stream: &mut TcpStream) {
    let mut byte = [0u8; 1];
    match timeout(WAIT, stream.read(&mut byte)).await {
        Ok(Ok(0)) | Ok(Err(_)) => {}
        Ok(Ok(_)) => panic!("the server sent {:02x} instead of closing", byte[0]),
        Err(_) => panic!("the server did not close"),
    }
}
