//! Request/response over one connection (feature `transport`): typed calls with
//! deadlines, any number in flight, answered in any order (SPEC.md §11).
//!
//! # Services
//!
//! Write the service as a trait of `async fn`s, each with a stable id, and
//! [`#[service]`](crate::service) writes the rest: the request and response protocols,
//! a typed client with one method per call, and a server adapter for any implementation.
//!
//! ```
//! use wirewright::rpc::{CallOptions, RpcClientConfig, RpcError, RpcServerConfig};
//! use wirewright::Message;
//! use std::time::Duration;
//!
//! #[derive(Message, Debug, Clone, PartialEq)]
//! pub enum CalcError { Overflow }
//!
//! #[wirewright::service]
//! pub trait Calc {
//!     /// Adds; running it twice is harmless, so the client may retry it.
//!     #[wire(id = 1, idempotent)]
//!     async fn add(&self, a: u32, b: u32) -> Result<u32, CalcError>;
//!     #[wire(id = 2)]
//!     async fn total(&self) -> Result<u64, CalcError>;
//! }
//!
//! struct Calculator;
//!
//! impl Calc for Calculator {
//!     async fn add(&self, a: u32, b: u32) -> Result<u32, CalcError> {
//!         a.checked_add(b).ok_or(CalcError::Overflow)
//!     }
//!     async fn total(&self) -> Result<u64, CalcError> {
//!         Ok(0)
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let (client_io, server_io) = tokio::io::duplex(64 * 1024);
//! let server = CalcServer::new(Calculator).into_rpc_server(RpcServerConfig::new());
//! tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
//!
//! let calc = CalcClient::over(client_io, RpcClientConfig::new());
//! assert_eq!(calc.add(2, 3).await.unwrap(), 5);
//! let err = calc.add(u32::MAX, 1).await.unwrap_err();
//! assert!(matches!(err, RpcError::Application(CalcError::Overflow)));
//! // Per-call options: this call's own deadline.
//! let quick = calc.with_options(CallOptions::new().with_timeout(Duration::from_secs(1)));
//! assert_eq!(quick.total().await.unwrap(), 0);
//! # }
//! ```
//!
//! - Each method's request is a message with the method's id (its arguments as fields,
//!   `CalcAddRequest { a, b }`), and so is its response (`CalcAddResponse(u32)`): both
//!   evolve as top-level messages do (SPEC.md §12). A method marked
//!   `#[wire(id = N, message)]` takes a message and returns one (both with id N) used as
//!   they are, so an existing protocol keeps its wire (the `kv` example does).
//! - The client (`CalcClient<S>`) makes its calls through any tower service of
//!   [`Call`]s, an [`RpcClient`] by default: `ServiceBuilder` layers go under it.
//! - The server adapter (`CalcServer<I>`) serves any `I: Calc`, on its own
//!   (`into_rpc_server`) or as a tower service behind layers
//!   ([`RpcServer::from_service`]).
//! - With [`RpcClientConfig::with_call_signals`], the client sends each call's deadline,
//!   which the handler reads from [`Context`], and cancels the calls it gives up on: the
//!   server drops their handlers (SPEC.md §11.7).
//! - A method returning `Result<`[`Streaming`]`<T, E>, E>` is a server stream (SPEC.md
//!   §11.8): the client's method returns an [`RpcStream`] of its items, which the server
//!   sends only as fast as the client reads them (credit in bytes,
//!   [`RpcClientConfig::stream_window`]); dropping the stream cancels it on the server.
//!
//! ```
//! use futures_util::StreamExt;
//! use wirewright::rpc::{RpcClientConfig, RpcError, RpcServerConfig, Streaming};
//!
//! #[derive(wirewright::Message, Debug, Clone, PartialEq)]
//! pub enum TickError { Stopped { at: u32 } }
//!
//! #[wirewright::service]
//! pub trait Ticker {
//!     /// Ticks until `stop`, then fails with `Stopped`.
//!     #[wire(id = 1)]
//!     async fn ticks(&self, stop: u32) -> Result<Streaming<u32, TickError>, TickError>;
//! }
//!
//! struct Clock;
//!
//! impl Ticker for Clock {
//!     async fn ticks(&self, stop: u32) -> Result<Streaming<u32, TickError>, TickError> {
//!         let ticks = futures_util::stream::iter(0..stop).map(Ok);
//!         let stopped = futures_util::stream::once(async move { Err(TickError::Stopped { at: stop }) });
//!         Ok(Box::pin(ticks.chain(stopped)))
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let (client_io, server_io) = tokio::io::duplex(4096);
//! let server = TickerServer::new(Clock).into_rpc_server(RpcServerConfig::new());
//! tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
//! let ticker = TickerClient::over(client_io, RpcClientConfig::new());
//! let mut ticks = ticker.ticks(2).await.unwrap();
//! assert_eq!(ticks.next().await.unwrap().unwrap(), 0);
//! assert_eq!(ticks.next().await.unwrap().unwrap(), 1);
//! let end = ticks.next().await.unwrap().unwrap_err();
//! assert!(matches!(end, RpcError::Application(TickError::Stopped { at: 2 })));
//! assert!(ticks.next().await.is_none());
//! # }
//! ```
//!
//! # Frames
//!
//! ```text
//!  client                                              server
//!  request   flags 00, type = request id, corr = 17 ─────►  handler(request)
//!            flags 00, type = request id, corr = 18 ─────►  handler(request)
//!  ◄───── response  flags 04, type = response id, corr = 18
//!  ◄───── error     flags 0c, type = error code,  corr = 17   (0: application error,
//!                                                             1..: a Failure)
//! ```
//!
//! The client picks a fresh correlation id (never 0) for each call and matches each
//! reply to its call by that id; a reply whose id no call waits for (its call timed
//! out, say) is logged and dropped.
//!
//! A stream (SPEC.md §11.8) is a request answered by OPEN, items and END, paced by the
//! client's CREDIT:
//!
//! ```text
//!  client                                              server
//!  request   flags 00, type = request id, corr = 19 ─────►  handler(request) → a stream
//!  CREDIT    control 7 (19, 65536 bytes) ───────────────►  credit 65,536
//!  ◄───── OPEN      control 8 (19)
//!  ◄───── item      flags 04, type = response id, corr = 19     credit − item's bytes
//!  ◄───── item      flags 04, type = response id, corr = 19
//!  CREDIT    control 7 (19, bytes read) ────────────────►   (as the reader takes items)
//!  ◄───── END       control 9 (19)     (or an error frame, corr = 19)
//! ```
//!
//! # Deadlines, failures, shutdown
//!
//! - Every call has a deadline (the client's `call_timeout`, or its own). The
//!   connection's dispatcher keeps the deadlines with the calls and fails the late ones
//!   with [`RpcError::Timeout`]: one timer per connection, not one per call.
//! - When the connection fails, every waiting call fails at once with
//!   [`RpcError::OutcomeUnknown`] (its request was sent: it may have run, so only an
//!   [idempotent](CallOptions::idempotent) call is sent again); a call whose request
//!   could not be sent fails with [`RpcError::Connection`], which
//!   [`is_retryable`](RpcError::is_retryable). The next call reconnects (see
//!   [`RpcClientConfig`]).
//! - Every request gets exactly one reply. A reply the server cannot send (larger than
//!   the frame limit) becomes [`ErrorCode::ReplyTooLarge`]; the replies of one
//!   connection waiting to be written are bounded in bytes
//!   ([`RpcServerConfig::reply_budget`]).
//! - When the client says GOODBYE (or half-closes), the server still runs and answers
//!   every request it read before, then closes.
//! - A server that shuts down answers the calls it has received, answers
//!   [`ErrorCode::ShuttingDown`] to those that cross its GOODBYE, and closes; calls
//!   made after the client got the GOODBYE fail at once.
//!
//! # Pieces
//!
//! - [`RpcClient`]: a cheaply clonable handle; `call`, `call_with` ([`CallOptions`]:
//!   deadline, idempotent), reconnects paced by the transport's
//!   [`Backoff`](crate::transport::Backoff).
//! - [`RpcServer`]: runs an `async fn(Req) -> Result<Resp, E>` (or any tower service,
//!   [`RpcServer::from_service`]) per request, several at once per connection up to a
//!   limit, over a [`Server`](crate::transport::Server) or any stream.
//! - [`Context`]: the call a handler runs, with the caller's deadline; [`Signal`]: the
//!   DEADLINE, CANCEL and CREDIT frames of a client, the OPEN and END frames of a
//!   server (SPEC.md §11.7, §11.8).
//! - [`RpcServer::streaming`] and [`Answer`]: a handler that answers with one reply or a
//!   stream ([`Streaming`]); [`RpcClient::stream`] and [`RpcStream`]: the client's side.
//! - [`Reply`] (what the server sends: response, application error, or [`Failure`]
//!   with an [`ErrorCode`]), [`Outbound`] (a reply queued with its share of the reply
//!   budget) and [`Inbound`] (a frame whose payload may not have decoded): the
//!   protocols on the wire.
//! - [`RpcError`]: why a call failed, with the application's error typed.
//!
//! # Example
//!
//! ```
//! use wirewright::rpc::{RpcClient, RpcClientConfig, RpcError, RpcServer, RpcServerConfig};
//! use wirewright::{Message, Protocol};
//!
//! #[derive(Message, Debug, Clone)]
//! #[wire(id = 1)]
//! pub struct Get { pub key: String }
//! #[derive(Message, Debug, Clone)]
//! #[wire(id = 2)]
//! pub struct Put { pub key: String, pub value: u64 }
//! #[derive(Protocol, Debug, Clone)]
//! pub enum Request { Get(Get), Put(Put) }
//!
//! #[derive(Message, Debug, PartialEq)]
//! #[wire(id = 1)]
//! pub struct Value(pub Option<u64>);
//!
//! #[derive(Message, Debug, PartialEq)]
//! pub enum KvError { ReadOnly, KeyTooLong { max: u32 } }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let (client_io, server_io) = tokio::io::duplex(64 * 1024);
//! let server = RpcServer::new(RpcServerConfig::new(), |request: Request| async move {
//!     match request {
//!         Request::Get(get) if get.key.len() > 8 => Err(KvError::KeyTooLong { max: 8 }),
//!         Request::Get(get) => Ok(Value((get.key == "one").then_some(1))),
//!         Request::Put(_) => Err(KvError::ReadOnly),
//!     }
//! });
//! tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
//!
//! let client = RpcClient::<Request, Value, KvError>::over(client_io, RpcClientConfig::new());
//! let get = |key: &str| Request::Get(Get { key: key.into() });
//! assert_eq!(client.call(get("one")).await.unwrap(), Value(Some(1)));
//! assert_eq!(client.call(get("two")).await.unwrap(), Value(None));
//! let err = client.call(get("much too long")).await.unwrap_err();
//! assert!(matches!(err, RpcError::Application(KvError::KeyTooLong { max: 8 })));
//! # }
//! ```

mod answer;
#[cfg(feature = "tower")]
pub mod balance;
mod budget;
mod call;
mod client;
mod code;
mod config;
mod context;
mod credit;
mod downstream;
mod error;
mod handler;
mod inbound;
mod inflight;
mod options;
mod outbound;
mod pending;
mod pump;
mod reply;
mod server;
pub mod service;
mod session;
mod signal;
mod stream;
#[cfg(feature = "tower")]
pub mod tower;

pub use answer::{Answer, Streaming};
pub use call::{Call, CallFuture};
pub use client::RpcClient;
pub use code::{ErrorCode, Failure};
pub use config::{RpcClientConfig, RpcServerConfig};
pub use context::Context;
pub use error::RpcError;
#[cfg(feature = "tower")]
pub use handler::FromService;
pub use handler::{Handler, HandlerConnection, RunningCall, StreamingFn};
pub use inbound::Inbound;
pub use options::CallOptions;
pub use outbound::Outbound;
pub use reply::Reply;
pub use server::RpcServer;
pub use service::HandlerFuture;
pub use signal::Signal;
pub use stream::RpcStream;
