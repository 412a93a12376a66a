//! One connection against a scripted peer over an in-memory pipe, on tokio's paused
//! clock: control frames, heartbeats, idle timeouts, the closing handshake, backpressure.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncWriteExt, DuplexStream};
use tokio::time::Instant;
use tokio_util::codec::Framed;
use wirewright::transport::{
    CodecError, Connection, ConnectionConfig, ConnectionError, Control, Goodbye, GoodbyeReason,
    Incoming, Outgoing,
};
use wirewright::{FrameError, Limits};
use wirewright_tests::transport_types::Packet;

/// The scripted peer: sees every frame, control frames included.
type Peer = Framed<DuplexStream, wirewright::transport::FrameCodec<Packet>>;

fn quiet() -> ConnectionConfig {
    ConnectionConfig::new()
        .with_idle_timeout(None)
        .with_heartbeat_interval(None)
}

fn pair(config: &ConnectionConfig) -> (Connection<Packet>, Peer) {
    let (a, b) = tokio::io::duplex(64 * 1024);
    (
        Connection::spawn(a, config),
        Framed::new(b, Default::default()),
    )
}

async fn next_frame(peer: &mut Peer) -> Option<Incoming<Packet>> {
    peer.next().await.map(|item| item.unwrap())
}

async fn next_goodbye(peer: &mut Peer) -> Goodbye {
    loop {
        match next_frame(peer).await {
            Some(Incoming::Control(Control::Goodbye(goodbye))) => return goodbye,
            Some(_) => continue,
            None => panic!("the stream ended without a GOODBYE"),
        }
    }
}

async fn send(peer: &mut Peer, item: impl Into<Outgoing<Packet>>) {
    peer.send(item.into()).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn ping_is_answered_with_pong_and_never_reaches_the_user() {
    let (mut connection, mut peer) = pair(&quiet());
    send(&mut peer, Control::Ping { nonce: 5 }).await;
    send(&mut peer, Packet::numbered(1, 1)).await;
    assert_eq!(
        next_frame(&mut peer).await,
        Some(Incoming::Control(Control::Pong { nonce: 5 }))
    );
    let received = connection.recv().await.unwrap().unwrap();
    assert_eq!(received.message, Packet::numbered(1, 1));
}

#[tokio::test(start_paused = true)]
async fn silent_peer_is_closed_after_the_idle_timeout() {
    let config = quiet().with_idle_timeout(Some(Duration::from_secs(5)));
    let (mut connection, mut peer) = pair(&config);
    let start = Instant::now();
    let err = connection.recv().await.unwrap_err();
    assert!(matches!(err, ConnectionError::IdleTimeout { timeout } if timeout.as_secs() == 5));
    assert_eq!(start.elapsed().as_secs(), 5);
    assert_eq!(
        next_goodbye(&mut peer).await.reason,
        GoodbyeReason::IdleTimeout
    );
    assert!(
        next_frame(&mut peer).await.is_none(),
        "closed after GOODBYE"
    );
}

#[tokio::test(start_paused = true)]
async fn peer_sending_half_a_frame_is_closed_after_the_idle_timeout() {
    let config = quiet().with_idle_timeout(Some(Duration::from_secs(5)));
    let (mut connection, mut peer) = pair(&config);
    // Slowloris: a valid header and a few payload bytes, then nothing.
    let mut frame = Vec::new();
    wirewright::frame::encode_frame(&Packet::numbered(1, 1), 0, &mut frame).unwrap();
    peer.get_mut().write_all(&frame[..20]).await.unwrap();
    let start = Instant::now();
    let err = connection.recv().await.unwrap_err();
    assert!(matches!(err, ConnectionError::IdleTimeout { .. }), "{err}");
    assert_eq!(start.elapsed().as_secs(), 5);
    assert_eq!(
        next_goodbye(&mut peer).await.reason,
        GoodbyeReason::IdleTimeout
    );
}

#[tokio::test(start_paused = true)]
async fn length_field_flipped_upward_stalls_no_longer_than_the_idle_timeout() {
    let config = quiet().with_idle_timeout(Some(Duration::from_secs(5)));
    let (mut connection, mut peer) = pair(&config);
    // A whole frame whose length field lost a bit upward (bit 20 of the length: +1 MiB,
    // still under the 8 MiB limit): the receiver waits for bytes that never come.
    let mut frame = Vec::new();
    wirewright::frame::encode_frame(&Packet::numbered(1, 1), 0, &mut frame).unwrap();
    frame[14] ^= 0x10;
    peer.get_mut().write_all(&frame).await.unwrap();
    let start = Instant::now();
    let err = connection.recv().await.unwrap_err();
    assert!(matches!(err, ConnectionError::IdleTimeout { .. }), "{err}");
    assert_eq!(start.elapsed().as_secs(), 5);
    assert_eq!(
        next_goodbye(&mut peer).await.reason,
        GoodbyeReason::IdleTimeout
    );
}

#[tokio::test(start_paused = true)]
async fn peer_that_stops_answering_heartbeats_is_closed_after_the_missed_limit() {
    let config = quiet()
        .with_heartbeat_interval(Some(Duration::from_secs(1)))
        .with_missed_heartbeats(3);
    let (mut connection, mut peer) = pair(&config);
    let start = Instant::now();
    // The peer keeps sending messages but never answers a PING.
    let peer_task = tokio::spawn(async move {
        let mut pings = 0;
        let mut ticker = tokio::time::interval(Duration::from_millis(500));
        let mut seq = 0;
        loop {
            tokio::select! {
                _ = ticker.tick() => {
                    seq += 1;
                    if peer.send(Packet::numbered(9, seq).into()).await.is_err() {
                        break (pings, None);
                    }
                }
                frame = peer.next() => match frame {
                    Some(Ok(Incoming::Control(Control::Ping { .. }))) => pings += 1,
                    Some(Ok(Incoming::Control(Control::Goodbye(goodbye)))) => break (pings, Some(goodbye)),
                    other => panic!("unexpected {other:?}"),
                },
            }
        }
    });
    let mut messages = 0;
    let err = loop {
        match connection.recv().await {
            Ok(Some(_)) => messages += 1,
            Ok(None) => panic!("closed cleanly"),
            Err(err) => break err,
        }
    };
    assert!(
        matches!(err, ConnectionError::HeartbeatMissed { missed: 3 }),
        "{err}"
    );
    // PINGs at 1, 2 and 3 s; the tick at 4 s finds all three unanswered.
    assert_eq!(start.elapsed().as_secs(), 4);
    assert!(messages >= 7, "messages kept arriving: {messages}");
    let (pings, goodbye) = peer_task.await.unwrap();
    assert_eq!(pings, 3);
    assert_eq!(goodbye.unwrap().reason, GoodbyeReason::HeartbeatMissed);
}

#[tokio::test(start_paused = true)]
async fn answered_heartbeats_keep_an_idle_connection_open() {
    let config = ConnectionConfig::new()
        .with_idle_timeout(Some(Duration::from_secs(3)))
        .with_heartbeat_interval(Some(Duration::from_secs(1)))
        .with_missed_heartbeats(2);
    let (a, b) = tokio::io::duplex(1024);
    let alice = Connection::<Packet>::spawn(a, &config);
    let mut bob = Connection::<Packet>::spawn(b, &config);
    tokio::time::sleep(Duration::from_secs(60)).await;
    alice.send(Packet::numbered(1, 1)).await.unwrap();
    let received = bob.recv().await.unwrap().unwrap();
    assert_eq!(received.message, Packet::numbered(1, 1));
    assert!(bob.metrics().frames_in() > 60, "PINGs and PONGs flowed");
}

#[tokio::test(start_paused = true)]
async fn goodbye_from_the_peer_ends_the_stream_with_its_reason() {
    let (mut connection, mut peer) = pair(&quiet());
    send(&mut peer, Packet::numbered(1, 1)).await;
    let goodbye = Goodbye::new(GoodbyeReason::ShuttingDown, "maintenance");
    send(&mut peer, Control::Goodbye(goodbye)).await;
    // A frame that completes an exchange in progress still arrives after the GOODBYE.
    send(&mut peer, Packet::numbered(1, 2)).await;

    assert_eq!(next_goodbye(&mut peer).await.reason, GoodbyeReason::Normal);
    drop(peer); // the end of the peer's stream
    assert_eq!(connection.recv().await.unwrap().unwrap().message.seq, 1);
    assert_eq!(connection.recv().await.unwrap().unwrap().message.seq, 2);
    let err = connection.recv().await.unwrap_err();
    assert!(
        matches!(&err, ConnectionError::Goodbye { reason: GoodbyeReason::ShuttingDown, message } if message == "maintenance"),
        "{err}"
    );
    assert!(connection.recv().await.unwrap().is_none());
    assert!(matches!(
        connection.send(Packet::numbered(1, 3)).await,
        Err(ConnectionError::Closed)
    ));
}

#[tokio::test(start_paused = true)]
async fn messages_then_a_normal_goodbye_are_all_answered_before_the_answering_goodbye() {
    let (mut connection, mut peer) = pair(&quiet());
    for seq in 1..=100 {
        send(&mut peer, Packet::numbered(1, seq)).await;
    }
    send(
        &mut peer,
        Control::Goodbye(Goodbye::new(GoodbyeReason::Normal, "")),
    )
    .await;

    // An echo handler: the input ends at the GOODBYE, after the 100 messages.
    while let Some(received) = connection.recv().await.unwrap() {
        let reply = Packet::numbered(2, received.message.seq);
        connection.send(reply).await.unwrap();
    }
    drop(connection); // done: the answering GOODBYE follows the replies
    for seq in 1..=100 {
        let Some(Incoming::Message(reply)) = next_frame(&mut peer).await else {
            panic!("expected reply {seq}")
        };
        assert_eq!((reply.message.client, reply.message.seq), (2, seq));
    }
    assert_eq!(next_goodbye(&mut peer).await.reason, GoodbyeReason::Normal);
}

#[tokio::test(start_paused = true)]
async fn half_close_after_200_pipelined_messages_gets_200_replies() {
    let (mut connection, mut peer) = pair(&quiet());
    for seq in 1..=200 {
        send(&mut peer, Packet::numbered(1, seq)).await;
    }
    peer.get_mut().shutdown().await.unwrap(); // end of our stream, no GOODBYE
    let echo = tokio::spawn(async move {
        while let Ok(Some(received)) = connection.recv().await {
            let reply = Packet::numbered(2, received.message.seq);
            connection.send(reply).await.unwrap();
        }
    });
    for seq in 1..=200 {
        let Some(Incoming::Message(reply)) = next_frame(&mut peer).await else {
            panic!("expected reply {seq}")
        };
        assert_eq!(reply.message.seq, seq);
    }
    assert_eq!(next_goodbye(&mut peer).await.reason, GoodbyeReason::Normal);
    echo.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn closing_sends_the_queued_messages_then_goodbye_and_waits_for_the_answer() {
    let (connection, mut peer) = pair(&quiet());
    for seq in 0..3 {
        connection.send(Packet::numbered(1, seq)).await.unwrap();
    }
    let closing = tokio::spawn(connection.close());
    for seq in 0..3 {
        let frame = next_frame(&mut peer).await.unwrap();
        assert_eq!(frame.into_message().unwrap().message.seq, seq);
    }
    assert_eq!(next_goodbye(&mut peer).await.reason, GoodbyeReason::Normal);
    assert!(!closing.is_finished(), "close waits for the answer");
    send(
        &mut peer,
        Control::Goodbye(Goodbye::new(GoodbyeReason::Normal, "")),
    )
    .await;
    assert!(
        next_frame(&mut peer).await.is_none(),
        "then the stream ends"
    );
    closing.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn dropping_every_handle_closes_with_a_normal_goodbye() {
    let (connection, mut peer) = pair(&quiet());
    drop(connection);
    assert_eq!(next_goodbye(&mut peer).await.reason, GoodbyeReason::Normal);
}

#[tokio::test(start_paused = true)]
async fn close_without_an_answer_gives_up_after_the_goodbye_timeout() {
    let config = quiet().with_goodbye_timeout(Duration::from_secs(2));
    let (connection, mut peer) = pair(&config);
    let start = Instant::now();
    let closing = tokio::spawn(connection.close());
    assert_eq!(next_goodbye(&mut peer).await.reason, GoodbyeReason::Normal);
    closing.await.unwrap(); // the peer never answers
    assert_eq!(start.elapsed().as_secs(), 2);
}

#[tokio::test(start_paused = true)]
async fn vanished_peer_is_a_typed_error() {
    let (mut connection, peer) = pair(&quiet());
    drop(peer);
    assert!(matches!(
        connection.recv().await,
        Err(ConnectionError::PeerVanished)
    ));
}

#[tokio::test(start_paused = true)]
async fn garbage_from_the_peer_gets_a_protocol_error_goodbye() {
    let (mut connection, mut peer) = pair(&quiet());
    peer.get_mut()
        .write_all(b"GET / HTTP/1.1\r\n\r\n")
        .await
        .unwrap();
    let err = connection.recv().await.unwrap_err();
    let ConnectionError::Protocol(codec) = &err else {
        panic!("{err}")
    };
    assert!(matches!(
        **codec,
        CodecError::Frame(FrameError::BadMagic { offset: 0, .. })
    ));
    let goodbye = next_goodbye(&mut peer).await;
    assert_eq!(goodbye.reason, GoodbyeReason::ProtocolError);
    assert!(goodbye.message.contains("bad magic"), "{}", goodbye.message);
    assert_eq!(connection.metrics().protocol_errors(), 1);
}

#[tokio::test(start_paused = true)]
async fn message_over_the_frame_limit_is_refused_before_queueing() {
    let config = quiet().with_limits(Limits::new().with_max_frame_len(16));
    let (connection, _peer) = pair(&config);
    let mut big = Packet::numbered(1, 1);
    big.body = vec![0; 100].into();
    assert!(matches!(
        connection.send(big).await,
        Err(ConnectionError::MessageTooLarge { len: 103, max: 16 })
    ));
}

#[tokio::test(start_paused = true)]
async fn slow_reader_gets_backpressure_not_an_idle_timeout() {
    let config = quiet()
        .with_idle_timeout(Some(Duration::from_secs(2)))
        .with_receive_queue(1);
    let (mut connection, mut peer) = pair(&config);
    for seq in 0..10 {
        send(&mut peer, Packet::numbered(1, seq)).await;
    }
    tokio::time::sleep(Duration::from_secs(10)).await; // the user is busy
    for seq in 0..10 {
        let received = connection.recv().await.unwrap().unwrap();
        assert_eq!(received.message.seq, seq);
    }
    // Now the peer is the one that is silent.
    assert!(matches!(
        connection.recv().await,
        Err(ConnectionError::IdleTimeout { .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn correlation_ids_travel_both_ways() {
    let (connection, mut peer) = pair(&quiet());
    connection
        .send_correlated(77, Packet::numbered(1, 1))
        .await
        .unwrap();
    let received = next_frame(&mut peer).await.unwrap().into_message().unwrap();
    assert_eq!(received.correlation_id(), 77);
}
