//! The calls of one server connection that the client's control frames (SPEC.md §11.7,
//! §11.8) may name: the deadlines announced for requests not yet read, the running calls
//! a CANCEL stops, and the open streams (and the calls that may become streams) a CREDIT
//! feeds. All are bounded by the in-flight limit (a stream counts as a running call), so
//! a client cannot make the server hold more.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::AbortHandle;
use tokio::time::Instant;

use super::credit::Credit;
use super::pending::IdHasher;

type ById<T> = HashMap<u32, T, BuildHasherDefault<IdHasher>>;

/// Deadlines waiting for their requests, the running calls (their abort handles and
/// deadlines), the open streams' abort handles, and the credit of both.
#[derive(Debug)]
pub(crate) struct InFlight {
    limit: usize,
    deadlines: ById<Instant>,
    running: ById<Running>,
    streams: ById<AbortHandle>,
    credits: ById<Arc<Credit>>,
}

/// A running call.
#[derive(Debug)]
struct Running {
    abort: AbortHandle,
    deadline: Option<Instant>,
}

/// A call that finished: its deadline, and the credit granted before it became a
/// stream (if it does).
#[derive(Debug, Default)]
pub(crate) struct Finished {
    pub(crate) deadline: Option<Instant>,
    pub(crate) credit: Option<Arc<Credit>>,
}

/// What became of a CREDIT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Granted {
    /// Added to the credit of a stream (or of a call that may become one).
    Yes,
    /// No stream or running call has the id (it ended): ignored.
    Unknown,
    /// The credit would exceed 2^31 − 1 bytes: the stream ends with code 9 (its pump
    /// sees the credit broken).
    Overflow,
}

impl InFlight {
    /// Room for `limit` deadlines and `limit` running calls.
    pub(crate) fn new(limit: usize) -> Self {
        InFlight {
            limit,
            deadlines: ById::default(),
            running: ById::default(),
            streams: ById::default(),
            credits: ById::default(),
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

    /// Notes the running call `id`, stopped by `abort`, with its `deadline`.
    pub(crate) fn started(&mut self, id: u32, abort: AbortHandle, deadline: Option<Instant>) {
        if self.running.len() < self.limit {
            self.running.insert(id, Running { abort, deadline });
        }
    }

    /// Forgets the call `id` (it finished): its deadline and the credit granted to it.
    pub(crate) fn finished(&mut self, id: u32) -> Finished {
        if self.running.is_empty() {
            return Finished::default();
        }
        let deadline = self
            .running
            .remove(&id)
            .and_then(|running| running.deadline);
        let credit = if self.credits.is_empty() {
            None
        } else {
            self.credits.remove(&id)
        };
        Finished { deadline, credit }
    }

    /// Notes the open stream `id`, stopped by `abort`, with the credit granted before
    /// it opened (or none yet): the credit the stream's pump sends against.
    pub(crate) fn open_stream(
        &mut self,
        id: u32,
        abort: AbortHandle,
        credit: Option<Arc<Credit>>,
    ) -> Arc<Credit> {
        let credit = credit.unwrap_or_default();
        self.streams.insert(id, abort);
        self.credits.insert(id, Arc::clone(&credit));
        credit
    }

    /// Forgets the stream `id` (it ended).
    pub(crate) fn stream_ended(&mut self, id: u32) {
        self.streams.remove(&id);
        self.credits.remove(&id);
    }

    /// Adds a CREDIT of `bytes` to the stream `id`, or to the running call `id` (which
    /// may become a stream; the CREDIT follows the request on the wire).
    pub(crate) fn grant(&mut self, id: u32, bytes: u32) -> Granted {
        let known = self.streams.contains_key(&id) || self.running.contains_key(&id);
        if !known {
            return Granted::Unknown;
        }
        if self.credits.entry(id).or_default().grant(bytes) {
            Granted::Yes
        } else {
            Granted::Overflow
        }
    }

    /// Stops the running call or the open stream `id`; false when none has that id.
    pub(crate) fn cancel(&mut self, id: u32) -> bool {
        let abort = match self.running.remove(&id) {
            Some(running) => Some(running.abort),
            None => self.streams.remove(&id),
        };
        self.credits.remove(&id);
        match abort {
            Some(abort) => {
                abort.abort();
                true
            }
            None => false,
        }
    }

    /// Stops every open stream (the client's input ended: no CREDIT can come).
    pub(crate) fn cancel_streams(&mut self) {
        for (_, abort) in self.streams.drain() {
            abort.abort();
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
        in_flight.started(7, abort, None);
        assert!(in_flight.cancel(7));
        assert!(registration.handle().is_aborted());
        assert!(!in_flight.cancel(7), "it no longer runs");
    }

    #[test]
    fn credit_granted_to_a_running_call_passes_to_its_stream() {
        let mut in_flight = InFlight::new(4);
        let (abort, _registration) = AbortHandle::new_pair();
        assert_eq!(in_flight.grant(3, 100), Granted::Unknown);
        in_flight.started(3, abort, None);
        assert_eq!(in_flight.grant(3, 100), Granted::Yes);
        let finished = in_flight.finished(3);
        let (abort, _registration) = AbortHandle::new_pair();
        let credit = in_flight.open_stream(3, abort, finished.credit);
        assert_eq!(credit.available(), 100);
        assert_eq!(in_flight.grant(3, 20), Granted::Yes);
        assert_eq!(credit.available(), 120);
        in_flight.stream_ended(3);
        assert_eq!(in_flight.grant(3, 20), Granted::Unknown);
    }
}
