//! C10K: ten thousand concurrent loopback connections, each exchanging messages with an
//! echo server, reporting how many completed and the peak memory of both sides.
//!
//! ```text
//! cargo run --release -p wirewright-examples --bin c10k
//! cargo run --release -p wirewright-examples --bin c10k -- --connections 10000 --messages 10
//! ```
//!
//! The server runs in a child process (this program, started with `serve-child`), so that
//! each side needs one file descriptor per connection, not two. Every client connects,
//! sends its messages with correlation ids, checks every echo, then waits until all the
//! clients have done the same, so that all the connections are open at once, and closes.
//! Peak memory is each process's `VmHWM` from `/proc/self/status`. The file-descriptor
//! soft limit is raised to the hard limit; the hard limit must allow the connections.

use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::sync::Semaphore;
use wirewright::transport::{
    Backoff, CancellationToken, Client, ClientConfig, Connection, Server, ServerConfig,
};
use wirewright_examples::echo::{echo, Text};
use wirewright_examples::memory::{mib, status_kib};

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

/// Connection attempts in progress at once, so that the listen backlog never overflows.
const CONNECTING_AT_ONCE: usize = 256;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve-child") {
        return serve_child();
    }
    let mut connections = 10_000usize;
    let mut messages = 10u32;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let value = args.next().ok_or("a flag without a value")?;
        match arg.as_str() {
            "--connections" => connections = value.parse()?,
            "--messages" => messages = value.parse()?,
            _ => {
                return Err(format!("unknown flag {arg}; use --connections N --messages M").into())
            }
        }
    }
    run_clients(connections, messages)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

fn raise_fd_limit() -> Result<u64> {
    Ok(rlimit::increase_nofile_limit(u64::MAX)?)
}

/// The server side: an echo server on an ephemeral loopback port, until standard input
/// closes. Prints `listening ADDR` first and one line of results last.
fn serve_child() -> Result<()> {
    raise_fd_limit()?;
    runtime()?.block_on(async {
        let config = ServerConfig::new()
            .with_max_connections(65_536)
            .with_backlog(4096);
        let server = Server::bind("127.0.0.1:0", config).await?;
        let metrics = server.metrics().clone();
        let shutdown = server.shutdown_token();
        println!("listening {}", server.local_addr()?);
        std::io::stdout().flush()?;
        let baseline = status_kib("VmRSS").unwrap_or(0);

        tokio::spawn({
            let shutdown = shutdown.clone();
            async move {
                let mut sink = Vec::new();
                let _ = tokio::io::stdin().read_to_end(&mut sink).await;
                shutdown.cancel();
            }
        });
        server.serve(echo).await?;
        let m = metrics.snapshot();
        println!(
            "server peak_open={} accepted={} refused={} protocol_errors={} frames_in={} frames_out={} baseline_kib={} vmhwm_kib={}",
            m.connections_peak,
            m.connections_accepted,
            m.connections_refused,
            m.protocol_errors,
            m.frames_in,
            m.frames_out,
            baseline,
            status_kib("VmHWM").unwrap_or(0),
        );
        Ok(())
    })
}

/// Counts of what the clients achieved.
struct Tally {
    clients: usize,
    connected: AtomicUsize,
    exchanged: AtomicUsize,
    failed: AtomicUsize,
    completed: AtomicUsize,
    /// Cancelled once every client has exchanged its messages or failed.
    all_exchanged: CancellationToken,
}

impl Tally {
    fn new(clients: usize) -> Self {
        Tally {
            clients,
            connected: AtomicUsize::new(0),
            exchanged: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            completed: AtomicUsize::new(0),
            all_exchanged: CancellationToken::new(),
        }
    }

    /// Counts one more client past the exchange (`counter` is `exchanged` or `failed`).
    fn arrive(&self, counter: &AtomicUsize) -> usize {
        let before = counter.fetch_add(1, Ordering::SeqCst);
        if self.exchanged.load(Ordering::SeqCst) + self.failed.load(Ordering::SeqCst)
            == self.clients
        {
            self.all_exchanged.cancel();
        }
        before
    }
}

fn run_clients(connections: usize, messages: u32) -> Result<()> {
    let limit = raise_fd_limit()?;
    if limit < connections as u64 + 64 {
        return Err(format!(
            "the file-descriptor limit is {limit}; {connections} connections need more (raise the hard limit)"
        )
        .into());
    }
    let mut child = Command::new(std::env::current_exe()?)
        .arg("serve-child")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut child_out = BufReader::new(child.stdout.take().ok_or("no child stdout")?);
    let mut line = String::new();
    child_out.read_line(&mut line)?;
    let addr: std::net::SocketAddr = line
        .trim()
        .strip_prefix("listening ")
        .ok_or_else(|| format!("unexpected first line from the server: {line:?}"))?
        .parse()?;
    println!(
        "c10k: {connections} connections x {messages} messages, server {addr} (child process)"
    );

    let tally = Arc::new(Tally::new(connections));
    let started = Instant::now();
    let client_hwm = runtime()?.block_on(async {
        let client = Client::new(
            ClientConfig::new().with_backoff(
                Backoff::new()
                    .with_max_attempts(10)
                    .with_max_delay(Duration::from_secs(1)),
            ),
        );
        let connecting = Arc::new(Semaphore::new(CONNECTING_AT_ONCE));
        let mut tasks = tokio::task::JoinSet::new();
        for id in 0..connections {
            let (client, connecting, tally) =
                (client.clone(), Arc::clone(&connecting), Arc::clone(&tally));
            tasks.spawn(async move {
                let mut exchanged = false;
                let result = one_client(
                    &client,
                    addr,
                    id as u32,
                    messages,
                    &connecting,
                    &tally,
                    &mut exchanged,
                )
                .await;
                if let Err(err) = result {
                    if exchanged {
                        eprintln!("client {id} failed while closing: {err}");
                    } else if tally.arrive(&tally.failed) < 5 {
                        eprintln!("client {id}: {err}");
                    }
                }
            });
        }
        let finished = tokio::time::timeout(Duration::from_secs(300), async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if finished.is_err() {
            eprintln!("c10k: gave up after 300 s");
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
        status_kib("VmHWM").unwrap_or(0)
    });
    let elapsed = started.elapsed();

    drop(child.stdin.take()); // the server shuts down when its input closes
    let mut server_line = String::new();
    for line in child_out.lines() {
        let line = line?;
        if line.starts_with("server ") {
            server_line = line;
        }
    }
    child.wait()?;

    let field = |name: &str| -> u64 {
        server_line
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
            .unwrap_or(0)
    };
    let (peak_open, server_hwm, baseline) = (
        field("peak_open"),
        field("vmhwm_kib"),
        field("baseline_kib"),
    );
    let completed = tally.completed.load(Ordering::SeqCst);
    println!(
        "connected {}/{connections}; all open at once: {} (server peak {peak_open})",
        tally.connected.load(Ordering::SeqCst),
        peak_open as usize >= connections,
    );
    println!(
        "completed {completed}/{connections} ({} messages echoed and checked), failed {}, in {:.1} s",
        completed as u64 * u64::from(messages),
        tally.failed.load(Ordering::SeqCst),
        elapsed.as_secs_f64()
    );
    let per_connection = server_hwm.saturating_sub(baseline) as f64 / peak_open.max(1) as f64;
    println!(
        "peak memory (VmHWM): server {} (~{per_connection:.1} KiB per connection), clients {}",
        mib(server_hwm),
        mib(client_hwm),
    );
    println!("{server_line}");
    if completed != connections {
        std::process::exit(1);
    }
    Ok(())
}

async fn one_client(
    client: &Client,
    addr: std::net::SocketAddr,
    id: u32,
    messages: u32,
    connecting: &Semaphore,
    tally: &Tally,
    exchanged: &mut bool,
) -> Result<()> {
    let permit = connecting.acquire().await?;
    let mut connection: Connection<Text> = client.connect(addr).await?;
    drop(permit);
    tally.connected.fetch_add(1, Ordering::SeqCst);
    for seq in 1..=messages {
        let text = format!("client {id} message {seq}");
        connection.send_correlated(seq, Text { text }).await?;
    }
    for seq in 1..=messages {
        let echoed = connection.recv().await?.ok_or("closed early")?;
        let expected = format!("client {id} message {seq}");
        if echoed.correlation_id() != seq || echoed.message.text != expected {
            return Err(format!("client {id}: echo {seq} out of order or wrong").into());
        }
    }
    *exchanged = true;
    tally.arrive(&tally.exchanged);
    tally.all_exchanged.cancelled().await; // hold the connection until everyone is done
    connection.close().await;
    tally.completed.fetch_add(1, Ordering::SeqCst);
    Ok(())
}
