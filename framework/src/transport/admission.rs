//! Who gets a slot on a server: the connections it serves (for idle eviction), how many
//! come from each peer address, and how long each has gone without a message.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::shared::{Shared, Signal};

/// The connections a server serves.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    connections: HashMap<u64, Entry>,
    per_address: HashMap<IpAddr, usize>,
}

#[derive(Debug)]
struct Entry {
    shared: Arc<Shared>,
    evicted: bool,
}

/// A peer address's claim on a slot; released on drop.
#[derive(Debug)]
pub(crate) struct AddressClaim {
    registry: Arc<Registry>,
    ip: IpAddr,
    id: Option<u64>,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a connection from `ip`; `None` when `ip` already holds `max`.
    pub(crate) fn claim(self: &Arc<Self>, ip: IpAddr, max: Option<usize>) -> Option<AddressClaim> {
        let mut inner = self.lock();
        let count = inner.per_address.entry(ip).or_insert(0);
        if max.is_some_and(|max| *count >= max) {
            return None;
        }
        *count += 1;
        Some(AddressClaim {
            registry: Arc::clone(self),
            ip,
            id: None,
        })
    }

    /// Asks the connection that has gone longest without a message, if at least
    /// `idle_after`, to close (GOODBYE 8). True when one was asked.
    pub(crate) fn evict_idle(&self, idle_after: Duration) -> bool {
        let mut inner = self.lock();
        let oldest = inner
            .connections
            .values_mut()
            .filter(|entry| !entry.evicted)
            .map(|entry| (entry.shared.idle_for(), entry))
            .filter(|(idle, _)| *idle >= idle_after)
            .max_by_key(|(idle, _)| *idle);
        match oldest {
            Some((_, entry)) => {
                entry.evicted = true;
                entry.shared.raise(Signal::Evict);
                true
            }
            None => false,
        }
    }
}

impl AddressClaim {
    /// Registers the served connection (an eviction candidate) until the claim drops.
    pub(crate) fn register(&mut self, shared: Arc<Shared>) {
        let mut inner = self.registry.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        inner.connections.insert(
            id,
            Entry {
                shared,
                evicted: false,
            },
        );
        self.id = Some(id);
    }
}

impl Drop for AddressClaim {
    fn drop(&mut self) {
        let mut inner = self.registry.lock();
        if let Some(id) = self.id {
            inner.connections.remove(&id);
        }
        if let Some(count) = inner.per_address.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                inner.per_address.remove(&self.ip);
            }
        }
    }
}
