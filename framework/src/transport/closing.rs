//! The closing state of a connection, in one place (as h2's `GoAway`): the phase of the
//! handshake, the GOODBYE this side owes, and the one deadline that bounds the handshake.
//!
//! ```text
//!            close(), handles dropped,            peer's GOODBYE or its
//!            shutdown                             end of stream
//!   Open ─────────────────────► Initiated   Open ───────────────────► Answering
//!                               (answered once                        (GOODBYE once this
//!                                the peer's GOODBYE                    side's application
//!                                or end of stream came)                is done sending)
//! ```

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{sleep_until, Instant, Sleep};

use super::Goodbye;

/// Where the connection is in the closing handshake (SPEC.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Messages flow both ways.
    Open,
    /// This side said GOODBYE first; `answered` once the peer's GOODBYE (or the end of
    /// its stream) arrived.
    Initiated { answered: bool },
    /// The peer said GOODBYE first, or ended its stream (a half-close): this side sends
    /// the replies its application makes to what it read, then GOODBYE.
    Answering,
}

/// When the GOODBYE this side owes is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GoodbyeSlot {
    /// Nothing owed (yet).
    None,
    /// Before anything else.
    Now(Goodbye),
    /// Once the send queue has ended and is drained.
    AfterDrain(Goodbye),
    /// Written.
    Sent,
}

/// Everything about closing.
#[derive(Debug)]
pub(crate) struct Closing {
    pub(crate) phase: Phase,
    pub(crate) goodbye: GoodbyeSlot,
    deadline: Option<Deadline>,
    /// False from when the deadline is set until it has been polled once.
    armed: bool,
}

/// The deadline of the handshake, and the timeout it came from (for the error).
#[derive(Debug)]
struct Deadline {
    sleep: Pin<Box<Sleep>>,
    timeout: Duration,
}

impl Closing {
    pub(crate) fn new() -> Self {
        Closing {
            phase: Phase::Open,
            goodbye: GoodbyeSlot::None,
            deadline: None,
            armed: true,
        }
    }

    pub(crate) fn is_open(&self) -> bool {
        self.phase == Phase::Open
    }

    pub(crate) fn goodbye_sent(&self) -> bool {
        self.goodbye == GoodbyeSlot::Sent
    }

    /// Whether a GOODBYE is due (see [`take_due`](Self::take_due)).
    pub(crate) fn goodbye_due(&self, drained: bool) -> bool {
        match &self.goodbye {
            GoodbyeSlot::Now(_) => true,
            GoodbyeSlot::AfterDrain(_) => drained,
            GoodbyeSlot::None | GoodbyeSlot::Sent => false,
        }
    }

    /// The GOODBYE to write now, if one is due: `Now` at once, `AfterDrain` once
    /// `drained`.
    pub(crate) fn take_due(&mut self, drained: bool) -> Option<Goodbye> {
        if !self.goodbye_due(drained) {
            return None;
        }
        match std::mem::replace(&mut self.goodbye, GoodbyeSlot::Sent) {
            GoodbyeSlot::Now(goodbye) | GoodbyeSlot::AfterDrain(goodbye) => Some(goodbye),
            GoodbyeSlot::None | GoodbyeSlot::Sent => None,
        }
    }

    /// A GOODBYE not yet written (for the final flush of a forced close).
    pub(crate) fn take_unsent(&mut self) -> Option<Goodbye> {
        self.take_due(true)
    }

    /// Starts the handshake's deadline, `timeout` from now but no later than `cap` (the
    /// end of a shutdown grace); an earlier deadline stays.
    pub(crate) fn start_deadline(&mut self, timeout: Duration, cap: Option<Instant>) {
        let now = Instant::now();
        let mut at = now + timeout;
        if let Some(cap) = cap {
            at = at.min(cap);
        }
        match &mut self.deadline {
            Some(deadline) if deadline.sleep.deadline() <= at => {}
            Some(deadline) => {
                deadline.sleep.as_mut().reset(at);
                deadline.timeout = at.saturating_duration_since(now);
            }
            None => {
                self.deadline = Some(Deadline {
                    sleep: Box::pin(sleep_until(at)),
                    timeout: at.saturating_duration_since(now),
                });
                self.armed = false;
            }
        }
    }

    /// Extends (or sets) the deadline to `at`: a shutdown gives exchanges in progress
    /// its whole grace.
    pub(crate) fn set_deadline(&mut self, at: Instant) {
        let timeout = at.saturating_duration_since(Instant::now());
        match &mut self.deadline {
            Some(deadline) => {
                deadline.sleep.as_mut().reset(at);
                deadline.timeout = timeout;
            }
            None => {
                self.deadline = Some(Deadline {
                    sleep: Box::pin(sleep_until(at)),
                    timeout,
                });
                self.armed = false;
            }
        }
    }

    /// Ready with the timeout in force when the deadline passes.
    pub(crate) fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<Duration> {
        self.armed = true;
        match &mut self.deadline {
            Some(deadline) => deadline.sleep.as_mut().poll(cx).map(|()| deadline.timeout),
            None => Poll::Pending,
        }
    }

    /// Whether a deadline was set and not polled since: the driver polls it before it
    /// sleeps, so that it wakes the task.
    pub(crate) fn needs_arming(&self) -> bool {
        !self.armed
    }
}
