//! An in-memory key-value server and its client, over wirewright's request/response.
//!
//! ```text
//! cargo run --release -p wirewright-examples --bin kv                 # demo: server and client, one process
//! cargo run --release -p wirewright-examples --bin kv -- server 127.0.0.1:7100
//! cargo run --release -p wirewright-examples --bin kv -- client 127.0.0.1:7100 put greeting hello
//! cargo run --release -p wirewright-examples --bin kv -- client 127.0.0.1:7100 get greeting
//! cargo run --release -p wirewright-examples --bin kv -- client 127.0.0.1:7100 list
//! cargo run --release -p wirewright-examples --bin kv -- client 127.0.0.1:7100 list user: 100 user:0042
//! cargo run --release -p wirewright-examples --bin kv -- client 127.0.0.1:7100 watch user:
//! cargo run --release -p wirewright-examples --bin kv -- load [ADDR|-] [IN_FLIGHT] [SECONDS]
//! ```
//!
//! `list [PREFIX]` pages through every key with the prefix (one bounded reply per page,
//! at most 1,000 keys each); `list PREFIX LIMIT [AFTER]` asks for one page of at most
//! LIMIT keys after the key AFTER, and prints where the next page starts.
//!
//! `watch [PREFIX]` prints every change of the keys with the prefix (`set KEY VALUE`,
//! `deleted KEY`) as it happens, until Ctrl-C: a server stream, read with flow control
//! (SPEC.md §11.8).
//!
//! `load` runs gets (90%) and puts (10%) on 1,000 keys with IN_FLIGHT calls in flight
//! (default 64) over one connection for SECONDS (default 3), against ADDR or, without
//! one (or with `-`), a server in the same process; it prints calls per second and
//! p50/p99 latency.

use std::error::Error;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use futures_util::StreamExt;
use wirewright::bytes::Bytes;
use wirewright::rpc::{RpcClientConfig, RpcError};
use wirewright_examples::kv::{
    self, Change, Delete, Get, Keys, KvClient, KvError, KvRequest, KvResponse, List, Put,
    RunningServer, Store, Watch,
};
use wirewright_examples::latency::Latencies;
use wirewright_examples::shutdown::cancel_on_signal;

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        [] | ["demo"] => {
            wirewright_examples::logging::init("warn");
            demo().await
        }
        ["server", addr] => {
            wirewright_examples::logging::init("info");
            server(addr).await
        }
        ["client", addr, command @ ..] => {
            wirewright_examples::logging::init("warn");
            let request = parse(command).ok_or("unknown command")?;
            client(addr, request).await
        }
        ["cluster", rest @ ..] => wirewright_examples::kv_cluster::run(rest).await,
        ["load", rest @ ..] => {
            wirewright_examples::logging::init("warn");
            let addr = match rest.first() {
                None | Some(&"-") => None,
                Some(addr) => Some(addr.parse()?),
            };
            let in_flight = rest.get(1).map_or(Ok(64), |n| n.parse())?;
            let seconds = rest.get(2).map_or(Ok(3), |n| n.parse())?;
            load(addr, in_flight, Duration::from_secs(seconds)).await
        }
        _ => {
            eprintln!(
                "usage: kv [demo] | server ADDR | client ADDR (get KEY | put KEY VALUE | delete KEY | list [PREFIX [LIMIT [AFTER]]] | watch [PREFIX]) | cluster | load [ADDR|-] [IN_FLIGHT] [SECONDS]"
            );
            std::process::exit(2);
        }
    }
}

/// A command line (`get KEY`, `put KEY VALUE`, `delete KEY`, `list [PREFIX [LIMIT
/// [AFTER]]]`, `watch [PREFIX]`) as a request.
fn parse(command: &[&str]) -> Option<KvRequest> {
    let key = |key: &str| key.to_owned();
    Some(match command {
        ["get", k] => KvRequest::Get(Get { key: key(k) }),
        ["put", k, value] => KvRequest::Put(Put {
            key: key(k),
            value: Bytes::from(value.as_bytes().to_vec()),
        }),
        ["delete", k] => KvRequest::Delete(Delete { key: key(k) }),
        ["list"] => KvRequest::List(List::all("")),
        ["list", prefix] => KvRequest::List(List::all(*prefix)),
        ["list", prefix, limit, after @ ..] if after.len() <= 1 => KvRequest::List(List {
            prefix: key(prefix),
            after: after.first().map(|after| key(after)),
            limit: limit.parse().ok().filter(|&limit| limit > 0)?,
        }),
        ["watch"] => KvRequest::Watch(Watch {
            prefix: String::new(),
        }),
        ["watch", prefix] => KvRequest::Watch(Watch {
            prefix: key(prefix),
        }),
        _ => return None,
    })
}

/// A request as the command that makes it.
fn command(request: &KvRequest) -> String {
    match request {
        KvRequest::Get(Get { key }) => format!("get {key}"),
        KvRequest::Put(Put { key, value }) => {
            format!("put {key} {}", String::from_utf8_lossy(value))
        }
        KvRequest::Delete(Delete { key }) => format!("delete {key}"),
        KvRequest::List(List {
            prefix,
            after: None,
            limit: 0,
        }) => format!("list {prefix}"),
        KvRequest::List(List {
            prefix,
            after,
            limit,
        }) => format!("list {prefix} {limit} {}", after.as_deref().unwrap_or("")),
        KvRequest::Watch(Watch { prefix }) => format!("watch {prefix}"),
    }
}

/// A change of a watched key, for people.
fn change(Change { key, value }: &Change) -> String {
    match value {
        Some(value) => format!("set {key} {}", String::from_utf8_lossy(value)),
        None => format!("deleted {key}"),
    }
}

/// A call's outcome, for people.
fn outcome(result: &std::result::Result<KvResponse, RpcError<KvError>>) -> String {
    match result {
        Ok(KvResponse::Value(value)) => format!("{:?}", String::from_utf8_lossy(&value.value)),
        Ok(KvResponse::Stored(stored)) if stored.replaced => "stored (replaced)".into(),
        Ok(KvResponse::Stored(_)) => "stored".into(),
        Ok(KvResponse::Deleted(_)) => "deleted".into(),
        Ok(KvResponse::Keys(Keys { keys, next: None })) => format!("{keys:?}"),
        Ok(KvResponse::Keys(Keys {
            keys,
            next: Some(next),
        })) => format!("{keys:?} (more after {next:?})"),
        Ok(KvResponse::Change(changed)) => change(changed),
        Err(RpcError::Application(error)) => format!("error: {error}"),
        Err(error) => format!("failed: {error}"),
    }
}

/// Sends `request` through the typed client's method for it.
async fn call(
    client: &KvClient,
    request: KvRequest,
) -> std::result::Result<KvResponse, RpcError<KvError>> {
    Ok(match request {
        KvRequest::Get(get) => KvResponse::Value(client.get(get).await?),
        KvRequest::Put(put) => KvResponse::Stored(client.put(put).await?),
        KvRequest::Delete(delete) => KvResponse::Deleted(client.delete(delete).await?),
        KvRequest::List(list) => KvResponse::Keys(client.list(list).await?),
        // One call, one answer: the first change (`watch` on the command line prints all).
        KvRequest::Watch(watch) => match client.watch(watch).await?.next().await {
            Some(changed) => KvResponse::Change(changed?),
            None => {
                return Err(RpcError::Failed(wirewright::rpc::Failure::new(
                    wirewright::rpc::ErrorCode::Cancelled,
                    "the watch ended before any change",
                )))
            }
        },
    })
}

/// Starts the service on `addr`; returns its address, shutdown token, counters and task.
async fn start(addr: &str) -> Result<RunningServer> {
    Ok(kv::start_server(addr, Store::new()).await?)
}

/// A server and a client in one process, printing a session.
async fn demo() -> Result<()> {
    let RunningServer {
        addr,
        shutdown,
        metrics,
        task: serving,
    } = start("127.0.0.1:0").await?;
    println!("kv server listening on {addr}");
    let client = kv::connect(addr).await?;
    let session = [
        "put greeting hello",
        "put language rust",
        "put greeting bonjour",
        "get greeting",
        "get missing",
        "list",
        "delete language",
        "delete language",
        "list",
    ];
    for line in session {
        let words: Vec<&str> = line.split(' ').collect();
        let request = parse(&words).ok_or("bad demo command")?;
        let result = call(&client, request).await;
        println!("> {line:<22} {}", outcome(&result));
    }

    // A watch of the keys about to be written: the server streams their changes.
    let mut changes = client
        .watch(Watch {
            prefix: "key".into(),
        })
        .await?;
    // Many calls in flight at once on the one connection, answered in any order.
    let writes = (0..8).map(|i| {
        let client = client.clone();
        async move {
            let put = Put {
                key: format!("key{i}"),
                value: Bytes::from(format!("value{i}")),
            };
            client.put(put).await
        }
    });
    let stored = join_all(writes).await;
    println!(
        "> 8 puts in flight at once: {} stored",
        stored.iter().filter(|result| result.is_ok()).count()
    );
    let mut seen = Vec::new();
    while seen.len() < stored.len() {
        match changes.next().await {
            Some(Ok(changed)) => seen.push(change(&changed)),
            other => return Err(format!("the watch ended early: {other:?}").into()),
        }
    }
    seen.sort();
    println!(
        "> watch key              {} changes: {}",
        seen.len(),
        seen.join(", ")
    );
    drop(changes); // cancels the watch on the server
    let list = KvRequest::List(List::all("key"));
    println!(
        "> {:<22} {}",
        command(&list),
        outcome(&call(&client, list.clone()).await)
    );

    client.get_ref().close().await;
    shutdown.cancel();
    serving.await??;
    let m = metrics.snapshot();
    println!(
        "server: {} connection, {} frames in ({} bytes), {} frames out ({} bytes)",
        m.connections_accepted, m.frames_in, m.bytes_in, m.frames_out, m.bytes_out
    );
    Ok(())
}

async fn server(addr: &str) -> Result<()> {
    let RunningServer {
        addr,
        shutdown,
        metrics,
        task: serving,
    } = start(addr).await?;
    println!("kv server listening on {addr} (Ctrl-C to stop)");
    cancel_on_signal(shutdown);
    serving.await??;
    println!("stopped; {:?}", metrics.snapshot());
    Ok(())
}

async fn client(addr: &str, request: KvRequest) -> Result<()> {
    let client = KvClient::connect(addr, RpcClientConfig::new()).await?;
    if let KvRequest::Watch(watch) = request {
        return print_changes(&client, watch).await;
    }
    let result = match request {
        KvRequest::List(list) if list.limit == 0 => list_all(&client, list).await,
        request => call(&client, request).await,
    };
    println!("{}", outcome(&result));
    client.get_ref().close().await;
    if matches!(result, Err(ref error) if !matches!(error, RpcError::Application(_))) {
        std::process::exit(1);
    }
    Ok(())
}

/// Prints every change of the keys of `watch`'s prefix until the stream ends or Ctrl-C.
async fn print_changes(client: &KvClient, watch: Watch) -> Result<()> {
    let prefix = watch.prefix.clone();
    let mut changes = client.watch(watch).await?;
    println!("watching {prefix:?} (Ctrl-C to stop)");
    loop {
        tokio::select! {
            next = changes.next() => match next {
                Some(Ok(changed)) => println!("{}", change(&changed)),
                Some(Err(error)) => {
                    println!("the watch ended: {error}");
                    break;
                }
                None => {
                    println!("the watch ended (the server stopped it)");
                    break;
                }
            },
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    drop(changes);
    client.get_ref().close().await;
    Ok(())
}

/// Every key of `list`'s prefix, one bounded page after another.
async fn list_all(
    client: &KvClient,
    mut list: List,
) -> std::result::Result<KvResponse, RpcError<KvError>> {
    let mut all = Vec::new();
    loop {
        let Keys { keys, next } = client.list(list.clone()).await?;
        all.extend(keys);
        match next {
            Some(next) => list.after = Some(next),
            None => break,
        }
    }
    Ok(KvResponse::Keys(Keys {
        keys: all,
        next: None,
    }))
}

/// Gets and puts with `in_flight` calls in flight for `duration`; prints the rate and
/// the latency percentiles.
async fn load(addr: Option<SocketAddr>, in_flight: usize, duration: Duration) -> Result<()> {
    let local = match addr {
        Some(_) => None,
        None => Some(start("127.0.0.1:0").await?),
    };
    let addr = addr
        .or(local.as_ref().map(|server| server.addr))
        .ok_or("no address")?;
    let client = kv::connect(addr).await?;
    const KEYS: usize = 1000;
    for key in 0..KEYS {
        let put = Put {
            key: format!("key{key:04}"),
            value: Bytes::from(vec![b'v'; 32]),
        };
        client.put(put).await?;
    }
    println!(
        "load: {in_flight} calls in flight over one connection to {addr} for {} s (90% get, 10% put, 1,000 keys, 32-byte values)",
        duration.as_secs()
    );
    let started = Instant::now();
    let stop = started + duration;
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..in_flight {
        let client = client.clone();
        workers.spawn(async move {
            let mut latencies = Latencies::with_capacity(1 << 16);
            let mut errors = 0u64;
            let mut n = worker;
            while Instant::now() < stop {
                n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let key = format!("key{:04}", n % KEYS);
                let call = Instant::now();
                let failed = if n % 10 == 0 {
                    let value = Bytes::from(vec![b'w'; 32]);
                    client.put(Put { key, value }).await.is_err()
                } else {
                    client.get(Get { key }).await.is_err()
                };
                if failed {
                    errors += 1;
                }
                latencies.record(call.elapsed());
            }
            (latencies, errors)
        });
    }
    let mut latencies = Latencies::default();
    let mut errors = 0;
    while let Some(joined) = workers.join_next().await {
        let (worker, worker_errors) = joined?;
        latencies.merge(worker);
        errors += worker_errors;
    }
    let elapsed = started.elapsed();
    let calls = latencies.len();
    println!(
        "{calls} calls in {:.2} s: {:.0} calls/s, p50 {} µs, p99 {} µs, {errors} errors",
        elapsed.as_secs_f64(),
        calls as f64 / elapsed.as_secs_f64(),
        latencies.percentile(50.0).as_micros(),
        latencies.percentile(99.0).as_micros(),
    );
    client.get_ref().close().await;
    if let Some(server) = local {
        server.shutdown.cancel();
        server.task.await??;
    }
    Ok(())
}
