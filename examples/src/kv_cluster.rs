//! `kv cluster`: three kv servers and one balanced client, in one process.
//!
//! ```text
//! cargo run -p wirewright-examples --bin kv -- cluster [CALLS]
//! ```
//!
//! The three servers share one in-memory [`Store`] (standing in for replicas), so a key
//! put through one is read through any. The client, a
//! `BalancedClient`, makes CALLS calls
//! (default 20,000; 90% gets, 10% puts, 64 in flight) in three phases: all three servers
//! up; server 2 stopped under load (the puts in flight on it end with an unknown
//! outcome, the gets are sent elsewhere, the client ejects it); server 2 restarted on the
//! same address (a probe lets it back in). After each phase it prints the calls each
//! server took (counted by the server) and the client's view of each server.

use std::error::Error;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wirewright::bytes::Bytes;
use wirewright::rpc::balance::{BalanceConfig, BalancedClient, EndpointState};
use wirewright::rpc::{CallOptions, RpcServer, RpcServerConfig};
use wirewright::transport::{Server, ServerConfig};

use crate::kv::{Get, KvError, KvRequest, KvResponse, Put, Store};

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;
type Client = BalancedClient<KvRequest, KvResponse, KvError>;

const SERVERS: usize = 3;
const KEYS: u64 = 1000;
const IN_FLIGHT: u64 = 64;
/// How long the demo waits for the servers to be up.
const STATE_WAIT: Duration = Duration::from_secs(10);

/// Runs the cluster demo; `args` is what follows `cluster` on the command line
/// (`[CALLS]`).
///
/// # Errors
/// A CALLS that is not a number, a server that could not bind, servers that did not come
/// up in time, or a call that failed when it should not have.
pub async fn run(args: &[&str]) -> Result<()> {
    crate::logging::init("warn");
    let calls: u64 = args.first().map_or(Ok(20_000), |calls| calls.parse())?;
    let store = Store::new();
    let taken: Arc<[AtomicU64; SERVERS]> = Arc::new(Default::default());
    let mut servers = Vec::new();
    for index in 0..SERVERS {
        let addr = "127.0.0.1:0".parse()?;
        servers.push(start(addr, index, &store, &taken).await?);
    }
    let addrs: Vec<SocketAddr> = servers.iter().map(|(addr, _)| *addr).collect();
    println!("kv cluster: servers on {addrs:?}, {calls} calls per phase, {IN_FLIGHT} in flight");

    let config = BalanceConfig::new()
        .with_eject_after(3)
        .with_probe_after(Duration::from_millis(300));
    let client = Client::new(addrs.clone(), config);
    all_up(&client).await?;
    for key in 0..KEYS {
        let put = Put {
            key: format!("key{key:04}"),
            value: Bytes::from(vec![b'v'; 32]),
        };
        client.call(KvRequest::Put(put)).await?;
    }
    let phase = run_calls(&client, calls).await?;
    report(&client, &taken, "all three up (after 1,000 puts)", &phase);

    // Stop server 2 under load: its connections close without a GOODBYE, the puts in
    // flight on it end with an unknown outcome, the gets are sent elsewhere.
    let loaded = tokio::spawn({
        let client = client.clone();
        async move { run_calls(&client, calls).await }
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (addr, serving) = servers.remove(2);
    serving.abort();
    let _ = serving.await;
    let phase = loaded.await??;
    report(&client, &taken, "server 2 stopped", &phase);

    servers.push(start(addr, 2, &store, &taken).await?);
    // Server 2 is let back in by a probe: a call the client sends it once
    // `probe_after` has passed. Send gets until one has.
    let probed = async {
        while client.endpoints()[2].state != EndpointState::Up {
            let get = KvRequest::Get(Get {
                key: "key0000".into(),
            });
            client
                .call_with(get, CallOptions::new().idempotent())
                .await?;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok::<_, wirewright::rpc::RpcError<KvError>>(())
    };
    tokio::time::timeout(STATE_WAIT, probed)
        .await
        .map_err(|_| "server 2 did not come back in time")??;
    let phase = run_calls(&client, calls).await?;
    report(&client, &taken, "server 2 restarted", &phase);
    Ok(())
}

/// Starts server `index` on `addr` over `store`, counting its calls in `taken`.
async fn start(
    addr: SocketAddr,
    index: usize,
    store: &Store,
    taken: &Arc<[AtomicU64; SERVERS]>,
) -> Result<(SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>)> {
    let server = Server::bind(addr, ServerConfig::new()).await?;
    let addr = server.local_addr()?;
    let (store, taken) = (store.clone(), Arc::clone(taken));
    let rpc = RpcServer::streaming(RpcServerConfig::new(), move |request: KvRequest| {
        taken[index].fetch_add(1, Ordering::Relaxed);
        let store = store.clone();
        async move { store.handle(request).await }
    });
    Ok((addr, tokio::spawn(rpc.serve(server))))
}

/// Waits until every server is up (at most [`STATE_WAIT`]).
async fn all_up(client: &Client) -> Result<()> {
    let all = client.wait_until(|servers| {
        servers
            .iter()
            .all(|server| server.state == EndpointState::Up)
    });
    tokio::time::timeout(STATE_WAIT, all)
        .await
        .map_err(|_| "the servers did not come up in time".into())
}

/// What the callers of one phase saw.
#[derive(Debug, Default)]
struct Phase {
    answered: u64,
    /// Puts (not idempotent) whose server vanished before answering.
    outcome_unknown: u64,
}

/// `calls` calls, 90% idempotent gets and 10% puts, `IN_FLIGHT` at once.
///
/// # Errors
/// Any failure other than a put's unknown outcome.
async fn run_calls(client: &Client, calls: u64) -> Result<Phase> {
    let mut callers = tokio::task::JoinSet::new();
    for caller in 0..IN_FLIGHT {
        let client = client.clone();
        callers.spawn(async move {
            let mut phase = Phase::default();
            for n in (caller..calls).step_by(IN_FLIGHT as usize) {
                let key = format!("key{:04}", n.wrapping_mul(7919) % KEYS);
                let (request, options) = if n % 10 == 0 {
                    let value = Bytes::from(n.to_string());
                    (KvRequest::Put(Put { key, value }), CallOptions::new())
                } else {
                    (KvRequest::Get(Get { key }), CallOptions::new().idempotent())
                };
                match client.call_with(request, options).await {
                    Ok(_) => phase.answered += 1,
                    Err(error) if error.is_outcome_unknown() => phase.outcome_unknown += 1,
                    Err(error) => return Err(error.to_string()),
                }
            }
            Ok(phase)
        });
    }
    let mut total = Phase::default();
    while let Some(joined) = callers.join_next().await {
        let phase = joined??;
        total.answered += phase.answered;
        total.outcome_unknown += phase.outcome_unknown;
    }
    Ok(total)
}

/// Prints the calls each server took since the last report, and the client's view.
fn report(client: &Client, taken: &[AtomicU64; SERVERS], title: &str, phase: &Phase) {
    println!(
        "\n{title}: {} answered, {} puts with an unknown outcome",
        phase.answered, phase.outcome_unknown
    );
    println!(
        "{:<8} {:>11} {:<21} {:>9} {:>12} {:>9} {:>9}",
        "server", "calls taken", "address", "state", "client calls", "failures", "ejections"
    );
    for (index, (server, taken)) in client.endpoints().iter().zip(taken).enumerate() {
        println!(
            "{index:<8} {:>11} {:<21} {:>9} {:>12} {:>9} {:>9}",
            taken.swap(0, Ordering::Relaxed),
            server.addr.to_string(),
            server.state.to_string(),
            server.calls,
            server.failures,
            server.ejections
        );
    }
}
