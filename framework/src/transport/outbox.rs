//! The driver's end of the send queue: takes queued messages and gives their bytes back
//! to the send budget once they are encoded.

use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::mpsc;

use super::budget::{Charge, SendBudget};
use super::sender::Queued;
use super::Correlated;

/// The receiving end of the send queue.
#[derive(Debug)]
pub(crate) struct Outbox<Out> {
    queue: mpsc::Receiver<Queued<Out>>,
    budget: Arc<SendBudget>,
    /// Every sender is gone (or the queue was closed) and the queue is drained.
    done: bool,
    /// Permits and bytes taken out since the last [`give_back`](Self::give_back):
    /// released in one call per round (each release takes the semaphore's lock).
    taken_permits: usize,
    taken_bytes: u64,
}

impl<Out> Outbox<Out> {
    pub(crate) fn new(queue: mpsc::Receiver<Queued<Out>>, budget: Arc<SendBudget>) -> Self {
        Outbox {
            queue,
            budget,
            done: false,
            taken_permits: 0,
            taken_bytes: 0,
        }
    }

    /// The next message to encode; `Ready(None)` once the queue has ended.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Correlated<Out>>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.queue.poll_recv(cx) {
            Poll::Ready(Some(queued)) => {
                self.take(queued.charge);
                Poll::Ready(Some(queued.message))
            }
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }

    #[inline]
    fn take(&mut self, charge: Charge) {
        self.taken_permits += charge.permits as usize;
        self.taken_bytes += u64::from(charge.bytes);
    }

    /// Gives the bytes taken since the last call back to the send budget.
    #[inline]
    pub(crate) fn give_back(&mut self) {
        if self.taken_permits > 0 {
            let permits = std::mem::take(&mut self.taken_permits);
            self.budget
                .release(permits, std::mem::take(&mut self.taken_bytes));
        }
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
            self.take(queued.charge);
        }
        self.done = true;
        self.give_back();
        self.budget.close();
    }
}
