//! Many servers behind one `BalancedClient`, on loopback: a server killed under load and
//! restarted on the same address, a discovery stream that adds and removes servers,
//! ejection and the one probe that brings a server back, and a pool of connections per
//! server, and tower's layers in front of the balanced client. Calls are counted on the
//! server side.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream;
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;
use tower::discover::Change;
use tower::retry::budget::TpsBudget;
use tower::{ServiceBuilder, ServiceExt};
use wirewright::rpc::balance::{BalanceConfig, BalancedClient, EndpointMetrics, EndpointState};
use wirewright::rpc::tower::RetryIdempotent;
use wirewright::rpc::{Call, CallOptions, RpcClientConfig, RpcError, RpcServer, RpcServerConfig};
use wirewright::transport::{Backoff, ClientConfig, Metrics, Server, ServerConfig};
use wirewright::Message;

#[derive(Message, Debug, Clone, PartialEq)]
#[wire(id = 1)]
struct Ask(u64);

#[derive(Message, Debug, Clone, PartialEq)]
#[wire(id = 2)]
struct Answered {
    server: u32,
    n: u64,
}

#[derive(Message, Debug, Clone, PartialEq)]
struct Never;

impl std::fmt::Display for Never {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("never")
    }
}

type Client = BalancedClient<Ask, Answered, Never>;

const BOUND: Duration = Duration::from_secs(60);

/// Calls answered by each server, by index, across restarts.
#[derive(Default)]
struct Counts([AtomicU64; 3]);

impl Counts {
    fn get(&self, server: usize) -> u64 {
        self.0[server].load(Ordering::SeqCst)
    }

    fn take(&self) -> [u64; 3] {
        [0, 1, 2].map(|server| self.0[server].swap(0, Ordering::SeqCst))
    }
}

/// A server on loopback answering as server `index`, each call after a short pause so
/// that calls overlap; when `gate` is given, each call first waits for a permit.
struct Node {
    addr: SocketAddr,
    metrics: Metrics,
    serving: JoinHandle<std::io::Result<()>>,
}

async fn start_node(
    addr: SocketAddr,
    index: u32,
    counts: &Arc<Counts>,
    gate: Option<Arc<Semaphore>>,
) -> Node {
    let server = Server::bind(addr, ServerConfig::new()).await.unwrap();
    let addr = server.local_addr().unwrap();
    let metrics = server.metrics().clone();
    let counts = Arc::clone(counts);
    let rpc = RpcServer::new(RpcServerConfig::new(), move |Ask(n): Ask| {
        let (counts, gate) = (Arc::clone(&counts), gate.clone());
        async move {
            counts.0[index as usize].fetch_add(1, Ordering::SeqCst);
            if let Some(gate) = gate {
                gate.acquire().await.unwrap().forget();
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
            Ok::<_, Never>(Answered { server: index, n })
        }
    });
    Node {
        addr,
        metrics,
        serving: tokio::spawn(rpc.serve(server)),
    }
}

async fn start_nodes(counts: &Arc<Counts>) -> Vec<Node> {
    let mut nodes = Vec::new();
    for index in 0..3 {
        nodes.push(start_node("127.0.0.1:0".parse().unwrap(), index, counts, None).await);
    }
    nodes
}

/// Kills a server: its task and every connection task are dropped, so the sockets
/// close without a GOODBYE and the calls in flight on them are lost.
async fn kill(node: Node) -> SocketAddr {
    node.serving.abort();
    let _ = node.serving.await;
    node.addr
}

fn config() -> BalanceConfig {
    let backoff = Backoff::new()
        .with_initial_delay(Duration::from_millis(5))
        .with_max_delay(Duration::from_millis(50))
        .with_max_attempts(10);
    let client = RpcClientConfig::new()
        .with_call_timeout(Duration::from_secs(10))
        .with_client(ClientConfig::new().with_backoff(backoff));
    BalanceConfig::new()
        .with_client(client)
        .with_eject_after(3)
        .with_probe_after(Duration::from_millis(200))
}

fn state_of(client: &Client, addr: SocketAddr) -> Option<EndpointMetrics> {
    client
        .endpoints()
        .into_iter()
        .find(|server| server.addr == addr)
}

async fn all_up(client: &Client, servers: usize) {
    client
        .wait_until(|endpoints| {
            endpoints.len() == servers && endpoints.iter().all(|s| s.state == EndpointState::Up)
        })
        .await;
}

/// What the load's callers saw.
#[derive(Default)]
struct Outcomes {
    answered: AtomicU64,
    idempotent_failures: Mutex<Vec<String>>,
    other_failures: Mutex<Vec<RpcError<Never>>>,
}

/// `callers` tasks calling in a loop until `stop`, every other call idempotent.
fn load(
    client: &Client,
    callers: u64,
    stop: &Arc<AtomicBool>,
    outcomes: &Arc<Outcomes>,
) -> Vec<JoinHandle<()>> {
    (0..callers)
        .map(|caller| {
            let (client, stop, outcomes) = (client.clone(), Arc::clone(stop), Arc::clone(outcomes));
            tokio::spawn(async move {
                let mut n = caller << 32;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let idempotent = n % 2 == 0;
                    let options = if idempotent {
                        CallOptions::new().idempotent()
                    } else {
                        CallOptions::new()
                    };
                    match client.call_with(Ask(n), options).await {
                        Ok(answer) => {
                            assert_eq!(answer.n, n);
                            outcomes.answered.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(error) if idempotent => {
                            outcomes
                                .idempotent_failures
                                .lock()
                                .unwrap()
                                .push(error.to_string());
                        }
                        Err(error) => outcomes.other_failures.lock().unwrap().push(error),
                    }
                }
            })
        })
        .collect()
}

/// Waits until `more` calls were answered after now.
async fn answered_more(outcomes: &Outcomes, more: u64) {
    let target = outcomes.answered.load(Ordering::SeqCst) + more;
    while outcomes.answered.load(Ordering::SeqCst) < target {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// `calls` calls from `callers` tasks at once, all of which must be answered.
async fn run_calls(client: &Client, calls: u64, callers: u64) {
    let tasks: Vec<_> = (0..callers)
        .map(|caller| {
            let client = client.clone();
            tokio::spawn(async move {
                for n in (caller..calls).step_by(callers as usize) {
                    assert_eq!(client.call(Ask(n)).await.unwrap().n, n);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

fn assert_even(counts: [u64; 3], calls: u64) {
    let even = calls as f64 / 3.0;
    for (server, count) in counts.iter().enumerate() {
        let off = (*count as f64 - even).abs() / even;
        assert!(
            off <= 0.2,
            "server {server} took {count} of {calls} calls ({counts:?}): more than 20% off even"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_then_restarted_server_loses_no_idempotent_call_and_takes_its_share_again() {
    tokio::time::timeout(BOUND, async {
        let counts = Arc::new(Counts::default());
        let mut nodes = start_nodes(&counts).await;
        let addrs: Vec<_> = nodes.iter().map(|node| node.addr).collect();
        let client = Client::new(addrs.clone(), config());
        all_up(&client, 3).await;

        let stop = Arc::new(AtomicBool::new(false));
        let outcomes = Arc::new(Outcomes::default());
        let callers = load(&client, 48, &stop, &outcomes);
        answered_more(&outcomes, 600).await;

        // Kill server 1 under load: its calls in flight are lost with it.
        let killed = kill(nodes.remove(1)).await;
        client
            .wait_until(|servers| servers[1].state == EndpointState::Ejected)
            .await;
        answered_more(&outcomes, 300).await;

        // Restart it on the same address: a probe lets it back in.
        nodes.insert(1, start_node(killed, 1, &counts, None).await);
        all_up(&client, 3).await;
        answered_more(&outcomes, 300).await;
        stop.store(true, Ordering::SeqCst);
        for caller in callers {
            caller.await.unwrap();
        }

        let idempotent_failures =
            std::mem::take(&mut *outcomes.idempotent_failures.lock().unwrap());
        assert!(
            idempotent_failures.is_empty(),
            "idempotent calls failed: {idempotent_failures:?}"
        );
        let other_failures = std::mem::take(&mut *outcomes.other_failures.lock().unwrap());
        for error in other_failures.iter() {
            assert!(matches!(error, RpcError::OutcomeUnknown(_)), "{error}");
        }
        // Only the killed server failed calls, so the lost calls were on it.
        let servers = client.endpoints();
        assert_eq!(servers[0].failures, 0, "{servers:?}");
        assert_eq!(servers[2].failures, 0, "{servers:?}");
        assert!(
            servers[1].failures >= other_failures.len() as u64,
            "{servers:?}"
        );
        assert!(servers[1].ejections >= 1, "{servers:?}");

        // Afterwards, calls spread evenly across the three.
        counts.take();
        run_calls(&client, 3000, 30).await;
        assert_even(counts.take(), 3000);
    })
    .await
    .unwrap();
}

/// A discovery stream fed by the test.
fn discovery() -> (
    mpsc::UnboundedSender<Change<SocketAddr, ()>>,
    impl futures_util::Stream<Item = Change<SocketAddr, ()>>,
) {
    let (changes, mut discovered) = mpsc::unbounded_channel();
    let stream = stream::poll_fn(move |cx| discovered.poll_recv(cx));
    (changes, stream)
}

#[tokio::test]
async fn a_discovery_stream_adds_a_server_and_removes_another() {
    tokio::time::timeout(BOUND, async {
        let counts = Arc::new(Counts::default());
        let nodes = start_nodes(&counts).await;
        let (changes, discovered) = discovery();
        let client = Client::discover(discovered, config());
        changes.send(Change::Insert(nodes[0].addr, ())).unwrap();
        changes.send(Change::Insert(nodes[1].addr, ())).unwrap();
        all_up(&client, 2).await;
        run_calls(&client, 100, 10).await;
        let [first, second, third] = counts.take();
        assert!(first > 0 && second > 0, "{first} {second}");
        assert_eq!(third, 0, "not discovered yet");

        changes.send(Change::Insert(nodes[2].addr, ())).unwrap();
        changes.send(Change::Remove(nodes[0].addr)).unwrap();
        client
            .wait_until(|servers| {
                servers.len() == 2
                    && servers
                        .iter()
                        .all(|s| s.addr != nodes[0].addr && s.state == EndpointState::Up)
            })
            .await;
        run_calls(&client, 100, 10).await;
        let [first, second, third] = counts.take();
        assert_eq!(first, 0, "removed");
        assert!(second > 0 && third > 0, "{second} {third}");
        // The removed server's connection was closed.
        while nodes[0].metrics.connections_open() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_failing_server_is_ejected_and_one_probe_brings_it_back() {
    tokio::time::timeout(BOUND, async {
        let counts = Arc::new(Counts::default());
        let mut nodes = start_nodes(&counts).await;
        let client = Client::new([nodes[0].addr, nodes[1].addr], config());
        all_up(&client, 2).await;

        let killed = kill(nodes.remove(1)).await;
        let mut n = 0;
        while state_of(&client, killed).unwrap().state != EndpointState::Ejected {
            n += 1;
            // Idempotent: a call sent before the client noticed the loss is sent again.
            let answer = client
                .call_with(Ask(n), CallOptions::new().idempotent())
                .await;
            assert_eq!(answer.unwrap().server, 0, "only server 0 is alive");
        }
        let ejected = state_of(&client, killed).unwrap();
        assert_eq!(ejected.ejections, 1);
        assert!(ejected.consecutive_failures >= 3, "{ejected:?}");

        // Back, but holding its calls: the probe stays in flight.
        let gate = Arc::new(Semaphore::new(0));
        let _restarted = start_node(killed, 1, &counts, Some(Arc::clone(&gate))).await;
        let mut calls = Vec::new();
        while counts.get(1) == 0 {
            n += 1;
            let client = client.clone();
            calls.push(tokio::spawn(async move { client.call(Ask(n)).await }));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            state_of(&client, killed).unwrap().state,
            EndpointState::Probing
        );
        // Half-open: while the probe is in flight, every other call goes elsewhere.
        for _ in 0..20 {
            n += 1;
            assert_eq!(client.call(Ask(n)).await.unwrap().server, 0);
        }
        assert_eq!(counts.get(1), 1, "one probe");

        gate.add_permits(1_000);
        client
            .wait_until(|servers| servers.iter().all(|s| s.state == EndpointState::Up))
            .await;
        for call in calls {
            call.await.unwrap().unwrap();
        }
        counts.take();
        run_calls(&client, 100, 10).await;
        let [first, second, _] = counts.take();
        assert!(first > 0 && second > 0, "{first} {second}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_pool_of_three_connections_per_server_carries_calls_on_each() {
    tokio::time::timeout(BOUND, async {
        let counts = Arc::new(Counts::default());
        let nodes = start_nodes(&counts).await;
        let client = Client::new([nodes[0].addr], config().with_connections_per_server(3));
        all_up(&client, 1).await;
        run_calls(&client, 300, 30).await;
        assert_eq!(counts.get(0), 300);
        assert_eq!(nodes[0].metrics.connections_accepted(), 3);
        let server = &client.endpoints()[0];
        assert_eq!(server.calls_per_connection.len(), 3);
        assert!(
            server.calls_per_connection.iter().all(|&calls| calls > 0),
            "{server:?}"
        );
        assert_eq!(server.calls_per_connection.iter().sum::<u64>(), 300);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn tower_layers_stack_in_front_of_the_balanced_client() {
    tokio::time::timeout(BOUND, async {
        let counts = Arc::new(Counts::default());
        let nodes = start_nodes(&counts).await;
        let client = Client::new(nodes.iter().map(|node| node.addr), config());
        all_up(&client, 3).await;
        let budget = TpsBudget::new(Duration::from_secs(10), 10, 0.2);
        let service = ServiceBuilder::new()
            .timeout(Duration::from_secs(10))
            .concurrency_limit(16)
            .retry(RetryIdempotent::new(budget))
            .service(client.clone());
        let calls: Vec<_> = (0..90)
            .map(|n| {
                let call = Call::new(Ask(n)).with_options(CallOptions::new().idempotent());
                tokio::spawn(service.clone().oneshot(call))
            })
            .collect();
        for (n, call) in (0..).zip(calls) {
            assert_eq!(call.await.unwrap().unwrap().n, n);
        }
        let taken = counts.take();
        assert_eq!(taken.iter().sum::<u64>(), 90);
        assert!(taken.iter().all(|&calls| calls > 0), "{taken:?}");
    })
    .await
    .unwrap();
}
