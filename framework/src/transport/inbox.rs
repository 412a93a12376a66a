//! The driver's end of the receive queue: hands decoded messages to the
//! [`MessageReceiver`](super::MessageReceiver).

use std::task::{Context, Poll};

use tokio::sync::mpsc;
use tokio_util::sync::PollSender;

use super::Received;

/// The sending end of the receive queue. A message goes in at once when the queue has
/// room (`try_send`: no future, no boxed reservation); when it is full, through a
/// reservation that wakes the driver when room frees up.
#[derive(Debug)]
pub(crate) struct Inbox<In> {
    /// For sending without waiting; `None` once closed.
    now: Option<mpsc::Sender<Received<In>>>,
    /// For waiting for room.
    waiting: PollSender<Received<In>>,
    /// A reservation is in progress: later messages wait behind it.
    reserving: bool,
}

/// What became of a message handed to the [`Inbox`].
#[derive(Debug)]
pub(crate) enum Delivery<In> {
    /// It is in the queue.
    Delivered,
    /// The queue is full: here it is back; the driver is woken when there is room.
    Full(Received<In>),
    /// The receiving half is gone; the message was dropped.
    ReceiverGone,
}

impl<In: Send> Inbox<In> {
    pub(crate) fn new(queue: mpsc::Sender<Received<In>>) -> Self {
        Inbox {
            now: Some(queue.clone()),
            waiting: PollSender::new(queue),
            reserving: false,
        }
    }

    /// Hands `message` to the receiving half.
    #[inline]
    pub(crate) fn deliver(&mut self, cx: &mut Context<'_>, message: Received<In>) -> Delivery<In> {
        let message = if self.reserving {
            message
        } else {
            match self.now.as_ref().map(|queue| queue.try_send(message)) {
                Some(Ok(())) => return Delivery::Delivered,
                Some(Err(mpsc::error::TrySendError::Full(message))) => message,
                Some(Err(mpsc::error::TrySendError::Closed(_))) | None => {
                    return Delivery::ReceiverGone;
                }
            }
        };
        match self.waiting.poll_reserve(cx) {
            Poll::Ready(Ok(())) => {
                self.reserving = false;
                match self.waiting.send_item(message) {
                    Ok(()) => Delivery::Delivered,
                    Err(_) => Delivery::ReceiverGone,
                }
            }
            Poll::Ready(Err(_)) => {
                self.reserving = false;
                Delivery::ReceiverGone
            }
            Poll::Pending => {
                self.reserving = true;
                Delivery::Full(message)
            }
        }
    }

    /// Whether the queue has been closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.waiting.is_closed()
    }

    /// Closes the queue: the receiving half sees the end of the stream once it has
    /// taken what is queued.
    pub(crate) fn close(&mut self) {
        self.waiting.close();
        self.now = None;
    }
}
