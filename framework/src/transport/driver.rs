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

use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::codec::Framed;
use tokio_util::sync::WaitForCancellationFutureOwned;

use crate::{DecodeProtocol, Protocol};

use super::closing::{Closing, GoodbyeSlot, Phase};
use super::heartbeat::{Beat, Heartbeat};
use super::idle::IdleTimer;
use super::inbox::{Delivery, Inbox};
use super::linger::linger;
use super::outbox::Outbox;
use super::pingpong::PingPong;
use super::read_state::{Pause, ReadCharge, ReadState};
use super::sender::Queued;
use super::shared::{OpenGuard, Shared, Signal};
use super::{
    CodecError, ConnectionConfig, ConnectionError, Control, FrameCodec, Goodbye, GoodbyeReason,
    Incoming, Received,
};

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
    In: for<'de> DecodeProtocol<'de> + Send,
    Out: Protocol + Send,
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
        if let Some(idle) = &mut self.idle {
            idle.stamp();
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

    /// Hands a decoded message to the receiving half when the receive budget and queue
    /// have room.
    fn poll_deliver(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(mut pending) = self.pending.take() else {
            return false;
        };
        let len = pending.message.header.frame_len();
        if !pending.admitted {
            if !self.shared.receive.try_take(len) {
                if self.read != ReadState::Paused(Pause::Delivery) {
                    self.shared.metrics.add_budget_waits(1);
                }
                self.read = ReadState::Paused(Pause::Delivery);
                self.pending = Some(pending);
                return false;
            }
            pending.admitted = true;
        }
        match self.inbox.deliver(cx, pending.message) {
            Delivery::Delivered => true,
            Delivery::ReceiverGone => {
                self.receiver_gone = true;
                self.shared.taken(len);
                true
            }
            Delivery::Full(message) => {
                self.read = ReadState::Paused(Pause::Delivery);
                self.pending = Some(Pending {
                    message,
                    admitted: true,
                });
                false
            }
        }
    }

    /// Drops a message that waits for delivery, giving its bytes back.
    fn drop_pending(&mut self) {
        if let Some(pending) = self.pending.take() {
            let len = pending.message.header.frame_len();
            if pending.admitted {
                self.shared.taken(len);
            } else {
                self.shared.release_in(len);
            }
        }
    }

    /// Decides whether the connection reads now.
    fn update_read_state(&mut self, cx: &mut Context<'_>) -> Result<(), Exit> {
        if self.read == ReadState::Done {
            return Ok(());
        }
        self.read = if self.pending.is_some() {
            ReadState::Paused(Pause::Delivery)
        } else if self.pingpong.pong_waiting() && self.controls_allowed() {
            ReadState::Paused(Pause::Pong)
        } else {
            match self.read_charge.poll_memory(cx) {
                Poll::Ready(Ok(())) => ReadState::Open,
                Poll::Pending => ReadState::Paused(Pause::Memory),
                Poll::Ready(Err(waited)) => {
                    self.shared.metrics.add_memory_budget_closes(1);
                    let message = format!(
                        "the memory budget kept this connection from reading for {} ms",
                        waited.as_millis()
                    );
                    let error = ConnectionError::MemoryBudget { waited };
                    return Err(self.force(GoodbyeReason::MemoryBudget, message, error));
                }
            }
        };
        Ok(())
    }

    /// Reads one frame if the read state is open. `Err` ends the main loop.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Result<bool, Exit> {
        self.update_read_state(cx)?;
        if self.read != ReadState::Open {
            return Ok(false);
        }
        let polled = Pin::new(&mut self.framed).poll_next(cx);
        let moved = match &polled {
            Poll::Ready(Some(Ok(Incoming::Message(message)))) => message.header.frame_len(),
            _ => 0,
        };
        self.read_charge
            .update(self.framed.read_buffer().len(), moved);
        match polled {
            Poll::Pending => Ok(false),
            Poll::Ready(None) => {
                self.on_end_of_stream();
                Ok(true)
            }
            Poll::Ready(Some(Err(err))) => Err(self.on_read_error(err)),
            Poll::Ready(Some(Ok(item))) => {
                if let Some(idle) = &mut self.idle {
                    idle.frame_received();
                }
                match item {
                    Incoming::Message(message) => self.on_message(message),
                    Incoming::Control(Control::Ping { nonce }) => {
                        if let Err(flood) = self.pingpong.ping_received(nonce) {
                            return Err(self.on_flood(flood.limit));
                        }
                    }
                    Incoming::Control(Control::Pong { nonce }) => {
                        if let Err(flood) = self.pingpong.pong_received() {
                            return Err(self.on_flood(flood.limit));
                        }
                        // An unsolicited PONG is ignored (SPEC.md §7).
                        if let Some(heartbeat) = &mut self.heartbeat {
                            heartbeat.answered(nonce);
                        }
                    }
                    Incoming::Control(Control::Goodbye(goodbye)) => self.on_goodbye(goodbye),
                }
                Ok(true)
            }
        }
    }

    fn on_message(&mut self, message: Received<In>) {
        self.shared.message_arrived();
        if self.receiver_gone {
            self.shared.release_in(message.header.frame_len());
            return;
        }
        self.messages_read += 1;
        self.pending = Some(Pending {
            message,
            admitted: false,
        });
    }

    fn on_flood(&mut self, limit: u32) -> Exit {
        self.shared.metrics.add_control_flood_closes(1);
        let message = format!("{limit} or more control frames within one second");
        self.force(
            GoodbyeReason::ControlFlood,
            message,
            ConnectionError::ControlFlood { limit },
        )
    }

    /// Feeds due control frames and queued messages, then flushes once.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> Result<bool, CodecError> {
        let mut progress = false;
        loop {
            let control_due = self.closing.goodbye_due(self.outbox.is_done())
                || (self.controls_allowed() && self.pingpong.has_next());
            if !control_due && self.outbox.is_done() {
                break;
            }
            match Pin::new(&mut self.framed).poll_ready(cx) {
                Poll::Ready(result) => result?,
                Poll::Pending => break,
            }
            if control_due {
                let control = match self.closing.take_due(self.outbox.is_done()) {
                    Some(goodbye) => Some(Control::Goodbye(goodbye)),
                    None => self.pingpong.take_next(),
                };
                if let Some(control) = control {
                    Pin::new(&mut self.framed).start_send(control.into())?;
                }
            } else {
                match self.outbox.poll_next(cx) {
                    Poll::Ready(Some(message)) => {
                        Pin::new(&mut self.framed).start_send(message.into())?;
                    }
                    Poll::Ready(None) => {
                        progress = true;
                        continue;
                    }
                    Poll::Pending => break,
                }
            }
            self.sent_since_tick = true;
            progress = true;
        }
        if !self.framed.write_buffer().is_empty() {
            match Pin::new(&mut self.framed).poll_flush(cx) {
                Poll::Ready(result) => {
                    result?;
                    progress = true;
                }
                Poll::Pending => {}
            }
        }
        Ok(progress)
    }

    /// PING and PONG may be written: not after this side's answering GOODBYE, its last
    /// frame.
    fn controls_allowed(&self) -> bool {
        !(self.closing.phase == Phase::Answering && self.closing.goodbye_sent())
    }

    /// When the phase's work is done, the main loop ends.
    fn check_done(&mut self) -> Option<Exit> {
        if !self.closing.is_open()
            && self.receiver_gone
            && !self.outbox.is_done()
            && self.outbox.is_empty()
        {
            // The application dropped its receiving half and has nothing queued: it is
            // done with what it read.
            self.outbox.close();
        }
        let writes_done = self.outbox.is_done() && self.closing.goodbye_sent();
        match self.closing.phase {
            Phase::Open => {
                if self.outbox.is_done() && self.receiver_gone {
                    // The user dropped every handle: close normally.
                    self.initiate(Goodbye::new(GoodbyeReason::Normal, ""), true);
                }
                None
            }
            Phase::Initiated { answered } => (answered && writes_done).then_some(Exit::Graceful),
            Phase::Answering => {
                if self.outbox.is_done() && self.closing.goodbye == GoodbyeSlot::None {
                    self.closing.goodbye =
                        GoodbyeSlot::AfterDrain(Goodbye::new(GoodbyeReason::Normal, ""));
                }
                (self.read == ReadState::Done && writes_done).then_some(Exit::Graceful)
            }
        }
    }

    /// This side closes first. With `local_done` the user sends nothing more: the queue is
    /// drained and GOODBYE follows it; otherwise GOODBYE goes first and the user may still
    /// send the messages that complete exchanges in progress.
    fn initiate(&mut self, goodbye: Goodbye, local_done: bool) {
        if !self.closing.is_open() {
            return;
        }
        self.closing.phase = Phase::Initiated { answered: false };
        self.shared.said_goodbye_after(self.messages_read);
        if local_done {
            self.outbox.close();
            self.closing.goodbye = GoodbyeSlot::AfterDrain(goodbye);
        } else {
            self.closing.goodbye = GoodbyeSlot::Now(goodbye);
        }
        self.closing
            .start_deadline(self.config.goodbye_timeout(), self.grace_end);
    }

    /// The peer closes first (GOODBYE) or ended its stream: this side keeps sending what
    /// its application replies to the messages read so far, then answers once the
    /// application is done: every sending handle dropped, the receiving half dropped
    /// with nothing queued, or [`Connection::close`](super::Connection::close).
    fn answer(&mut self) {
        self.closing.phase = Phase::Answering;
        self.closing
            .start_deadline(self.config.goodbye_timeout(), self.grace_end);
    }

    /// The peer's GOODBYE (SPEC.md §7). With reason 0 the peer is done: its input ends
    /// here, and this side answers once its application is done replying. With any other
    /// reason this side sends what it had queued and answers at once, and keeps reading
    /// the frames that complete its own exchanges until the peer's stream ends.
    fn on_goodbye(&mut self, goodbye: Goodbye) {
        match self.closing.phase {
            Phase::Open => {
                if goodbye.reason.is_normal() {
                    self.read = ReadState::Done;
                } else {
                    self.outbox.close();
                    self.set_outcome(ConnectionError::Goodbye {
                        reason: goodbye.reason,
                        message: goodbye.message,
                    });
                }
                self.answer();
            }
            Phase::Initiated { .. } => {
                // The answer: everything the peer sent has arrived.
                self.closing.phase = Phase::Initiated { answered: true };
                self.read = ReadState::Done;
            }
            Phase::Answering => {}
        }
    }

    fn on_end_of_stream(&mut self) {
        self.read = ReadState::Done;
        self.read_eof = true;
        match self.closing.phase {
            Phase::Open => {
                // A half-close (or the peer is gone: then writing fails).
                self.set_outcome(ConnectionError::PeerVanished);
                self.answer();
            }
            Phase::Initiated { .. } => {
                self.closing.phase = Phase::Initiated { answered: true };
            }
            Phase::Answering => {}
        }
    }

    fn on_read_error(&mut self, err: CodecError) -> Exit {
        self.read = ReadState::Done;
        if !err.is_protocol_error() {
            self.set_outcome(ConnectionError::from(err));
            return Exit::Abandon;
        }
        self.shared.metrics.add_protocol_errors(1);
        let message = err.to_string();
        self.force(
            GoodbyeReason::ProtocolError,
            message,
            ConnectionError::from(err),
        )
    }

    /// Closes at once with a GOODBYE of `reason`; queued messages are dropped.
    fn force(&mut self, reason: GoodbyeReason, message: String, error: ConnectionError) -> Exit {
        self.set_outcome(error);
        self.read = ReadState::Done;
        self.outbox.discard();
        self.pingpong.clear();
        if !self.closing.goodbye_sent() {
            self.closing.goodbye = GoodbyeSlot::Now(Goodbye::new(reason, message));
        }
        Exit::Forced
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

    /// Flushes and lingers (see [`linger`]), bounded by the linger timeout (capped by
    /// the shutdown grace), and returns the outcome.
    async fn finish(mut self, exit: Exit) -> Result<(), ConnectionError> {
        self.outbox.discard();
        let Driver {
            framed,
            config,
            mut closing,
            read_eof,
            read_charge,
            grace_end,
            outcome,
            ..
        } = self;
        drop(read_charge);
        if !matches!(exit, Exit::Abandon) {
            let mut deadline = Instant::now() + config.linger_timeout();
            if let Some(end) = grace_end {
                deadline = deadline.min(end.max(Instant::now()));
            }
            let goodbye = closing.take_unsent().map(Control::Goodbye);
            linger(framed, goodbye, deadline, read_eof).await;
        }
        outcome.map_or(Ok(()), Err)
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
