//! The connection driver: the one task that owns a `Framed` and multiplexes the user's
//! sends, incoming frames, heartbeats, the idle timeout and the closing handshake.
//!
//! ```text
//!   MessageSender ──mpsc──►┐                          ┌──mpsc──► MessageReceiver
//!                          │   ┌──────────────────┐   │
//!   close / shutdown ─────►├──►│  Driver (poll)   │──►┤ outcome (why it ended)
//!                          │   │ Framed<T, Codec> │   │
//!   heartbeat, idle timer ►┘   └──────────────────┘   └──► tracing, Metrics
//! ```
//!
//! Sends are fed into the write buffer until the queue is empty, then flushed once. Reads
//! stop while a decoded message waits for room in the receive queue (backpressure).
//!
//! Closing (SPEC.md §7): the side that closes first sends GOODBYE and keeps serving until
//! the peer's answering GOODBYE says that everything the peer sent has arrived; the side
//! that receives a GOODBYE first sends the messages already queued, answers with GOODBYE
//! and reads until the end of the stream. Both are bounded by the close timeout.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant, Sleep};
use tokio_util::codec::Framed;
use tokio_util::sync::WaitForCancellationFutureOwned;

use crate::{DecodeProtocol, Protocol};

use super::closing::finish_closing;
use super::heartbeat::{Beat, Heartbeat};
use super::idle::IdleTimer;
use super::inbox::{Delivery, Inbox};
use super::shared::{OpenGuard, Shared, Signal};
use super::{
    CodecError, ConnectionConfig, ConnectionError, Control, Correlated, FrameCodec, Goodbye,
    GoodbyeReason, Incoming, Received,
};

/// Where the connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Messages flow both ways.
    Open,
    /// This side said GOODBYE first; `answered` once the peer's GOODBYE (or the end of
    /// its stream) arrived.
    Initiated { answered: bool },
    /// The peer said GOODBYE first; this side answers and reads to the end.
    Answering,
}

/// How the main loop ended.
enum Exit {
    /// The closing handshake finished: flush, shut down, close.
    Graceful,
    /// This side closes at once: send the queued GOODBYE, flush, shut down, close.
    Forced,
    /// Nothing more can be written (I/O error, peer gone, close timeout).
    Abandon,
}

/// Buffers start small so that idle connections stay cheap (at 4 KiB, C10K took 18 KiB
/// per connection; at 1 KiB, 12 KiB); they grow with traffic.
const INITIAL_BUFFER: usize = 1024;
/// Bytes buffered for writing before a feed waits for a flush.
const WRITE_BACKPRESSURE: usize = 64 * 1024;

/// Everything the driver owns.
pub(crate) struct Driver<T, In, Out> {
    framed: Framed<T, FrameCodec<In, Out>>,
    config: ConnectionConfig,
    shared: Arc<Shared>,
    phase: Phase,
    outgoing: mpsc::Receiver<Correlated<Out>>,
    outgoing_done: bool,
    incoming: Inbox<In>,
    pending: Option<Received<In>>,
    /// Messages handed to `pending` so far.
    messages_read: u64,
    input_done: bool,
    receiver_gone: bool,
    reading: bool,
    read_eof: bool,
    controls: VecDeque<Control>,
    goodbye_after_drain: Option<Goodbye>,
    goodbye_sent: bool,
    sent_since_tick: bool,
    idle: Option<IdleTimer>,
    heartbeat: Option<Heartbeat>,
    close_deadline: Option<Pin<Box<Sleep>>>,
    /// False from when the close deadline is set until it has been polled once.
    close_deadline_armed: bool,
    shutdown: Option<Pin<Box<WaitForCancellationFutureOwned>>>,
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
        outgoing: mpsc::Receiver<Correlated<Out>>,
        incoming: mpsc::Sender<Received<In>>,
    ) -> Self {
        let mut framed = Framed::with_capacity(io, codec, INITIAL_BUFFER);
        framed.set_backpressure_boundary(WRITE_BACKPRESSURE);
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
            config,
            shared,
            phase: Phase::Open,
            outgoing,
            outgoing_done: false,
            incoming: Inbox::new(incoming),
            pending: None,
            messages_read: 0,
            input_done: false,
            receiver_gone: false,
            reading: true,
            read_eof: false,
            controls: VecDeque::new(),
            goodbye_after_drain: None,
            goodbye_sent: false,
            sent_since_tick: false,
            close_deadline: None,
            close_deadline_armed: true,
            outcome: None,
        }
    }

    /// Runs the connection to its end; returns why it ended (`Ok` for a clean close).
    pub(crate) async fn run(mut self) -> Result<(), ConnectionError> {
        let open = OpenGuard::new(Arc::clone(&self.shared));
        let exit = std::future::poll_fn(|cx| self.poll_main(cx)).await;
        self.close_input();
        let outcome = self.finish(exit).await;
        open.shared.log_close(&outcome);
        outcome
    }

    /// The main loop: repeats while anything makes progress, then waits for a wakeup.
    ///
    /// Signals and timers are polled once per wakeup, not on every round: once
    /// registered they wake the task when they fire, and polling them again (a lock each
    /// for the cancellation tokens) is what would cost. A close deadline set during the
    /// rounds is armed before the task sleeps.
    fn poll_main(&mut self, cx: &mut Context<'_>) -> Poll<Exit> {
        let poll = self.poll_rounds(cx);
        if let Some(idle) = &mut self.idle {
            idle.stamp();
        }
        poll
    }

    /// The rounds of one wakeup.
    fn poll_rounds(&mut self, cx: &mut Context<'_>) -> Poll<Exit> {
        let mut progress = self.poll_signals(cx);
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
            if self.input_done && self.pending.is_none() {
                self.close_input();
            }
            if let Some(exit) = self.check_done() {
                return Poll::Ready(exit);
            }
            if !progress {
                if !self.close_deadline_armed {
                    self.close_deadline_armed = true;
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

    /// Server shutdown, a local close, the receiving half dropped.
    fn poll_signals(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progress = false;
        if poll_token(&mut self.shutdown, cx) {
            self.initiate(
                Goodbye::new(GoodbyeReason::ShuttingDown, "the server is shutting down"),
                false,
            );
            progress = true;
        }
        let signals = self.shared.take_signals(cx.waker());
        if signals & Signal::Close as u8 != 0 {
            self.initiate(Goodbye::new(GoodbyeReason::Normal, ""), true);
            progress = true;
        }
        if signals & Signal::ReceiverDropped as u8 != 0 {
            self.receiver_gone = true;
            self.pending = None;
            progress = true;
        }
        progress
    }

    /// The idle timeout, the heartbeat and the close deadline.
    fn poll_timers(&mut self, cx: &mut Context<'_>) -> Poll<Exit> {
        if let Some(deadline) = &mut self.close_deadline {
            if deadline.as_mut().poll(cx).is_ready() {
                self.set_outcome(ConnectionError::CloseTimeout {
                    timeout: self.config.close_timeout(),
                });
                return Poll::Ready(Exit::Abandon);
            }
        }
        if let Some(idle) = &mut self.idle {
            // Idle time counts only while reading is all the connection waits for.
            let not_waiting_for_peer = self.pending.is_some() || !self.reading;
            if idle.poll_expired(cx, not_waiting_for_peer).is_ready() {
                let timeout = idle.timeout();
                let error = ConnectionError::IdleTimeout { timeout };
                let message = format!("no complete frame for {} ms", timeout.as_millis());
                return Poll::Ready(self.force(GoodbyeReason::IdleTimeout, message, error));
            }
        }
        if self.phase == Phase::Open {
            if let Some(heartbeat) = &mut self.heartbeat {
                while let Poll::Ready(beat) = heartbeat.poll_beat(cx, self.sent_since_tick) {
                    self.sent_since_tick = false;
                    match beat {
                        Beat::Quiet => {}
                        Beat::Ping(nonce) => self.controls.push_back(Control::Ping { nonce }),
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

    /// Hands a decoded message to the receiving half when it has room.
    fn poll_deliver(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(message) = self.pending.take() else {
            return false;
        };
        match self.incoming.deliver(cx, message) {
            Delivery::Delivered => true,
            Delivery::ReceiverGone => {
                self.receiver_gone = true;
                true
            }
            Delivery::Full(message) => {
                self.pending = Some(message);
                false
            }
        }
    }

    /// Reads one frame if there is room to deliver it. `Err` ends the main loop.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Result<bool, Exit> {
        if !self.reading || self.pending.is_some() {
            return Ok(false);
        }
        match Pin::new(&mut self.framed).poll_next(cx) {
            Poll::Pending => Ok(false),
            Poll::Ready(None) => {
                self.on_end_of_stream();
                match self.phase {
                    Phase::Open => Err(Exit::Abandon),
                    _ => Ok(true),
                }
            }
            Poll::Ready(Some(Err(err))) => Err(self.on_read_error(err)),
            Poll::Ready(Some(Ok(item))) => {
                if let Some(idle) = &mut self.idle {
                    idle.frame_received();
                }
                match item {
                    Incoming::Message(message) => {
                        if !self.receiver_gone && !self.input_done {
                            self.pending = Some(message);
                            self.messages_read += 1;
                        }
                    }
                    Incoming::Control(Control::Ping { nonce }) => {
                        self.controls.push_back(Control::Pong { nonce });
                    }
                    Incoming::Control(Control::Pong { nonce }) => {
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

    /// Feeds queued control frames and messages, then flushes once.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> Result<bool, CodecError> {
        let mut progress = false;
        loop {
            if self.controls.is_empty() && self.outgoing_done {
                match self.goodbye_after_drain.take() {
                    Some(goodbye) => self.controls.push_back(Control::Goodbye(goodbye)),
                    None => break,
                }
            }
            match Pin::new(&mut self.framed).poll_ready(cx) {
                Poll::Ready(result) => result?,
                Poll::Pending => break,
            }
            if let Some(control) = self.controls.pop_front() {
                self.goodbye_sent |= matches!(control, Control::Goodbye(_));
                Pin::new(&mut self.framed).start_send(control.into())?;
            } else {
                match self.outgoing.poll_recv(cx) {
                    Poll::Ready(Some(message)) => {
                        Pin::new(&mut self.framed).start_send(message.into())?;
                    }
                    Poll::Ready(None) => {
                        self.outgoing_done = true;
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

    /// When the phase's work is done, the main loop ends.
    fn check_done(&mut self) -> Option<Exit> {
        let writes_done =
            self.outgoing_done && self.controls.is_empty() && self.goodbye_after_drain.is_none();
        match self.phase {
            Phase::Open => {
                if self.outgoing_done && self.receiver_gone {
                    // The user dropped every handle: close normally.
                    self.initiate(Goodbye::new(GoodbyeReason::Normal, ""), true);
                }
                None
            }
            Phase::Initiated { answered } => {
                (answered && writes_done && self.goodbye_sent).then_some(Exit::Graceful)
            }
            Phase::Answering => (self.read_eof && writes_done).then_some(Exit::Graceful),
        }
    }

    /// This side closes first. With `local_done` the user sends nothing more: the queue is
    /// drained and GOODBYE follows it; otherwise GOODBYE goes first and the user may still
    /// send the messages that complete exchanges in progress.
    fn initiate(&mut self, goodbye: Goodbye, local_done: bool) {
        if self.phase != Phase::Open {
            return;
        }
        self.phase = Phase::Initiated { answered: false };
        self.shared.said_goodbye_after(self.messages_read);
        if local_done {
            self.outgoing.close();
            self.goodbye_after_drain = Some(goodbye);
        } else {
            self.controls.push_back(Control::Goodbye(goodbye));
        }
        self.start_close_deadline();
    }

    fn on_goodbye(&mut self, goodbye: Goodbye) {
        match self.phase {
            Phase::Open => {
                if !goodbye.reason.is_normal() {
                    self.set_outcome(ConnectionError::Goodbye {
                        reason: goodbye.reason,
                        message: goodbye.message,
                    });
                }
                self.phase = Phase::Answering;
                if self.shared.answers_before_goodbye() {
                    // A request/response server: no request follows the GOODBYE; the
                    // replies to those read go out, then GOODBYE once it drops its
                    // sender (SPEC.md §11.6).
                    self.input_done = true;
                } else {
                    self.outgoing.close();
                }
                self.goodbye_after_drain = Some(Goodbye::new(GoodbyeReason::Normal, ""));
                self.start_close_deadline();
            }
            Phase::Initiated { .. } => {
                // The answer: everything the peer sent has arrived.
                self.phase = Phase::Initiated { answered: true };
                self.reading = false;
                self.input_done = true;
            }
            Phase::Answering => {}
        }
    }

    fn on_end_of_stream(&mut self) {
        self.reading = false;
        self.read_eof = true;
        self.input_done = true;
        match self.phase {
            Phase::Open => self.set_outcome(ConnectionError::PeerVanished),
            Phase::Initiated { .. } => self.phase = Phase::Initiated { answered: true },
            Phase::Answering => {}
        }
    }

    fn on_read_error(&mut self, err: CodecError) -> Exit {
        self.reading = false;
        self.input_done = true;
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
        self.outgoing.close();
        self.controls.clear();
        if !self.goodbye_sent {
            self.controls
                .push_back(Control::Goodbye(Goodbye::new(reason, message)));
        }
        Exit::Forced
    }

    fn start_close_deadline(&mut self) {
        if self.close_deadline.is_none() {
            let deadline = Instant::now() + self.config.close_timeout();
            self.close_deadline = Some(Box::pin(sleep_until(deadline)));
            self.close_deadline_armed = false;
        }
    }

    fn set_outcome(&mut self, error: ConnectionError) {
        if self.outcome.is_none() {
            self.outcome = Some(error);
        }
    }

    /// Ends the receiving half's stream, with the outcome so far.
    fn close_input(&mut self) {
        if !self.incoming.is_closed() {
            self.shared.set_outcome(self.outcome.clone());
            self.incoming.close();
        }
    }

    /// Closes the stream (see [`finish_closing`]) and returns the outcome.
    async fn finish(mut self, exit: Exit) -> Result<(), ConnectionError> {
        if !matches!(exit, Exit::Abandon) {
            let deadline = match &self.close_deadline {
                Some(sleep) => sleep.deadline(),
                None => Instant::now() + self.config.close_timeout(),
            };
            let controls = std::mem::take(&mut self.controls);
            finish_closing(self.framed, controls, deadline, self.read_eof).await;
        }
        self.outcome.map_or(Ok(()), Err)
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
