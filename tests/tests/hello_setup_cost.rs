//! What HELLO (SPEC.md §13.6) costs when a connection opens: connections made and closed
//! one after the other over loopback, with each setting, printed as a figure (not
//! asserted: performance is measured, never timed in a test). Run it by hand:
//!
//! `cargo test --release -p wirewright-tests --test hello_setup_cost -- --ignored --nocapture`

use std::time::{Duration, Instant};

use wirewright::transport::{Client, ClientConfig, Connection, HelloMode, Server, ServerConfig};
use wirewright_tests::transport_types::Packet;

const CONNECTIONS: u32 = 2_000;

async fn connects_per_second(hello: HelloMode) -> f64 {
    let server = Server::bind("127.0.0.1:0", ServerConfig::new().with_hello(hello))
        .await
        .expect("bind");
    let addr = server.local_addr().expect("addr");
    let shutdown = server.shutdown_token();
    let serving = tokio::spawn(
        server.serve(|mut connection: Connection<Packet>| async move {
            while let Some(received) = connection.recv().await? {
                connection.send(received.message).await?;
            }
            Ok(())
        }),
    );
    let client = Client::new(ClientConfig::new().with_hello(hello));
    let join = || Packet::numbered(1, 2);
    let start = Instant::now();
    for _ in 0..CONNECTIONS {
        let mut connection: Connection<Packet> = client.connect(addr).await.expect("connected");
        connection.send(join()).await.expect("sent");
        let echoed = connection.recv().await.expect("open").expect("a message");
        assert_eq!(echoed.message, join());
        connection.close().await;
    }
    let elapsed = start.elapsed();
    shutdown.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(10), serving).await;
    f64::from(CONNECTIONS) / elapsed.as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement; run by hand with --release"]
async fn connection_setup_with_and_without_hello() {
    let mut rows = Vec::new();
    for round in 0..3 {
        for hello in [HelloMode::Off, HelloMode::Optional, HelloMode::Required] {
            let rate = connects_per_second(hello).await;
            rows.push((round, hello, rate));
        }
    }
    println!("connect + one echo + close, {CONNECTIONS} connections in a row, loopback");
    for (round, hello, rate) in &rows {
        println!("round {round} {hello:?}: {rate:.0} connections/s");
    }
    for hello in [HelloMode::Optional, HelloMode::Required] {
        let best = |mode| {
            rows.iter()
                .filter(|(_, h, _)| *h == mode)
                .map(|(_, _, rate)| *rate)
                .fold(0.0f64, f64::max)
        };
        println!(
            "{hello:?} / Off (best of 3): {:.3}",
            best(hello) / best(HelloMode::Off)
        );
    }
}
