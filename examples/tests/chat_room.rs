//! The chat room against clients that vanish before their Welcome, pick overlong
//! nicknames, or never read.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::timeout;
use wirewright::frame::encode_frame;
use wirewright::transport::{CancellationToken, Client, ClientConfig, Server, ServerConfig};
use wirewright_examples::chat::{ClientMessage, ClientSide, Join, Room, Say, ServerMessage};

struct Running {
    addr: std::net::SocketAddr,
    room: Arc<Room>,
    shutdown: CancellationToken,
}

async fn start() -> Running {
    let server = Server::bind("127.0.0.1:0", ServerConfig::new())
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    let shutdown = server.shutdown_token();
    let room = Room::new();
    tokio::spawn({
        let room = Arc::clone(&room);
        server.serve(move |connection| Room::serve(room.clone(), connection))
    });
    Running {
        addr,
        room,
        shutdown,
    }
}

async fn join(addr: std::net::SocketAddr, nick: &str) -> (ClientSide, ServerMessage) {
    let mut client: ClientSide = Client::new(ClientConfig::new())
        .connect(addr)
        .await
        .unwrap();
    let join = Join { nick: nick.into() };
    client.send(ClientMessage::Join(join)).await.unwrap();
    let first = timeout(Duration::from_secs(5), client.recv())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    (client, first.message)
}

/// Waits until `nick` is (or is not) in the room.
async fn until_member(room: &Room, nick: &str, member: bool) {
    timeout(Duration::from_secs(10), async {
        while room.members().iter().any(|m| m == nick) != member {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{nick} in the room: expected {member}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_whose_welcome_cannot_be_sent_leaves_and_the_nick_is_free_again() {
    let server = start().await;
    // Join, then bytes that are no frame, in one write: the server's connection fails
    // with a protocol error (its sending half closes) before the Welcome can be queued.
    let mut bytes = Vec::new();
    let hello = ClientMessage::Join(Join { nick: "ann".into() });
    encode_frame(&hello, 0, &mut bytes).unwrap();
    bytes.extend_from_slice(&[0xff; 32]);
    let mut vanishing = TcpStream::connect(server.addr).await.unwrap();
    vanishing.write_all(&bytes).await.unwrap();
    drop(vanishing);

    until_member(&server.room, "ann", false).await;
    let (_ann, welcome) = join(server.addr, "ann").await;
    assert!(
        matches!(welcome, ServerMessage::Welcome(ref w) if w.nick == "ann"),
        "the nick is free again: {welcome}"
    );
    server.shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlong_nick_is_refused_with_the_limit() {
    let server = start().await;
    let long = "n".repeat(Room::MAX_NICK_LEN + 1);
    let (_client, answer) = join(server.addr, &long).await;
    let ServerMessage::Refused(refused) = answer else {
        panic!("expected a refusal: {answer}")
    };
    assert!(
        refused.reason.contains("1 to 32 bytes"),
        "{}",
        refused.reason
    );
    assert!(refused.reason.contains("33"), "{}", refused.reason);
    assert!(server.room.members().is_empty());
    // At the limit it is fine.
    let (_client, answer) = join(server.addr, &long[1..]).await;
    assert!(matches!(answer, ServerMessage::Welcome(_)), "{answer}");
    server.shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_who_never_reads_is_disconnected_while_the_others_talk_on() {
    let server = start().await;
    // A member with a small receive buffer that joins and then never reads.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut slow = socket.connect(server.addr).await.unwrap();
    let mut hello = Vec::new();
    encode_frame(
        &ClientMessage::Join(Join {
            nick: "slow".into(),
        }),
        0,
        &mut hello,
    )
    .unwrap();
    slow.write_all(&hello).await.unwrap();
    until_member(&server.room, "slow", true).await;

    // The talker hears each of its messages before saying the next: it keeps up.
    let (mut talker, _) = join(server.addr, "talker").await;
    let text = "x".repeat(Room::MAX_TEXT_LEN);
    let talking = async {
        for said in 1..=20_000u32 {
            let say = Say { text: text.clone() };
            talker.send(ClientMessage::Say(say)).await.unwrap();
            loop {
                let heard = talker.recv().await.unwrap().unwrap();
                if matches!(heard.message, ServerMessage::Said(ref s) if s.nick == "talker") {
                    break;
                }
            }
            if !server.room.members().iter().any(|m| m == "slow") {
                return Some(said);
            }
        }
        None
    };
    let said = timeout(Duration::from_secs(60), talking).await.unwrap();
    // The slow member's backlog (256 KiB) plus the kernel's socket buffers: a few MiB of
    // 4 KiB messages, far fewer than 20,000 (80 MiB).
    let said = said.expect("the slow member was buffered for without bound");
    assert!(said < 5_000, "disconnected only after {said} messages");
    assert_eq!(server.room.members(), ["talker"]);
    server.shutdown.cancel();
}
