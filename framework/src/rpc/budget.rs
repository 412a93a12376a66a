//! The reply budget of one connection: the bytes of replies that the server has
//! produced and the connection has not yet written out.
//!
//! ```text
//!   handler ─► reply ─► charge(len) ─► send queue ─► driver encodes it ─► release(len)
//!                         ▲ waits while the budget is full: the server stops reading
//!                         │ requests and stops taking finished calls (backpressure)
//! ```
//!
//! The serve loop and the pumps of its streams (SPEC.md §11.8) charge, any task releases
//! (the driver, when it writes the reply into its buffer and drops it).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;
use tokio::sync::Notify;

/// Bytes of replies charged and not yet released, against a limit.
#[derive(Debug)]
pub(crate) struct ReplyBudget {
    limit: usize,
    used: AtomicUsize,
    /// The serve loop, waiting for room.
    waiting: AtomicWaker,
    /// Streams' pumps waiting for room (several may), and how many wait: a release
    /// notifies them only when some do.
    pumps: Notify,
    pumps_waiting: AtomicUsize,
}

/// A reply's share of the budget, given back when dropped (when the reply has been
/// encoded into the connection's write buffer, or dropped unsent).
#[derive(Debug)]
pub(crate) struct Charge {
    budget: Arc<ReplyBudget>,
    bytes: usize,
}

impl ReplyBudget {
    /// A budget of `limit` bytes.
    pub(crate) fn new(limit: usize) -> Arc<Self> {
        Arc::new(ReplyBudget {
            limit,
            used: AtomicUsize::new(0),
            waiting: AtomicWaker::new(),
            pumps: Notify::new(),
            pumps_waiting: AtomicUsize::new(0),
        })
    }

    /// Bytes charged and not yet released.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }

    /// Whether `bytes` more fit: they fit within the limit, or nothing else is charged
    /// (a reply larger than the whole budget goes alone).
    fn fits(&self, bytes: usize) -> bool {
        let used = self.used();
        used == 0 || used.saturating_add(bytes) <= self.limit
    }

    /// Ready when `bytes` more fit (see [`fits`](Self::fits)); `bytes == 0` waits until
    /// the budget is not full.
    pub(crate) fn poll_room(&self, cx: &mut Context<'_>, bytes: usize) -> Poll<()> {
        let bytes = bytes.max(1);
        if self.fits(bytes) {
            return Poll::Ready(());
        }
        self.waiting.register(cx.waker());
        // A release between the check and the registration would be missed: look again.
        if self.fits(bytes) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Charges `bytes` if they fit (see [`fits`](Self::fits)), atomically: several
    /// chargers may race.
    fn try_charge(self: &Arc<Self>, bytes: usize) -> Option<Charge> {
        let limit = self.limit;
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                (used == 0 || used.saturating_add(bytes.max(1)) <= limit).then(|| used + bytes)
            })
            .ok()
            .map(|_| Charge {
                budget: Arc::clone(self),
                bytes,
            })
    }

    /// Waits until `bytes` fit, then charges them (the serve loop).
    pub(crate) async fn charge(self: &Arc<Self>, bytes: usize) -> Charge {
        loop {
            std::future::poll_fn(|cx| self.poll_room(cx, bytes)).await;
            if let Some(charge) = self.try_charge(bytes) {
                return charge;
            }
        }
    }

    /// Waits until `bytes` fit, then charges them (a stream's pump: several may wait).
    pub(crate) async fn charge_stream(self: &Arc<Self>, bytes: usize) -> Charge {
        loop {
            if let Some(charge) = self.try_charge(bytes) {
                return charge;
            }
            let notified = self.pumps.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            let _waiting = PumpWaiting::new(&self.pumps_waiting);
            if let Some(charge) = self.try_charge(bytes) {
                return charge;
            }
            notified.await;
        }
    }
}

/// Counts a pump as waiting while it lives (a pump dropped while it waits stops counting).
struct PumpWaiting<'a>(&'a AtomicUsize);

impl<'a> PumpWaiting<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        PumpWaiting(count)
    }
}

impl Drop for PumpWaiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::AcqRel);
        self.budget.waiting.wake();
        if self.budget.pumps_waiting.load(Ordering::Acquire) > 0 {
            self.budget.pumps.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    #[test]
    fn a_full_budget_waits_until_a_charge_is_released() {
        let budget = ReplyBudget::new(100);
        let first = budget.charge(60).now_or_never().expect("room");
        assert_eq!(budget.used(), 60);
        assert!(budget.charge(50).now_or_never().is_none(), "60 + 50 > 100");
        let second = budget.charge(40).now_or_never().expect("60 + 40 fits");
        drop(first);
        assert_eq!(budget.used(), 40);
        drop(second);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn a_reply_larger_than_the_budget_goes_alone() {
        let budget = ReplyBudget::new(100);
        let large = budget
            .charge(1000)
            .now_or_never()
            .expect("nothing else charged");
        assert!(budget.charge(1).now_or_never().is_none());
        drop(large);
        assert!(budget.charge(1).now_or_never().is_some());
    }
}
