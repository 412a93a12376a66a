//! One server's circuit breaker: up, ejected after consecutive failures, probed back.

use std::time::Duration;

use tokio::time::Instant;

use super::EndpointState;

/// Whether a server takes calls, and how many of its last calls failed in a row.
///
/// ```text
///   Connecting ──connected──► Up ──eject_after failures in a row──► Ejected
///                              ▲                                     │ probe_after
///                              └──── the probe succeeds ◄── Probing ◄┘
///                                    (it fails: Ejected again)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Health {
    state: State,
    consecutive_failures: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// The first connections are being made.
    Connecting,
    /// Takes calls.
    Up,
    /// Takes no calls until `until`; then one call probes it.
    Ejected { until: Instant },
    /// One call (the probe, sent at `since`) decides whether it is up again. A probe
    /// whose result never came (its caller gave up) is replaced after `probe_after`.
    Probing { since: Instant },
}

/// What a call that picks a server is to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Admission {
    /// A call to a server that is up.
    Regular,
    /// The one call that probes an ejected server.
    Probe,
}

/// What the result of a call says about the server's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// The server answered (a response or its own error).
    Healthy,
    /// The server could not be reached, vanished, or said it was overloaded or shutting
    /// down.
    Failed,
    /// Says nothing about the server (a timeout of a regular call, a closed client).
    Neutral,
}

impl Health {
    /// A server whose first connections are being made.
    pub(super) fn connecting() -> Self {
        Health {
            state: State::Connecting,
            consecutive_failures: 0,
        }
    }

    /// The state, for metrics.
    pub(super) fn state(&self) -> EndpointState {
        match self.state {
            State::Connecting => EndpointState::Connecting,
            State::Up => EndpointState::Up,
            State::Ejected { .. } => EndpointState::Ejected,
            State::Probing { .. } => EndpointState::Probing,
        }
    }

    /// Calls that failed in a row.
    pub(super) fn consecutive_failures(&self) -> u32 {
        self.consecutive_failures
    }

    /// Whether a call may probe the server now.
    pub(super) fn is_due_for_probe(&self, now: Instant, probe_after: Duration) -> bool {
        match self.state {
            State::Ejected { until } => now >= until,
            State::Probing { since } => now >= since + probe_after,
            State::Connecting | State::Up => false,
        }
    }

    /// When the next probe may go, if the server is ejected.
    pub(super) fn probe_at(&self, probe_after: Duration) -> Option<Instant> {
        match self.state {
            State::Ejected { until } => Some(until),
            State::Probing { since } => Some(since + probe_after),
            State::Connecting | State::Up => None,
        }
    }

    /// The first connections were made.
    pub(super) fn connected(&mut self) {
        if self.state == State::Connecting {
            self.state = State::Up;
            self.consecutive_failures = 0;
        }
    }

    /// A call takes the server as a probe (after [`is_due_for_probe`](Self::is_due_for_probe)).
    pub(super) fn start_probe(&mut self, now: Instant) {
        self.state = State::Probing { since: now };
    }

    /// Records the result of a call; true when it ejected the server.
    pub(super) fn record(
        &mut self,
        admission: Admission,
        verdict: Verdict,
        now: Instant,
        eject_after: u32,
        probe_after: Duration,
    ) -> bool {
        let verdict = match (admission, verdict) {
            // A probe that says nothing (it timed out) did not show the server is back.
            (Admission::Probe, Verdict::Neutral) => Verdict::Failed,
            (_, verdict) => verdict,
        };
        match verdict {
            Verdict::Neutral => false,
            // Only the probe decides a probe; a regular call that was sent before the
            // ejection and ends during it only counts.
            Verdict::Healthy => {
                self.consecutive_failures = 0;
                if admission == Admission::Probe && matches!(self.state, State::Probing { .. }) {
                    self.state = State::Up;
                }
                false
            }
            Verdict::Failed => {
                self.consecutive_failures = self.consecutive_failures.saturating_add(1);
                let eject = match self.state {
                    State::Probing { .. } => admission == Admission::Probe,
                    State::Up => self.consecutive_failures >= eject_after,
                    State::Connecting | State::Ejected { .. } => false,
                };
                if eject {
                    self.state = State::Ejected {
                        until: now + probe_after,
                    };
                }
                eject
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROBE_AFTER: Duration = Duration::from_secs(1);

    fn up() -> Health {
        let mut health = Health::connecting();
        health.connected();
        health
    }

    #[test]
    fn consecutive_failures_eject_and_a_success_in_between_resets_the_count() {
        let now = Instant::now();
        let mut health = up();
        let fail = |health: &mut Health| {
            health.record(Admission::Regular, Verdict::Failed, now, 3, PROBE_AFTER)
        };
        assert!(!fail(&mut health));
        assert!(!fail(&mut health));
        health.record(Admission::Regular, Verdict::Healthy, now, 3, PROBE_AFTER);
        assert!(!fail(&mut health));
        assert!(!fail(&mut health));
        assert!(fail(&mut health));
        assert_eq!(health.state(), EndpointState::Ejected);
    }

    #[test]
    fn an_ejected_server_is_probed_after_the_delay_and_a_good_probe_brings_it_back() {
        let now = Instant::now();
        let mut health = up();
        assert!(health.record(Admission::Regular, Verdict::Failed, now, 1, PROBE_AFTER));
        assert!(!health.is_due_for_probe(now, PROBE_AFTER));
        let later = now + PROBE_AFTER;
        assert!(health.is_due_for_probe(later, PROBE_AFTER));
        health.start_probe(later);
        assert_eq!(health.state(), EndpointState::Probing);
        assert!(
            !health.is_due_for_probe(later, PROBE_AFTER),
            "one probe at a time"
        );
        health.record(Admission::Probe, Verdict::Healthy, later, 1, PROBE_AFTER);
        assert_eq!(health.state(), EndpointState::Up);
        assert_eq!(health.consecutive_failures(), 0);
    }

    #[test]
    fn a_failed_or_timed_out_probe_ejects_again() {
        let now = Instant::now();
        for verdict in [Verdict::Failed, Verdict::Neutral] {
            let mut health = up();
            health.record(Admission::Regular, Verdict::Failed, now, 1, PROBE_AFTER);
            health.start_probe(now + PROBE_AFTER);
            assert!(health.record(Admission::Probe, verdict, now + PROBE_AFTER, 1, PROBE_AFTER));
            assert_eq!(health.probe_at(PROBE_AFTER), Some(now + 2 * PROBE_AFTER));
        }
    }

    #[test]
    fn a_probe_whose_result_never_came_is_replaced_after_the_delay() {
        let now = Instant::now();
        let mut health = up();
        health.record(Admission::Regular, Verdict::Failed, now, 1, PROBE_AFTER);
        health.start_probe(now + PROBE_AFTER);
        assert!(health.is_due_for_probe(now + 2 * PROBE_AFTER, PROBE_AFTER));
    }

    #[test]
    fn a_regular_call_ending_during_the_probe_does_not_decide_it() {
        let now = Instant::now();
        for verdict in [Verdict::Healthy, Verdict::Failed] {
            let mut health = up();
            health.record(Admission::Regular, Verdict::Failed, now, 1, PROBE_AFTER);
            health.start_probe(now + PROBE_AFTER);
            assert!(!health.record(Admission::Regular, verdict, now, 1, PROBE_AFTER));
            assert_eq!(health.state(), EndpointState::Probing);
        }
    }

    #[test]
    fn a_regular_timeout_says_nothing() {
        let now = Instant::now();
        let mut health = up();
        assert!(!health.record(Admission::Regular, Verdict::Neutral, now, 1, PROBE_AFTER));
        assert_eq!(health.state(), EndpointState::Up);
    }
}
