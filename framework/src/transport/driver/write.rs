//! The driver's write side: due control frames first, then queued messages, one flush.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Sink;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::frame::{DecodeFrame, EncodeFrame};

use super::Driver;
use crate::transport::closing::Phase;
use crate::transport::{CodecError, Control};

impl<T, In, Out> Driver<T, In, Out>
where
    T: AsyncRead + AsyncWrite + Unpin,
    In: for<'de> DecodeFrame<'de> + Send,
    Out: EncodeFrame + Send,
{
    /// Feeds due control frames and queued messages, then flushes once.
    pub(super) fn poll_write(&mut self, cx: &mut Context<'_>) -> Result<bool, CodecError> {
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
    pub(super) fn controls_allowed(&self) -> bool {
        !(self.closing.phase == Phase::Answering && self.closing.goodbye_sent())
    }
}
