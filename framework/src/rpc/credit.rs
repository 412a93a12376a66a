//! The credit of one stream on the server (SPEC.md §11.8): the bytes of items the
//! client can still take. The stream's pump sends an item only while it is positive;
//! the client's CREDIT frames add to it as its consumer reads.
//!
//! ```text
//!   client reads items ─► CREDIT(n) ─► serve loop: grant(n) ─► wakes the pump
//!   pump: wait credit > 0 ─► poll the handler's stream ─► spend(item's bytes) ─► send
//! ```

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;

/// The most credit a stream may hold: 2^31 − 1 bytes, as HTTP/2's windows.
pub(crate) const MAX_CREDIT: i64 = (1 << 31) - 1;

/// Bytes a stream may still send (it may go below zero by the last item's size: an item
/// is sent whole once the credit is positive).
#[derive(Debug, Default)]
pub(crate) struct Credit {
    bytes: AtomicI64,
    /// Set when a grant would have exceeded [`MAX_CREDIT`]: the stream ends (code 9).
    broken: AtomicBool,
    pump: AtomicWaker,
}

impl Credit {
    /// Adds `bytes`; false (nothing added, and the credit broken) when the credit would
    /// exceed [`MAX_CREDIT`]: a flow-control error, which ends the stream.
    pub(crate) fn grant(&self, bytes: u32) -> bool {
        let bytes = i64::from(bytes);
        let granted = self
            .bytes
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                (now + bytes <= MAX_CREDIT).then_some(now + bytes)
            })
            .is_ok();
        if !granted {
            self.broken.store(true, Ordering::Release);
        }
        self.pump.wake();
        granted
    }

    /// Takes `bytes` (an item sent).
    pub(crate) fn spend(&self, bytes: usize) {
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX / 2);
        self.bytes.fetch_sub(bytes, Ordering::AcqRel);
    }

    /// The credit now.
    pub(crate) fn available(&self) -> i64 {
        self.bytes.load(Ordering::Acquire)
    }

    /// Ready once the credit is positive (`Ok`), or broken (`Err`).
    pub(crate) fn poll_positive(&self, cx: &mut Context<'_>) -> Poll<Result<(), Broken>> {
        if let Some(ready) = self.ready() {
            return Poll::Ready(ready);
        }
        self.pump.register(cx.waker());
        // A grant between the check and the registration would be missed: look again.
        match self.ready() {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    fn ready(&self) -> Option<Result<(), Broken>> {
        if self.broken.load(Ordering::Acquire) {
            Some(Err(Broken))
        } else {
            (self.available() > 0).then_some(Ok(()))
        }
    }
}

/// The client granted more than [`MAX_CREDIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Broken;

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::task::noop_waker;

    #[test]
    fn an_item_is_sent_whole_once_the_credit_is_positive() {
        let credit = Credit::default();
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(credit.poll_positive(&mut cx).is_pending());
        assert!(credit.grant(10));
        assert!(credit.poll_positive(&mut cx).is_ready());
        credit.spend(25);
        assert_eq!(credit.available(), -15);
        assert!(credit.poll_positive(&mut cx).is_pending());
    }

    #[test]
    fn credit_beyond_the_maximum_is_refused() {
        let credit = Credit::default();
        assert!(credit.grant(u32::MAX >> 1));
        assert!(!credit.grant(1));
        assert_eq!(credit.available(), MAX_CREDIT);
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert_eq!(credit.poll_positive(&mut cx), Poll::Ready(Err(Broken)));
    }
}
