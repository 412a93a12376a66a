//! The connection driver: the one task that owns a `Framed` and multiplexes the user's
//! sends, incoming frames, heartbeats, the idle timeout and the closing handshake.
//!
//! ```text
//!   MessageSender ──mpsc──►┐                          ┌──mpsc──► MessageReceiver
//!   (send budget)          │   ┌──────────────────┐   │  (receive budget)
//!   close / shutdown ─────►├──►│  Driver (poll)   │──►┤ outcome (why it ended)
//!                          │   │ Framed<T, Codec> │   │
//!   heartbeat, idle timer ►┘   └──────────────────┘   └──► tracing, Metrics
//! ```
//!
//! The driver is built from small sub-machines, each with one meaning:
//! - [`ReadState`]: Open, Paused (a message waits for room, a PONG waits to be written,
//!   the memory budget is spent) or Done;
//! - [`PingPong`]: one PONG slot (the latest PING's nonce), this side's PING, the peer's
//!   control-frame rate;
//! - [`Closing`]: the handshake's phase, the GOODBYE owed, its one deadline;
//! - [`Heartbeat`] and [`IdleTimer`].
//!
//! Sends are fed into the write buffer until the queue is empty, then flushed once.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::codec::Framed;
use tokio_util::sync::WaitForCancellationFutureOwned;

use crate::frame::{DecodeFrame, EncodeFrame};

use super::closing::Closing;
use super::heartbeat::{Beat, Heartbeat};
use super::idle::IdleTimer;
use super::inbox::Inbox;
use super::outbox::Outbox;
use super::pingpong::PingPong;
use super::read_state::{ReadCharge, ReadState};
use super::sender::Queued;
use super::shared::{OpenGuard, Shared, Signal};
use super::{ConnectionConfig, ConnectionError, FrameCodec, Goodbye, GoodbyeReason, Received};

mod close;
mod read;
mod write;

/// How the main loop ended.
enum Exit {
    /// The closing handshake finished: flush, shut down, close.
    Graceful,
    /// This side closes at once: send the GOODBYE, flush, shut down, close.
    Forced,
    /// Nothing more can be written (I/O error, peer gone, handshake deadline).
    Abandon,
}

/// Buffers start small so that idle connections stay cheap (at 4 KiB, C10K took 18 KiB
/// per connection; at 1 KiB, 12 KiB); they grow with traffic.
const INITIAL_BUFFER: usize = 1024;
/// Bytes buffered for writing before a feed waits for a flush.
const WRITE_BACKPRESSURE: usize = 64 * 1024;

/// A decoded message on its way to the receive queue.
struct Pending<In> {
    message: Received<In>,
    /// Room in the receive budget was taken for it.
    admitted: bool,
}

/// Everything the driver owns.
pub(crate) struct Driver<T, In, Out> {
    framed: Framed<T, FrameCodec<In, Out>>,
    config: ConnectionConfig,
    shared: Arc<Shared>,
    outbox: Outbox<Out>,
    inbox: Inbox<In>,
    pending: Option<Pending<In>>,
    /// Messages handed to `pending` so far.
    messages_read: u64,
    read: ReadState,
    read_charge: ReadCharge,
    /// The peer's stream ended (the final linger need not read).
    read_eof: bool,
    /// A message frame arrived this wakeup (for idle eviction).
    message_fresh: bool,
    receiver_gone: bool,
    pingpong: PingPong,
    closing: Closing,
    sent_since_tick: bool,
    idle: Option<IdleTimer>,
    heartbeat: Option<Heartbeat>,
    shutdown: Option<Pin<Box<WaitForCancellationFutureOwned>>>,
    /// The end of the server's shutdown grace, once it shuts down: caps every deadline.
    grace_end: Option<Instant>,
    outcome: Option<ConnectionError>,
}

impl<T, In, Out> Driver<T, In, Out>
where
    T: AsyncRead + AsyncWrite + Unpin,
    In: for<'de> DecodeFrame<'de> + Send,
    Out: EncodeFrame + Send,
{
    pub(crate) fn new(
        io: T,
        codec: FrameCodec<In, Out>,
        config: ConnectionConfig,
        shared: Arc<Shared>,
        outgoing: mpsc::Receiver<Queued<Out>>,
        incoming: mpsc::Sender<Received<In>>,
    ) -> Self {
        let mut framed = Framed::with_capacity(io, codec, INITIAL_BUFFER);
        framed.set_backpressure_boundary(WRITE_BACKPRESSURE);
        let now = Instant::now();
        Driver {
            framed,
            idle: config.idle_timeout().map(IdleTimer::new),
            heartbeat: config
                .heartbeat_interval()
                .map(|period| Heartbeat::new(period, config.missed_heartbeats())),
            shutdown: shared
                .shutdown
                .clone()
                .map(|token| Box::pin(token.cancelled_owned())),
            pingpong: PingPong::new(config.max_control_frames_per_second(), now),
            outbox: Outbox::new(outgoing, Arc::clone(&shared.send)),
            read_charge: ReadCharge::new(Arc::clone(&shared)),
            config,
            shared,
            inbox: Inbox::new(incoming),
            pending: None,
            messages_read: 0,
            read: ReadState::Open,
            read_eof: false,
            message_fresh: false,
            receiver_gone: false,
            closing: Closing::new(),
            sent_since_tick: false,
            grace_end: None,
            outcome: None,
        }
    }

    /// Runs the connection to its end; returns why it ended (`Ok` for a clean close).
    pub(crate) async fn run(mut self) -> Result<(), ConnectionError> {
        let open = OpenGuard::new(Arc::clone(&self.shared));
        let exit = std::future::poll_fn(|cx| self.poll_main(cx)).await;
        self.drop_pending();
        self.close_input();
        let outcome = self.finish(exit).await;
        open.shared.log_close(&outcome);
        outcome
    }

    /// The main loop: repeats while anything makes progress, then waits for a wakeup.
    ///
    /// Signals and timers are polled once per wakeup, not on every round: once
    /// registered they wake the task when they fire. A deadline set during the rounds is
    /// armed before the task sleeps.
    fn poll_main(&mut self, cx: &mut Context<'_>) -> Poll<Exit> {
        let poll = self.poll_rounds(cx);
        // The clock is read at most once per wakeup, and only if frames arrived.
        let mut now = None;
        if let Some(idle) = &mut self.idle {
            idle.stamp(&mut now);
        }
        if std::mem::take(&mut self.message_fresh) {
            self.shared
                .message_arrived(*now.get_or_insert_with(Instant::now));
        }
        self.outbox.give_back();
        poll
    }

    /// The rounds of one wakeup.
    fn poll_rounds(&mut self, cx: &mut Context<'_>) -> Poll<Exit> {
        let mut progress = match self.poll_signals(cx) {
            Ok(progress) => progress,
            Err(exit) => return Poll::Ready(exit),
        };
        if let Poll::Ready(exit) = self.poll_timers(cx) {
            return Poll::Ready(exit);
        }
        loop {
            progress |= self.poll_deliver(cx);
            match self.poll_read(cx) {
                Ok(read) => progress |= read,
                Err(exit) => return Poll::Ready(exit),
            }
            match self.poll_write(cx) {
                Ok(wrote) => progress |= wrote,
                Err(err) => {
                    self.set_outcome(ConnectionError::from(err));
                    return Poll::Ready(Exit::Abandon);
                }
            }
            if self.read == ReadState::Done && self.pending.is_none() {
                self.close_input();
            }
            if let Some(exit) = self.check_done() {
                return Poll::Ready(exit);
            }
            if !progress {
                if self.closing.needs_arming() {
                    if let Poll::Ready(exit) = self.poll_timers(cx) {
                        return Poll::Ready(exit);
                    }
                    continue; // the timers may have queued a PING
                }
                return Poll::Pending;
            }
            progress = false;
        }
    }

    /// Server shutdown, a local close, the receiving half dropped, an eviction.
    fn poll_signals(&mut self, cx: &mut Context<'_>) -> Result<bool, Exit> {
        let mut progress = false;
        if poll_token(&mut self.shutdown, cx) {
            progress = true;
            self.on_shutdown();
        }
        let signals = self.shared.take_signals(cx.waker());
        if signals & Signal::Close as u8 != 0 {
            self.initiate(Goodbye::new(GoodbyeReason::Normal, ""), true);
            // Answering: this side's application is done.
            self.outbox.close();
            progress = true;
        }
        if signals & Signal::ReceiverDropped as u8 != 0 {
            self.receiver_gone = true;
            self.drop_pending();
            progress = true;
        }
        if signals & Signal::Evict as u8 != 0 && self.closing.is_open() {
            let idle = self.shared.idle_for();
            self.shared.metrics.add_idle_evictions(1);
            let message = format!(
                "no message for {} ms and the server is full",
                idle.as_millis()
            );
            let error = ConnectionError::Evicted { idle };
            return Err(self.force(GoodbyeReason::IdleEviction, message, error));
        }
        Ok(progress)
    }

    /// The server shuts down: GOODBYE (1) first; exchanges in progress may take the
    /// whole shutdown grace.
    fn on_shutdown(&mut self) {
        let grace = self
            .shared
            .shutdown_grace
            .unwrap_or(self.config.goodbye_timeout());
        let end = Instant::now() + grace;
        self.grace_end = Some(end);
        if self.closing.is_open() {
            self.initiate(
                Goodbye::new(GoodbyeReason::ShuttingDown, "the server is shutting down"),
                false,
            );
            self.closing.set_deadline(end);
        } else {
            self.closing.start_deadline(grace, Some(end));
        }
    }

    /// The idle timeout, the heartbeat and the closing deadline.
    fn poll_timers(&mut self, cx: &mut Context<'_>) -> Poll<Exit> {
        if let Poll::Ready(timeout) = self.closing.poll_deadline(cx) {
            self.set_outcome(ConnectionError::CloseTimeout { timeout });
            return Poll::Ready(Exit::Abandon);
        }
        if let Some(idle) = &mut self.idle {
            // Idle time counts only while reading is all the connection waits for.
            let not_waiting_for_peer = self.read != ReadState::Open;
            if idle.poll_expired(cx, not_waiting_for_peer).is_ready() {
                let timeout = idle.timeout();
                let error = ConnectionError::IdleTimeout { timeout };
                let message = format!("no complete frame for {} ms", timeout.as_millis());
                return Poll::Ready(self.force(GoodbyeReason::IdleTimeout, message, error));
            }
        }
        if self.closing.is_open() {
            if let Some(heartbeat) = &mut self.heartbeat {
                while let Poll::Ready(beat) = heartbeat.poll_beat(cx, self.sent_since_tick) {
                    self.sent_since_tick = false;
                    match beat {
                        Beat::Quiet => {}
                        Beat::Ping(nonce) => self.pingpong.send_ping(nonce),
                        Beat::Missed(missed) => {
                            let message = format!("{missed} heartbeats unanswered");
                            let error = ConnectionError::HeartbeatMissed { missed };
                            return Poll::Ready(self.force(
                                GoodbyeReason::HeartbeatMissed,
                                message,
                                error,
                            ));
                        }
                    }
                }
            }
        }
        Poll::Pending
    }

    fn set_outcome(&mut self, error: ConnectionError) {
        if self.outcome.is_none() {
            self.outcome = Some(error);
        }
    }

    /// Ends the receiving half's stream, with the outcome so far.
    fn close_input(&mut self) {
        if !self.inbox.is_closed() {
            self.shared.set_outcome(self.outcome.clone());
            self.inbox.close();
        }
    }
}

/// Polls an optional cancellation future; true (once) when it fires.
fn poll_token(
    token: &mut Option<Pin<Box<WaitForCancellationFutureOwned>>>,
    cx: &mut Context<'_>,
) -> bool {
    let fired = token
        .as_mut()
        .is_some_and(|future| future.as_mut().poll(cx).is_ready());
    if fired {
        *token = None;
    }
    fired
}
