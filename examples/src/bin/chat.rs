//! A chat room: clients join with a nickname, talk, and leave; the server broadcasts.
//!
//! ```text
//! cargo run -p wirewright-examples --bin chat                      # demo: a server and two scripted clients
//! cargo run -p wirewright-examples --bin chat -- server 127.0.0.1:7001
//! cargo run -p wirewright-examples --bin chat -- client 127.0.0.1:7001 ann
//! ```
//!
//! The interactive client sends each line of standard input; `/quit` (or end of input)
//! leaves. Connections use heartbeats (a PING every 5 s of silence, closed after 3
//! unanswered) and the server shuts down gracefully on Ctrl-C or SIGTERM.

use std::error::Error;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use wirewright::transport::{
    Client, ClientConfig, ConnectionConfig, ConnectionError, Server, ServerConfig,
};
use wirewright_examples::chat::{ClientMessage, ClientSide, Join, Leave, Room, Say, ServerMessage};
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
        ["client", addr, nick] => {
            wirewright_examples::logging::init("warn");
            client(addr, nick).await
        }
        _ => {
            eprintln!("usage: chat [demo] | server ADDR | client ADDR NICK");
            std::process::exit(2);
        }
    }
}

fn connection_config() -> ConnectionConfig {
    ConnectionConfig::new()
        .with_heartbeat_interval(Some(Duration::from_secs(5)))
        .with_missed_heartbeats(3)
        .with_idle_timeout(Some(Duration::from_secs(30)))
}

async fn start_server(addr: &str) -> Result<Server> {
    let config = ServerConfig::new().with_connection(connection_config());
    Ok(Server::bind(addr, config).await?)
}

async fn connect(addr: &str, nick: &str) -> Result<ClientSide> {
    let client = Client::new(ClientConfig::new().with_connection(connection_config()));
    let connection: ClientSide = client.connect(addr.to_owned()).await?;
    let join = Join {
        nick: nick.to_owned(),
    };
    connection.send(ClientMessage::Join(join)).await?;
    Ok(connection)
}

/// Waits for the next message on `nick`'s connection and prints it as `nick` sees it.
async fn show(nick: &str, connection: &mut ClientSide) -> Result<ServerMessage> {
    let received = connection.recv().await?.ok_or("the server closed")?;
    println!("[{nick:>3}] {}", received.message);
    Ok(received.message)
}

async fn say(nick: &str, connection: &ClientSide, text: &str) -> Result<()> {
    println!("[{nick:>3}] > {text}");
    let say = Say {
        text: text.to_owned(),
    };
    Ok(connection.send(ClientMessage::Say(say)).await?)
}

/// A server and two scripted clients in one process. Each step waits until the
/// messages it causes have arrived, so the transcript is always the same.
async fn demo() -> Result<()> {
    let server = start_server("127.0.0.1:0").await?;
    let addr = server.local_addr()?.to_string();
    let shutdown = server.shutdown_token();
    let metrics = server.metrics().clone();
    let room = Room::new();
    let serving =
        tokio::spawn(server.serve(move |connection| Room::serve(room.clone(), connection)));
    println!("chat server listening on {addr}");

    let mut ann = connect(&addr, "ann").await?;
    show("ann", &mut ann).await?; // welcome
    let mut bob = connect(&addr, "bob").await?;
    show("bob", &mut bob).await?; // welcome, ann is here
    show("ann", &mut ann).await?; // bob joined

    say("ann", &ann, "hi bob!").await?;
    show("ann", &mut ann).await?;
    show("bob", &mut bob).await?;
    say("bob", &bob, "hi ann, the lobby is quiet today").await?;
    show("bob", &mut bob).await?;
    show("ann", &mut ann).await?;

    ann.send(ClientMessage::Leave(Leave)).await?;
    println!("[ann] > /quit");
    ann.close().await;
    show("bob", &mut bob).await?; // ann left

    // The server shuts down while bob is still connected: bob is told why.
    shutdown.cancel();
    match bob.recv().await {
        Err(err @ ConnectionError::Goodbye { .. }) => println!("[bob] * disconnected: {err}"),
        other => println!("[bob] * unexpected: {other:?}"),
    }
    serving.await??;
    let m = metrics.snapshot();
    println!(
        "server: {} connections, {} frames in, {} frames out, {} bytes in, {} bytes out",
        m.connections_accepted, m.frames_in, m.frames_out, m.bytes_in, m.bytes_out
    );
    Ok(())
}

async fn server(addr: &str) -> Result<()> {
    let server = start_server(addr).await?;
    println!(
        "chat server listening on {} (Ctrl-C to stop)",
        server.local_addr()?
    );
    cancel_on_signal(server.shutdown_token());
    let room = Room::new();
    server
        .serve(move |connection| Room::serve(room.clone(), connection))
        .await?;
    Ok(())
}

async fn client(addr: &str, nick: &str) -> Result<()> {
    let (sender, mut receiver) = connect(addr, nick).await?.split();
    let printing = tokio::spawn(async move {
        loop {
            match receiver.recv().await {
                Ok(Some(received)) => println!("{}", received.message),
                Ok(None) => break,
                Err(err) => {
                    println!("* disconnected: {err}");
                    break;
                }
            }
        }
    });
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = stdin.next_line().await? {
        if line.trim() == "/quit" {
            break;
        }
        let say = Say { text: line };
        if sender.send(ClientMessage::Say(say)).await.is_err() {
            break;
        }
    }
    let _ = sender.send(ClientMessage::Leave(Leave)).await;
    drop(sender);
    printing.await?;
    Ok(())
}
