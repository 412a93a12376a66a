//! The sending half of a connection.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::sync::TryAcquireError;

use crate::frame::EncodeFrame;
use crate::frame::{HEADER_LEN, TRAILER_LEN};

use super::budget::{Charge, SendBudget};
use super::{ConnectionError, Correlated};

/// A message in the send queue, with the bytes of the send budget it holds.
#[derive(Debug)]
pub(crate) struct Queued<Out> {
    pub(crate) message: Correlated<Out>,
    pub(crate) charge: Charge,
}

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
    queue: mpsc::Sender<Queued<Out>>,
    budget: Arc<SendBudget>,
    max_frame_len: u32,
}

impl<Out> MessageSender<Out> {
    pub(crate) fn new(
        queue: mpsc::Sender<Queued<Out>>,
        budget: Arc<SendBudget>,
        max_frame_len: u32,
    ) -> Self {
        MessageSender {
            queue,
            budget,
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
        Out: EncodeFrame,
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
        Out: EncodeFrame,
    {
        let charge = self.check_len(&message)?;
        match self.budget.try_acquire(charge) {
            Ok(()) => {}
            Err(TryAcquireError::Closed) => return Err(ConnectionError::Closed),
            Err(TryAcquireError::NoPermits) => {
                if self.queue.is_closed() || !self.budget.acquire_slow(charge).await {
                    return Err(ConnectionError::Closed);
                }
            }
        }
        let queued = Queued {
            message: Correlated::new(correlation_id, message),
            charge,
        };
        // Without waiting when there is room (no reservation future); a full queue
        // has waiters, and then this waits its turn behind them.
        let queued = match self.queue.try_send(queued) {
            Ok(()) => return Ok(()),
            Err(mpsc::error::TrySendError::Closed(queued)) => {
                self.budget
                    .release(queued.charge.permits as usize, queued.charge.bytes.into());
                return Err(ConnectionError::Closed);
            }
            Err(mpsc::error::TrySendError::Full(queued)) => queued,
        };
        self.queue.send(queued).await.map_err(|refused| {
            self.budget.release(
                refused.0.charge.permits as usize,
                refused.0.charge.bytes.into(),
            );
            ConnectionError::Closed
        })
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
        Out: EncodeFrame,
    {
        let charge = self.check_len(&message)?;
        match self.budget.try_acquire(charge) {
            Ok(()) => {}
            Err(TryAcquireError::Closed) => return Err(ConnectionError::Closed),
            Err(TryAcquireError::NoPermits) => {
                return Err(ConnectionError::SendBudgetFull {
                    budget: self.budget.capacity(),
                })
            }
        }
        let queued = Queued {
            message: Correlated::new(0, message),
            charge,
        };
        self.queue.try_send(queued).map_err(|err| {
            let (error, queued) = match err {
                mpsc::error::TrySendError::Full(queued) => (
                    ConnectionError::QueueFull {
                        capacity: self.queue.max_capacity(),
                    },
                    queued,
                ),
                mpsc::error::TrySendError::Closed(queued) => (ConnectionError::Closed, queued),
            };
            self.budget
                .release(queued.charge.permits as usize, queued.charge.bytes.into());
            error
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

    /// Checks the message's length; returns what it is charged in the send budget.
    fn check_len(&self, message: &Out) -> Result<Charge, ConnectionError>
    where
        Out: EncodeFrame,
    {
        let len = message.encoded_len();
        if len > self.max_frame_len as usize {
            return Err(ConnectionError::MessageTooLarge {
                len,
                max: self.max_frame_len,
            });
        }
        Ok(self.budget.charge_for(HEADER_LEN + len + TRAILER_LEN))
    }
}

impl<Out> Clone for MessageSender<Out> {
    fn clone(&self) -> Self {
        MessageSender {
            queue: self.queue.clone(),
            budget: Arc::clone(&self.budget),
            max_frame_len: self.max_frame_len,
        }
    }
}
