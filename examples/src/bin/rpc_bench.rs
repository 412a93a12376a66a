//! Request/response throughput and latency over loopback: wirewright's `rpc` beside a
//! hand-written baseline (`LengthDelimitedCodec` + bincode 2 + a `HashMap` of oneshot
//! senders, see `wirewright_examples::baseline`), in the same process and the same run.
//!
//! ```text
//! cargo run --release -p wirewright-examples --bin rpc_bench [-- SECONDS ROUNDS]
//! ```
//!
//! Each measurement runs 1 or 64 calls in flight over one connection for SECONDS
//! (default 2): a small request (a u64 and 16 bytes) echoed back. The stacks take
//! turns, ROUNDS times (default 3); the table shows the median rate of the rounds and the
//! latency percentiles of every call, then wirewright's rate over the baseline's, and the
//! typed client of a `#[wirewright::service]` trait (the same wire, the same server)
//! over the raw `RpcClient`.
//!
//! `rpc_bench SECONDS 1 wirewright|service|baseline IN_FLIGHT` runs one stack alone (to
//! profile it, under `perf record`, say).
//!
//! Balanced rows: a `BalancedClient` over three local servers (one connection each) and
//! over one, against the raw `RpcClient` over one, all at 64 in flight, taking turns in
//! the same rounds. All servers share the process's two worker threads, so three servers
//! add no capacity: the 3-server ratio shows the cost of spreading the calls over three
//! connections (fewer frames per write), the 1-server ratio the balancer's own cost, and
//! three raw clients taking turns over the same three servers show the spreading without
//! a balancer.
//!
//! Stream row: one server stream (SPEC.md §11.8) of the same echoes, read as fast as they
//! come with the default 64 KiB of credit: items per second, beside the raw client's calls
//! per second at 64 in flight.

use std::convert::Infallible;
use std::error::Error;
use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use wirewright::rpc::balance::{BalanceConfig, BalancedClient, EndpointState};
use wirewright::rpc::{
    Answer, CallOptions, RpcClient, RpcClientConfig, RpcServer, RpcServerConfig,
};
use wirewright::transport::{ClientConfig, HelloMode, Server, ServerConfig};
use wirewright::Message;
use wirewright_examples::baseline::{self, BaselineClient, BincodePing};
use wirewright_examples::latency::Latencies;

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

/// The request: echo `payload`.
#[derive(Message, Debug, Clone)]
#[wire(id = 1)]
struct Ping {
    id: u64,
    payload: Vec<u8>,
}

/// The response.
#[derive(Message, Debug, Clone)]
#[wire(id = 1)]
struct Pong {
    id: u64,
    payload: Vec<u8>,
}

const PAYLOAD: [u8; 16] = *b"sixteen bytes..!";

/// The echo as a service: its one method takes `Ping` and returns `Pong` as they are,
/// so the typed client talks to the same server as the raw client, with the same bytes.
#[wirewright::service]
trait Echo {
    #[wire(id = 1, message)]
    async fn echo(&self, ping: Ping) -> std::result::Result<Pong, Infallible>;
}

/// One way of making a call.
trait Caller: Clone + Send + Sync + 'static {
    /// Makes call number `n`; whether it succeeded with the right answer.
    fn call(&self, n: u64) -> impl Future<Output = bool> + Send;
}

#[derive(Clone)]
struct Wirewright(RpcClient<Ping, Pong, Infallible>);

impl Caller for Wirewright {
    fn call(&self, n: u64) -> impl Future<Output = bool> + Send {
        let ping = Ping {
            id: n,
            payload: PAYLOAD.to_vec(),
        };
        async move { self.0.call(ping).await.is_ok_and(|pong| pong.id == n) }
    }
}

#[derive(Clone)]
struct Typed(EchoClient);

impl Caller for Typed {
    fn call(&self, n: u64) -> impl Future<Output = bool> + Send {
        let ping = Ping {
            id: n,
            payload: PAYLOAD.to_vec(),
        };
        async move { self.0.echo(ping).await.is_ok_and(|pong| pong.id == n) }
    }
}

#[derive(Clone)]
struct Baseline(BaselineClient);

impl Caller for Baseline {
    fn call(&self, n: u64) -> impl Future<Output = bool> + Send {
        let ping = BincodePing {
            id: n,
            payload: PAYLOAD.to_vec(),
        };
        async move { self.0.call(ping).await.is_ok_and(|pong| pong.id == n) }
    }
}

#[derive(Clone)]
struct Balanced(BalancedClient<Ping, Pong, Infallible>);

impl Caller for Balanced {
    fn call(&self, n: u64) -> impl Future<Output = bool> + Send {
        let ping = Ping {
            id: n,
            payload: PAYLOAD.to_vec(),
        };
        async move { self.0.call(ping).await.is_ok_and(|pong| pong.id == n) }
    }
}

/// Raw clients of several servers, taking turns call by call: what spreading the calls
/// over several connections costs without a balancer.
#[derive(Clone)]
struct RoundRobin(Vec<RpcClient<Ping, Pong, Infallible>>);

impl Caller for RoundRobin {
    fn call(&self, n: u64) -> impl Future<Output = bool> + Send {
        let ping = Ping {
            id: n,
            payload: PAYLOAD.to_vec(),
        };
        let client = &self.0[(n % self.0.len() as u64) as usize];
        async move { client.call(ping).await.is_ok_and(|pong| pong.id == n) }
    }
}

/// Starts `servers` echo servers; returns a balanced client over them, once all are up.
async fn start_balanced(servers: usize) -> Result<Balanced> {
    let mut addrs = Vec::new();
    for _ in 0..servers {
        let server = Server::bind("127.0.0.1:0", ServerConfig::new()).await?;
        addrs.push(server.local_addr()?);
        let echo = RpcServer::new(
            RpcServerConfig::new(),
            |Ping { id, payload }: Ping| async move { Ok::<_, Infallible>(Pong { id, payload }) },
        );
        tokio::spawn(echo.serve(server));
    }
    let client = BalancedClient::new(addrs, BalanceConfig::new());
    let all_up = client.wait_until(|servers| servers.iter().all(|s| s.state == EndpointState::Up));
    tokio::time::timeout(Duration::from_secs(10), all_up).await?;
    Ok(Balanced(client))
}

/// The balanced rows: a `BalancedClient` over three servers and over one against the raw
/// client over one, at 64 in flight, taking turns; prints the rows and the ratios of the
/// median rates.
async fn balanced_row(raw: &Wirewright, duration: Duration, rounds: usize) -> Result<()> {
    let three = start_balanced(3).await?;
    let one = start_balanced(1).await?;
    let mut raw_three = Vec::new();
    for server in three.0.endpoints() {
        raw_three.push(RpcClient::connect(server.addr, RpcClientConfig::new()).await?);
    }
    let raw_three = RoundRobin(raw_three);
    let warmup = Duration::from_millis(500);
    measure(&three, 64, warmup, &mut Measured::default()).await;
    measure(&one, 64, warmup, &mut Measured::default()).await;
    let mut measured: [Measured; 4] = Default::default();
    for round in 0..rounds {
        let [over_three, over_one, raws, round_robin] = &mut measured;
        measure(&raw_three, 64, duration, round_robin).await;
        // Take turns going first.
        match round % 3 {
            0 => {
                measure(&three, 64, duration, over_three).await;
                measure(&one, 64, duration, over_one).await;
                measure(raw, 64, duration, raws).await;
            }
            1 => {
                measure(raw, 64, duration, raws).await;
                measure(&three, 64, duration, over_three).await;
                measure(&one, 64, duration, over_one).await;
            }
            _ => {
                measure(&one, 64, duration, over_one).await;
                measure(raw, 64, duration, raws).await;
                measure(&three, 64, duration, over_three).await;
            }
        }
    }
    let names = [
        "balanced, 3 servers",
        "balanced, 1 server",
        "wirewright rpc, 1 server",
    ];
    for (name, measured) in names.iter().zip(measured.iter_mut()) {
        println!(
            "{name:<34} {:>9} {:>12.0} {:>9} {:>9} {:>9}",
            64,
            measured.median_rate(),
            measured.latencies.percentile(50.0).as_micros(),
            measured.latencies.percentile(99.0).as_micros(),
            measured.failures
        );
    }
    let [over_three, over_one, raws, round_robin] = &measured;
    let calls: Vec<String> = three
        .0
        .endpoints()
        .iter()
        .map(|s| s.calls.to_string())
        .collect();
    println!(
        "balanced (3 servers) / raw client at 64 in flight: {:.2} (median rates; calls per server {})",
        over_three.median_rate() / raws.median_rate(),
        calls.join(", ")
    );
    println!(
        "balanced (1 server) / raw client at 64 in flight: {:.2} (median rates: the balancer's own cost)",
        over_one.median_rate() / raws.median_rate()
    );
    println!(
        "balanced (3 servers) / 3 raw clients round robin at 64 in flight: {:.2} (median rates)",
        over_three.median_rate() / round_robin.median_rate()
    );
    Ok(())
}

/// What one stack did at one number of calls in flight, over the rounds.
#[derive(Default)]
struct Measured {
    rates: Vec<f64>,
    latencies: Latencies,
    failures: u64,
}

impl Measured {
    fn median_rate(&self) -> f64 {
        let mut rates = self.rates.clone();
        rates.sort_by(f64::total_cmp);
        rates.get(rates.len() / 2).copied().unwrap_or(0.0)
    }
}

/// Runs `in_flight` callers for `duration`; adds the rate and latencies to `into`.
async fn measure<C: Caller>(caller: &C, in_flight: usize, duration: Duration, into: &mut Measured) {
    let started = Instant::now();
    let stop = started + duration;
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..in_flight {
        let caller = caller.clone();
        workers.spawn(async move {
            let mut latencies = Latencies::with_capacity(1 << 16);
            let mut failures = 0;
            let mut n = (worker as u64) << 40;
            while Instant::now() < stop {
                n += 1;
                let call = Instant::now();
                if !caller.call(n).await {
                    failures += 1;
                }
                latencies.record(call.elapsed());
            }
            (latencies, failures)
        });
    }
    let mut calls = 0;
    while let Some(Ok((latencies, failures))) = workers.join_next().await {
        calls += latencies.len();
        into.latencies.merge(latencies);
        into.failures += failures;
    }
    into.rates
        .push(calls as f64 / started.elapsed().as_secs_f64());
}

/// Runs one stack alone (`wirewright` or `baseline`) with `in_flight` calls.
async fn profile(stack: &str, in_flight: usize, duration: Duration) -> Result<()> {
    let (wirewright, typed, baseline) = start().await?;
    let mut measured = Measured::default();
    match stack {
        "wirewright" => measure(&wirewright, in_flight, duration, &mut measured).await,
        "service" => measure(&typed, in_flight, duration, &mut measured).await,
        "baseline" => measure(&baseline, in_flight, duration, &mut measured).await,
        _ => return Err("the stack is wirewright, service or baseline".into()),
    }
    println!(
        "{stack}: {in_flight} in flight, {:.0} calls/s, p50 {} µs, p99 {} µs",
        measured.median_rate(),
        measured.latencies.percentile(50.0).as_micros(),
        measured.latencies.percentile(99.0).as_micros()
    );
    Ok(())
}

/// Starts both servers; returns a raw and a typed client of wirewright's, and a client of
/// the baseline's.
async fn start() -> Result<(Wirewright, Typed, Baseline)> {
    let server = Server::bind("127.0.0.1:0", ServerConfig::new()).await?;
    let addr = server.local_addr()?;
    let echo = RpcServer::new(
        RpcServerConfig::new(),
        |Ping { id, payload }: Ping| async move { Ok::<_, Infallible>(Pong { id, payload }) },
    );
    tokio::spawn(echo.serve(server));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let baseline_addr = listener.local_addr()?;
    tokio::spawn(baseline::serve(listener));
    let wirewright = Wirewright(RpcClient::connect(addr, RpcClientConfig::new()).await?);
    // The same wire under other protocol names: the server's HELLO names `(Ping, Pong)`,
    // the typed client's `(EchoRequest, EchoResponse)`, so it connects without HELLO (a
    // cost of the connection's setup only, not of its calls).
    let no_hello = ClientConfig::new().with_hello(HelloMode::Off);
    let typed =
        Typed(EchoClient::connect(addr, RpcClientConfig::new().with_client(no_hello)).await?);
    let baseline = Baseline(BaselineClient::connect(baseline_addr).await?);
    Ok((wirewright, typed, baseline))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: f64 = args.first().map_or(Ok(2.0), |s| s.parse())?;
    let rounds: usize = args.get(1).map_or(Ok(3), |s| s.parse())?;
    let duration = Duration::from_secs_f64(seconds);
    // For profiling one stack: `rpc_bench 5 1 wirewright 64` runs only that.
    if let [_, _, stack, in_flight] = args.as_slice() {
        return profile(stack, in_flight.parse()?, duration).await;
    }
    let (wirewright, typed, baseline) = start().await?;

    println!(
        "rpc_bench: echo of a u64 and {} bytes over loopback, one connection, {seconds} s per run, {rounds} rounds, {} worker threads",
        PAYLOAD.len(),
        2
    );
    let warmup = Duration::from_millis(500);
    measure(&wirewright, 64, warmup, &mut Measured::default()).await;
    measure(&baseline, 64, warmup, &mut Measured::default()).await;
    measure(&typed, 64, warmup, &mut Measured::default()).await;

    let in_flights = [1, 64];
    let mut results: Vec<[Measured; 2]> = in_flights.iter().map(|_| Default::default()).collect();
    let mut services: Vec<Measured> = in_flights.iter().map(|_| Default::default()).collect();
    for round in 0..rounds {
        for (at, &in_flight) in in_flights.iter().enumerate() {
            let [ours, theirs] = &mut results[at];
            let service = &mut services[at];
            // Take turns going first.
            if round % 2 == 0 {
                measure(&wirewright, in_flight, duration, ours).await;
                measure(&typed, in_flight, duration, service).await;
                measure(&baseline, in_flight, duration, theirs).await;
            } else {
                measure(&baseline, in_flight, duration, theirs).await;
                measure(&typed, in_flight, duration, service).await;
                measure(&wirewright, in_flight, duration, ours).await;
            }
        }
    }

    println!(
        "{:<34} {:>9} {:>12} {:>9} {:>9} {:>9}",
        "stack", "in flight", "calls/s", "p50 µs", "p99 µs", "failures"
    );
    for (at, &in_flight) in in_flights.iter().enumerate() {
        for (name, measured) in ["wirewright rpc", "baseline (LengthDelimited+bincode)"]
            .iter()
            .zip(results[at].iter_mut())
        {
            println!(
                "{name:<34} {in_flight:>9} {:>12.0} {:>9} {:>9} {:>9}",
                measured.median_rate(),
                measured.latencies.percentile(50.0).as_micros(),
                measured.latencies.percentile(99.0).as_micros(),
                measured.failures
            );
        }
        let service = &mut services[at];
        println!(
            "{:<34} {in_flight:>9} {:>12.0} {:>9} {:>9} {:>9}",
            "wirewright service client (typed)",
            service.median_rate(),
            service.latencies.percentile(50.0).as_micros(),
            service.latencies.percentile(99.0).as_micros(),
            service.failures
        );
    }
    for (at, &in_flight) in in_flights.iter().enumerate() {
        let [ours, theirs] = &results[at];
        let per_round: Vec<String> = ours
            .rates
            .iter()
            .zip(&theirs.rates)
            .map(|(ours, theirs)| format!("{:.2}", ours / theirs))
            .collect();
        println!(
            "wirewright / baseline at {in_flight:>2} in flight: {:.2} (median rates; per round {})",
            ours.median_rate() / theirs.median_rate(),
            per_round.join(", ")
        );
    }
    for (at, &in_flight) in in_flights.iter().enumerate() {
        let (raw, service) = (&results[at][0], &services[at]);
        let per_round: Vec<String> = service
            .rates
            .iter()
            .zip(&raw.rates)
            .map(|(service, raw)| format!("{:.3}", service / raw))
            .collect();
        println!(
            "service client / RpcClient at {in_flight:>2} in flight: {:.3} (median rates; per round {}; target >= 0.95)",
            service.median_rate() / raw.median_rate(),
            per_round.join(", ")
        );
    }
    balanced_row(&wirewright, duration, rounds).await?;
    stream_row(&results[1][0], duration, rounds).await?;
    Ok(())
}

/// A server stream of echoes (SPEC.md §11.8) read as fast as it comes, with the default
/// window (64 KiB of credit): items per second over one stream, beside the raw client's
/// calls per second at 64 in flight (`calls`, measured in the same run).
async fn stream_row(calls: &Measured, duration: Duration, rounds: usize) -> Result<()> {
    let server = Server::bind("127.0.0.1:0", ServerConfig::new()).await?;
    let addr = server.local_addr()?;
    let streams = RpcServer::streaming(
        RpcServerConfig::new(),
        |Ping { id, payload }: Ping| async move {
            let pongs = futures_util::stream::iter((0..id).map(move |n| {
                Ok::<_, Infallible>(Pong {
                    id: n,
                    payload: payload.clone(),
                })
            }));
            Answer::from_stream(Ok(pongs), std::convert::identity)
        },
    );
    tokio::spawn(streams.serve(server));
    let client = RpcClient::<Ping, Pong, Infallible>::connect(addr, RpcClientConfig::new()).await?;
    let mut rates = Vec::new();
    for _ in 0..rounds {
        let ping = Ping {
            id: u64::MAX,
            payload: PAYLOAD.to_vec(),
        };
        let mut pongs = client.stream(ping, CallOptions::new()).await?;
        let (started, mut items, mut next) = (Instant::now(), 0u64, 0u64);
        while started.elapsed() < duration {
            match pongs.next().await {
                Some(Ok(pong)) if pong.id == next => {
                    items += 1;
                    next += 1;
                }
                other => return Err(format!("stream item {next}: {other:?}").into()),
            }
        }
        drop(pongs); // cancels the stream on the server
        rates.push(items as f64 / started.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    let median = rates.get(rates.len() / 2).copied().unwrap_or(0.0);
    println!(
        "{:<34} {:>9} {median:>12.0}   (items/s over one stream, 64 KiB window)",
        "wirewright server stream", 1
    );
    println!(
        "stream items / RpcClient calls at 64 in flight: {:.2} (median rates)",
        median / calls.median_rate()
    );
    Ok(())
}
