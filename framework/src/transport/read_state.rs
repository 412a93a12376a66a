//! The read side of a connection: whether it reads, and the bytes its read buffer holds
//! charged to the budgets as they arrive.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{sleep, Sleep};

use super::budget::{MemoryBudget, MemoryWait};
use super::shared::Shared;

/// Whether the connection reads frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadState {
    /// Reading.
    Open,
    /// Not reading for now.
    Paused(Pause),
    /// The peer's input is complete (its GOODBYE answered ours, its stream ended, or
    /// the connection closes): nothing more is read.
    Done,
}

/// Why reading is paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pause {
    /// A decoded message waits for room in the receive queue or budget.
    Delivery,
    /// A PONG waits to be written (the peer is not reading).
    Pong,
    /// The server's memory budget is spent.
    Memory,
}

/// The bytes of the read buffer charged to the connection's counters and the server's
/// memory budget, and the wait for that budget. Dropping it gives the bytes back.
#[derive(Debug)]
pub(crate) struct ReadCharge {
    shared: Arc<Shared>,
    /// Bytes of the read buffer charged.
    buffered: usize,
    memory: Option<Box<MemoryStall>>,
}

/// Waiting for the memory budget, since when.
#[derive(Debug)]
struct MemoryStall {
    wait: MemoryWait,
    deadline: Pin<Box<Sleep>>,
    timeout: Duration,
}

impl ReadCharge {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        ReadCharge {
            shared,
            buffered: 0,
            memory: None,
        }
    }

    /// After a read: the buffer holds `buffered` bytes, and `moved` bytes left it as a
    /// decoded message (they stay charged until the application takes it).
    #[inline]
    pub(crate) fn update(&mut self, buffered: usize, moved: usize) {
        let charged = buffered + moved;
        if charged == self.buffered && buffered == self.buffered {
            return;
        }
        if charged > self.buffered {
            self.shared.charge_in(charged - self.buffered);
        } else if charged < self.buffered {
            self.shared.release_in(self.buffered - charged);
        }
        if buffered != self.buffered {
            self.shared.set_read_buffered(buffered);
        }
        self.buffered = buffered;
    }

    /// Whether the memory budget lets the connection read. `Ready(Err(waited))` when it
    /// has been stopped for the budget's wait timeout.
    #[inline]
    pub(crate) fn poll_memory(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Duration>> {
        match &self.shared.memory {
            None => Poll::Ready(Ok(())),
            Some(budget) if self.memory.is_none() && budget.has_room() => Poll::Ready(Ok(())),
            Some(_) => self.poll_memory_slow(cx),
        }
    }

    #[cold]
    fn poll_memory_slow(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Duration>> {
        let Some(budget) = &self.shared.memory else {
            return Poll::Ready(Ok(()));
        };
        loop {
            if budget.may_read(|| self.shared.held()) {
                self.memory = None;
                return Poll::Ready(Ok(()));
            }
            match &mut self.memory {
                None => {
                    self.shared.metrics.add_budget_waits(1);
                    self.memory = Some(Box::new(MemoryStall {
                        wait: MemoryWait::new(Arc::clone(budget)),
                        deadline: Box::pin(sleep(budget.wait_timeout())),
                        timeout: budget.wait_timeout(),
                    }));
                    // Registered: check again before sleeping.
                }
                Some(stall) => {
                    if stall.deadline.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(Err(stall.timeout));
                    }
                    if stall.wait.poll_freed(cx).is_pending() {
                        return Poll::Pending;
                    }
                    // Woken: wait again (a new registration) if the budget is still spent.
                    stall.wait = MemoryWait::new(Arc::clone(budget));
                }
            }
        }
    }
}

impl ReadCharge {
    /// Gives every charged byte back (the connection reads no more).
    pub(crate) fn release(&mut self) {
        self.shared.release_in(std::mem::take(&mut self.buffered));
        self.shared.set_read_buffered(0);
    }
}

impl Drop for ReadCharge {
    fn drop(&mut self) {
        self.release();
    }
}

impl MemoryBudget {
    /// How long a connection may stay stopped by the budget.
    pub(crate) fn wait_timeout(&self) -> Duration {
        self.wait_timeout
    }
}
