//! tower layers behind the server (`RpcServer::from_service` and `from_service_fn`), in
//! front of a `#[wirewright::service]` implementation: timeout, rate limit, concurrency
//! limit and load shedding; and a layer under the typed client.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use tower::ServiceBuilder;
use wirewright::rpc::{
    ErrorCode, RpcClient, RpcClientConfig, RpcError, RpcServer, RpcServerConfig,
};
use wirewright::Message;

/// The service's error.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub enum WorkError {
    /// Never returned.
    Refused,
}

impl std::fmt::Display for WorkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

impl std::error::Error for WorkError {}

/// Work that takes a while.
#[wirewright::service]
pub trait Work {
    /// Works for `millis` ms; returns how many calls ran at once when it started.
    #[wire(id = 1)]
    async fn work(&self, millis: u64) -> Result<u32, WorkError>;
}

/// Counts the calls running at once, the most seen, and when each started.
#[derive(Default)]
struct Worker {
    running: AtomicU32,
    most: AtomicU32,
    starts: Mutex<Vec<Instant>>,
}

impl Work for Arc<Worker> {
    async fn work(&self, millis: u64) -> Result<u32, WorkError> {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        self.starts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Instant::now());
        let _running = Running(&self.running);
        tokio::time::sleep(Duration::from_millis(millis)).await;
        Ok(now)
    }
}

/// Counts a call out when its future ends, finished or dropped.
struct Running<'a>(&'a AtomicU32);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A client of `server` over an in-memory connection.
fn connect<H>(server: RpcServer<WorkRequest, WorkResponse, WorkError, H>) -> WorkClient
where
    H: wirewright::rpc::Handler<WorkRequest, WorkResponse, WorkError>,
{
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
    WorkClient::over(client_io, RpcClientConfig::new())
}

#[tokio::test(start_paused = true)]
async fn a_timeout_layer_behind_the_server_fails_a_slow_call_with_code_3() {
    let worker = Arc::new(Worker::default());
    let service = ServiceBuilder::new()
        .timeout(Duration::from_millis(50))
        .service(WorkServer::new(Arc::clone(&worker)));
    let client = connect(RpcServer::from_service(RpcServerConfig::new(), service));
    let err = client.work(10_000).await.unwrap_err();
    let RpcError::Failed(failure) = &err else {
        panic!("expected a failure: {err}");
    };
    assert_eq!(failure.code, ErrorCode::HandlerFailed);
    assert!(failure.message.contains("time limit"), "{failure}");
    assert_eq!(
        worker.running.load(Ordering::SeqCst),
        0,
        "the layer dropped the call"
    );
    assert_eq!(client.work(1).await.unwrap(), 1, "a quick call still runs");
}

#[tokio::test(start_paused = true)]
async fn a_concurrency_limit_behind_the_server_runs_at_most_two_calls_at_once() {
    let worker = Arc::new(Worker::default());
    let service = ServiceBuilder::new()
        .concurrency_limit(2)
        .service(WorkServer::new(Arc::clone(&worker)));
    let client = connect(RpcServer::from_service(RpcServerConfig::new(), service));
    let calls = (0..8).map(|_| client.work(20));
    for result in futures_util::future::join_all(calls).await {
        assert!(result.unwrap() <= 2);
    }
    assert_eq!(worker.most.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_behind_the_server_admits_two_calls_a_second_per_connection() {
    let worker = Arc::new(Worker::default());
    let make = {
        let worker = Arc::clone(&worker);
        move || {
            ServiceBuilder::new()
                .rate_limit(2, Duration::from_secs(1))
                .service(WorkServer::new(Arc::clone(&worker)))
        }
    };
    let client = connect(RpcServer::from_service_fn(RpcServerConfig::new(), make));
    let began = Instant::now();
    let calls = (0..6).map(|_| client.work(0));
    for result in futures_util::future::join_all(calls).await {
        result.unwrap();
    }
    let starts = worker
        .starts
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let in_second = |n: u64| {
        let from = began + Duration::from_secs(n);
        let to = from + Duration::from_secs(1);
        starts.iter().filter(|&&at| at >= from && at < to).count()
    };
    assert_eq!((in_second(0), in_second(1), in_second(2)), (2, 2, 2));
}

#[tokio::test(start_paused = true)]
async fn load_shedding_behind_the_server_answers_overloaded_at_once() {
    let worker = Arc::new(Worker::default());
    let service = ServiceBuilder::new()
        .load_shed()
        .concurrency_limit(1)
        .service(WorkServer::new(Arc::clone(&worker)));
    let client = connect(RpcServer::from_service(RpcServerConfig::new(), service));
    let busy = tokio::spawn({
        let client = client.clone();
        async move { client.work(10_000).await }
    });
    while worker.running.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let err = client.work(1).await.unwrap_err();
    assert!(
        matches!(&err, RpcError::Failed(failure) if failure.code == ErrorCode::Overloaded),
        "{err}"
    );
    assert!(err.is_retryable(), "the call did not run");
    assert_eq!(busy.await.unwrap().unwrap(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_layer_under_the_typed_client_limits_its_calls() {
    let worker = Arc::new(Worker::default());
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let server = WorkServer::new(Arc::clone(&worker)).into_rpc_server(RpcServerConfig::new());
    tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
    let rpc = RpcClient::over(client_io, RpcClientConfig::new());
    let client = WorkClient::new(ServiceBuilder::new().concurrency_limit(3).service(rpc));
    let calls = (0..9).map(|_| client.work(10));
    for result in futures_util::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(worker.most.load(Ordering::SeqCst), 3);
}
