//! Request/response over loopback TCP: many tasks on one client, a server killed mid-call,
//! graceful shutdown with calls in flight, requests that cross the server's GOODBYE, and
//! retries across a reconnect.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_util::codec::Framed;
use wirewright::rpc::{
    CallOptions, ErrorCode, Failure, Inbound, Reply, RpcClient, RpcClientConfig, RpcError,
    RpcServer, RpcServerConfig,
};
use wirewright::transport::{
    Backoff, CancellationToken, ClientConfig, Control, Correlated, FrameCodec, Goodbye,
    GoodbyeReason, Incoming, Outgoing, Server, ServerConfig,
};
use wirewright_tests::rpc_types::{echo, echoed, handle, Answer, Call, Sleep, Slept, TestError};

type TestClient = RpcClient<Call, Answer, TestError>;

/// A server whose `Sleep` calls wait for `gate` (or forever, if it is never
/// cancelled), counting the calls that started, by tag.
struct Gated {
    addr: SocketAddr,
    shutdown: CancellationToken,
    gate: CancellationToken,
    started: Arc<AtomicUsize>,
    serving: JoinHandle<std::io::Result<()>>,
}

async fn start_gated(addr: SocketAddr) -> Gated {
    let server = Server::bind(addr, ServerConfig::new()).await.unwrap();
    let gate = CancellationToken::new();
    let started = Arc::new(AtomicUsize::new(0));
    let rpc = RpcServer::new(RpcServerConfig::new(), {
        let (gate, started) = (gate.clone(), Arc::clone(&started));
        move |call: Call| {
            let (gate, started) = (gate.clone(), Arc::clone(&started));
            async move {
                if let Call::Sleep(Sleep { tag, .. }) = call {
                    started.fetch_add(1, Ordering::SeqCst);
                    gate.cancelled().await;
                    return Ok(Answer::Slept(Slept { tag }));
                }
                handle(call).await
            }
        }
    });
    Gated {
        addr: server.local_addr().unwrap(),
        shutdown: server.shutdown_token(),
        gate,
        started,
        serving: tokio::spawn(rpc.serve(server)),
    }
}

fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn config() -> RpcClientConfig {
    let backoff = Backoff::new()
        .with_initial_delay(Duration::from_millis(5))
        .with_max_attempts(10);
    RpcClientConfig::new()
        .with_client(ClientConfig::new().with_backoff(backoff))
        .with_call_timeout(Duration::from_secs(20))
}

fn gated_sleep(tag: u32) -> Call {
    Call::Sleep(Sleep { ms: 0, tag })
}

/// Waits (a bounded time) until `count` gated calls have started.
async fn wait_started(started: &AtomicUsize, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while started.load(Ordering::SeqCst) < count {
        assert!(Instant::now() < deadline, "calls did not start");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_tasks_share_one_client_for_ten_thousand_calls_without_cross_talk() {
    let server = start_gated(any_port()).await;
    let client = TestClient::connect(server.addr, config()).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..100 {
        let client = client.clone();
        tasks.spawn(async move {
            for seq in 0..100 {
                assert_eq!(
                    client.call(echo(task, seq)).await.unwrap(),
                    echoed(task, seq)
                );
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.unwrap();
    }
    assert_eq!(client.unmatched_replies(), 0);
    let metrics = client.metrics().snapshot();
    assert!(metrics.frames_out >= 10_000 && metrics.frames_in >= 10_000);
    assert_eq!(metrics.connections_accepted, 0);
    client.close().await;
    server.shutdown.cancel();
    server.serving.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_mid_call_fails_pending_calls_promptly() {
    let server = start_gated(any_port()).await;
    let client = TestClient::connect(server.addr, config().with_reconnect(false))
        .await
        .unwrap();
    let calls: Vec<_> = (0..5)
        .map(|tag| {
            let client = client.clone();
            tokio::spawn(async move { client.call(gated_sleep(tag)).await })
        })
        .collect();
    wait_started(&server.started, 5).await;
    let killed = Instant::now();
    server.serving.abort();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(matches!(err, RpcError::OutcomeUnknown(_)), "{err}");
    }
    assert!(
        killed.elapsed() < Duration::from_secs(2),
        "{:?}",
        killed.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_answers_calls_in_flight_and_fails_later_calls_fast() {
    let server = start_gated(any_port()).await;
    let client = TestClient::connect(server.addr, config().with_reconnect(false))
        .await
        .unwrap();
    let calls: Vec<_> = (0..20)
        .map(|tag| {
            let client = client.clone();
            tokio::spawn(async move { client.call(gated_sleep(tag)).await })
        })
        .collect();
    wait_started(&server.started, 20).await;
    server.shutdown.cancel();

    // Until the GOODBYE arrives a call may still reach the server (which answers
    // "shutting down" without running it); after it, calls fail before sending.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let started = Instant::now();
        let err = client.call(echo(0, 0)).await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
        match err {
            RpcError::Connection(_) => break,
            RpcError::Failed(Failure {
                code: ErrorCode::ShuttingDown,
                ..
            }) => {}
            other => panic!("{other}"),
        }
        assert!(Instant::now() < deadline, "the GOODBYE never arrived");
    }

    server.gate.cancel();
    for (tag, call) in (0..).zip(calls) {
        assert_eq!(
            call.await.unwrap().unwrap(),
            Answer::Slept(Slept { tag }),
            "every accepted call is answered"
        );
    }
    server.serving.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_crosses_the_goodbye_is_answered_shutting_down_without_running() {
    let server = start_gated(any_port()).await;
    let stream = TcpStream::connect(server.addr).await.unwrap();
    let mut raw = Framed::new(
        stream,
        FrameCodec::<Inbound<Reply<Answer, TestError>>, Call>::new(),
    );
    let request = |id, call| Outgoing::Message(Correlated::new(id, call));
    raw.send(request(1, gated_sleep(1))).await.unwrap();
    wait_started(&server.started, 1).await;
    server.shutdown.cancel();
    let Some(Ok(Incoming::Control(Control::Goodbye(goodbye)))) = raw.next().await else {
        panic!("expected the server's GOODBYE")
    };
    assert_eq!(goodbye.reason, GoodbyeReason::ShuttingDown);

    // As if sent before the GOODBYE arrived (a real client sends nothing new after it).
    raw.send(request(2, gated_sleep(2))).await.unwrap();
    let Some(Ok(Incoming::Message(refused))) = raw.next().await else {
        panic!("expected an answer")
    };
    assert_eq!(refused.correlation_id(), 2);
    assert!(matches!(
        refused.message.decoded(),
        Some(Reply::Failure(Failure {
            code: ErrorCode::ShuttingDown,
            ..
        }))
    ));
    assert_eq!(server.started.load(Ordering::SeqCst), 1, "not run");

    server.gate.cancel();
    let Some(Ok(Incoming::Message(answered))) = raw.next().await else {
        panic!("expected the answer to the first call")
    };
    assert_eq!(answered.correlation_id(), 1);
    assert_eq!(
        answered.message.decoded(),
        Some(Reply::Response(Answer::Slept(Slept { tag: 1 })))
    );
    let goodbye = Goodbye::new(GoodbyeReason::Normal, "");
    raw.send(Outgoing::Control(Control::Goodbye(goodbye)))
        .await
        .unwrap();
    raw.close().await.unwrap(); // end our stream, as SPEC.md §7 asks
    while raw.next().await.is_some() {}
    server.serving.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_calls_are_retried_across_a_reconnect_and_others_are_not() {
    let first = start_gated(any_port()).await;
    let addr = first.addr;
    let client = TestClient::connect(addr, config()).await.unwrap();
    let idempotent = tokio::spawn({
        let client = client.clone();
        async move {
            let options = CallOptions::new().idempotent();
            client.call_with(gated_sleep(1), options).await
        }
    });
    let once = tokio::spawn({
        let client = client.clone();
        async move { client.call(gated_sleep(2)).await }
    });
    wait_started(&first.started, 2).await;

    // The server dies with both calls in flight; a new one comes up on the same port.
    first.serving.abort();
    let err = once.await.unwrap().unwrap_err();
    assert!(
        matches!(err, RpcError::OutcomeUnknown(_)),
        "not retried: {err}"
    );
    assert!(!err.is_retryable());
    let second = start_gated(addr).await;
    second.gate.cancel(); // answers at once
    assert_eq!(
        idempotent.await.unwrap().unwrap(),
        Answer::Slept(Slept { tag: 1 })
    );
    assert_eq!(
        second.started.load(Ordering::SeqCst),
        1,
        "only tag 1 ran again"
    );
    assert_eq!(client.call(echo(1, 1)).await.unwrap(), echoed(1, 1));
    client.close().await;
    second.shutdown.cancel();
    second.serving.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_reconnect_paces_the_next_attempts_with_the_backoff() {
    let server = start_gated(any_port()).await;
    let backoff = Backoff::new()
        .with_initial_delay(Duration::from_secs(10))
        .with_max_attempts(3);
    let config = RpcClientConfig::new().with_client(ClientConfig::new().with_backoff(backoff));
    let client = TestClient::connect(server.addr, config).await.unwrap();
    assert_eq!(client.call(echo(1, 1)).await.unwrap(), echoed(1, 1));
    server.serving.abort();
    let _ = server.serving.await;

    // The connection is gone and nothing listens: one attempt, refused at once...
    let started = Instant::now();
    let deadline = started + Duration::from_secs(5);
    let err = loop {
        match client.call(echo(1, 2)).await {
            // Sent before the loss was noticed (outcome unknown), or not sent.
            Err(RpcError::OutcomeUnknown(_) | RpcError::Connection(_)) => {
                assert!(Instant::now() < deadline, "the loss was never noticed");
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            Err(err) => break err,
            Ok(answer) => panic!("answered: {answer:?}"),
        }
    };
    assert!(matches!(err, RpcError::Connect(_)), "{err}");
    // ...then calls fail fast without trying, until the backoff's delay has passed.
    let err = client.call(echo(1, 3)).await.unwrap_err();
    assert!(
        matches!(err, RpcError::Unavailable { failures: 1, retry_in } if retry_in <= Duration::from_secs(10)),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}
