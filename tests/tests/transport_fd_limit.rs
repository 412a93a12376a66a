//! The server under `ulimit -n 1024` (a child process that lowers its own open-file
//! limit, soft and hard, before it starts the server) against a storm of 1,500 connects:
//! every connection is served or refused promptly (GOODBYE 5 or a closed socket), none
//! hangs.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::codec::Framed;
use wirewright::transport::{
    Connection, Control, FrameCodec, GoodbyeReason, Incoming, Server, ServerConfig,
};
use wirewright_tests::transport_types::Packet;

const CHILD: &str = "WIREWRIGHT_FD_LIMIT_CHILD";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Served,
    Refused,
    Closed,
    ConnectFailed,
    NoAnswer,
}

#[test]
fn a_storm_of_1500_connects_under_ulimit_1024_is_served_or_refused_promptly() {
    let test = "a_storm_of_1500_connects_under_ulimit_1024_is_served_or_refused_promptly";
    if std::env::var_os(CHILD).is_some() {
        return serve_in_child(Lowered::BeforeStart);
    }
    let outcomes = storm_against_child(test);
    // The server fitted its connection limit to the open-file limit: it refuses cleanly.
    assert!(count(&outcomes, Outcome::Refused) > 0);
}

#[test]
fn a_storm_of_1500_connects_when_the_limit_drops_after_start_meets_emfile_refusals() {
    let test = "a_storm_of_1500_connects_when_the_limit_drops_after_start_meets_emfile_refusals";
    if std::env::var_os(CHILD).is_some() {
        return serve_in_child(Lowered::AfterStart);
    }
    // Accepting fails with EMFILE: the server refuses the waiting connections with its
    // spare descriptor and backs off, without a busy loop and without leaving any hanging.
    let outcomes = storm_against_child(test);
    assert!(count(&outcomes, Outcome::Refused) + count(&outcomes, Outcome::Closed) > 0);
}

fn count(outcomes: &[Outcome], kind: Outcome) -> usize {
    outcomes.iter().filter(|outcome| **outcome == kind).count()
}

/// Starts this test in a child process as the server, storms it, checks that every
/// connection got an answer, and stops the child.
fn storm_against_child(test: &str) -> Vec<Outcome> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let addr: SocketAddr = loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "the child exited");
        // The test harness may print its own words before ours on the same line.
        if let Some((_, addr)) = line.trim().split_once("listening on ") {
            break addr.parse().unwrap();
        }
    };
    let outcomes = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(storm(addr, 1500));
    eprintln!(
        "served {}, refused with GOODBYE 5 {}, closed {}, connect failed {}, no answer {}",
        count(&outcomes, Outcome::Served),
        count(&outcomes, Outcome::Refused),
        count(&outcomes, Outcome::Closed),
        count(&outcomes, Outcome::ConnectFailed),
        count(&outcomes, Outcome::NoAnswer)
    );
    assert_eq!(count(&outcomes, Outcome::NoAnswer), 0);
    assert!(count(&outcomes, Outcome::Served) > 0);
    drop(child.stdin.take()); // the child shuts down
    let mut rest = String::new();
    let _ = stdout.read_to_string(&mut rest);
    assert!(child.wait().unwrap().success());
    outcomes
}

/// 1,500 connections at once, each holding its slot until all are done.
async fn storm(addr: SocketAddr, connections: u32) -> Vec<Outcome> {
    let tasks: Vec<_> = (0..connections)
        .map(|id| tokio::spawn(one(addr, id)))
        .collect();
    let mut outcomes = Vec::new();
    let mut held = Vec::new();
    for task in tasks {
        let (outcome, stream) = task.await.unwrap();
        outcomes.push(outcome);
        held.push(stream);
    }
    outcomes
}

async fn one(
    addr: SocketAddr,
    id: u32,
) -> (Outcome, Option<Framed<TcpStream, FrameCodec<Packet>>>) {
    let Ok(Ok(stream)) = timeout(Duration::from_secs(10), TcpStream::connect(addr)).await else {
        return (Outcome::ConnectFailed, None);
    };
    let mut framed = Framed::new(stream, FrameCodec::<Packet>::new());
    if framed.send(Packet::numbered(id, 1).into()).await.is_err() {
        return (Outcome::Closed, None);
    }
    let outcome = match timeout(Duration::from_secs(5), framed.next()).await {
        Err(_) => Outcome::NoAnswer,
        Ok(Some(Ok(Incoming::Message(_)))) => Outcome::Served,
        Ok(Some(Ok(Incoming::Control(Control::Goodbye(goodbye)))))
            if goodbye.reason == GoodbyeReason::ConnectionLimit =>
        {
            Outcome::Refused
        }
        Ok(_) => Outcome::Closed,
    };
    (outcome, Some(framed))
}

/// When the child lowers its open-file limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lowered {
    /// Before the server starts: it fits `max_connections` to the limit.
    BeforeStart,
    /// Once the server runs: accepting meets EMFILE.
    AfterStart,
}

/// The child: open-file limit 1024 (soft and hard, so it cannot be raised), a server
/// with the default `max_connections` (1024) until stdin closes.
fn serve_in_child(lowered: Lowered) {
    let lower = || rlimit::setrlimit(rlimit::Resource::NOFILE, 1024, 1024).unwrap();
    if lowered == Lowered::BeforeStart {
        lower();
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let server = Server::bind("127.0.0.1:0", ServerConfig::new())
            .await
            .unwrap();
        let addr = server.local_addr().unwrap();
        let shutdown = server.shutdown_token();
        let serving = tokio::spawn(
            server.serve(|mut connection: Connection<Packet>| async move {
                while let Some(received) = connection.recv().await? {
                    connection.send(received.message).await?;
                }
                Ok(())
            }),
        );
        tokio::time::sleep(Duration::from_millis(100)).await; // serving, limit fitted
        if lowered == Lowered::AfterStart {
            lower();
        }
        println!("listening on {addr}");
        std::thread::spawn(move || {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
            shutdown.cancel();
        });
        serving.await.unwrap().unwrap();
    });
}
