//! The idle timeout: how long a connection waits for a complete frame.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{sleep_until, Instant, Sleep};

/// Fires when no complete frame has arrived for `timeout`. Receiving a frame only
/// records the time; the sleep is moved forward lazily when it wakes, so that a busy
/// connection does not touch the timer wheel on every frame.
#[derive(Debug)]
pub(crate) struct IdleTimer {
    timeout: Duration,
    sleep: Pin<Box<Sleep>>,
    last_frame_at: Instant,
    /// A frame arrived since the last [`stamp`](Self::stamp).
    fresh: bool,
}

impl IdleTimer {
    pub(crate) fn new(timeout: Duration) -> Self {
        let now = Instant::now();
        IdleTimer {
            timeout,
            sleep: Box::pin(sleep_until(now + timeout)),
            last_frame_at: now,
            fresh: false,
        }
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A complete frame arrived; the time is taken by [`stamp`](Self::stamp).
    pub(crate) fn frame_received(&mut self) {
        self.fresh = true;
    }

    /// Records the time if frames arrived: the driver calls it once per wakeup, so that
    /// a busy connection reads the clock once per batch of frames, not once per frame.
    pub(crate) fn stamp(&mut self, now: &mut Option<Instant>) {
        if std::mem::take(&mut self.fresh) {
            self.last_frame_at = *now.get_or_insert_with(Instant::now);
        }
    }

    /// Ready when the timeout has passed since the last frame. While
    /// `not_waiting_for_peer` (a received message waits for room in the receive queue, or
    /// the peer's input is complete) the connection is not reading, so that time does not
    /// count.
    pub(crate) fn poll_expired(
        &mut self,
        cx: &mut Context<'_>,
        not_waiting_for_peer: bool,
    ) -> Poll<()> {
        while self.sleep.as_mut().poll(cx).is_ready() {
            let now = Instant::now();
            if not_waiting_for_peer {
                self.last_frame_at = now;
            }
            let deadline = self.last_frame_at + self.timeout;
            if deadline <= now {
                return Poll::Ready(());
            }
            self.sleep.as_mut().reset(deadline);
        }
        Poll::Pending
    }
}
