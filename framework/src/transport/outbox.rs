//! The driver's end of the send queue: takes queued messages and gives their bytes back
//! to the send budget once they are encoded.

use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::mpsc;

use super::budget::SendBudget;
use super::sender::Queued;
use super::Correlated;

/// The receiving end of the send queue.
#[derive(Debug)]
pub(crate) struct Outbox<Out> {
    queue: mpsc::Receiver<Queued<Out>>,
    budget: Arc<SendBudget>,
    /// Every sender is gone (or the queue was closed) and the queue is drained.
    done: bool,
    /// Bytes taken out since the last [`give_back`](Self::give_back): released in one
    /// call per round (each release takes the semaphore's lock).
    taken: usize,
}

impl<Out> Outbox<Out> {
    pub(crate) fn new(queue: mpsc::Receiver<Queued<Out>>, budget: Arc<SendBudget>) -> Self {
        Outbox {
            queue,
            budget,
            done: false,
            taken: 0,
        }
    }

    /// The next message to encode; `Ready(None)` once the queue has ended.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Correlated<Out>>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.queue.poll_recv(cx) {
            Poll::Ready(Some(queued)) => {
                self.taken += queued.charge as usize;
                Poll::Ready(Some(queued.message))
            }
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }

    /// Gives the bytes taken since the last call back to the send budget.
    pub(crate) fn give_back(&mut self) {
        self.budget.release(std::mem::take(&mut self.taken));
    }

    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Takes no new messages; those queued are still handed out.
    pub(crate) fn close(&mut self) {
        self.queue.close();
    }

    /// Drops what is queued (a forced close) and fails waiting senders.
    pub(crate) fn discard(&mut self) {
        self.queue.close();
        while let Ok(queued) = self.queue.try_recv() {
            self.taken += queued.charge as usize;
        }
        self.done = true;
        self.give_back();
        self.budget.close();
    }
}
