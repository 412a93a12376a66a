//! tower's middleware in front of an `RpcClient` (a `Service` of `Call`s): timeout, rate
//! limit, concurrency limit, load shedding, and retries of idempotent calls within a
//! budget (`wirewright::rpc::tower::RetryIdempotent`).
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::retry::budget::TpsBudget;
use tower::{BoxError, Service, ServiceBuilder, ServiceExt};
use wirewright::rpc::tower::RetryIdempotent;
use wirewright::rpc::{
    Call, CallOptions, RpcClient, RpcClientConfig, RpcError, RpcServer, RpcServerConfig,
};
use wirewright::transport::{Backoff, ClientConfig, HelloMode};
use wirewright::Message;

/// Asks the server for `n`; a held call waits until the test releases it; `n` of
/// `u32::MAX` is refused with the application's error.
#[derive(Message, Debug, Clone, PartialEq)]
#[wire(id = 1)]
struct Work {
    n: u32,
    hold: bool,
}

#[derive(Message, Debug, Clone, PartialEq)]
#[wire(id = 2)]
struct Done(u32);

#[derive(Message, Debug, Clone, PartialEq)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

type WorkClient = RpcClient<Work, Done, Refused>;

const BOUND: Duration = Duration::from_secs(10);

/// What the server saw: calls started, calls running now, the most running at once, and
/// a gate that held calls wait for.
struct Seen {
    started: AtomicUsize,
    running: AtomicUsize,
    most_running: AtomicUsize,
    gate: Semaphore,
}

impl Seen {
    fn new() -> Arc<Self> {
        Arc::new(Seen {
            started: AtomicUsize::new(0),
            running: AtomicUsize::new(0),
            most_running: AtomicUsize::new(0),
            gate: Semaphore::new(0),
        })
    }

    fn release(&self, calls: usize) {
        self.gate.add_permits(calls);
    }

    async fn until_running(&self, calls: usize) {
        while self.running.load(Ordering::SeqCst) < calls {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

type Handled = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Done, Refused>> + Send>>;

/// The handler: records the call in `seen`, waits for the gate when asked to.
fn server(seen: &Arc<Seen>) -> impl Fn(Work) -> Handled + Send + Sync + 'static {
    let seen = Arc::clone(seen);
    move |work: Work| {
        let seen = Arc::clone(&seen);
        Box::pin(async move {
            seen.started.fetch_add(1, Ordering::SeqCst);
            let running = seen.running.fetch_add(1, Ordering::SeqCst) + 1;
            seen.most_running.fetch_max(running, Ordering::SeqCst);
            if work.hold {
                seen.gate.acquire().await.unwrap().forget();
            }
            seen.running.fetch_sub(1, Ordering::SeqCst);
            if work.n == u32::MAX {
                Err(Refused)
            } else {
                Ok(Done(work.n))
            }
        })
    }
}

/// A client over a duplex stream to a server that records what it `seen`.
fn duplex_client(seen: &Arc<Seen>) -> WorkClient {
    let (io, server_io) = tokio::io::duplex(64 * 1024);
    let rpc = RpcServer::new(RpcServerConfig::new(), server(seen));
    tokio::spawn(async move { rpc.serve_io(server_io, &Default::default()).await });
    RpcClient::over(io, RpcClientConfig::new())
}

fn work(n: u32) -> Call<Work> {
    Call::new(Work { n, hold: false })
}

fn held(n: u32) -> Call<Work> {
    Call::new(Work { n, hold: true })
}

#[tokio::test]
async fn timeout_layer_fails_a_call_the_server_holds_and_the_next_call_succeeds() {
    tokio::time::timeout(BOUND, async {
        let seen = Seen::new();
        let mut service = ServiceBuilder::new()
            .timeout(Duration::from_millis(50))
            .service(duplex_client(&seen));
        let error: BoxError = service
            .ready()
            .await
            .unwrap()
            .call(held(1))
            .await
            .unwrap_err();
        assert!(error.is::<tower::timeout::error::Elapsed>(), "{error}");
        let answer = service.ready().await.unwrap().call(work(2)).await.unwrap();
        assert_eq!(answer, Done(2));
        seen.release(1);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn rate_limit_layer_holds_the_third_call_until_the_next_period() {
    tokio::time::timeout(BOUND, async {
        let seen = Seen::new();
        let mut service = ServiceBuilder::new()
            .rate_limit(2, Duration::from_millis(200))
            .service(duplex_client(&seen));
        for n in 0..2 {
            assert_eq!(
                service.ready().await.unwrap().call(work(n)).await.unwrap(),
                Done(n)
            );
        }
        assert!(
            service.ready().now_or_never().is_none(),
            "a third call in the same period must wait"
        );
        let answer = service.ready().await.unwrap().call(work(3)).await.unwrap();
        assert_eq!(answer, Done(3));
        assert_eq!(seen.started.load(Ordering::SeqCst), 3);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn concurrency_limit_layer_runs_at_most_two_calls_at_once() {
    tokio::time::timeout(BOUND, async {
        let seen = Seen::new();
        let service = ServiceBuilder::new()
            .concurrency_limit(2)
            .service(duplex_client(&seen));
        let calls: Vec<_> = (0..6)
            .map(|n| tokio::spawn(service.clone().oneshot(held(n))))
            .collect();
        seen.until_running(2).await;
        // The other four wait in the limit, not at the server.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(seen.started.load(Ordering::SeqCst), 2);
        seen.release(6);
        for (n, call) in (0..).zip(calls) {
            assert_eq!(call.await.unwrap().unwrap(), Done(n));
        }
        assert_eq!(seen.most_running.load(Ordering::SeqCst), 2);
        assert_eq!(seen.started.load(Ordering::SeqCst), 6);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn load_shed_layer_refuses_a_call_at_once_when_the_limit_is_reached() {
    tokio::time::timeout(BOUND, async {
        let seen = Seen::new();
        let service = ServiceBuilder::new()
            .load_shed()
            .concurrency_limit(1)
            .service(duplex_client(&seen));
        let first = tokio::spawn(service.clone().oneshot(held(1)));
        seen.until_running(1).await;
        let error = service.clone().oneshot(work(2)).await.unwrap_err();
        assert!(error.is::<tower::load_shed::error::Overloaded>(), "{error}");
        assert_eq!(
            seen.started.load(Ordering::SeqCst),
            1,
            "the shed call never left"
        );
        seen.release(1);
        assert_eq!(first.await.unwrap().unwrap(), Done(1));
        // With the slot free again, calls go through.
        assert_eq!(service.oneshot(work(3)).await.unwrap(), Done(3));
    })
    .await
    .unwrap();
}

/// A server on loopback that drops its first `drops` connections as soon as a request
/// arrives (the client's calls on them end with an unknown outcome), then serves.
async fn flaky_server(drops: usize, seen: &Arc<Seen>) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let dropped = Arc::new(AtomicUsize::new(0));
    let rpc = RpcServer::new(RpcServerConfig::new(), server(seen));
    let counter = Arc::clone(&dropped);
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            if counter.load(Ordering::SeqCst) < drops {
                let mut buf = [0u8; 64];
                let _ = stream.read(&mut buf).await;
                counter.fetch_add(1, Ordering::SeqCst);
                drop(stream);
                continue;
            }
            let rpc = rpc.clone();
            tokio::spawn(async move { rpc.serve_io(stream, &Default::default()).await });
        }
    });
    (addr, dropped)
}

/// A client that never retries on its own (one attempt), so that the policy is the only
/// one retrying. It sends no HELLO, so the first bytes the flaky server reads are the
/// request itself and the connection drops with the call in flight.
async fn single_attempt_client(addr: SocketAddr) -> WorkClient {
    let backoff = Backoff::new()
        .with_max_attempts(1)
        .with_initial_delay(Duration::from_millis(5));
    let client = ClientConfig::new()
        .with_backoff(backoff)
        .with_hello(HelloMode::Off);
    let config = RpcClientConfig::new().with_client(client);
    RpcClient::connect(addr, config).await.unwrap()
}

fn retrying(budget: TpsBudget) -> RetryIdempotent {
    RetryIdempotent::new(budget).with_backoff(
        Backoff::new()
            .with_max_attempts(3)
            .with_initial_delay(Duration::from_millis(5)),
    )
}

fn idempotent(call: Call<Work>) -> Call<Work> {
    call.with_options(CallOptions::new().idempotent())
}

#[tokio::test]
async fn retry_policy_sends_an_idempotent_call_again_after_the_connection_was_lost() {
    tokio::time::timeout(BOUND, async {
        let seen = Seen::new();
        let (addr, dropped) = flaky_server(1, &seen).await;
        let client = single_attempt_client(addr).await;
        let service = ServiceBuilder::new()
            .retry(retrying(TpsBudget::new(Duration::from_secs(10), 10, 0.2)))
            .service(client);
        assert_eq!(service.oneshot(idempotent(work(7))).await.unwrap(), Done(7));
        assert_eq!(dropped.load(Ordering::SeqCst), 1);
        assert_eq!(seen.started.load(Ordering::SeqCst), 1);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn retry_policy_reports_the_unknown_outcome_of_a_call_that_is_not_idempotent() {
    tokio::time::timeout(BOUND, async {
        let seen = Seen::new();
        let (addr, dropped) = flaky_server(1, &seen).await;
        let client = single_attempt_client(addr).await;
        let mut service = ServiceBuilder::new()
            .retry(retrying(TpsBudget::new(Duration::from_secs(10), 10, 0.2)))
            .service(client);
        let error = service
            .ready()
            .await
            .unwrap()
            .call(work(7))
            .await
            .unwrap_err();
        assert!(matches!(error, RpcError::OutcomeUnknown(_)), "{error}");
        assert_eq!(dropped.load(Ordering::SeqCst), 1);
        assert_eq!(seen.started.load(Ordering::SeqCst), 0, "not sent again");
        // The next call reconnects and is served.
        assert_eq!(
            service.ready().await.unwrap().call(work(8)).await.unwrap(),
            Done(8)
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn retry_policy_gives_up_when_the_budget_has_no_retry_left() {
    tokio::time::timeout(BOUND, async {
        let seen = Seen::new();
        let (addr, dropped) = flaky_server(1, &seen).await;
        let client = single_attempt_client(addr).await;
        // No reserve, and successes earn nothing: no retry at all.
        let service = ServiceBuilder::new()
            .retry(retrying(TpsBudget::new(Duration::from_secs(1), 0, 0.0)))
            .service(client);
        let error = service.oneshot(idempotent(work(7))).await.unwrap_err();
        assert!(matches!(error, RpcError::OutcomeUnknown(_)), "{error}");
        assert_eq!(dropped.load(Ordering::SeqCst), 1);
        assert_eq!(seen.started.load(Ordering::SeqCst), 0);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn retry_policy_does_not_retry_an_application_error() {
    tokio::time::timeout(BOUND, async {
        let seen = Seen::new();
        let service = ServiceBuilder::new()
            .retry(retrying(TpsBudget::new(Duration::from_secs(10), 10, 0.2)))
            .service(duplex_client(&seen));
        let error = service
            .oneshot(idempotent(work(u32::MAX)))
            .await
            .unwrap_err();
        assert!(matches!(error, RpcError::Application(Refused)), "{error}");
        assert_eq!(seen.started.load(Ordering::SeqCst), 1);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn every_layer_stacks_in_front_of_the_client() {
    tokio::time::timeout(BOUND, async {
        let seen = Seen::new();
        let service = ServiceBuilder::new()
            .timeout(Duration::from_secs(5))
            .load_shed()
            .concurrency_limit(8)
            .rate_limit(1000, Duration::from_secs(1))
            .retry(retrying(TpsBudget::new(Duration::from_secs(10), 10, 0.2)))
            .service(duplex_client(&seen));
        // RateLimit is not Clone: calls go one after the other through `&mut service`.
        let mut service = service;
        for n in 0..20 {
            let answer = service
                .ready()
                .await
                .unwrap()
                .call(idempotent(work(n)))
                .await;
            assert_eq!(answer.unwrap(), Done(n));
        }
        assert_eq!(seen.started.load(Ordering::SeqCst), 20);
    })
    .await
    .unwrap();
}
