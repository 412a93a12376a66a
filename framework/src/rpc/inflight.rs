//! The calls of one server connection that the client's control frames (SPEC.md §11.7)
//! may name: the deadlines announced for requests not yet read, and the running calls
//! a CANCEL stops. Both are bounded by the in-flight limit, so a client cannot make the
//! server hold more.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::time::Duration;

use futures_util::future::AbortHandle;
use tokio::time::Instant;

use super::pending::IdHasher;

type ById<T> = HashMap<u32, T, BuildHasherDefault<IdHasher>>;

/// Deadlines waiting for their requests, and the running calls' abort handles.
#[derive(Debug)]
pub(crate) struct InFlight {
    limit: usize,
    deadlines: ById<Instant>,
    running: ById<AbortHandle>,
}

impl InFlight {
    /// Room for `limit` deadlines and `limit` running calls.
    pub(crate) fn new(limit: usize) -> Self {
        InFlight {
            limit,
            deadlines: ById::default(),
            running: ById::default(),
        }
    }

    /// Notes that the request `id`, read next, has `remaining` left. Beyond the limit
    /// (DEADLINEs whose requests never came) the announcement is dropped: the request
    /// then runs without a deadline.
    pub(crate) fn announce(&mut self, id: u32, remaining: Duration) {
        if self.deadlines.len() >= self.limit && !self.deadlines.contains_key(&id) {
            tracing::debug!(
                correlation_id = id,
                "dropping a DEADLINE: as many wait for their requests as calls may run"
            );
            return;
        }
        self.deadlines.insert(id, Instant::now() + remaining);
    }

    /// The deadline announced for the request `id`, taken out.
    pub(crate) fn take_deadline(&mut self, id: u32) -> Option<Instant> {
        if self.deadlines.is_empty() {
            return None;
        }
        self.deadlines.remove(&id)
    }

    /// Notes the running call `id`, stopped by `abort`.
    pub(crate) fn started(&mut self, id: u32, abort: AbortHandle) {
        if self.running.len() < self.limit {
            self.running.insert(id, abort);
        }
    }

    /// Forgets the call `id` (it finished).
    pub(crate) fn finished(&mut self, id: u32) {
        if !self.running.is_empty() {
            self.running.remove(&id);
        }
    }

    /// Stops the running call `id`; false when no call with that id runs.
    pub(crate) fn cancel(&mut self, id: u32) -> bool {
        match self.running.remove(&id) {
            Some(abort) => {
                abort.abort();
                true
            }
            None => false,
        }
    }

    /// Deadlines waiting for their requests.
    #[cfg(test)]
    fn announced(&self) -> usize {
        self.deadlines.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_beyond_the_limit_are_dropped() {
        let mut in_flight = InFlight::new(2);
        for id in 1..=5 {
            in_flight.announce(id, Duration::from_secs(1));
        }
        assert_eq!(in_flight.announced(), 2);
        assert!(in_flight.take_deadline(1).is_some());
        assert!(in_flight.take_deadline(3).is_none());
    }

    #[test]
    fn a_cancel_stops_a_running_call_once() {
        let mut in_flight = InFlight::new(4);
        let (abort, registration) = AbortHandle::new_pair();
        in_flight.started(7, abort);
        assert!(in_flight.cancel(7));
        assert!(registration.handle().is_aborted());
        assert!(!in_flight.cancel(7), "it no longer runs");
    }
}
