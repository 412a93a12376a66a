//! The receiving half of a connection.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_util::Stream;
use tokio::sync::mpsc;

use super::shared::{Shared, Signal};
use super::{ConnectionError, Received};

/// The receiving half of a [`Connection`](super::Connection); also a `Stream` of
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
/// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
/// ```
#[derive(Debug)]
pub struct MessageReceiver<In> {
    queue: mpsc::Receiver<Received<In>>,
    shared: Arc<Shared>,
    finished: bool,
    /// Messages returned so far.
    received: u64,
}

impl<In> MessageReceiver<In> {
    pub(crate) fn new(queue: mpsc::Receiver<Received<In>>, shared: Arc<Shared>) -> Self {
        MessageReceiver {
            queue,
            shared,
            finished: false,
            received: 0,
        }
    }

    /// Whether the message returned last was read after this side said GOODBYE first
    /// (a server shutting down): the peer sent it before it knew.
    pub fn last_read_after_goodbye(&self) -> bool {
        self.shared.read_after_goodbye(self.received)
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

impl<In> MessageReceiver<In> {
    /// The next message; see [`Connection::recv`](super::Connection::recv).
    ///
    /// # Errors
    /// As [`Connection::recv`](super::Connection::recv).
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
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
    /// ```
    pub async fn recv(&mut self) -> Result<Option<Received<In>>, ConnectionError> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next message; see [`Connection::recv`](super::Connection::recv).
    ///
    /// # Errors
    /// As [`Connection::recv`](super::Connection::recv).
    ///
    /// ```
    /// # use wirewright::transport::{Connection, ConnectionConfig};
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (a, b) = tokio::io::duplex(64);
    /// let (_, mut receiver) = Connection::<Note>::spawn(a, &ConnectionConfig::new()).split();
    /// Connection::<Note>::spawn(b, &ConnectionConfig::new()).send(Note(3)).await.expect("queued");
    /// let next = std::future::poll_fn(|cx| receiver.poll_recv(cx)).await;
    /// assert_eq!(next.expect("open").map(|r| r.message), Some(Note(3)));
    /// # }
    /// ```
    pub fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<Received<In>>, ConnectionError>> {
        if self.finished {
            return Poll::Ready(Ok(None));
        }
        match ready!(self.queue.poll_recv(cx)) {
            Some(received) => {
                self.received += 1;
                self.shared.taken(received.header.frame_len());
                Poll::Ready(Ok(Some(received)))
            }
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
        // Give back the bytes of the messages nobody will take.
        self.queue.close();
        while let Ok(received) = self.queue.try_recv() {
            self.shared.taken(received.header.frame_len());
        }
        self.shared.raise(Signal::ReceiverDropped);
    }
}
