//! The heartbeat of a connection: when to PING, and when the peer counts as gone.

use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{interval_at, Instant, Interval, MissedTickBehavior};

/// What a heartbeat tick asks the connection to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Beat {
    /// Send a PING with this nonce.
    Ping(u64),
    /// The connection sent something else this interval: no PING needed.
    Quiet,
    /// This many PINGs are unanswered: the peer is gone.
    Missed(u32),
}

/// Nonces are sequential, so a PONG for nonce `n` also answers every earlier PING: the
/// count of unanswered PINGs is `last_sent - last_answered`.
#[derive(Debug)]
pub(crate) struct Heartbeat {
    interval: Interval,
    missed_limit: u32,
    last_sent: u64,
    last_answered: u64,
}

impl Heartbeat {
    /// Ticks every `period`, starting one period from now.
    pub(crate) fn new(period: Duration, missed_limit: u32) -> Self {
        let mut interval = interval_at(Instant::now() + period, period);
        interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Heartbeat {
            interval,
            missed_limit,
            last_sent: 0,
            last_answered: 0,
        }
    }

    /// PINGs sent and not yet answered.
    pub(crate) fn unanswered(&self) -> u32 {
        u32::try_from(self.last_sent - self.last_answered).unwrap_or(u32::MAX)
    }

    /// Waits for the next tick and decides what it means. `sent_anything` says whether the
    /// connection sent a frame since the previous tick.
    pub(crate) fn poll_beat(&mut self, cx: &mut Context<'_>, sent_anything: bool) -> Poll<Beat> {
        if self.interval.poll_tick(cx).is_pending() {
            return Poll::Pending;
        }
        let unanswered = self.unanswered();
        Poll::Ready(if unanswered >= self.missed_limit {
            Beat::Missed(unanswered)
        } else if sent_anything && unanswered == 0 {
            Beat::Quiet
        } else {
            self.last_sent += 1;
            Beat::Ping(self.last_sent)
        })
    }

    /// Records a PONG; a nonce this side never sent (or already answered) is ignored.
    pub(crate) fn answered(&mut self, nonce: u64) {
        if nonce > self.last_answered && nonce <= self.last_sent {
            self.last_answered = nonce;
        }
    }
}
