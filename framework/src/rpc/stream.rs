//! The client's side of a server stream (SPEC.md §11.8): the items the dispatcher
//! received and the reader has not taken, and the reader, which grants credit back as it
//! reads and cancels the stream when dropped.
//!
//! ```text
//!   dispatcher ─► StreamSlot (items, at most the credit + one) ─► RpcStream::poll_next
//!                                                                   │ read half the window
//!                                                                   ▼
//!                                                           CREDIT(bytes read) ─► server
//! ```

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_util::Stream;
use tokio::time::{Instant, Sleep};

use crate::Protocol;

use super::{ErrorCode, Failure, RpcError};

/// What a stream's reader needs from its connection: sending CREDIT, giving up (CANCEL)
/// and forgetting the stream. Held by the reader, it keeps the connection open.
pub(crate) trait StreamControl: Send + Sync {
    /// Sends a CREDIT of `bytes` for the stream `id` (waiting for room in the send queue).
    fn credit(&self, id: u32, bytes: u32) -> Pin<Box<dyn Future<Output = ()> + Send>>;
    /// Forgets the stream `id`; with `cancel`, tells the server (CANCEL).
    fn forget(&self, id: u32, cancel: bool);
}

/// The items of one stream that the reader has not taken, and how it ended.
#[derive(Debug)]
pub(crate) struct StreamSlot<Resp, E> {
    state: Mutex<SlotState<Resp, E>>,
}

#[derive(Debug)]
struct SlotState<Resp, E> {
    /// The server's OPEN came.
    opened: bool,
    /// Items received and not taken, with their payload lengths.
    items: VecDeque<(Resp, usize)>,
    /// How the stream ended, once it has (taken by the reader after the items).
    end: Option<Result<(), RpcError<E>>>,
    /// The server ended it (END or an error frame): the reader owes no CANCEL.
    ended_by_server: bool,
    /// Credit granted minus the bytes of items received.
    credit: i64,
    reader: Option<Waker>,
}

impl<Resp, E> StreamSlot<Resp, E> {
    /// A stream whose first CREDIT grants `window` bytes.
    pub(crate) fn new(window: u32) -> Arc<Self> {
        Arc::new(StreamSlot {
            state: Mutex::new(SlotState {
                opened: false,
                items: VecDeque::new(),
                end: None,
                ended_by_server: false,
                credit: i64::from(window),
                reader: None,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SlotState<Resp, E>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The server's OPEN.
    pub(crate) fn open(&self) {
        let mut state = self.lock();
        state.opened = true;
        state.wake();
    }

    /// An item of `bytes` payload bytes. False when it came without credit (the server
    /// broke flow control): the stream then ends with code 9 and takes nothing more.
    pub(crate) fn item(&self, item: Resp, bytes: usize) -> bool {
        let mut state = self.lock();
        if state.end.is_some() {
            return true;
        }
        if state.credit <= 0 {
            let failure = Failure::new(
                ErrorCode::FlowControl,
                format!(
                    "the server sent an item of {bytes} bytes with its credit spent ({} bytes)",
                    state.credit
                ),
            );
            state.end = Some(Err(RpcError::Failed(failure)));
            state.wake();
            return false;
        }
        state.credit -= i64::try_from(bytes).unwrap_or(i64::MAX / 2);
        state.items.push_back((item, bytes));
        state.wake();
        true
    }

    /// Whether the server has sent OPEN.
    pub(crate) fn is_open(&self) -> bool {
        self.lock().opened
    }

    /// The one reply the server sent instead of OPEN (SPEC.md §11.8, Opening): the
    /// stream's only item, then its end. A reply needs no credit.
    pub(crate) fn only(&self, item: Resp, bytes: usize) {
        let mut state = self.lock();
        if state.end.is_none() {
            state.items.push_back((item, bytes));
            state.end = Some(Ok(()));
            state.ended_by_server = true;
        }
        state.wake();
    }

    /// The end of the stream; `by_server` when the server sent it (END or an error
    /// frame), so that the reader sends no CANCEL.
    pub(crate) fn end(&self, end: Result<(), RpcError<E>>, by_server: bool) {
        let mut state = self.lock();
        if state.end.is_none() {
            state.end = Some(end);
            state.ended_by_server = by_server;
        }
        state.wake();
    }

    /// Credit the reader granted.
    fn grant(&self, bytes: u32) {
        self.lock().credit += i64::from(bytes);
    }

    /// Ready when the stream opened (`Ok`) or failed before it did (`Err`: its handler's
    /// error, a failure such as code 1 or 4).
    pub(crate) fn poll_opened(&self, cx: &mut Context<'_>) -> Poll<Result<(), RpcError<E>>> {
        let mut state = self.lock();
        if state.opened || matches!(state.end, Some(Ok(()))) || !state.items.is_empty() {
            return Poll::Ready(Ok(()));
        }
        match state.end.take() {
            // The call failed before its stream opened: the opening fails, and the stream
            // (never handed out) is over.
            Some(Err(error)) => {
                state.end = Some(Ok(()));
                Poll::Ready(Err(error))
            }
            end => {
                state.end = end;
                state.reader = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    /// The next item and its length, the end (`None`), or the error that ended it.
    #[allow(clippy::type_complexity)]
    fn poll_take(&self, cx: &mut Context<'_>) -> Poll<Option<Result<(Resp, usize), RpcError<E>>>> {
        let mut state = self.lock();
        if let Some(item) = state.items.pop_front() {
            return Poll::Ready(Some(Ok(item)));
        }
        match state.end.take() {
            Some(Ok(())) => {
                state.end = Some(Ok(()));
                Poll::Ready(None)
            }
            Some(Err(error)) => {
                state.end = Some(Ok(()));
                Poll::Ready(Some(Err(error)))
            }
            None => {
                state.reader = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    fn ended_by_server(&self) -> bool {
        self.lock().ended_by_server
    }
}

impl<Resp, E> SlotState<Resp, E> {
    fn wake(&mut self) {
        if let Some(reader) = self.reader.take() {
            reader.wake();
        }
    }
}

/// The items of a server stream (SPEC.md §11.8), as the client reads them: a
/// [`Stream`] of `Result<T, RpcError<E>>` that ends after the server's END, or with one
/// error: the stream's own error ([`RpcError::Application`]), a failure
/// ([`RpcError::Failed`]: the handler panicked, code 3; it was stopped at its deadline,
/// code 7; flow control broke, code 9), [`RpcError::Timeout`] (its deadline passed on
/// the client) or [`RpcError::OutcomeUnknown`] (the connection ended).
///
/// Reading grants the server credit: once half of
/// [`RpcClientConfig::stream_window`](super::RpcClientConfig::stream_window) has been
/// read, a CREDIT of the bytes read goes back, so the server sends at most the window
/// ahead of the reader. Dropping the stream before its end cancels it (CANCEL): the
/// server drops the handler's stream.
///
/// Made by [`RpcClient::stream`](super::RpcClient::stream) (items of the response
/// protocol) or by the streaming methods of a [`#[service]`](crate::service) client
/// (items of the method's type).
pub struct RpcStream<Resp, E, T = Resp> {
    reader: Reader<Resp, E>,
    pick: fn(Resp) -> Result<T, Resp>,
    method: &'static str,
    /// Kept as long as the stream: a balanced client's count of what its server is
    /// serving, so that an open stream weighs on the choice of server like a call.
    held: Option<Box<dyn Send>>,
}

/// The untyped part of an [`RpcStream`]; dropped before the end, it cancels the stream.
struct Reader<Resp, E> {
    id: u32,
    slot: Arc<StreamSlot<Resp, E>>,
    control: Arc<dyn StreamControl>,
    window: u32,
    /// Bytes read since the last CREDIT.
    read: u32,
    /// A CREDIT waiting for room in the send queue.
    crediting: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    deadline: Option<(Pin<Box<Sleep>>, Duration)>,
    done: bool,
    /// The connection forgot the stream (and the server was told, if it had to be).
    forgotten: bool,
}

impl<Resp, E, T> std::fmt::Debug for RpcStream<Resp, E, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcStream")
            .field("correlation_id", &self.reader.id)
            .field("method", &self.method)
            .field("done", &self.reader.done)
            .finish_non_exhaustive()
    }
}

impl<Resp, E> RpcStream<Resp, E> {
    /// The reader of the stream `id`.
    pub(crate) fn new(
        id: u32,
        slot: Arc<StreamSlot<Resp, E>>,
        control: Arc<dyn StreamControl>,
        window: u32,
        deadline: Option<(Instant, Duration)>,
    ) -> Self {
        RpcStream {
            reader: Reader {
                id,
                slot,
                control,
                window,
                read: 0,
                crediting: None,
                deadline: deadline
                    .map(|(at, timeout)| (Box::pin(tokio::time::sleep_until(at)), timeout)),
                done: false,
                forgotten: false,
            },
            pick: Ok,
            method: "stream",
            held: None,
        }
    }

    /// The same stream, its items picked out of the responses by `pick` (a response
    /// that is not this method's item fails the stream with
    /// [`RpcError::UnexpectedResponse`] naming `method`).
    ///
    /// ```
    /// # use wirewright::rpc::RpcStream;
    /// fn doubled(stream: RpcStream<u32, String>) -> RpcStream<u32, String, u64> {
    ///     stream.typed("Numbers::doubled", |n| Ok(u64::from(n) * 2))
    /// }
    /// ```
    pub fn typed<T>(
        self,
        method: &'static str,
        pick: fn(Resp) -> Result<T, Resp>,
    ) -> RpcStream<Resp, E, T> {
        RpcStream {
            reader: self.reader,
            pick,
            method,
            held: self.held,
        }
    }
}

impl<Resp, E, T> RpcStream<Resp, E, T> {
    /// The stream's correlation id.
    pub fn correlation_id(&self) -> u32 {
        self.reader.id
    }

    /// The same stream, keeping `guard` until it is dropped.
    pub(crate) fn holding(mut self, guard: impl Send + 'static) -> Self {
        self.held = Some(Box::new(guard));
        self
    }
}

impl<Resp, E> Reader<Resp, E> {
    /// Grants the server the bytes read, once they reach half the window.
    fn credit_back(&mut self, cx: &mut Context<'_>) {
        if let Some(crediting) = &mut self.crediting {
            if crediting.as_mut().poll(cx).is_pending() {
                return;
            }
            self.crediting = None;
        }
        if self.read == 0 || self.read < self.window.div_ceil(2) {
            return;
        }
        let bytes = std::mem::take(&mut self.read);
        self.slot.grant(bytes);
        let mut crediting = self.control.credit(self.id, bytes);
        if crediting.as_mut().poll(cx).is_pending() {
            self.crediting = Some(crediting);
        }
    }

    /// The next item, the end, or the error that ends the stream.
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Resp, RpcError<E>>>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.slot.poll_take(cx) {
            Poll::Ready(Some(Ok((item, bytes)))) => {
                self.read = self
                    .read
                    .saturating_add(u32::try_from(bytes).unwrap_or(u32::MAX));
                self.credit_back(cx);
                return Poll::Ready(Some(Ok(item)));
            }
            Poll::Ready(Some(Err(error))) => {
                if !self.slot.ended_by_server() {
                    // Ended here (an item that broke flow control or did not decode):
                    // the server is told at once.
                    self.give_up();
                }
                self.done = true;
                return Poll::Ready(Some(Err(error)));
            }
            Poll::Ready(None) => {
                self.done = true;
                return Poll::Ready(None);
            }
            Poll::Pending => self.credit_back(cx),
        }
        if let Some((sleep, timeout)) = &mut self.deadline {
            if sleep.as_mut().poll(cx).is_ready() {
                let timeout = *timeout;
                self.give_up();
                return Poll::Ready(Some(Err(RpcError::Timeout { timeout })));
            }
        }
        Poll::Pending
    }

    /// Ends the stream on this side: forgets it and tells the server (CANCEL).
    fn give_up(&mut self) {
        self.done = true;
        if !self.forgotten {
            self.forgotten = true;
            self.control.forget(self.id, true);
        }
    }
}

impl<Resp: Protocol, E, T> Stream for RpcStream<Resp, E, T> {
    type Item = Result<T, RpcError<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let item = match this.reader.poll_next(cx) {
            Poll::Ready(Some(Ok(item))) => item,
            Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => return Poll::Pending,
        };
        Poll::Ready(Some((this.pick)(item).map_err(|other| {
            this.reader.give_up();
            super::service::unexpected(this.method, &other)
        })))
    }
}

impl<Resp, E> Drop for Reader<Resp, E> {
    fn drop(&mut self) {
        if !self.forgotten {
            // A stream the server ended needs no CANCEL; one the reader gives up on does.
            self.control.forget(self.id, !self.slot.ended_by_server());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use futures_util::task::noop_waker;

    fn cx_poll<T>(poll: impl FnOnce(&mut Context<'_>) -> Poll<T>) -> Poll<T> {
        let waker = noop_waker();
        poll(&mut Context::from_waker(&waker))
    }

    #[test]
    fn an_item_beyond_the_credit_ends_the_stream_with_code_9() {
        let slot = StreamSlot::<u8, ()>::new(10);
        slot.open();
        assert!(slot.item(1, 6));
        assert!(slot.item(2, 6), "sent while the credit (4) was positive");
        assert!(!slot.item(3, 1), "the credit is spent: -2");
        let taken: Vec<_> = (0..3).map(|_| cx_poll(|cx| slot.poll_take(cx))).collect();
        assert!(matches!(taken[0], Poll::Ready(Some(Ok((1, 6))))));
        assert!(matches!(taken[1], Poll::Ready(Some(Ok((2, 6))))));
        assert!(matches!(
            &taken[2],
            Poll::Ready(Some(Err(RpcError::Failed(failure)))) if failure.code == ErrorCode::FlowControl
        ));
        assert!(
            !slot.ended_by_server(),
            "the client ended it: it owes a CANCEL"
        );
    }

    #[test]
    fn an_error_before_open_fails_the_opening_and_not_the_stream() {
        let slot = StreamSlot::<u8, &str>::new(10);
        assert!(cx_poll(|cx| slot.poll_opened(cx)).is_pending());
        slot.end(Err(RpcError::Application("refused")), true);
        assert!(matches!(
            cx_poll(|cx| slot.poll_opened(cx)),
            Poll::Ready(Err(RpcError::Application("refused")))
        ));
        assert!(slot.ended_by_server());
    }
}
