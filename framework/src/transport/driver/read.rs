//! The driver's read side: delivering decoded messages within the receive budget,
//! deciding whether to read ([`ReadState`]), and what each frame read means.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::frame::{DecodeFrame, EncodeFrame};

use super::{Driver, Exit, Pending};
use crate::transport::inbox::Delivery;
use crate::transport::read_state::{Pause, ReadState};
use crate::transport::{ConnectionError, Control, GoodbyeReason, Incoming, Received};

impl<T, In, Out> Driver<T, In, Out>
where
    T: AsyncRead + AsyncWrite + Unpin,
    In: for<'de> DecodeFrame<'de> + Send,
    Out: EncodeFrame + Send,
{
    /// Hands a decoded message to the receiving half when the receive budget and queue
    /// have room.
    pub(super) fn poll_deliver(&mut self, cx: &mut Context<'_>) -> bool {
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
    pub(super) fn drop_pending(&mut self) {
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
    pub(super) fn update_read_state(&mut self, cx: &mut Context<'_>) -> Result<(), Exit> {
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
    pub(super) fn poll_read(&mut self, cx: &mut Context<'_>) -> Result<bool, Exit> {
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

    pub(super) fn on_message(&mut self, message: Received<In>) {
        self.message_fresh = true;
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

    pub(super) fn on_flood(&mut self, limit: u32) -> Exit {
        self.shared.metrics.add_control_flood_closes(1);
        let message = format!("{limit} or more control frames within one second");
        self.force(
            GoodbyeReason::ControlFlood,
            message,
            ConnectionError::ControlFlood { limit },
        )
    }
}
