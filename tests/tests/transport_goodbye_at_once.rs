//! A peer's GOODBYE that closes at once (reasons 2 to 8, SPEC.md §7) against one
//! connection over an in-memory pipe: the messages before it reach the user, and the
//! connection sends nothing more (no queued message, no answering GOODBYE) and closes.
//! Reasons 0 and 1 keep the handshake: the connection answers with GOODBYE.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncWriteExt, DuplexStream};
use tokio::time::timeout;
use tokio_util::codec::Framed;
use wirewright::transport::{
    Connection, ConnectionConfig, ConnectionError, Control, FrameCodec, Goodbye, GoodbyeReason,
    Incoming, Outgoing,
};
use wirewright_tests::transport_types::Packet;

type Peer = Framed<DuplexStream, FrameCodec<Packet>>;

const AT_ONCE: [GoodbyeReason; 7] = [
    GoodbyeReason::IdleTimeout,
    GoodbyeReason::HeartbeatMissed,
    GoodbyeReason::ProtocolError,
    GoodbyeReason::ConnectionLimit,
    GoodbyeReason::ControlFlood,
    GoodbyeReason::MemoryBudget,
    GoodbyeReason::IdleEviction,
];

fn pair() -> (Connection<Packet>, Peer) {
    let config = ConnectionConfig::new()
        .with_idle_timeout(None)
        .with_heartbeat_interval(None);
    let (a, b) = tokio::io::duplex(64 * 1024);
    (
        Connection::spawn(a, &config),
        Framed::new(b, FrameCodec::new()),
    )
}

async fn send(peer: &mut Peer, item: impl Into<Outgoing<Packet>>) {
    peer.send(item.into()).await.unwrap();
}

/// Every frame the connection sends until its stream ends.
async fn frames_until_end(peer: &mut Peer) -> Vec<Incoming<Packet>> {
    let mut frames = Vec::new();
    while let Some(frame) = timeout(Duration::from_secs(5), peer.next())
        .await
        .expect("the connection neither sent nor closed within 5 s")
    {
        frames.push(frame.unwrap());
    }
    frames
}

#[tokio::test]
async fn goodbye_that_closes_at_once_gets_no_answer_and_the_messages_before_it_arrive() {
    for reason in AT_ONCE {
        assert!(!reason.waits_for_answer(), "{reason}");
        let (mut connection, mut peer) = pair();
        send(&mut peer, Packet::numbered(1, 1)).await;
        send(&mut peer, Control::Goodbye(Goodbye::new(reason, "bye"))).await;

        let received = connection.recv().await.unwrap().unwrap();
        assert_eq!(received.message, Packet::numbered(1, 1), "{reason}");
        let err = connection.recv().await.unwrap_err();
        assert!(
            matches!(&err, ConnectionError::Goodbye { reason: found, message } if *found == reason && message == "bye"),
            "{reason}: {err}"
        );
        // Sending after it fails, and nothing reaches the peer: not the message, not a
        // GOODBYE.
        assert!(connection.send(Packet::numbered(1, 2)).await.is_err());
        assert_eq!(frames_until_end(&mut peer).await, Vec::new(), "{reason}");
    }
}

#[tokio::test]
async fn goodbye_with_a_handshake_reason_is_answered_with_goodbye() {
    for reason in [
        GoodbyeReason::Normal,
        GoodbyeReason::ShuttingDown,
        GoodbyeReason::Unknown(200),
    ] {
        let (connection, mut peer) = pair();
        send(&mut peer, Control::Goodbye(Goodbye::new(reason, ""))).await;
        // The user is done: the connection answers and waits for the end of our stream.
        drop(connection);
        let first = timeout(Duration::from_secs(5), peer.next())
            .await
            .expect("no answer within 5 s")
            .unwrap()
            .unwrap();
        assert!(
            matches!(&first, Incoming::Control(Control::Goodbye(goodbye)) if goodbye.reason == GoodbyeReason::Normal),
            "{reason}: {first:?}"
        );
        peer.get_mut().shutdown().await.unwrap();
        assert_eq!(frames_until_end(&mut peer).await, Vec::new(), "{reason}");
    }
}
