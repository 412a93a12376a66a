//! A client that sends requests with large replies and never reads them: the server holds
//! no more than its reply budget (measured in bytes, process-wide, by a counting
//! allocator), and a well-behaved client keeps being served meanwhile.
//!
//! One test in its own binary: the allocator's figure is process-wide.
#![allow(clippy::unwrap_used)]

use std::convert::Infallible;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use wirewright::frame::encode_frame;
use wirewright::rpc::{RpcClient, RpcClientConfig, RpcServer, RpcServerConfig};
use wirewright::transport::{Server, ServerConfig};
use wirewright::{Message, Protocol};
use wirewright_tests::live_bytes::{self, LiveBytes};

#[global_allocator]
static ALLOC: LiveBytes = LiveBytes;

/// Asks for `len` bytes back: a 6-byte request, a reply as large as asked.
#[derive(Message, Debug, Clone)]
#[wire(id = 1)]
struct Fill {
    len: u32,
}

/// A small call for the probe client.
#[derive(Message, Debug, Clone)]
#[wire(id = 2)]
struct Ping(u32);

#[derive(Protocol, Debug, Clone)]
enum Request {
    Fill(Fill),
    Ping(Ping),
}

#[derive(Message, Debug, PartialEq)]
#[wire(id = 1)]
struct Filled(Vec<u8>);

#[derive(Message, Debug, PartialEq)]
#[wire(id = 2)]
struct Pong(u32);

#[derive(Protocol, Debug, PartialEq)]
enum Response {
    Filled(Filled),
    Pong(Pong),
}

const REPLY_LEN: u32 = 256 * 1024;
const REQUESTS: u32 = 300;
const BUDGET: usize = 1 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_large_replies_to_a_client_that_never_reads_stay_within_the_reply_budget() {
    let server = Server::bind("127.0.0.1:0", ServerConfig::new())
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    let shutdown = server.shutdown_token();
    let config = RpcServerConfig::new().with_reply_budget(BUDGET);
    let rpc = RpcServer::new(config, |request: Request| async move {
        Ok::<_, Infallible>(match request {
            Request::Fill(Fill { len }) => Response::Filled(Filled(vec![7; len as usize])),
            Request::Ping(Ping(n)) => Response::Pong(Pong(n)),
        })
    });
    let serving = tokio::spawn(rpc.serve(server));
    let probe = RpcClient::<Request, Response, Infallible>::connect(addr, RpcClientConfig::new())
        .await
        .unwrap();
    assert_eq!(
        probe.call(Request::Ping(Ping(0))).await.unwrap(),
        Response::Pong(Pong(0))
    );

    // 300 requests in one write (about 6 KiB), asking for 75 MiB of replies, never read.
    let mut attack = Vec::new();
    for id in 1..=REQUESTS {
        encode_frame(&Request::Fill(Fill { len: REPLY_LEN }), id, &mut attack).unwrap();
    }
    let before = live_bytes::live();
    live_bytes::reset_peak();
    let mut attacker = TcpStream::connect(addr).await.unwrap();
    attacker.write_all(&attack).await.unwrap();

    // While the attacker sits on its replies, the probe is served.
    for n in 1..=50 {
        let answered =
            tokio::time::timeout(Duration::from_secs(5), probe.call(Request::Ping(Ping(n))))
                .await
                .expect("the probe is served during the attack");
        assert_eq!(answered.unwrap(), Response::Pong(Pong(n)));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let held = live_bytes::peak().saturating_sub(before);
    // The budget, one reply waiting for room, the connection's write buffer (64 KiB and
    // one frame) and fixed costs; the kernel's socket buffers are not on the heap.
    // Without the budget this was about 128 + 128 replies: 64 MiB.
    let bound = BUDGET + 3 * REPLY_LEN as usize + (1 << 20);
    assert!(
        held <= bound,
        "the server held {held} bytes for a client that never reads (bound {bound})"
    );
    assert!(
        attack.len() < 7 * 1024,
        "{} bytes of requests",
        attack.len()
    );

    drop(attacker);
    probe.close().await;
    shutdown.cancel();
    serving.await.unwrap().unwrap();
}
