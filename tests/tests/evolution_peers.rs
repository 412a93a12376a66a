//! Peers of two revisions of one protocol (SPEC.md §12) over loopback TCP: connections
//! and rpc in both directions, and a v1 proxy that forwards v2 traffic byte for byte.
#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use wirewright::frame::encode_frame;
use wirewright::rpc::{RpcClient, RpcClientConfig, RpcError, RpcServer, RpcServerConfig};
use wirewright::transport::{Connection, ConnectionConfig};
use wirewright::UnknownFields;
use wirewright_tests::evolution::{lift, project, v1, v2};

/// Every test ends within this, or fails.
const DEADLINE: Duration = Duration::from_secs(10);

async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(DEADLINE, future)
        .await
        .expect("the test took longer than its deadline")
}

/// Two ends of one loopback TCP connection.
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (connected, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
    (connected.unwrap(), accepted.unwrap().0)
}

fn v2_order(id: u64) -> v2::Order {
    v2::Order {
        id,
        items: vec![v2::Item {
            name: "tea".into(),
            qty: 2,
            price_cents: 350,
            currency: "CHF".into(),
            rest: UnknownFields::new(),
        }],
        event: v2::Event::Renamed { to: "chai".into() },
        note: Some("no sugar".into()),
        priority: 2,
        rest: UnknownFields::new(),
    }
}

fn v1_order(id: u64) -> v1::Order {
    v1::Order {
        id,
        items: vec![v1::Item {
            name: "cake".into(),
            qty: 1,
            rest: UnknownFields::new(),
        }],
        event: v1::Event::Created {
            by: "ann".into(),
            rest: UnknownFields::new(),
        },
        rest: UnknownFields::new(),
    }
}

#[tokio::test]
async fn v2_and_v1_connections_exchange_messages_in_both_directions() {
    within(async {
        let (a, b) = tcp_pair().await;
        let config = ConnectionConfig::new();
        let mut new = Connection::<v2::Shop>::spawn(a, &config);
        let mut old = Connection::<v1::Shop>::spawn(b, &config);

        new.send(v2::Shop::Order(v2_order(1))).await.unwrap();
        let ping = v2::Ping {
            seq: 2,
            sent_at: 99,
        };
        new.send(v2::Shop::Ping(ping.clone())).await.unwrap();
        let received = old.recv().await.unwrap().unwrap().message;
        assert_eq!(received, v1::Shop::Order(project::order(&v2_order(1))));
        let received = old.recv().await.unwrap().unwrap().message;
        assert_eq!(received, v1::Shop::Ping(project::ping(&ping)));

        old.send(v1::Shop::Order(v1_order(3))).await.unwrap();
        old.send(v1::Shop::Ping(v1::Ping { seq: 4 })).await.unwrap();
        let received = new.recv().await.unwrap().unwrap().message;
        assert_eq!(received, v2::Shop::Order(lift::order(&v1_order(3))));
        let received = new.recv().await.unwrap().unwrap().message;
        assert_eq!(received, v2::Shop::Ping(lift::ping(&v1::Ping { seq: 4 })));

        new.close().await;
        old.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_v2_client_calls_a_v1_server_which_returns_the_fields_it_does_not_know() {
    within(async {
        let (client_io, server_io) = tcp_pair().await;
        // The v1 handler changes what it knows and hands the rest back untouched.
        let server = RpcServer::new(RpcServerConfig::new(), |mut order: v1::Order| async move {
            order.id += 100;
            Ok::<_, ()>(order)
        });
        let serving =
            tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
        let client = RpcClient::<v2::Order, v2::Order, ()>::over(client_io, RpcClientConfig::new());
        let answer = client.call(v2_order(1)).await.unwrap();
        let mut expected = v2_order(1);
        expected.id = 101;
        assert_eq!(answer, expected);
        client.close().await;
        serving.await.unwrap().unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_v1_client_calls_a_v2_server_which_sees_the_defaults() {
    within(async {
        let (client_io, server_io) = tcp_pair().await;
        let server = RpcServer::new(RpcServerConfig::new(), |order: v2::Order| async move {
            assert_eq!(order, lift::order(&v1_order(5)));
            let mut answer = order;
            answer.note = Some("seen by v2".into());
            Ok::<_, ()>(answer)
        });
        let serving =
            tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
        let client = RpcClient::<v1::Order, v1::Order, ()>::over(client_io, RpcClientConfig::new());
        let answer = client.call(v1_order(5)).await.unwrap();
        // v1 sees its own fields, and keeps v2's additions as unknown data.
        let mut sent = lift::order(&v1_order(5));
        sent.note = Some("seen by v2".into());
        assert_eq!(answer, project::order(&sent));
        client.close().await;
        serving.await.unwrap().unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_v1_proxy_forwards_v2_traffic_byte_for_byte() {
    within(async {
        let (client_io, proxy_in) = tcp_pair().await;
        let (proxy_out, mut sink) = tcp_pair().await;
        let config = ConnectionConfig::new()
            .with_heartbeat_interval(None)
            .with_idle_timeout(None);
        let sender = Connection::<v2::Shop>::spawn(client_io, &config);
        let mut inbound = Connection::<v1::Shop>::spawn(proxy_in, &config);
        let outbound = Connection::<v1::Shop>::spawn(proxy_out, &config);
        let proxy = tokio::spawn(async move {
            for _ in 0..3 {
                let received = inbound.recv().await.unwrap().unwrap();
                outbound.send(received.message).await.unwrap();
            }
            (inbound, outbound)
        });

        let messages = [
            v2::Shop::Order(v2_order(1)),
            v2::Shop::Order(v2::Order {
                event: v2::Event::Created {
                    by: "bob".into(),
                    at: 12,
                    rest: UnknownFields::new(),
                },
                ..v2_order(2)
            }),
            v2::Shop::Order(v2_order(3)),
        ];
        let mut expected = Vec::new();
        for message in &messages {
            encode_frame(message, 0, &mut expected).unwrap();
            sender.send(message.clone()).await.unwrap();
        }
        let mut forwarded = vec![0; expected.len()];
        sink.read_exact(&mut forwarded).await.unwrap();
        assert_eq!(forwarded, expected);

        let (inbound, outbound) = proxy.await.unwrap();
        drop((inbound, outbound, sender));
    })
    .await;
}

#[tokio::test]
async fn an_application_error_of_a_newer_revision_reaches_an_older_client() {
    within(async {
        let (client_io, server_io) = tcp_pair().await;
        let server = RpcServer::new(RpcServerConfig::new(), |order: v2::Order| async move {
            Err::<v2::Order, _>(v2::Ping {
                seq: order.id as u32,
                sent_at: 77,
            })
        });
        let serving =
            tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
        let client =
            RpcClient::<v1::Order, v1::Order, v1::Ping>::over(client_io, RpcClientConfig::new());
        let err = client.call(v1_order(6)).await.unwrap_err();
        // The error payload is top-level too: v1 skips the appended `sent_at`.
        assert!(
            matches!(err, RpcError::Application(v1::Ping { seq: 6 })),
            "{err:?}"
        );
        client.close().await;
        serving.await.unwrap().unwrap();
    })
    .await;
}
