//! The tokio transport (feature `transport`, on by default): frames over any
//! `AsyncRead + AsyncWrite`, connections with heartbeats and a closing handshake, a
//! server and a client.
//!
//! # Layers
//!
//! ```text
//!   Server / Client          accept, connection limit, shutdown / connect with backoff
//!        │
//!   Connection               typed send/recv, PING→PONG, heartbeats, idle timeout,
//!        │                   GOODBYE handshake (a driver task owns the stream)
//!   Framed<T, FrameCodec<P>> Stream of Incoming<P>, Sink of Outgoing<P> (message,
//!        │                   correlated message or control frame)
//!        │
//!   T: AsyncRead + AsyncWrite   TcpStream, UnixStream, tokio::io::duplex, TLS...
//! ```
//!
//! - [`FrameCodec`] is a `tokio_util::codec` decoder and encoder: use it with
//!   `Framed` when you want every frame, control frames included. Its payloads are
//!   binary, or JSON with `JsonCodec` (feature `json`).
//! - [`Connection`] hides control frames: it answers PINGs, sends its own heartbeats,
//!   closes a silent peer, and ends its stream of messages when the peer says GOODBYE,
//!   with the reason ([`ConnectionError::Goodbye`]).
//! - [`Server`] and [`Client`] make connections over TCP. A connection they make opens
//!   with the HELLO exchange (SPEC.md §13.6, [`HelloMode`]): each end announces its
//!   protocol's schema, and peers whose schemas cannot talk fail at connect
//!   ([`HelloError::IncompatibleSchema`]) instead of misreading messages later.
//!
//! # Closing (SPEC.md §7)
//!
//! ```text
//!   A (closes first)                          B
//!   ── messages, GOODBYE(0) ─────────────────►  B's input ends at the GOODBYE; B's
//!                                               application replies to what it read
//!   ◄──────────────────── replies, GOODBYE(0) ─  once it is done (handles dropped or
//!   (everything B sent has now arrived:          close()), then reads to the end
//!    A flushes, closes)
//!   ── end of stream ────────────────────────►
//! ```
//!
//! A server that shuts down is A with reason 1: it keeps reading, and answers what its
//! peers had already sent, for up to its shutdown grace. A peer that half-closes (ends
//! its stream without GOODBYE) still receives the replies to what it sent.
//!
//! # Budgets
//!
//! What a peer can make a connection hold is bounded in bytes: the send and receive
//! budgets of [`ConnectionConfig`], one pending PONG, and on a [`Server`] the memory
//! budget of [`ServerConfig`] shared by all its connections. [`Metrics`] shows the bytes
//! held (`bytes_buffered_in`, `bytes_buffered_out`) and every budget wait.
//!
//! # Example
//!
//! ```
//! use wirewright::Message;
//! use wirewright::transport::{Connection, ConnectionConfig};
//!
//! #[derive(Message, Debug, PartialEq)]
//! #[wire(id = 1)]
//! struct Note(u8);
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), wirewright::transport::ConnectionError> {
//! let (a, b) = tokio::io::duplex(4096);
//! let alice = Connection::<Note>::spawn(a, &ConnectionConfig::new());
//! let mut bob = Connection::<Note>::spawn(b, &ConnectionConfig::new());
//! alice.send(Note(1)).await?;
//! assert_eq!(bob.recv().await?.map(|received| received.message), Some(Note(1)));
//! # Ok(())
//! # }
//! ```

mod admission;
mod backoff;
mod budget;
mod client;
mod closing;
mod codec;
mod config;
mod connection;
pub(crate) mod control;
mod driver;
mod envelope;
mod error;
mod handshake;
mod heartbeat;
pub(crate) mod hello;
mod idle;
mod inbox;
mod linger;
mod metrics;
mod outbox;
mod payload;
mod pingpong;
mod read_state;
mod receiver;
mod refusal;
mod sender;
mod server;
mod shared;
mod together;

pub use backoff::Backoff;
pub use client::Client;
pub use codec::FrameCodec;
pub use config::{ClientConfig, ConnectionConfig, ServerConfig};
pub use connection::{Connection, ConnectionDriver};
pub use control::cap_message;
pub use control::{Control, ControlError, Goodbye, GoodbyeReason};
pub use envelope::{Correlated, Incoming, Outgoing, Received};
pub use error::{CodecError, ConnectError, ConnectionError};
pub use hello::{Hello, HelloError, HelloMode, LocalHello, PeerHello, Verdict};
pub use metrics::{Metrics, MetricsSnapshot};
pub use payload::{BinaryPayload, DecodePayload, EncodePayload, PayloadCodec};
#[cfg(feature = "json")]
pub use payload::{JsonCodec, JsonPayload};
pub use receiver::MessageReceiver;
pub use sender::MessageSender;
pub use server::Server;
pub use together::{together, Together};

/// The token that shuts a [`Server`] down, re-exported from `tokio_util`.
pub use tokio_util::sync::CancellationToken;
