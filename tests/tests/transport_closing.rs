//! Closing over loopback TCP: a peer that half-closes still gets every reply, messages
//! before a GOODBYE are all answered, and a graceful shutdown gives an exchange in
//! progress its whole grace (not the shorter goodbye timeout).
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::timeout;
use tokio_util::codec::Framed;
use wirewright::transport::{
    CancellationToken, Connection, ConnectionConfig, Control, FrameCodec, Goodbye, GoodbyeReason,
    Incoming, Metrics, Server, ServerConfig,
};
use wirewright_tests::transport_types::Packet;

struct Running {
    addr: SocketAddr,
    shutdown: CancellationToken,
    metrics: Metrics,
    serving: JoinHandle<std::io::Result<()>>,
}

/// Echoes every message; a message with body "slow" is answered after `slow`.
async fn start_echo(config: ServerConfig, slow: Duration) -> Running {
    let server = Server::bind("127.0.0.1:0", config).await.unwrap();
    Running {
        addr: server.local_addr().unwrap(),
        shutdown: server.shutdown_token(),
        metrics: server.metrics().clone(),
        serving: tokio::spawn(
            server.serve(move |mut connection: Connection<Packet>| async move {
                while let Some(received) = connection.recv().await? {
                    if received.message.body.as_ref() == b"slow" {
                        tokio::time::sleep(slow).await;
                    }
                    let id = received.correlation_id();
                    connection.send_correlated(id, received.message).await?;
                }
                Ok(())
            }),
        ),
    }
}

type Raw = Framed<TcpStream, FrameCodec<Packet>>;

async fn raw(addr: SocketAddr) -> Raw {
    Framed::new(TcpStream::connect(addr).await.unwrap(), FrameCodec::new())
}

/// Reads every frame until the end of the stream: the messages, then the GOODBYE.
async fn read_to_end(raw: &mut Raw) -> (Vec<Packet>, Option<Goodbye>) {
    let mut messages = Vec::new();
    let mut goodbye = None;
    while let Some(frame) = timeout(Duration::from_secs(10), raw.next()).await.unwrap() {
        match frame.unwrap() {
            Incoming::Message(received) => messages.push(received.message),
            Incoming::Control(Control::Goodbye(said)) => goodbye = Some(said),
            Incoming::Control(_) => {}
        }
    }
    (messages, goodbye)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_close_after_200_pipelined_messages_gets_200_replies() {
    let server = start_echo(ServerConfig::new(), Duration::ZERO).await;
    let mut raw = raw(server.addr).await;
    for seq in 1..=200 {
        raw.feed(Packet::numbered(1, seq).into()).await.unwrap();
    }
    raw.flush().await.unwrap();
    raw.get_mut().shutdown().await.unwrap(); // half-close: no GOODBYE, no more writes
    let (replies, goodbye) = read_to_end(&mut raw).await;
    assert_eq!(replies.len(), 200);
    assert!(replies.iter().zip(1..).all(|(reply, seq)| reply.seq == seq));
    assert_eq!(goodbye.map(|said| said.reason), Some(GoodbyeReason::Normal));
    server.shutdown.cancel();
    server.serving.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_then_goodbye_are_all_answered_before_the_answering_goodbye() {
    let server = start_echo(ServerConfig::new(), Duration::ZERO).await;
    let mut raw = raw(server.addr).await;
    for seq in 1..=100 {
        raw.feed(Packet::numbered(1, seq).into()).await.unwrap();
    }
    let goodbye = Goodbye::new(GoodbyeReason::Normal, "");
    raw.send(Control::Goodbye(goodbye).into()).await.unwrap();
    let mut replies = Vec::new();
    loop {
        match timeout(Duration::from_secs(10), raw.next()).await.unwrap() {
            Some(Ok(Incoming::Message(received))) => replies.push(received.message.seq),
            Some(Ok(Incoming::Control(Control::Goodbye(answer)))) => {
                assert_eq!(answer.reason, GoodbyeReason::Normal);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(replies, (1..=100).collect::<Vec<_>>());
    raw.get_mut().shutdown().await.unwrap(); // end our stream, as SPEC.md §7 asks
    server.shutdown.cancel();
    server.serving.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_seven_second_exchange_during_shutdown_with_a_ten_second_grace_completes() {
    let config = ServerConfig::new()
        .with_shutdown_grace(Duration::from_secs(10))
        .with_connection(ConnectionConfig::new().with_goodbye_timeout(Duration::from_secs(5)));
    let server = start_echo(config, Duration::from_secs(7)).await;
    let mut raw = raw(server.addr).await;
    let slow = Packet {
        client: 1,
        seq: 1,
        body: wirewright::bytes::Bytes::from_static(b"slow"),
    };
    raw.send(slow.into()).await.unwrap();
    while server.metrics.frames_in() < 1 {
        tokio::task::yield_now().await;
    }
    server.shutdown.cancel();
    let mut reply = None;
    let mut goodbyes = Vec::new();
    while let Some(frame) = raw.next().await {
        match frame.unwrap() {
            Incoming::Message(received) => {
                reply = Some(received.message.seq);
                // Done: answer the server's GOODBYE and end our stream.
                raw.send(Control::Goodbye(Goodbye::new(GoodbyeReason::Normal, "")).into())
                    .await
                    .unwrap();
                raw.get_mut().shutdown().await.unwrap();
            }
            Incoming::Control(Control::Goodbye(goodbye)) => goodbyes.push(goodbye.reason),
            Incoming::Control(_) => {}
        }
    }
    assert_eq!(reply, Some(1), "the 7 s exchange was answered");
    assert_eq!(goodbyes, [GoodbyeReason::ShuttingDown]);
    server.serving.await.unwrap().unwrap();
}
