//! The server's side of one stream (SPEC.md §11.8): OPEN, then the handler's items, each
//! sent only while the client's credit is positive, then END or an error frame.
//!
//! ```text
//!   OPEN ─► ┌ wait: credit > 0 ─► poll the handler's stream ─► item: spend, charge, send ┐
//!           └──────────────────────────────────────────────────────────────────────────┘
//!           end of stream ─► END      Err(e) ─► error frame, code 0
//!           deadline ─► code 7        CANCEL ─► code 8        credit broken ─► code 9
//! ```
//!
//! The handler's stream is not polled while the credit is spent, so a client that stops
//! reading holds the stream to its credit: the server makes no more items, and holds at
//! most the one being sent (charged to the reply budget until written).

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures_util::future::{AbortRegistration, Abortable};
use futures_util::{FutureExt, StreamExt};
use tokio::time::Instant;

use crate::transport::{ConnectionError, MessageSender};
use crate::{Encode, Protocol};

use super::budget::ReplyBudget;
use super::credit::Credit;
use super::handler::{cancelled, panicked};
use super::{Context, ErrorCode, Failure, Outbound, Reply, Signal, Streaming};

/// How a stream ends.
enum Ending<Resp, E> {
    /// Normally: END.
    End,
    /// With an error frame.
    Reply(Reply<Resp, E>),
    /// The connection is gone: nothing more to send.
    Gone,
}

/// Runs the stream `id`: sends OPEN, its items as the credit allows, and its end; stops
/// at `deadline` (code 7) or when `abort` fires (code 8: the client's CANCEL, or the end
/// of its input once `closing` is set). Returns `id`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn pump<Resp, E>(
    sender: &MessageSender<Outbound<Resp, E>>,
    budget: &Arc<ReplyBudget>,
    closing: &AtomicBool,
    id: u32,
    stream: Streaming<Resp, E>,
    credit: Arc<Credit>,
    deadline: Option<Instant>,
    abort: AbortRegistration,
) -> u32
where
    Resp: Protocol + Send + 'static,
    E: Encode + Send + 'static,
{
    let items = items(sender, budget, id, stream, &credit, deadline);
    let timed = async {
        match deadline {
            None => items.await,
            Some(deadline) => tokio::select! {
                ending = items => ending,
                () = tokio::time::sleep_until(deadline) => Ending::Reply(Reply::Failure(Failure::new(
                    ErrorCode::DeadlineExceeded,
                    "the stream's deadline passed; it was stopped",
                ))),
            },
        }
    };
    let ending = Abortable::new(timed, abort).await.unwrap_or_else(|_aborted| {
        let failure = if closing.load(Ordering::Acquire) {
            Failure::new(
                ErrorCode::Cancelled,
                "the connection's input ended (GOODBYE or half-close): no CREDIT can come, so the stream was stopped",
            )
        } else {
            cancelled()
        };
        Ending::Reply(Reply::Failure(failure))
    });
    // The handler's stream was dropped with `items`: the stream is over on this side.
    match ending {
        Ending::End => {
            send(
                sender,
                budget,
                id,
                Outbound::signal,
                Signal::End { correlation_id: id },
            )
            .await;
        }
        Ending::Reply(reply) => send_reply(sender, budget, id, reply).await,
        Ending::Gone => {}
    }
    id
}

/// OPEN and the items, until the stream ends.
async fn items<Resp, E>(
    sender: &MessageSender<Outbound<Resp, E>>,
    budget: &Arc<ReplyBudget>,
    id: u32,
    mut stream: Streaming<Resp, E>,
    credit: &Credit,
    deadline: Option<Instant>,
) -> Ending<Resp, E>
where
    Resp: Protocol + Send + 'static,
    E: Encode + Send + 'static,
{
    let open = Signal::Open { correlation_id: id };
    if !send(sender, budget, id, Outbound::signal, open).await {
        return Ending::Gone;
    }
    let context = Context::new(id, deadline);
    loop {
        if std::future::poll_fn(|cx| credit.poll_positive(cx))
            .await
            .is_err()
        {
            return Ending::Reply(Reply::Failure(Failure::new(
                ErrorCode::FlowControl,
                "the client granted more than 2^31 - 1 bytes of credit",
            )));
        }
        let next = context
            .scope(AssertUnwindSafe(stream.next()).catch_unwind())
            .await;
        let item = match next {
            Ok(Some(Ok(item))) => item,
            Ok(Some(Err(error))) => return Ending::Reply(Reply::Application(error)),
            Ok(None) => return Ending::End,
            Err(panic) => return Ending::Reply(panicked(id, &*panic)),
        };
        let reply = Reply::Response(item);
        let len = reply.encoded_len();
        credit.spend(len);
        let charge = budget.charge_stream(len).await;
        match sender
            .send_correlated(id, Outbound::charged(reply, len, charge))
            .await
        {
            Ok(()) => {}
            Err(ConnectionError::MessageTooLarge { len, max }) => {
                return Ending::Reply(Reply::Failure(Failure::new(
                    ErrorCode::ReplyTooLarge,
                    format!("an item is {len} bytes, more than the frame limit of {max}"),
                )))
            }
            Err(error) => {
                tracing::debug!(%error, correlation_id = id, "could not send a stream's item");
                return Ending::Gone;
            }
        }
    }
}

/// Sends `value` made an [`Outbound`] by `outbound` with its share of the budget; false
/// when the connection is gone.
async fn send<Resp, E, T: Encode>(
    sender: &MessageSender<Outbound<Resp, E>>,
    budget: &Arc<ReplyBudget>,
    id: u32,
    outbound: fn(T, super::budget::Charge) -> Outbound<Resp, E>,
    value: T,
) -> bool
where
    Resp: Protocol,
    E: Encode,
{
    let charge = budget.charge_stream(value.encoded_len()).await;
    match sender.send(outbound(value, charge)).await {
        Ok(()) => true,
        Err(error) => {
            tracing::debug!(%error, correlation_id = id, "could not send a stream's signal");
            false
        }
    }
}

/// Sends the error frame that ends the stream `id`.
async fn send_reply<Resp, E>(
    sender: &MessageSender<Outbound<Resp, E>>,
    budget: &Arc<ReplyBudget>,
    id: u32,
    reply: Reply<Resp, E>,
) where
    Resp: Protocol,
    E: Encode,
{
    let len = reply.encoded_len();
    let charge = budget.charge_stream(len).await;
    let sent = sender
        .send_correlated(id, Outbound::charged(reply, len, charge))
        .await;
    if let Err(ConnectionError::MessageTooLarge { len, max }) = sent {
        let failure = Reply::Failure(Failure::new(
            ErrorCode::ReplyTooLarge,
            format!("the stream's error is {len} bytes, more than the frame limit of {max}"),
        ));
        let len = failure.encoded_len();
        let charge = budget.charge_stream(len).await;
        let _ = sender
            .send_correlated(id, Outbound::charged(failure, len, charge))
            .await;
    } else if let Err(error) = sent {
        tracing::debug!(%error, correlation_id = id, "could not end a stream");
    }
}
