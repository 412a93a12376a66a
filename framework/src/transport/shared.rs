//! What the handles and the driver of one connection share, and what a server or client
//! attaches to it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::task::Waker;
use std::time::Duration;

use tokio::time::Instant;

use futures_util::task::AtomicWaker;
use std::sync::{Arc, Mutex, PoisonError};

use tokio_util::sync::CancellationToken;

use super::budget::{MemoryBudget, ReceiveBudget, SendBudget};
use super::{ConnectionConfig, ConnectionError, Metrics, PeerHello};

/// What the handles and the driver of one connection share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) metrics: Metrics,
    pub(crate) peer_addr: Option<SocketAddr>,
    /// Cancelled when the server shuts down.
    pub(crate) shutdown: Option<CancellationToken>,
    /// [`Signal`]s raised by the handles for the driver: an atomic and a waker, far
    /// cheaper to check on every wakeup than a cancellation token (two locks).
    signals: AtomicU8,
    driver: AtomicWaker,
    /// Cancelled when the driver has finished.
    pub(crate) done: CancellationToken,
    /// How many messages the driver had read when this side said GOODBYE first
    /// (`u64::MAX` until then): the receiver tells the later ones apart.
    read_before_goodbye: AtomicU64,
    outcome: Mutex<Option<ConnectionError>>,
    /// Bytes queued for sending.
    pub(crate) send: Arc<SendBudget>,
    /// Bytes of messages received and not yet taken.
    pub(crate) receive: ReceiveBudget,
    /// The server's memory budget, if any.
    pub(crate) memory: Option<Arc<MemoryBudget>>,
    /// Bytes in the driver's read buffer (a partial frame, read-ahead).
    read_buffered: AtomicUsize,
    /// When the driver last read a message frame, in milliseconds since [`epoch`];
    /// control frames do not count (idle eviction).
    last_message_ms: AtomicU64,
    /// How long a graceful shutdown may take once the shutdown token fires.
    pub(crate) shutdown_grace: Option<Duration>,
    /// What the peer announced in its HELLO (SPEC.md §13.6).
    pub(crate) peer_hello: Option<Arc<PeerHello>>,
}

impl Shared {
    pub(crate) fn new(attachments: Attachments, config: &ConnectionConfig) -> Self {
        let metrics: Metrics = attachments.metrics.unwrap_or_default();
        Shared {
            send: Arc::new(SendBudget::new(
                config.send_budget(),
                metrics.clone(),
                attachments.memory.clone(),
            )),
            receive: ReceiveBudget::new(config.receive_budget()),
            memory: attachments.memory,
            read_buffered: AtomicUsize::new(0),
            last_message_ms: AtomicU64::new(millis_at(Instant::now())),
            shutdown_grace: attachments.shutdown_grace,
            peer_hello: attachments.peer_hello,
            metrics,
            peer_addr: attachments.peer_addr,
            shutdown: attachments.shutdown,
            signals: AtomicU8::new(0),
            driver: AtomicWaker::new(),
            done: CancellationToken::new(),
            read_before_goodbye: AtomicU64::new(u64::MAX),
            outcome: Mutex::new(None),
        }
    }

    /// Raises `signal` and wakes the driver.
    pub(crate) fn raise(&self, signal: Signal) {
        self.signals.fetch_or(signal as u8, Ordering::AcqRel);
        self.driver.wake();
    }

    /// For the driver: registers its waker and takes the signals raised since it last
    /// looked.
    pub(crate) fn take_signals(&self, waker: &Waker) -> u8 {
        self.driver.register(waker);
        if self.signals.load(Ordering::Acquire) == 0 {
            return 0;
        }
        self.signals.swap(0, Ordering::AcqRel)
    }

    /// Charges `len` received bytes to the `bytes_buffered_in` gauge (on a server, what
    /// its memory budget counts).
    #[inline]
    pub(crate) fn charge_in(&self, len: usize) {
        self.metrics.add_bytes_buffered_in(len as u64);
    }

    /// Gives back `len` received bytes (taken by the application, or dropped).
    #[inline]
    pub(crate) fn release_in(&self, len: usize) {
        if len > 0 {
            let before = self.metrics.sub_bytes_buffered_in(len as u64);
            if let Some(memory) = &self.memory {
                memory.released(before + self.metrics.bytes_buffered_out(), len as u64);
            }
        }
    }

    /// For the receiving half: a message of `frame_len` bytes was taken (or dropped).
    pub(crate) fn taken(&self, frame_len: usize) {
        if self.receive.give_back(frame_len) {
            self.driver.wake();
        }
        self.release_in(frame_len);
    }

    /// For the driver: the read buffer now holds `len` bytes.
    pub(crate) fn set_read_buffered(&self, len: usize) {
        self.read_buffered.store(len, Ordering::Relaxed);
    }

    /// Bytes this connection holds: its read buffer, messages received and not yet
    /// taken, messages queued for sending.
    pub(crate) fn buffered_bytes(&self) -> usize {
        self.read_buffered.load(Ordering::Relaxed) + self.receive.queued() + self.send.held()
    }

    /// Bytes the memory budget counts for this connection: its read buffer, messages
    /// not yet taken, messages queued for sending.
    pub(crate) fn held(&self) -> usize {
        self.buffered_bytes()
    }

    /// For the driver: a message frame arrived now.
    pub(crate) fn message_arrived(&self, now: Instant) {
        self.last_message_ms
            .store(millis_at(now), Ordering::Relaxed);
    }

    /// How long ago the last message frame arrived (or the connection opened).
    pub(crate) fn idle_for(&self) -> Duration {
        let last = self.last_message_ms.load(Ordering::Relaxed);
        Duration::from_millis(millis_at(Instant::now()).saturating_sub(last))
    }

    /// Records, when this side says GOODBYE first, how many messages it had read.
    pub(crate) fn said_goodbye_after(&self, messages_read: u64) {
        self.read_before_goodbye
            .store(messages_read, Ordering::Release);
    }

    /// Whether message number `index` (counting from 1) was read after this side said
    /// GOODBYE first.
    pub(crate) fn read_after_goodbye(&self, index: u64) -> bool {
        index > self.read_before_goodbye.load(Ordering::Acquire)
    }

    pub(crate) fn set_outcome(&self, outcome: Option<ConnectionError>) {
        *self.outcome.lock().unwrap_or_else(PoisonError::into_inner) = outcome;
    }

    pub(crate) fn take_outcome(&self) -> Option<ConnectionError> {
        self.outcome
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// The close event, at a level that matches the reason.
    pub(crate) fn log_close(&self, outcome: &Result<(), ConnectionError>) {
        let peer = self.peer_addr;
        match outcome {
            Ok(()) => tracing::debug!(?peer, "connection closed"),
            Err(error @ ConnectionError::Protocol(_)) => {
                // Caused by the peer: below the default level (counted in Metrics).
                tracing::debug!(?peer, %error, "connection closed: protocol error");
            }
            Err(error @ (ConnectionError::Goodbye { .. } | ConnectionError::PeerVanished)) => {
                tracing::debug!(?peer, %error, "connection closed by the peer");
            }
            Err(error @ ConnectionError::Io(_)) => {
                tracing::info!(?peer, %error, "connection closed");
            }
            // Timeouts, floods, budgets, evictions: caused by the peer, counted in
            // Metrics, below the default level.
            Err(error) => tracing::debug!(?peer, %error, "connection closed"),
        }
    }
}

/// What a handle asks of the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Signal {
    /// [`Connection::close`](super::Connection::close) was called.
    Close = 1,
    /// The [`MessageReceiver`](super::MessageReceiver) was dropped.
    ReceiverDropped = 2,
    /// The server evicts this idle connection to make room (GOODBYE 8).
    Evict = 4,
}

/// What a server or client attaches to a connection besides its configuration.
#[derive(Debug, Default)]
pub(crate) struct Attachments {
    pub(crate) metrics: Option<Metrics>,
    pub(crate) shutdown: Option<CancellationToken>,
    pub(crate) peer_addr: Option<SocketAddr>,
    pub(crate) memory: Option<Arc<MemoryBudget>>,
    pub(crate) shutdown_grace: Option<Duration>,
    /// What the peer announced in its HELLO, if the exchange took place.
    pub(crate) peer_hello: Option<Arc<PeerHello>>,
}

/// `now` in milliseconds since the first call in this process: a coarse time that fits
/// in an atomic.
fn millis_at(now: Instant) -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(|| now);
    u64::try_from(now.saturating_duration_since(epoch).as_millis()).unwrap_or(u64::MAX)
}

/// Counts the connection as open until the driver finishes or is dropped (a server
/// past its shutdown grace drops it), then wakes [`Connection::close`](super::Connection::close).
pub(crate) struct OpenGuard {
    pub(crate) shared: Arc<Shared>,
}

impl OpenGuard {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        shared.metrics.connection_opened();
        OpenGuard { shared }
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.shared.metrics.connection_closed();
        self.shared.done.cancel();
    }
}
