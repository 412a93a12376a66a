//! A connection: typed messages in and out over one stream, with control frames,
//! heartbeats, timeouts and the closing handshake handled by a driver task.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{ready, Context, Poll};

use futures_util::Stream;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::{DecodeProtocol, Protocol};

use super::driver::Driver;
use super::{ConnectionConfig, ConnectionError, Correlated, FrameCodec, Metrics, Received};

/// One connection, as its user sees it: send messages of type `Out`, receive messages of
/// type `In` (often the same protocol enum both ways) with their frame headers.
///
/// A driver (see [`ConnectionDriver`]) owns the stream: it answers PINGs, sends
/// heartbeats, enforces the idle timeout and runs the closing handshake, so that control
/// frames never reach [`recv`](Self::recv).
///
/// [`recv`](Self::recv) returns `Ok(None)` when the connection closed cleanly, and an
/// error that says why otherwise: [`ConnectionError::Goodbye`] with the peer's reason,
/// [`ConnectionError::PeerVanished`], a timeout or a protocol error.
///
/// ```
/// use wirewright::transport::{Connection, ConnectionConfig};
/// # use wirewright::bytes::BufMut;
/// # #[derive(Debug, PartialEq)] struct Note(u32);
/// # impl wirewright::Encode for Note {
/// #     fn encoded_len(&self) -> usize { self.0.encoded_len() }
/// #     fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) { self.0.encode_raw(buf) }
/// # }
/// # impl<'de> wirewright::Decode<'de> for Note {
/// #     const MIN_ENCODED_LEN: usize = 1;
/// #     fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> {
/// #         Ok(Note(wirewright::Decode::decode_raw(r)?))
/// #     }
/// # }
/// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), wirewright::transport::ConnectionError> {
/// let (a, b) = tokio::io::duplex(4096);
/// let config = ConnectionConfig::new();
/// let alice = Connection::<Note>::spawn(a, &config);
/// let mut bob = Connection::<Note>::spawn(b, &config);
///
/// alice.send(Note(1)).await?;
/// alice.send_correlated(7, Note(2)).await?;
/// alice.close().await; // GOODBYE, then the handshake
///
/// assert_eq!(bob.recv().await?.map(|r| r.message), Some(Note(1)));
/// let second = bob.recv().await?.expect("a message");
/// assert_eq!((second.correlation_id(), second.message), (7, Note(2)));
/// assert!(bob.recv().await?.is_none()); // alice closed cleanly
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Connection<In, Out = In> {
    sender: MessageSender<Out>,
    receiver: MessageReceiver<In>,
}

/// The sending half of a [`Connection`]; cheap to clone.
///
/// ```
/// # use wirewright::transport::{Connection, ConnectionConfig};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let (a, _b) = tokio::io::duplex(64);
/// let connection = Connection::<Note>::spawn(a, &ConnectionConfig::new());
/// let sender = connection.sender();
/// assert!(!sender.is_closed());
/// # }
/// # #[derive(Debug, PartialEq)] struct Note(u8);
/// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
/// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
/// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
/// ```
#[derive(Debug)]
pub struct MessageSender<Out> {
    queue: mpsc::Sender<Correlated<Out>>,
    max_frame_len: u32,
}

/// The receiving half of a [`Connection`]; also a `Stream` of
/// `Result<Received<In>, ConnectionError>` that ends after the connection closes (with
/// one `Err` item first when it did not close cleanly).
///
/// ```
/// use futures_util::StreamExt;
/// # use wirewright::transport::{Connection, ConnectionConfig};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (a, b) = tokio::io::duplex(64);
/// let (_, mut receiver) = Connection::<Note>::spawn(a, &ConnectionConfig::new()).split();
/// drop(b); // the peer vanishes
/// let last = receiver.next().await;
/// assert!(matches!(last, Some(Err(wirewright::transport::ConnectionError::PeerVanished))));
/// assert!(receiver.next().await.is_none());
/// # }
/// # #[derive(Debug, PartialEq)] struct Note(u8);
/// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
/// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
/// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
/// ```
#[derive(Debug)]
pub struct MessageReceiver<In> {
    queue: mpsc::Receiver<Received<In>>,
    shared: Arc<Shared>,
    finished: bool,
}

/// The future that drives a connection; returned by [`Connection::with_driver`] for
/// callers that run it themselves (in the same task as the handler, say). It resolves
/// when the connection is closed: `Ok` for a clean close, else why it ended.
pub struct ConnectionDriver {
    future: Pin<Box<dyn Future<Output = Result<(), ConnectionError>> + Send>>,
}

impl std::fmt::Debug for ConnectionDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConnectionDriver")
    }
}

impl Future for ConnectionDriver {
    type Output = Result<(), ConnectionError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.future.as_mut().poll(cx)
    }
}

/// What the handles and the driver of one connection share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) peer_addr: Option<SocketAddr>,
    /// Cancelled when the server shuts down.
    pub(crate) shutdown: Option<CancellationToken>,
    /// Cancelled by [`Connection::close`].
    pub(crate) close: CancellationToken,
    /// Cancelled when the [`MessageReceiver`] is dropped.
    pub(crate) receiver_dropped: CancellationToken,
    /// Cancelled when the driver has finished.
    pub(crate) done: CancellationToken,
    outcome: Mutex<Option<ConnectionError>>,
}

impl Shared {
    pub(crate) fn set_outcome(&self, outcome: Option<ConnectionError>) {
        *self.outcome.lock().unwrap_or_else(PoisonError::into_inner) = outcome;
    }

    fn take_outcome(&self) -> Option<ConnectionError> {
        self.outcome
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// The close event, at a level that matches the reason.
    pub(crate) fn log_close(&self, outcome: &Result<(), ConnectionError>) {
        let peer = self.peer_addr;
        match outcome {
            Ok(()) => tracing::debug!(?peer, "connection closed"),
            Err(error @ ConnectionError::Protocol(_)) => {
                tracing::warn!(?peer, %error, "connection closed: protocol error");
            }
            Err(error @ (ConnectionError::Goodbye { .. } | ConnectionError::PeerVanished)) => {
                tracing::debug!(?peer, %error, "connection closed by the peer");
            }
            Err(error) => tracing::info!(?peer, %error, "connection closed"),
        }
    }
}

/// What a server or client attaches to a connection besides its configuration.
#[derive(Debug, Default)]
pub(crate) struct Attachments {
    pub(crate) metrics: Option<Arc<Metrics>>,
    pub(crate) shutdown: Option<CancellationToken>,
    pub(crate) peer_addr: Option<SocketAddr>,
}

impl<In, Out> Connection<In, Out>
where
    In: for<'de> DecodeProtocol<'de> + Send + 'static,
    Out: Protocol + Send + 'static,
{
    /// Starts a connection over `io` (a `TcpStream`, a `UnixStream`, one end of
    /// `tokio::io::duplex`...) and spawns its driver on the current tokio runtime.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (a, _b) = tokio::io::duplex(64);
    /// let connection = Connection::<Note>::spawn(a, &ConnectionConfig::new());
    /// assert_eq!(connection.peer_addr(), None); // not a socket
    /// # }
    /// # #[derive(Debug, PartialEq)] struct Note(u8);
    /// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
    /// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
    /// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
    /// ```
    pub fn spawn<T>(io: T, config: &ConnectionConfig) -> Self
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let (connection, driver) = Self::with_driver(io, config);
        tokio::spawn(driver);
        connection
    }

    /// Starts a connection over `io` and returns its driver for the caller to run (it
    /// must be polled for the connection to make progress).
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (a, b) = tokio::io::duplex(64);
    /// let (connection, driver) = Connection::<Note>::with_driver(a, &ConnectionConfig::new());
    /// drop(b);
    /// let (_, outcome) = tokio::join!(async move { drop(connection) }, driver);
    /// assert!(outcome.is_err()); // the peer vanished
    /// # }
    /// # #[derive(Debug, PartialEq)] struct Note(u8);
    /// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
    /// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
    /// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
    /// ```
    pub fn with_driver<T>(io: T, config: &ConnectionConfig) -> (Self, ConnectionDriver)
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        Self::start(io, config, Attachments::default())
    }

    pub(crate) fn start<T>(
        io: T,
        config: &ConnectionConfig,
        attachments: Attachments,
    ) -> (Self, ConnectionDriver)
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let metrics = attachments.metrics.unwrap_or_default();
        let shared = Arc::new(Shared {
            metrics: Arc::clone(&metrics),
            peer_addr: attachments.peer_addr,
            shutdown: attachments.shutdown,
            close: CancellationToken::new(),
            receiver_dropped: CancellationToken::new(),
            done: CancellationToken::new(),
            outcome: Mutex::new(None),
        });
        let (out_tx, out_rx) = mpsc::channel(config.send_queue());
        let (in_tx, in_rx) = mpsc::channel(config.receive_queue());
        let codec = FrameCodec::<In, Out>::with_limits(*config.limits()).with_metrics(metrics);
        let driver = Driver::new(
            io,
            codec,
            config.clone(),
            Arc::clone(&shared),
            out_rx,
            in_tx,
        );
        let connection = Connection {
            sender: MessageSender {
                queue: out_tx,
                max_frame_len: config.limits().max_frame_len(),
            },
            receiver: MessageReceiver {
                queue: in_rx,
                shared,
                finished: false,
            },
        };
        let driver = ConnectionDriver {
            future: Box::pin(driver.run()),
        };
        (connection, driver)
    }
}

impl<In, Out> Connection<In, Out> {
    /// Queues `message` (correlation id 0), waiting while the send queue is full.
    ///
    /// # Errors
    /// [`ConnectionError::MessageTooLarge`] when the message exceeds the maximum frame
    /// length; [`ConnectionError::Closed`] when the connection takes no more messages.
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig, ConnectionError};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (a, _b) = tokio::io::duplex(64);
    /// let connection = Connection::<Note>::spawn(a, &ConnectionConfig::new());
    /// connection.send(Note(7)).await.expect("queued");
    /// # }
    /// # #[derive(Debug, PartialEq)] struct Note(u8);
    /// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
    /// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
    /// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
    /// ```
    pub async fn send(&self, message: Out) -> Result<(), ConnectionError>
    where
        Out: Protocol,
    {
        self.sender.send(message).await
    }

    /// Queues `message` with `correlation_id` in its frame header.
    ///
    /// # Errors
    /// As [`send`](Self::send).
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (a, _b) = tokio::io::duplex(64);
    /// let connection = Connection::<Note>::spawn(a, &ConnectionConfig::new());
    /// connection.send_correlated(42, Note(7)).await.expect("queued");
    /// # }
    /// # #[derive(Debug, PartialEq)] struct Note(u8);
    /// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
    /// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
    /// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
    /// ```
    pub async fn send_correlated(
        &self,
        correlation_id: u32,
        message: Out,
    ) -> Result<(), ConnectionError>
    where
        Out: Protocol,
    {
        self.sender.send_correlated(correlation_id, message).await
    }

    /// The next message, `Ok(None)` once the connection has closed cleanly, or why it
    /// did not. After the first `Ok(None)` or `Err`, always `Ok(None)`.
    ///
    /// # Errors
    /// The reason the connection ended, once: [`ConnectionError::Goodbye`] (the peer
    /// closed with a reason other than normal), [`ConnectionError::PeerVanished`],
    /// [`ConnectionError::IdleTimeout`], [`ConnectionError::HeartbeatMissed`],
    /// [`ConnectionError::Protocol`], [`ConnectionError::Io`] or
    /// [`ConnectionError::CloseTimeout`].
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (a, b) = tokio::io::duplex(64);
    /// let alice = Connection::<Note>::spawn(a, &ConnectionConfig::new());
    /// let mut bob = Connection::<Note>::spawn(b, &ConnectionConfig::new());
    /// alice.send(Note(5)).await.expect("queued");
    /// let received = bob.recv().await.expect("open").expect("a message");
    /// assert_eq!(received.message, Note(5));
    /// # }
    /// # #[derive(Debug, PartialEq)] struct Note(u8);
    /// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
    /// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
    /// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
    /// ```
    pub async fn recv(&mut self) -> Result<Option<Received<In>>, ConnectionError> {
        self.receiver.recv().await
    }

    /// Another handle for sending on this connection.
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (a, _b) = tokio::io::duplex(64);
    /// let connection = Connection::<Note>::spawn(a, &ConnectionConfig::new());
    /// let sender = connection.sender();
    /// tokio::spawn(async move { sender.send(Note(1)).await });
    /// # }
    /// # #[derive(Debug, PartialEq)] struct Note(u8);
    /// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
    /// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
    /// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
    /// ```
    pub fn sender(&self) -> MessageSender<Out> {
        self.sender.clone()
    }

    /// Splits the connection into its sending and receiving halves. The connection
    /// closes (GOODBYE, normal) once every sender and the receiver are dropped.
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (a, _b) = tokio::io::duplex(64);
    /// let (sender, receiver) = Connection::<Note>::spawn(a, &ConnectionConfig::new()).split();
    /// # drop((sender, receiver));
    /// # }
    /// # #[derive(Debug, PartialEq)] struct Note(u8);
    /// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
    /// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
    /// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
    /// ```
    pub fn split(self) -> (MessageSender<Out>, MessageReceiver<In>) {
        (self.sender, self.receiver)
    }

    /// The peer's address, for connections over TCP made by a server or client.
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (a, _b) = tokio::io::duplex(64);
    /// assert!(Connection::<Note>::spawn(a, &ConnectionConfig::new()).peer_addr().is_none());
    /// # }
    /// # #[derive(Debug, PartialEq)] struct Note(u8);
    /// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
    /// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
    /// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
    /// ```
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.receiver.shared.peer_addr
    }

    /// The counters this connection adds to (shared with its server or client, if any).
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (a, _b) = tokio::io::duplex(64);
    /// let connection = Connection::<Note>::spawn(a, &ConnectionConfig::new());
    /// assert_eq!(connection.metrics().frames_in(), 0);
    /// # }
    /// # #[derive(Debug, PartialEq)] struct Note(u8);
    /// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
    /// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
    /// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
    /// ```
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.receiver.shared.metrics
    }

    /// Closes the connection: the messages already queued are sent, then GOODBYE
    /// (normal); waits for the peer's answering GOODBYE (within the close timeout) and
    /// for the driver to finish. Other [`MessageSender`]s can send no more.
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (a, b) = tokio::io::duplex(64);
    /// let alice = Connection::<Note>::spawn(a, &ConnectionConfig::new());
    /// let mut bob = Connection::<Note>::spawn(b, &ConnectionConfig::new());
    /// alice.close().await;
    /// assert!(bob.recv().await.expect("clean close").is_none());
    /// # }
    /// # #[derive(Debug, PartialEq)] struct Note(u8);
    /// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
    /// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
    /// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
    /// ```
    pub async fn close(self) {
        let shared = Arc::clone(&self.receiver.shared);
        shared.close.cancel();
        drop(self);
        shared.done.cancelled().await;
    }
}

impl<Out> MessageSender<Out> {
    /// Queues `message` (correlation id 0), waiting while the send queue is full.
    ///
    /// # Errors
    /// [`ConnectionError::MessageTooLarge`] or [`ConnectionError::Closed`].
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig, ConnectionError};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (a, _b) = tokio::io::duplex(64);
    /// let config = ConnectionConfig::new().with_limits(wirewright::Limits::new().with_max_frame_len(0));
    /// let sender = Connection::<Note>::spawn(a, &config).sender();
    /// assert!(matches!(sender.send(Note(1)).await, Err(ConnectionError::MessageTooLarge { len: 1, max: 0 })));
    /// # }
    /// # #[derive(Debug, PartialEq)] struct Note(u8);
    /// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
    /// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
    /// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
    /// ```
    pub async fn send(&self, message: Out) -> Result<(), ConnectionError>
    where
        Out: Protocol,
    {
        self.send_correlated(0, message).await
    }

    /// Queues `message` with `correlation_id` in its frame header.
    ///
    /// # Errors
    /// [`ConnectionError::MessageTooLarge`] or [`ConnectionError::Closed`].
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (a, _b) = tokio::io::duplex(64);
    /// let sender = Connection::<Note>::spawn(a, &ConnectionConfig::new()).sender();
    /// sender.send_correlated(9, Note(1)).await.expect("queued");
    /// # }
    /// # #[derive(Debug, PartialEq)] struct Note(u8);
    /// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
    /// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
    /// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
    /// ```
    pub async fn send_correlated(
        &self,
        correlation_id: u32,
        message: Out,
    ) -> Result<(), ConnectionError>
    where
        Out: Protocol,
    {
        self.check_len(&message)?;
        self.queue
            .send(Correlated::new(correlation_id, message))
            .await
            .map_err(|_| ConnectionError::Closed)
    }

    /// Queues `message` (correlation id 0) if the send queue has room, without waiting:
    /// for fan-out, where one slow peer must not hold up the others.
    ///
    /// # Errors
    /// [`ConnectionError::QueueFull`], [`ConnectionError::MessageTooLarge`] or
    /// [`ConnectionError::Closed`].
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig, ConnectionError};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (a, _b) = tokio::io::duplex(64);
    /// let config = ConnectionConfig::new().with_send_queue(1);
    /// let sender = Connection::<Note>::spawn(a, &config).sender();
    /// sender.try_send(Note(1)).expect("room for one");
    /// assert!(matches!(sender.try_send(Note(2)), Err(ConnectionError::QueueFull { capacity: 1 })));
    /// # }
    /// # #[derive(Debug, PartialEq)] struct Note(u8);
    /// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
    /// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
    /// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
    /// ```
    pub fn try_send(&self, message: Out) -> Result<(), ConnectionError>
    where
        Out: Protocol,
    {
        self.check_len(&message)?;
        self.queue
            .try_send(Correlated::new(0, message))
            .map_err(|err| match err {
                mpsc::error::TrySendError::Full(_) => ConnectionError::QueueFull {
                    capacity: self.queue.max_capacity(),
                },
                mpsc::error::TrySendError::Closed(_) => ConnectionError::Closed,
            })
    }

    /// Whether the connection no longer takes messages.
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (a, _b) = tokio::io::duplex(64);
    /// let (sender, receiver) = Connection::<Note>::spawn(a, &ConnectionConfig::new()).split();
    /// assert!(!sender.is_closed());
    /// # drop(receiver);
    /// # }
    /// # #[derive(Debug, PartialEq)] struct Note(u8);
    /// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
    /// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
    /// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
    /// ```
    pub fn is_closed(&self) -> bool {
        self.queue.is_closed()
    }

    fn check_len(&self, message: &Out) -> Result<(), ConnectionError>
    where
        Out: Protocol,
    {
        let len = message.encoded_len();
        if len > self.max_frame_len as usize {
            return Err(ConnectionError::MessageTooLarge {
                len,
                max: self.max_frame_len,
            });
        }
        Ok(())
    }
}

impl<Out> Clone for MessageSender<Out> {
    fn clone(&self) -> Self {
        MessageSender {
            queue: self.queue.clone(),
            max_frame_len: self.max_frame_len,
        }
    }
}

impl<In> MessageReceiver<In> {
    /// The next message; see [`Connection::recv`].
    ///
    /// # Errors
    /// As [`Connection::recv`].
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (a, b) = tokio::io::duplex(64);
    /// let (_, mut receiver) = Connection::<Note>::spawn(a, &ConnectionConfig::new()).split();
    /// Connection::<Note>::spawn(b, &ConnectionConfig::new()).close().await;
    /// assert!(receiver.recv().await.expect("clean close").is_none());
    /// # }
    /// # #[derive(Debug, PartialEq)] struct Note(u8);
    /// # impl wirewright::Encode for Note { fn encoded_len(&self) -> usize { 1 } fn encode_raw<B: wirewright::bytes::BufMut + ?Sized>(&self, b: &mut B) { b.put_u8(self.0) } }
    /// # impl<'de> wirewright::Decode<'de> for Note { const MIN_ENCODED_LEN: usize = 1; fn decode_raw(r: &mut wirewright::Reader<'de>) -> Result<Self, wirewright::DecodeError> { Ok(Note(r.read_u8()?)) } }
    /// # impl wirewright::Message for Note { const ID: u16 = 1; const NAME: &'static str = "Note"; }
    /// ```
    pub async fn recv(&mut self) -> Result<Option<Received<In>>, ConnectionError> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next message; see [`Connection::recv`].
    ///
    /// # Errors
    /// As [`Connection::recv`].
    pub fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<Received<In>>, ConnectionError>> {
        if self.finished {
            return Poll::Ready(Ok(None));
        }
        match ready!(self.queue.poll_recv(cx)) {
            Some(received) => Poll::Ready(Ok(Some(received))),
            None => {
                self.finished = true;
                Poll::Ready(self.shared.take_outcome().map_or(Ok(None), Err))
            }
        }
    }
}

impl<In> Stream for MessageReceiver<In> {
    type Item = Result<Received<In>, ConnectionError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_recv(cx).map(Result::transpose)
    }
}

impl<In> Drop for MessageReceiver<In> {
    fn drop(&mut self) {
        self.shared.receiver_dropped.cancel();
    }
}
