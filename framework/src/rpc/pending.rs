//! The correlation map: the calls of one connection that wait for a reply, by
//! correlation id, with their deadlines.
//!
//! Deadlines are kept here rather than in a timer per call: the connection's dispatcher
//! sleeps until the earliest one ([`armed_until`](State::armed_until)) and then fails
//! the calls whose deadline has passed. A call only wakes the dispatcher when its
//! deadline comes before the armed one, which calls with the same timeout never do.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures_util::task::AtomicWaker;
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::transport::ConnectionError;

/// The calls waiting for a reply, each with a fresh correlation id, a deadline and the
/// channel its reply goes to, and the open streams (`S`, SPEC.md §11.8), whose ids are
/// taken from the same space. Once closed (the connection ended) it takes no more calls.
#[derive(Debug)]
pub(crate) struct PendingCalls<T, S = ()> {
    state: Mutex<State<T, S>>,
    /// How many streams are open (read without the lock: most connections have none).
    streams_open: AtomicUsize,
    /// Set once the connection has ended (`State::closed` without the lock).
    closed: AtomicBool,
    /// Replies that matched no waiting call (shared by a client's connections).
    unmatched: Arc<AtomicU64>,
    /// Set when `armed_until` changed for a reason other than the dispatcher's own
    /// expiry: the dispatcher resets its timer.
    rearm: AtomicBool,
    /// The dispatcher, woken when `rearm` is set.
    dispatcher: AtomicWaker,
}

/// A call waiting for its reply.
#[derive(Debug)]
struct Waiting<T> {
    reply: oneshot::Sender<T>,
    deadline: Instant,
    timeout: Duration,
    /// The request's encoded length.
    bytes: usize,
}

#[derive(Debug)]
struct State<T, S> {
    calls: HashMap<u32, Waiting<T>, BuildHasherDefault<IdHasher>>,
    streams: HashMap<u32, S, BuildHasherDefault<IdHasher>>,
    /// The sum of the waiting calls' `bytes`.
    bytes: usize,
    /// The id tried next; never 0.
    next_id: u32,
    /// Why no more calls are taken, once the connection has ended.
    closed: Option<ConnectionError>,
    /// When the dispatcher's timer fires: no later than the earliest deadline.
    armed_until: Option<Instant>,
}

impl<T, S> PendingCalls<T, S> {
    /// An empty map that counts unmatched replies into `unmatched`.
    pub(crate) fn new(unmatched: Arc<AtomicU64>) -> Self {
        PendingCalls {
            streams_open: AtomicUsize::new(0),
            state: Mutex::new(State {
                calls: HashMap::default(),
                streams: HashMap::default(),
                bytes: 0,
                next_id: 1,
                closed: None,
                armed_until: None,
            }),
            closed: AtomicBool::new(false),
            unmatched,
            rearm: AtomicBool::new(false),
            dispatcher: AtomicWaker::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T, S>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A fresh correlation id (not 0, not in use) and the channel of its reply, which
    /// [`expire`](Self::expire) fails at `deadline` (the call's `timeout` after it began).
    /// `bytes` (the request's encoded length) count in [`bytes`](Self::bytes) until the
    /// call leaves the map.
    ///
    /// Errors with why the connection ended, once it has.
    pub(crate) fn register(
        &self,
        deadline: Instant,
        timeout: Duration,
        bytes: usize,
    ) -> Result<(u32, oneshot::Receiver<T>), ConnectionError> {
        let (reply, receiver) = oneshot::channel();
        let mut state = self.lock();
        if let Some(error) = &state.closed {
            return Err(error.clone());
        }
        let id = state.fresh_id();
        let waiting = Waiting {
            reply,
            deadline,
            timeout,
            bytes,
        };
        state.calls.insert(id, waiting);
        state.bytes += bytes;
        let earlier = state.armed_until.is_none_or(|armed| deadline < armed);
        if earlier {
            state.armed_until = Some(deadline);
        }
        drop(state);
        if earlier {
            self.rearm.store(true, Ordering::Release);
            self.dispatcher.wake();
        }
        Ok((id, receiver))
    }

    /// A fresh correlation id for the stream `stream`, kept until
    /// [`remove_stream`](Self::remove_stream) (or the connection's end, which
    /// [`close`](Self::close) hands it back at).
    ///
    /// Errors with why the connection ended, once it has.
    pub(crate) fn register_stream(&self, stream: S) -> Result<u32, ConnectionError> {
        let mut state = self.lock();
        if let Some(error) = &state.closed {
            return Err(error.clone());
        }
        let id = state.fresh_id();
        state.streams.insert(id, stream);
        self.streams_open.fetch_add(1, Ordering::AcqRel);
        Ok(id)
    }

    /// The open stream `id`.
    pub(crate) fn stream(&self, id: u32) -> Option<S>
    where
        S: Clone,
    {
        if self.streams_open.load(Ordering::Acquire) == 0 {
            return None;
        }
        self.lock().streams.get(&id).cloned()
    }

    /// Forgets the stream `id` (it ended, or its reader gave up).
    pub(crate) fn remove_stream(&self, id: u32) -> Option<S> {
        let removed = self.lock().streams.remove(&id);
        if removed.is_some() {
            self.streams_open.fetch_sub(1, Ordering::AcqRel);
        }
        removed
    }

    /// Counts a frame that matched no call or stream.
    pub(crate) fn unmatched(&self) {
        self.unmatched.fetch_add(1, Ordering::Relaxed);
    }

    /// For the dispatcher: registers its waker, and returns when its timer should fire
    /// if that changed since it last asked.
    pub(crate) fn poll_rearm(&self, waker: &std::task::Waker) -> Option<Option<Instant>> {
        self.dispatcher.register(waker);
        self.rearm
            .swap(false, Ordering::Acquire)
            .then(|| self.lock().armed_until)
    }

    /// Fails, with `timed_out(timeout)`, every call whose deadline is not after `now`;
    /// returns when the dispatcher's timer should fire next.
    pub(crate) fn expire(
        &self,
        now: Instant,
        timed_out: impl Fn(Duration) -> T,
    ) -> Option<Instant> {
        let (expired, next) = {
            let mut state = self.lock();
            let ids: Vec<u32> = state
                .calls
                .iter()
                .filter(|(_, waiting)| waiting.deadline <= now)
                .map(|(&id, _)| id)
                .collect();
            let expired: Vec<Waiting<T>> = ids.iter().filter_map(|id| state.take(*id)).collect();
            state.armed_until = state.calls.values().map(|waiting| waiting.deadline).min();
            (expired, state.armed_until)
        };
        for waiting in expired {
            let _ = waiting.reply.send(timed_out(waiting.timeout));
        }
        next
    }

    /// Hands `reply` to the call waiting for `id`; false (and the reply is dropped)
    /// when none does: it timed out or was cancelled, or the peer made the id up.
    pub(crate) fn complete(&self, id: u32, reply: T) -> bool {
        let waiting = self.lock().take(id);
        // A call that gave up just now has dropped its receiver: that counts as unmatched.
        let delivered = waiting.is_some_and(|waiting| waiting.reply.send(reply).is_ok());
        if !delivered {
            self.unmatched.fetch_add(1, Ordering::Relaxed);
        }
        delivered
    }

    /// Forgets the call `id` (it gave up).
    pub(crate) fn cancel(&self, id: u32) {
        self.lock().take(id);
    }

    /// Takes no more calls, fails every waiting one with `reply(error)`, and hands back
    /// the open streams (to end them).
    pub(crate) fn close(
        &self,
        error: ConnectionError,
        reply: impl Fn(ConnectionError) -> T,
    ) -> Vec<S> {
        let (calls, streams) = {
            let mut state = self.lock();
            state.closed.get_or_insert(error.clone());
            self.closed.store(true, Ordering::Release);
            state.bytes = 0;
            self.streams_open.store(0, Ordering::Release);
            (
                std::mem::take(&mut state.calls),
                std::mem::take(&mut state.streams),
            )
        };
        for (_, waiting) in calls {
            let _ = waiting.reply.send(reply(error.clone()));
        }
        streams.into_values().collect()
    }

    /// How many calls wait for their replies.
    pub(crate) fn len(&self) -> usize {
        self.lock().calls.len()
    }

    /// The encoded length of the requests of the calls that wait for their replies.
    pub(crate) fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Whether the connection has ended.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

impl<T, S> State<T, S> {
    /// A fresh id: ids wrap around; skip 0 and any id still in use (a call or stream
    /// 2^32 ids old).
    fn fresh_id(&mut self) -> u32 {
        let mut id = self.next_id;
        while id == 0 || self.calls.contains_key(&id) || self.streams.contains_key(&id) {
            id = id.wrapping_add(1);
        }
        self.next_id = id.wrapping_add(1);
        id
    }

    /// Takes the call `id` out of the map.
    fn take(&mut self, id: u32) -> Option<Waiting<T>> {
        let waiting = self.calls.remove(&id)?;
        self.bytes -= waiting.bytes;
        Some(waiting)
    }
}

/// Hashes a correlation id by one multiplication (Fibonacci hashing): ids are
/// sequential and chosen locally, so SipHash's protection against chosen keys buys
/// nothing here.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u32(&mut self, id: u32) {
        self.0 = u64::from(id).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const LATER: Duration = Duration::from_secs(60);

    fn register<T>(pending: &PendingCalls<T>) -> (u32, oneshot::Receiver<T>) {
        pending.register(Instant::now() + LATER, LATER, 0).unwrap()
    }

    #[test]
    fn ids_skip_zero_and_ids_in_use_when_they_wrap() {
        let pending = PendingCalls::<u8>::new(Arc::default());
        pending.lock().next_id = u32::MAX;
        let (max, _a) = register(&pending);
        let (one, _b) = register(&pending);
        assert_eq!((max, one), (u32::MAX, 1));
        pending.lock().next_id = u32::MAX;
        let (two, _c) = register(&pending);
        assert_eq!(two, 2, "u32::MAX and 1 are in use, 0 is never used");
    }

    #[test]
    fn streams_and_calls_share_the_id_space_and_close_hands_streams_back() {
        let pending = PendingCalls::<u8, &str>::new(Arc::default());
        pending.lock().next_id = 5;
        let stream = pending.register_stream("watch").unwrap();
        pending.lock().next_id = 5;
        let (call, _receiver) = pending.register(Instant::now() + LATER, LATER, 0).unwrap();
        assert_eq!((stream, call), (5, 6));
        assert_eq!(pending.stream(5), Some("watch"));
        assert_eq!(pending.close(ConnectionError::Closed, |_| 0), vec!["watch"]);
        assert_eq!(pending.stream(5), None);
    }

    #[test]
    fn a_reply_for_an_unknown_id_is_counted_and_dropped() {
        let pending = PendingCalls::<u8>::new(Arc::default());
        let (id, mut receiver) = register(&pending);
        assert!(!pending.complete(id + 1, 7));
        assert_eq!(pending.unmatched.load(Ordering::Relaxed), 1);
        assert!(receiver.try_recv().is_err());
        assert!(pending.complete(id, 8));
        assert_eq!(receiver.try_recv().unwrap(), 8);
    }

    #[test]
    fn closing_fails_waiting_calls_and_refuses_new_ones() {
        let pending = PendingCalls::<Result<u8, ConnectionError>>::new(Arc::default());
        let (_, mut receiver) = register(&pending);
        let _ = pending.close(ConnectionError::PeerVanished, Err);
        assert!(matches!(
            receiver.try_recv().unwrap(),
            Err(ConnectionError::PeerVanished)
        ));
        assert!(matches!(
            pending.register(Instant::now(), LATER, 0),
            Err(ConnectionError::PeerVanished)
        ));
        assert!(pending.is_closed());
    }

    #[test]
    fn the_bytes_of_waiting_requests_are_counted_until_each_call_leaves() {
        let pending = PendingCalls::<u8>::new(Arc::default());
        let (a, _ra) = pending.register(Instant::now() + LATER, LATER, 10).unwrap();
        let (b, _rb) = pending.register(Instant::now() + LATER, LATER, 32).unwrap();
        assert_eq!((pending.len(), pending.bytes()), (2, 42));
        assert!(pending.complete(a, 1));
        assert_eq!(pending.bytes(), 32);
        pending.cancel(b);
        assert_eq!((pending.len(), pending.bytes()), (0, 0));
    }

    #[test]
    fn expiry_fails_the_calls_past_their_deadline_and_arms_the_next() {
        let pending = PendingCalls::<Result<u8, Duration>>::new(Arc::default());
        let waker = futures_util::task::noop_waker();
        let start = Instant::now();
        let short = Duration::from_secs(1);
        let (_, mut late) = pending.register(start + LATER, LATER, 0).unwrap();
        assert_eq!(pending.poll_rearm(&waker), Some(Some(start + LATER)));
        let (_, mut soon) = pending.register(start + short, short, 0).unwrap();
        assert_eq!(pending.poll_rearm(&waker), Some(Some(start + short)));
        let (_, _later) = pending.register(start + LATER * 2, LATER * 2, 0).unwrap();
        assert_eq!(
            pending.poll_rearm(&waker),
            None,
            "a later deadline does not rearm"
        );

        assert_eq!(pending.expire(start + short, Err), Some(start + LATER));
        assert_eq!(soon.try_recv().unwrap(), Err(short));
        assert!(late.try_recv().is_err(), "still waiting");
    }
}
