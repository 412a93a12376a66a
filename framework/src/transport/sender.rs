//! The sending half of a connection.

use tokio::sync::mpsc;

use crate::Protocol;

use super::{ConnectionError, Correlated};

/// The sending half of a [`Connection`](super::Connection); cheap to clone.
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
/// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
/// ```
#[derive(Debug)]
pub struct MessageSender<Out> {
    queue: mpsc::Sender<Correlated<Out>>,
    max_frame_len: u32,
}

impl<Out> MessageSender<Out> {
    pub(crate) fn new(queue: mpsc::Sender<Correlated<Out>>, max_frame_len: u32) -> Self {
        MessageSender {
            queue,
            max_frame_len,
        }
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
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
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
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
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
        // Without waiting when there is room (no reservation future); a full queue
        // has waiters, and then this waits its turn behind them.
        let message = match self
            .queue
            .try_send(Correlated::new(correlation_id, message))
        {
            Ok(()) => return Ok(()),
            Err(mpsc::error::TrySendError::Closed(_)) => return Err(ConnectionError::Closed),
            Err(mpsc::error::TrySendError::Full(message)) => message,
        };
        self.queue
            .send(message)
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
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
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
    /// # #[derive(wirewright::Message, Debug, PartialEq)] #[wire(id = 1)] struct Note(u8);
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
