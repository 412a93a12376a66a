//! What the handles and the driver of one connection share, and what a server or client
//! attaches to it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::task::Waker;

use futures_util::task::AtomicWaker;
use std::sync::{Arc, Mutex, PoisonError};

use tokio_util::sync::CancellationToken;

use super::{ConnectionError, Metrics};

/// What the handles and the driver of one connection share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) metrics: Arc<Metrics>,
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
    /// Set by a request/response server (SPEC.md §11.6): when the peer says GOODBYE
    /// first, the input ends there (no request follows a client's GOODBYE) and the
    /// sending half stays open until the server drops it, so that the requests read
    /// before the GOODBYE are answered before the answering GOODBYE.
    answers_before_goodbye: AtomicBool,
    outcome: Mutex<Option<ConnectionError>>,
}

impl Shared {
    pub(crate) fn new(attachments: Attachments) -> Self {
        Shared {
            metrics: attachments.metrics.unwrap_or_default(),
            peer_addr: attachments.peer_addr,
            shutdown: attachments.shutdown,
            signals: AtomicU8::new(0),
            driver: AtomicWaker::new(),
            done: CancellationToken::new(),
            read_before_goodbye: AtomicU64::new(u64::MAX),
            answers_before_goodbye: AtomicBool::new(false),
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

    /// Asks the driver to let the user answer what it read before the peer's GOODBYE
    /// (see `answers_before_goodbye`). Call it before the driver first runs.
    pub(crate) fn answer_before_goodbye(&self) {
        self.answers_before_goodbye.store(true, Ordering::Release);
    }

    /// Whether [`answer_before_goodbye`](Self::answer_before_goodbye) was called.
    pub(crate) fn answers_before_goodbye(&self) -> bool {
        self.answers_before_goodbye.load(Ordering::Acquire)
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
                tracing::warn!(?peer, %error, "connection closed: protocol error");
            }
            Err(error @ (ConnectionError::Goodbye { .. } | ConnectionError::PeerVanished)) => {
                tracing::debug!(?peer, %error, "connection closed by the peer");
            }
            Err(error) => tracing::info!(?peer, %error, "connection closed"),
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
}

/// What a server or client attaches to a connection besides its configuration.
#[derive(Debug, Default)]
pub(crate) struct Attachments {
    pub(crate) metrics: Option<Arc<Metrics>>,
    pub(crate) shutdown: Option<CancellationToken>,
    pub(crate) peer_addr: Option<SocketAddr>,
}

/// Counts the connection as open until the driver finishes or is dropped (a server
/// past its shutdown grace drops it), then wakes [`Connection::close`](super::Connection::close)(super::Connection::close).
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
