//! The driver's closing: when the handshake is done, who closes first, what the peer's
//! GOODBYE or end of stream means, forced closes, and the final linger (SPEC.md §7).

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use crate::frame::{DecodeFrame, EncodeFrame};

use super::{Driver, Exit};
use crate::transport::closing::{GoodbyeSlot, Phase};
use crate::transport::linger::linger;
use crate::transport::read_state::ReadState;
use crate::transport::{CodecError, ConnectionError, Control, Goodbye, GoodbyeReason};

impl<T, In, Out> Driver<T, In, Out>
where
    T: AsyncRead + AsyncWrite + Unpin,
    In: for<'de> DecodeFrame<'de> + Send,
    Out: EncodeFrame + Send,
{
    /// When the phase's work is done, the main loop ends.
    pub(super) fn check_done(&mut self) -> Option<Exit> {
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
    pub(super) fn initiate(&mut self, goodbye: Goodbye, local_done: bool) {
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
    pub(super) fn answer(&mut self) {
        self.closing.phase = Phase::Answering;
        self.closing
            .start_deadline(self.config.goodbye_timeout(), self.grace_end);
    }

    /// The peer's GOODBYE (SPEC.md §7). With reason 0 the peer is done: its input ends
    /// here, and this side answers once its application is done replying. With reason 1
    /// this side sends what it had queued and answers at once, and keeps reading the
    /// frames that complete its own exchanges until the peer's stream ends. With a reason
    /// that closes at once (2 to 8) the GOODBYE was the peer's last frame and the peer
    /// discards what it reads: this side sends nothing more and closes.
    pub(super) fn on_goodbye(&mut self, goodbye: Goodbye) {
        match self.closing.phase {
            Phase::Open => {
                let reason = goodbye.reason;
                if reason.is_normal() {
                    self.read = ReadState::Done;
                } else {
                    self.set_outcome(ConnectionError::Goodbye {
                        reason,
                        message: goodbye.message,
                    });
                    if reason.waits_for_answer() {
                        self.outbox.close();
                    } else {
                        self.read = ReadState::Done;
                        self.outbox.discard();
                        self.pingpong.clear();
                        // Nothing is owed: the peer reads no answer.
                        self.closing.goodbye = GoodbyeSlot::Sent;
                    }
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

    pub(super) fn on_end_of_stream(&mut self) {
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

    pub(super) fn on_read_error(&mut self, err: CodecError) -> Exit {
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
    pub(super) fn force(
        &mut self,
        reason: GoodbyeReason,
        message: String,
        error: ConnectionError,
    ) -> Exit {
        self.set_outcome(error);
        self.read = ReadState::Done;
        self.outbox.discard();
        self.pingpong.clear();
        if !self.closing.goodbye_sent() {
            self.closing.goodbye = GoodbyeSlot::Now(Goodbye::new(reason, message));
        }
        Exit::Forced
    }

    /// Flushes and lingers (see [`linger`]), bounded by the linger timeout (capped by
    /// the shutdown grace), and returns the outcome.
    pub(super) async fn finish(&mut self, exit: Exit) -> Result<(), ConnectionError> {
        self.outbox.discard();
        self.read_charge.release();
        if !matches!(exit, Exit::Abandon) {
            let now = Instant::now();
            let mut deadline = now + self.config.linger_timeout();
            if let Some(end) = self.grace_end {
                deadline = deadline.min(end.max(now));
            }
            let goodbye = self.closing.take_unsent().map(Control::Goodbye);
            linger(&mut self.framed, goodbye, deadline, self.read_eof).await;
        }
        self.outcome.take().map_or(Ok(()), Err)
    }
}
