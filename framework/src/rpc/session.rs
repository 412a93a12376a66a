//! One connection of a client: the sending half, the calls waiting for replies, and
//! the task that runs the connection and hands each reply to its call.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;

use crate::transport::{
    Connection, ConnectionDriver, ConnectionError, MessageReceiver, MessageSender, Received,
};
use crate::Protocol;

use super::downstream::FromServer;
use super::pending::PendingCalls;
use super::signal::ClientFrame;
use super::stream::{RpcStream, StreamControl, StreamSlot};
use super::{Inbound, Reply, RpcError, Signal};

/// What a call waits for.
type Outcome<Resp, E> = Result<Resp, RpcError<E>>;

/// The calls and streams of a connection.
type Pending<Resp, E> = PendingCalls<Outcome<Resp, E>, Arc<StreamSlot<Resp, E>>>;

/// The client's side of one connection. Calls hold it (`Arc`) while they run; when the
/// last holder lets go, the connection closes.
#[derive(Debug)]
pub(crate) struct Session<Req, Resp, E> {
    sender: MessageSender<ClientFrame<Req>>,
    /// Whether calls send their DEADLINE and CANCEL frames (SPEC.md §11.7).
    signals: bool,
    pending: Arc<Pending<Resp, E>>,
    /// Cancelled when the connection's task has finished.
    finished: CancellationToken,
    /// Dropped with the session: tells the dispatcher to let the connection close.
    _release: oneshot::Sender<()>,
}

impl<Req, Resp, E> Session<Req, Resp, E>
where
    Req: Protocol + Send + 'static,
    Resp: Send + 'static,
    E: Send + 'static,
{
    /// Starts the task that drives `connection` and dispatches its replies.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub(crate) fn start(
        connection: Connection<FromServer<Resp, E>, ClientFrame<Req>>,
        driver: ConnectionDriver,
        unmatched: Arc<AtomicU64>,
        signals: bool,
    ) -> Arc<Self> {
        let (sender, receiver) = connection.split();
        let pending = Arc::new(PendingCalls::new(unmatched));
        let (release, released) = oneshot::channel();
        let finished = CancellationToken::new();
        let task = {
            let pending = Arc::clone(&pending);
            let finished = finished.clone();
            async move {
                let ((), outcome) =
                    crate::transport::together(dispatch(receiver, &pending, released), driver)
                        .await;
                if let Err(error) = outcome {
                    tracing::debug!(%error, "rpc connection ended");
                }
                finished.cancel();
            }
        };
        tokio::spawn(task);
        Arc::new(Session {
            sender,
            signals,
            pending,
            finished,
            _release: release,
        })
    }
}

impl<Req, Resp, E> Session<Req, Resp, E> {
    /// Whether new calls can be sent: the connection is open and the server has not
    /// said GOODBYE.
    pub(crate) fn is_usable(&self) -> bool {
        !self.sender.is_closed() && !self.pending.is_closed()
    }

    /// How many calls wait for their replies on this connection.
    pub(crate) fn pending_calls(&self) -> usize {
        self.pending.len()
    }

    /// The encoded length of their requests.
    pub(crate) fn pending_bytes(&self) -> usize {
        self.pending.bytes()
    }

    /// A token cancelled when the connection has closed.
    pub(crate) fn finished(&self) -> CancellationToken {
        self.finished.clone()
    }

    /// Sends `request` with a fresh correlation id and waits for its reply until
    /// `deadline` (`timeout` after the call began). Dropping the future gives up the
    /// call: a reply that arrives later is dropped. With call signals on, a DEADLINE
    /// frame precedes the request, and a call that gives up (its deadline passed, or its
    /// future was dropped) sends CANCEL (SPEC.md §11.7).
    pub(crate) async fn call(
        &self,
        request: Req,
        deadline: Instant,
        timeout: Duration,
    ) -> Outcome<Resp, E>
    where
        Req: Protocol,
    {
        let (id, reply) = self
            .pending
            .register(deadline, timeout, request.encoded_len())
            .map_err(RpcError::Connection)?;
        let mut waiting = Waiting {
            pending: &self.pending,
            id,
            armed: true,
            cancel_via: None,
        };
        if self.signals {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let signal = ClientFrame::Signal(Signal::Deadline {
                correlation_id: id,
                remaining,
            });
            tokio::time::timeout_at(deadline, self.sender.send(signal))
                .await
                .map_err(|_| RpcError::Timeout { timeout })?
                .map_err(RpcError::Connection)?;
        }
        // Sending waits only when the send queue is full: then within the deadline.
        let mut send = std::pin::pin!(self
            .sender
            .send_correlated(id, ClientFrame::Request(request)));
        let sent = match futures_util::poll!(&mut send) {
            Poll::Ready(sent) => sent,
            Poll::Pending => tokio::time::timeout_at(deadline, send)
                .await
                .map_err(|_| RpcError::Timeout { timeout })?,
        };
        sent.map_err(RpcError::Connection)?;
        if self.signals {
            waiting.cancel_via = Some(&self.sender);
        }
        // The dispatcher hands over the reply, or fails the call at its deadline.
        let outcome = reply
            .await
            .unwrap_or(Err(RpcError::OutcomeUnknown(ConnectionError::Closed)));
        waiting.armed = false; // the dispatcher took the entry out
        if let (Err(RpcError::Timeout { .. }), Some(sender)) = (&outcome, waiting.cancel_via) {
            cancel(sender, id);
        }
        outcome
    }
}

impl<Req, Resp, E> Session<Req, Resp, E>
where
    Req: Protocol + Send + 'static,
    Resp: Send + 'static,
    E: Send + 'static,
{
    /// Opens a stream (SPEC.md §11.8): sends its DEADLINE (when it has one), the request
    /// and its first CREDIT (`window` bytes), and waits for the server's OPEN until
    /// `open_by` (`open_timeout` after the call began). Dropping the future, or the
    /// stream, cancels it.
    pub(crate) async fn open_stream(
        self: &Arc<Self>,
        request: Req,
        deadline: Option<(Instant, Duration)>,
        open_by: Instant,
        open_timeout: Duration,
        window: u32,
    ) -> Result<RpcStream<Resp, E>, RpcError<E>> {
        let slot = StreamSlot::new(window);
        let id = self
            .pending
            .register_stream(Arc::clone(&slot))
            .map_err(RpcError::Connection)?;
        let control: Arc<dyn StreamControl> = Arc::clone(self) as Arc<dyn StreamControl>;
        let stream = RpcStream::new(id, Arc::clone(&slot), control, window, deadline);
        let timed_out = |_| RpcError::Timeout {
            timeout: open_timeout,
        };
        if let Some((at, _)) = deadline {
            let remaining = at.saturating_duration_since(Instant::now());
            let signal = ClientFrame::Signal(Signal::Deadline {
                correlation_id: id,
                remaining,
            });
            tokio::time::timeout_at(open_by, self.sender.send(signal))
                .await
                .map_err(timed_out)?
                .map_err(RpcError::Connection)?;
        }
        let request = self
            .sender
            .send_correlated(id, ClientFrame::Request(request));
        tokio::time::timeout_at(open_by, request)
            .await
            .map_err(timed_out)?
            .map_err(RpcError::Connection)?;
        let credit = ClientFrame::Signal(Signal::Credit {
            correlation_id: id,
            bytes: window,
        });
        tokio::time::timeout_at(open_by, self.sender.send(credit))
            .await
            .map_err(timed_out)?
            .map_err(RpcError::OutcomeUnknown)?;
        let opened = std::future::poll_fn(|cx| slot.poll_opened(cx));
        tokio::time::timeout_at(open_by, opened)
            .await
            .map_err(timed_out)??;
        Ok(stream)
    }
}

impl<Req, Resp, E> StreamControl for Session<Req, Resp, E>
where
    Req: Protocol + Send + 'static,
    Resp: Send + 'static,
    E: Send + 'static,
{
    fn credit(&self, id: u32, bytes: u32) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let sender = self.sender.clone();
        Box::pin(async move {
            let credit = ClientFrame::Signal(Signal::Credit {
                correlation_id: id,
                bytes,
            });
            if let Err(error) = sender.send(credit).await {
                tracing::debug!(%error, correlation_id = id, "could not send CREDIT");
            }
        })
    }

    fn forget(&self, id: u32, cancel_it: bool) {
        self.pending.remove_stream(id);
        if cancel_it {
            cancel(&self.sender, id);
        }
    }
}

/// Tells the server that the call `id` was given up (CANCEL), if the send queue has
/// room; otherwise the server runs the call to its end and its reply is dropped.
fn cancel<Req: Protocol>(sender: &MessageSender<ClientFrame<Req>>, id: u32) {
    let signal = ClientFrame::Signal(Signal::Cancel { correlation_id: id });
    if let Err(error) = sender.try_send(signal) {
        tracing::debug!(%error, correlation_id = id, "could not send CANCEL");
    }
}

/// Removes a call's entry when the call gives up before its reply came, and tells the
/// server (CANCEL) when the request was sent and call signals are on.
struct Waiting<'a, T, S, Req: Protocol> {
    pending: &'a PendingCalls<T, S>,
    id: u32,
    armed: bool,
    cancel_via: Option<&'a MessageSender<ClientFrame<Req>>>,
}

impl<T, S, Req: Protocol> Drop for Waiting<'_, T, S, Req> {
    fn drop(&mut self) {
        if self.armed {
            self.pending.cancel(self.id);
            if let Some(sender) = self.cancel_via {
                cancel(sender, self.id);
            }
        }
    }
}

/// Hands each reply to its call and fails the calls past their deadline, until the
/// connection ends (then fails the calls still waiting, at once) or the session is
/// dropped.
async fn dispatch<Resp, E>(
    mut receiver: MessageReceiver<FromServer<Resp, E>>,
    pending: &Pending<Resp, E>,
    mut released: oneshot::Receiver<()>,
) {
    let mut timer: Option<Pin<Box<Sleep>>> = None;
    let error = std::future::poll_fn(|cx| loop {
        match receiver.poll_recv(cx) {
            Poll::Ready(Ok(Some(received))) => {
                deliver(pending, received);
                continue;
            }
            Poll::Ready(Ok(None)) => return Poll::Ready(ConnectionError::Closed),
            Poll::Ready(Err(error)) => return Poll::Ready(error),
            Poll::Pending => {}
        }
        if Pin::new(&mut released).poll(cx).is_ready() {
            return Poll::Ready(ConnectionError::Closed);
        }
        if let Some(until) = pending.poll_rearm(cx.waker()) {
            set_timer(&mut timer, until);
        }
        if let Some(sleep) = &mut timer {
            if sleep.as_mut().poll(cx).is_ready() {
                let next =
                    pending.expire(Instant::now(), |timeout| Err(RpcError::Timeout { timeout }));
                set_timer(&mut timer, next);
                continue;
            }
        }
        return Poll::Pending;
    })
    .await;
    // The calls still waiting had sent their requests: the server may have run them.
    let streams = pending.close(error.clone(), |error| Err(RpcError::OutcomeUnknown(error)));
    for stream in streams {
        stream.end(Err(RpcError::OutcomeUnknown(error.clone())), true);
    }
}

/// Sets the dispatcher's timer to fire at `until`, or disarms it.
fn set_timer(timer: &mut Option<Pin<Box<Sleep>>>, until: Option<Instant>) {
    match (timer.as_mut(), until) {
        (Some(sleep), Some(until)) => sleep.as_mut().reset(until),
        (None, Some(until)) => *timer = Some(Box::pin(tokio::time::sleep_until(until))),
        (_, None) => *timer = None,
    }
}

/// Hands one reply to the call waiting for its correlation id (or one frame to its
/// stream), or logs and drops it.
fn deliver<Resp, E>(pending: &Pending<Resp, E>, received: Received<FromServer<Resp, E>>) {
    let id = received.correlation_id();
    let message_type = received.header.message_type;
    if let Some(stream) = pending.stream(id) {
        let payload_len = received.header.payload_len as usize;
        deliver_to_stream(
            pending,
            id,
            &stream,
            received.message.0,
            message_type,
            payload_len,
        );
        return;
    }
    let outcome = match received.message.0 {
        Inbound::Decoded(Reply::Response(response)) => Ok(response),
        Inbound::Decoded(Reply::Application(error)) => Err(RpcError::Application(error)),
        Inbound::Decoded(Reply::Failure(failure)) => Err(RpcError::Failed(failure)),
        Inbound::Undecodable { error } => Err(RpcError::InvalidReply {
            message_type,
            source: Arc::new(error),
        }),
        Inbound::Signal(signal @ (Signal::Open { .. } | Signal::End { .. })) => {
            match pending.stream(signal.correlation_id()) {
                Some(stream) => deliver_to_stream(
                    pending,
                    signal.correlation_id(),
                    &stream,
                    Inbound::Signal(signal),
                    message_type,
                    0,
                ),
                None => {
                    // The reader gave up on it (its CANCEL crossed the server's frames).
                    pending.unmatched();
                    tracing::debug!(?signal, "dropping a signal of no open stream");
                }
            }
            return;
        }
        Inbound::Signal(signal) => {
            // Only clients send them (SPEC.md §11.7).
            tracing::debug!(
                ?signal,
                "ignoring a call's control frame sent by the server"
            );
            return;
        }
    };
    if !pending.complete(id, outcome) {
        tracing::debug!(
            correlation_id = id,
            message_type,
            "dropping a reply that no call waits for (it timed out or gave up, or the id is unknown)"
        );
    }
}

/// Hands one frame of the stream `id` to its reader: OPEN, an item, END or the error
/// that ends it. A stream that ends (or breaks flow control) leaves the map, so its
/// later frames are dropped as unmatched.
fn deliver_to_stream<Resp, E>(
    pending: &Pending<Resp, E>,
    id: u32,
    stream: &StreamSlot<Resp, E>,
    frame: Inbound<Reply<Resp, E>>,
    message_type: u16,
    payload_len: usize,
) {
    let (end, by_server) = match frame {
        Inbound::Signal(Signal::Open { .. }) => {
            stream.open();
            return;
        }
        Inbound::Decoded(Reply::Response(item)) if !stream.is_open() => {
            // One reply instead of OPEN: the call did not become a stream.
            stream.only(item, payload_len);
            pending.remove_stream(id);
            return;
        }
        Inbound::Decoded(Reply::Response(item)) => {
            if stream.item(item, payload_len) {
                return;
            }
            tracing::debug!(
                correlation_id = id,
                "the server sent a stream item without credit"
            );
            pending.remove_stream(id);
            return;
        }
        Inbound::Signal(Signal::End { .. }) => (Ok(()), true),
        Inbound::Decoded(Reply::Application(error)) => (Err(RpcError::Application(error)), true),
        Inbound::Decoded(Reply::Failure(failure)) => (Err(RpcError::Failed(failure)), true),
        Inbound::Undecodable { error } => (
            Err(RpcError::InvalidReply {
                message_type,
                source: Arc::new(error),
            }),
            false,
        ),
        Inbound::Signal(_) => return,
    };
    pending.remove_stream(id);
    stream.end(end, by_server);
}
