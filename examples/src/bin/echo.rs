//! An echo server and client over wirewright frames.
//!
//! ```text
//! cargo run -p wirewright-examples --bin echo                      # demo: both, in one process
//! cargo run -p wirewright-examples --bin echo -- server 127.0.0.1:7000
//! cargo run -p wirewright-examples --bin echo -- client 127.0.0.1:7000 hello world
//! ```
//!
//! The server runs until Ctrl-C or SIGTERM, then shuts down gracefully. The client sends
//! each argument (or each line of standard input) with its own correlation id and prints
//! the echo.

use std::error::Error;
use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, BufReader};
use wirewright::transport::{Client, ClientConfig, Connection, Server, ServerConfig};
use wirewright_examples::echo::{echo, Text};
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
        ["client", addr, lines @ ..] => {
            wirewright_examples::logging::init("warn");
            client(addr.parse()?, lines).await
        }
        _ => {
            eprintln!("usage: echo [demo] | server ADDR | client ADDR [TEXT...]");
            std::process::exit(2);
        }
    }
}

/// A server and a client in one process, printing the exchange.
async fn demo() -> Result<()> {
    let server = Server::bind("127.0.0.1:0", ServerConfig::new()).await?;
    let addr = server.local_addr()?;
    let shutdown = server.shutdown_token();
    let metrics = server.metrics().clone();
    let serving = tokio::spawn(server.serve(echo));
    println!("echo server listening on {addr}");

    let mut connection: Connection<Text> = Client::new(ClientConfig::new()).connect(addr).await?;
    for (id, text) in (1..).zip(["hello", "wirewright", "goodbye"]) {
        connection
            .send_correlated(id, Text { text: text.into() })
            .await?;
        println!("client -> {text:?} (correlation id {id})");
        let echoed = connection.recv().await?.ok_or("the server closed")?;
        println!(
            "client <- {:?} (correlation id {})",
            echoed.message.text,
            echoed.correlation_id()
        );
    }
    connection.close().await;
    shutdown.cancel();
    serving.await??;
    let m = metrics.snapshot();
    println!(
        "server: {} connection, {} frames in ({} bytes), {} frames out ({} bytes), {} CRC failures",
        m.connections_accepted, m.frames_in, m.bytes_in, m.frames_out, m.bytes_out, m.crc_failures
    );
    Ok(())
}

async fn server(addr: &str) -> Result<()> {
    let server = Server::bind(addr, ServerConfig::new()).await?;
    println!(
        "echo server listening on {} (Ctrl-C to stop)",
        server.local_addr()?
    );
    cancel_on_signal(server.shutdown_token());
    let metrics = server.metrics().clone();
    server.serve(echo).await?;
    println!("stopped; {:?}", metrics.snapshot());
    Ok(())
}

async fn client(addr: SocketAddr, lines: &[&str]) -> Result<()> {
    let mut connection: Connection<Text> = Client::new(ClientConfig::new()).connect(addr).await?;
    if lines.is_empty() {
        let mut stdin = BufReader::new(tokio::io::stdin()).lines();
        let mut id = 0;
        while let Some(line) = stdin.next_line().await? {
            id += 1;
            exchange(&mut connection, id, line).await?;
        }
    } else {
        for (id, line) in (1..).zip(lines) {
            exchange(&mut connection, id, (*line).to_owned()).await?;
        }
    }
    connection.close().await;
    Ok(())
}

/// Sends `text` with correlation id `id` and prints the echo.
async fn exchange(connection: &mut Connection<Text>, id: u32, text: String) -> Result<()> {
    connection.send_correlated(id, Text { text }).await?;
    let echoed = connection.recv().await?.ok_or("the server closed")?;
    println!(
        "{} (correlation id {})",
        echoed.message.text,
        echoed.correlation_id()
    );
    Ok(())
}
