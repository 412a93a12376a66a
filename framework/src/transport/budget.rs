//! Byte budgets: everything a peer can make a connection hold, counted in bytes.
//!
//! ```text
//!   send ──► SendBudget (semaphore, permits = bytes) ──► driver encodes, releases
//!   read buffer ──► charged to MemoryBudget as bytes arrive (server-wide)
//!   decoded message ──► ReceiveBudget (per connection) ──► recv() releases both
//! ```
//!
//! A message larger than a budget is charged the whole budget, so it passes alone.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::futures::OwnedNotified;
use tokio::sync::{Notify, Semaphore, TryAcquireError};

use super::Metrics;

/// What one queued message holds: permits of the send budget (its frame length capped
/// at the budget, so that a larger message passes alone) and its actual bytes (what the
/// `bytes_buffered_out` gauge and the server's memory budget count).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Charge {
    pub(crate) permits: u32,
    pub(crate) bytes: u32,
}

/// Bytes queued for sending on one connection: `send` acquires permits for the frame's
/// length (capped at the budget), the driver releases them once the frame is encoded
/// into the write buffer (itself bounded by the write backpressure boundary).
#[derive(Debug)]
pub(crate) struct SendBudget {
    permits: Semaphore,
    capacity: usize,
    metrics: Metrics,
    /// The server's memory budget: readers stopped by it are woken when bytes leave.
    memory: Option<Arc<MemoryBudget>>,
}

impl SendBudget {
    pub(crate) fn new(
        capacity: usize,
        metrics: Metrics,
        memory: Option<Arc<MemoryBudget>>,
    ) -> Self {
        SendBudget {
            permits: Semaphore::new(capacity),
            capacity,
            metrics,
            memory,
        }
    }

    /// What a frame of `frame_len` bytes is charged.
    #[inline]
    pub(crate) fn charge_for(&self, frame_len: usize) -> Charge {
        Charge {
            permits: frame_len.min(self.capacity) as u32,
            bytes: u32::try_from(frame_len).unwrap_or(u32::MAX),
        }
    }

    /// Takes the charge's permits without waiting; an error when the budget lacks them
    /// or is closed.
    #[inline]
    pub(crate) fn try_acquire(&self, charge: Charge) -> Result<(), TryAcquireError> {
        self.permits.try_acquire_many(charge.permits)?.forget();
        self.metrics.add_bytes_buffered_out(charge.bytes.into());
        Ok(())
    }

    /// Takes the charge's permits, waiting for them; `false` when the connection closed.
    /// The caller tries [`try_acquire`](Self::try_acquire) first.
    #[cold]
    pub(crate) async fn acquire_slow(&self, charge: Charge) -> bool {
        self.metrics.add_budget_waits(1);
        match self.permits.acquire_many(charge.permits).await {
            Ok(permits) => {
                permits.forget();
                self.metrics.add_bytes_buffered_out(charge.bytes.into());
                true
            }
            Err(_) => false,
        }
    }

    /// Gives back `permits` and `bytes` (frames left the queue).
    pub(crate) fn release(&self, permits: usize, bytes: u64) {
        if permits > 0 {
            self.permits.add_permits(permits);
            let before = self.metrics.sub_bytes_buffered_out(bytes);
            if let Some(memory) = &self.memory {
                memory.released(before + self.metrics.bytes_buffered_in(), bytes);
            }
        }
    }

    /// The budget in bytes.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Bytes queued now (as permits: a message larger than the budget counts as the
    /// budget).
    pub(crate) fn held(&self) -> usize {
        self.capacity
            .saturating_sub(self.permits.available_permits())
    }

    /// No more sends: waiting senders fail.
    pub(crate) fn close(&self) {
        self.permits.close();
    }
}

/// Bytes of messages received on one connection and not yet taken by the application.
/// The driver delivers a message only when it fits (or nothing else waits); the
/// receiving half gives the bytes back as it takes each message.
#[derive(Debug)]
pub(crate) struct ReceiveBudget {
    queued: AtomicUsize,
    capacity: usize,
    /// The driver waits for room: the receiving half wakes it.
    driver_waiting: AtomicBool,
}

impl ReceiveBudget {
    pub(crate) fn new(capacity: usize) -> Self {
        ReceiveBudget {
            queued: AtomicUsize::new(0),
            capacity,
            driver_waiting: AtomicBool::new(false),
        }
    }

    /// Whether a message of `len` bytes fits now.
    fn has_room(&self, len: usize) -> bool {
        let queued = self.queued.load(Ordering::SeqCst);
        queued == 0 || queued.saturating_add(len) <= self.capacity
    }

    /// For the driver: takes room for `len` bytes, or registers to be woken (through
    /// the connection's waker) when the receiving half takes a message.
    pub(crate) fn try_take(&self, len: usize) -> bool {
        if !self.has_room(len) {
            self.driver_waiting.store(true, Ordering::SeqCst);
            if !self.has_room(len) {
                return false;
            }
            self.driver_waiting.store(false, Ordering::SeqCst);
        }
        self.queued.fetch_add(len, Ordering::SeqCst);
        true
    }

    /// For the receiving half: `len` bytes were taken. True when the driver waits for
    /// room and must be woken.
    pub(crate) fn give_back(&self, len: usize) -> bool {
        self.queued.fetch_sub(len, Ordering::SeqCst);
        self.driver_waiting.load(Ordering::SeqCst)
            && self.driver_waiting.swap(false, Ordering::SeqCst)
    }

    /// Bytes queued now.
    pub(crate) fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }
}

/// Bytes held by all the connections of a server: the server's
/// [`Metrics::bytes_buffered_in`] gauge, which every connection charges as bytes arrive
/// (never from a declared length), plus [`Metrics::bytes_buffered_out`], the messages
/// queued for sending. When it reaches the budget, connections holding more
/// than [`MemoryBudget::FLOOR`] stop reading until others give bytes back.
#[derive(Debug)]
pub(crate) struct MemoryBudget {
    metrics: Metrics,
    capacity: u64,
    /// Connections stopped by the budget.
    paused: AtomicUsize,
    freed: Arc<Notify>,
    pub(crate) wait_timeout: std::time::Duration,
}

impl MemoryBudget {
    /// A connection holding less than this keeps reading when the budget is spent, so
    /// that small exchanges are served while large ones wait.
    pub(crate) const FLOOR: usize = 16 * 1024;

    pub(crate) fn new(
        metrics: Metrics,
        capacity: usize,
        wait_timeout: std::time::Duration,
    ) -> Self {
        MemoryBudget {
            metrics,
            capacity: capacity as u64,
            paused: AtomicUsize::new(0),
            freed: Arc::new(Notify::new()),
            wait_timeout,
        }
    }

    /// `len` bytes were given back; the gauges held `before` bytes in all.
    #[inline]
    pub(crate) fn released(&self, before: u64, len: u64) {
        if before >= self.capacity && before.saturating_sub(len) < self.capacity {
            self.wake_paused();
        }
    }

    /// Bytes held now, in and out.
    #[inline]
    fn used(&self) -> u64 {
        self.metrics.bytes_buffered_in() + self.metrics.bytes_buffered_out()
    }

    #[cold]
    fn wake_paused(&self) {
        if self.paused.load(Ordering::SeqCst) > 0 {
            self.freed.notify_waiters();
        }
    }

    /// Whether the budget has room (the common case: nothing else to check).
    #[inline]
    pub(crate) fn has_room(&self) -> bool {
        self.used() < self.capacity
    }

    /// Whether a connection holding `held()` bytes may read now (`held` is asked only
    /// when the budget is spent).
    pub(crate) fn may_read(&self, held: impl FnOnce() -> usize) -> bool {
        self.has_room() || held() < Self::FLOOR
    }

    /// Counts `len` bytes received before a connection's driver runs (the HELLO being
    /// read) in [`Metrics::bytes_buffered_in`].
    pub(crate) fn charge_in(&self, len: u64) {
        self.metrics.add_bytes_buffered_in(len);
    }

    /// Gives back `len` bytes counted by [`charge_in`](Self::charge_in), waking the
    /// connections stopped by the budget if that makes room.
    pub(crate) fn give_back_in(&self, len: u64) {
        if len > 0 {
            let before = self.metrics.sub_bytes_buffered_in(len);
            self.released(before + self.metrics.bytes_buffered_out(), len);
        }
    }
}

/// Bytes a connection keeps outside its buffers (the peer's HELLO, kept for
/// `Connection::peer_hello`), counted in the [`MemoryBudget`] for as long as this lives.
#[derive(Debug)]
pub(crate) struct Kept {
    budget: Arc<MemoryBudget>,
    len: u64,
}

impl Kept {
    pub(crate) fn new(budget: Arc<MemoryBudget>, len: usize) -> Self {
        let len = len as u64;
        budget.charge_in(len);
        Kept { budget, len }
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        self.budget.give_back_in(self.len);
    }
}

/// A connection stopped by the [`MemoryBudget`]: woken when the budget has room again.
pub(crate) struct MemoryWait {
    budget: Arc<MemoryBudget>,
    notified: Pin<Box<OwnedNotified>>,
}

impl MemoryWait {
    pub(crate) fn new(budget: Arc<MemoryBudget>) -> Self {
        let mut notified = Box::pin(Arc::clone(&budget.freed).notified_owned());
        notified.as_mut().enable();
        budget.paused.fetch_add(1, Ordering::SeqCst);
        MemoryWait { budget, notified }
    }

    /// Ready once woken (the caller checks the budget again).
    pub(crate) fn poll_freed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.notified.as_mut().poll(cx)
    }
}

impl Drop for MemoryWait {
    fn drop(&mut self) {
        self.budget.paused.fetch_sub(1, Ordering::SeqCst);
    }
}

impl std::fmt::Debug for MemoryWait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryWait")
    }
}
