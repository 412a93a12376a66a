//! The correlation map: the calls of one connection that wait for a reply, by
//! correlation id.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

use crate::transport::ConnectionError;

/// The calls waiting for a reply, each with a fresh correlation id and the channel its
/// reply goes to. Once closed (the connection ended) it takes no more calls.
#[derive(Debug)]
pub(crate) struct PendingCalls<T> {
    state: Mutex<State<T>>,
    /// Set once the connection has ended (`State::closed` without the lock).
    closed: AtomicBool,
    /// Replies that matched no waiting call (shared by a client's connections).
    unmatched: Arc<AtomicU64>,
}

#[derive(Debug)]
struct State<T> {
    calls: HashMap<u32, oneshot::Sender<T>, BuildHasherDefault<IdHasher>>,
    /// The id tried next; never 0.
    next_id: u32,
    /// Why no more calls are taken, once the connection has ended.
    closed: Option<ConnectionError>,
}

impl<T> PendingCalls<T> {
    /// An empty map that counts unmatched replies into `unmatched`.
    pub(crate) fn new(unmatched: Arc<AtomicU64>) -> Self {
        PendingCalls {
            state: Mutex::new(State {
                calls: HashMap::default(),
                next_id: 1,
                closed: None,
            }),
            closed: AtomicBool::new(false),
            unmatched,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A fresh correlation id (not 0, not in use) and the channel of its reply.
    ///
    /// Errors with why the connection ended, once it has.
    pub(crate) fn register(&self) -> Result<(u32, oneshot::Receiver<T>), ConnectionError> {
        let (sender, receiver) = oneshot::channel();
        let mut state = self.lock();
        if let Some(error) = &state.closed {
            return Err(error.clone());
        }
        // Ids wrap around; skip 0 and any id still waiting (a call 2^32 ids old).
        let mut id = state.next_id;
        while id == 0 || state.calls.contains_key(&id) {
            id = id.wrapping_add(1);
        }
        state.next_id = id.wrapping_add(1);
        state.calls.insert(id, sender);
        Ok((id, receiver))
    }

    /// Hands `reply` to the call waiting for `id`; false (and the reply is dropped)
    /// when none does: it timed out or was cancelled, or the peer made the id up.
    pub(crate) fn complete(&self, id: u32, reply: T) -> bool {
        let waiting = self.lock().calls.remove(&id);
        // A call that gave up just now has dropped its receiver: that counts as unmatched.
        let delivered = waiting.is_some_and(|sender| sender.send(reply).is_ok());
        if !delivered {
            self.unmatched.fetch_add(1, Ordering::Relaxed);
        }
        delivered
    }

    /// Forgets the call `id` (it gave up).
    pub(crate) fn cancel(&self, id: u32) {
        self.lock().calls.remove(&id);
    }

    /// Takes no more calls, and fails every waiting one with `reply(error)`.
    pub(crate) fn close(&self, error: ConnectionError, reply: impl Fn(ConnectionError) -> T) {
        let calls = {
            let mut state = self.lock();
            state.closed.get_or_insert(error.clone());
            self.closed.store(true, Ordering::Release);
            std::mem::take(&mut state.calls)
        };
        for (_, sender) in calls {
            let _ = sender.send(reply(error.clone()));
        }
    }

    /// Whether the connection has ended.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
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

    #[test]
    fn ids_skip_zero_and_ids_in_use_when_they_wrap() {
        let pending = PendingCalls::<u8>::new(Arc::default());
        pending.lock().next_id = u32::MAX;
        let (max, _a) = pending.register().unwrap();
        let (one, _b) = pending.register().unwrap();
        assert_eq!((max, one), (u32::MAX, 1));
        pending.lock().next_id = u32::MAX;
        let (two, _c) = pending.register().unwrap();
        assert_eq!(two, 2, "u32::MAX and 1 are in use, 0 is never used");
    }

    #[test]
    fn a_reply_for_an_unknown_id_is_counted_and_dropped() {
        let pending = PendingCalls::<u8>::new(Arc::default());
        let (id, mut receiver) = pending.register().unwrap();
        assert!(!pending.complete(id + 1, 7));
        assert_eq!(pending.unmatched.load(Ordering::Relaxed), 1);
        assert!(receiver.try_recv().is_err());
        assert!(pending.complete(id, 8));
        assert_eq!(receiver.try_recv().unwrap(), 8);
    }

    #[test]
    fn closing_fails_waiting_calls_and_refuses_new_ones() {
        let pending = PendingCalls::<Result<u8, ConnectionError>>::new(Arc::default());
        let (_, mut receiver) = pending.register().unwrap();
        pending.close(ConnectionError::PeerVanished, Err);
        assert!(matches!(
            receiver.try_recv().unwrap(),
            Err(ConnectionError::PeerVanished)
        ));
        assert!(matches!(
            pending.register(),
            Err(ConnectionError::PeerVanished)
        ));
        assert!(pending.is_closed());
    }
}
