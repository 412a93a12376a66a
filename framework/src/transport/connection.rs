//! A connection: typed messages in and out over one stream, with control frames,
//! heartbeats, timeouts and the closing handshake handled by a driver task.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;

use crate::frame::{DecodeFrame, EncodeFrame};

use super::driver::Driver;
use super::shared::{Attachments, Shared, Signal};
use super::{
    ConnectionConfig, ConnectionError, FrameCodec, MessageReceiver, MessageSender, Metrics,
    PeerHello, Received,
};

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
/// use wirewright::Message;
/// use wirewright::transport::{Connection, ConnectionConfig};
///
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(id = 1)]
/// struct Note(u32);
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
/// let closing = tokio::spawn(alice.close()); // GOODBYE, then the handshake
///
/// assert_eq!(bob.recv().await?.map(|r| r.message), Some(Note(1)));
/// let second = bob.recv().await?.expect("a message");
/// assert_eq!((second.correlation_id(), second.message), (7, Note(2)));
/// assert!(bob.recv().await?.is_none()); // alice closed cleanly: her input ends
/// drop(bob); // bob is done replying: his answering GOODBYE ends the handshake
/// closing.await.expect("alice closed");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Connection<In, Out = In> {
    sender: MessageSender<Out>,
    receiver: MessageReceiver<In>,
}

/// The future that drives a connection; returned by [`Connection::with_driver`] for
/// callers that run it themselves (in the same task as the handler, say). It resolves
/// when the connection is closed: `Ok` for a clean close, else why it ended.
///
/// ```
/// use wirewright::transport::{Connection, ConnectionConfig};
/// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (a, b) = tokio::io::duplex(1024);
/// let mut peer = Connection::<Note>::spawn(b, &ConnectionConfig::new());
/// let (connection, driver) = Connection::<Note>::with_driver(a, &ConnectionConfig::new());
/// let handler = async move {
///     connection.send(Note(1)).await.expect("queued");
///     connection.close().await;
/// };
/// // The peer reads to the end of its input, then drops its handles (its answer).
/// let peer = async move { while let Ok(Some(_)) = peer.recv().await {} };
/// let ((), outcome, ()) = tokio::join!(handler, driver, peer); // one task, no spawn
/// assert!(outcome.is_ok());
/// # }
/// ```
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

impl<In, Out> Connection<In, Out>
where
    In: for<'de> DecodeFrame<'de> + Send + 'static,
    Out: EncodeFrame + Send + 'static,
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
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
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
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
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
        let shared = Arc::new(Shared::new(attachments, config));
        let (out_tx, out_rx) = mpsc::channel(config.send_queue());
        let (in_tx, in_rx) = mpsc::channel(config.receive_queue());
        let codec = FrameCodec::<In, Out>::with_limits(*config.limits())
            .with_metrics(shared.metrics.clone());
        let driver = Driver::new(
            io,
            codec,
            config.clone(),
            Arc::clone(&shared),
            out_rx,
            in_tx,
        );
        let connection = Connection {
            sender: MessageSender::new(
                out_tx,
                Arc::clone(&shared.send),
                config.limits().max_frame_len(),
            ),
            receiver: MessageReceiver::new(in_rx, shared),
        };
        let driver = ConnectionDriver {
            future: Box::pin(driver.run()),
        };
        (connection, driver)
    }
}

impl<In, Out> Connection<In, Out> {
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        self.receiver.shared()
    }

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
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
    /// ```
    pub async fn send(&self, message: Out) -> Result<(), ConnectionError>
    where
        Out: EncodeFrame,
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
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
    /// ```
    pub async fn send_correlated(
        &self,
        correlation_id: u32,
        message: Out,
    ) -> Result<(), ConnectionError>
    where
        Out: EncodeFrame,
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
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
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
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
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
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
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
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
    /// ```
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.receiver.shared().peer_addr
    }

    /// What the peer announced in its HELLO and how this end judged it (SPEC.md §13.6);
    /// `None` when no HELLO was exchanged (an end set to [`HelloMode::Off`](super::HelloMode::Off),
    /// a peer that does not take part, a connection over a stream of your own).
    ///
    /// ```
    /// use wirewright::transport::{Client, ClientConfig, Connection, Server, ServerConfig, Verdict};
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = Server::bind("127.0.0.1:0", ServerConfig::new()).await?;
    /// # let addr = server.local_addr()?;
    /// # tokio::spawn(server.serve(|_: Connection<Note>| async { Ok(()) }));
    /// let connection: Connection<Note> = Client::new(ClientConfig::new()).connect(addr).await?;
    /// let peer = connection.peer_hello().expect("the server answered HELLO");
    /// assert_eq!(peer.hello.protocol, "Note");
    /// assert_eq!(peer.verdict, Verdict::Same);
    /// # Ok(())
    /// # }
    /// ```
    pub fn peer_hello(&self) -> Option<&PeerHello> {
        self.receiver.shared().peer_hello.as_deref()
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
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
    /// ```
    pub fn metrics(&self) -> &Metrics {
        &self.receiver.shared().metrics
    }

    /// Bytes this connection holds now: its read buffer (a partial frame), messages
    /// received and not yet taken, messages queued for sending. Bounded by the
    /// [`ConnectionConfig`] budgets (a message larger than a budget passes alone).
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let (a, _b) = tokio::io::duplex(64);
    /// let connection = Connection::<Note>::spawn(a, &ConnectionConfig::new());
    /// assert_eq!(connection.buffered_bytes(), 0);
    /// # }
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
    /// ```
    pub fn buffered_bytes(&self) -> usize {
        self.receiver.shared().buffered_bytes()
    }

    /// Closes the connection: the messages already queued are sent, then GOODBYE
    /// (normal); waits for the peer's answering GOODBYE (within the goodbye timeout) and
    /// for the driver to finish. Other [`MessageSender`]s can send no more.
    ///
    /// The peer answers once its application is done with what it read (SPEC.md §7):
    /// when it drops its handles or closes too. After the peer's GOODBYE (reason 0),
    /// `close` is how a side that keeps its `Connection` says it is done replying.
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (a, b) = tokio::io::duplex(64);
    /// let alice = Connection::<Note>::spawn(a, &ConnectionConfig::new());
    /// let mut bob = Connection::<Note>::spawn(b, &ConnectionConfig::new());
    /// let closing = tokio::spawn(alice.close());
    /// assert!(bob.recv().await.expect("clean close").is_none());
    /// bob.close().await; // done replying: the answering GOODBYE
    /// closing.await.expect("alice closed");
    /// # }
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
    /// ```
    pub async fn close(self) {
        let shared = Arc::clone(self.receiver.shared());
        shared.raise(Signal::Close);
        drop(self);
        shared.done.cancelled().await;
    }
}
