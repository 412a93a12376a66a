//! What an [`RpcServer`](super::RpcServer) runs for each request: a closure, or any tower
//! service of requests ([`FromService`]).

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::Poll;

use futures_util::future::{AbortRegistration, Abortable};
use futures_util::FutureExt;

use super::{Answer, Context, ErrorCode, Failure, Reply};

/// The handler of an [`RpcServer`](super::RpcServer): answers requests of protocol `Req`
/// with a response of protocol `Resp` or an application error `E`.
///
/// Implemented for closures `Fn(Req) -> impl Future<Output = Result<Resp, E>>` (always
/// ready, shared by every connection) and, with the `tower` feature, for [`FromService`]
/// (a tower service per connection, whose readiness the server waits for before it reads
/// the next request: backpressure from `ConcurrencyLimit` or `RateLimit` reaches the
/// client through TCP). Not meant to be implemented elsewhere.
pub trait Handler<Req, Resp, E>: Send + Sync + 'static {
    /// The handler's side of a new connection.
    fn connection(&self) -> Box<dyn HandlerConnection<Req, Resp, E> + Send + '_>;
}

/// A [`Handler`]'s side of one connection: takes calls when ready. Type-erased, so that
/// the connection's future holds no type of the handler's (it is `Send` whatever
/// lifetimes the handler's captures carry).
pub trait HandlerConnection<Req, Resp, E> {
    /// Whether [`poll_ready`](Self::poll_ready) is always ready (the server skips it).
    fn always_ready(&self) -> bool;

    /// Ready when the handler takes another call; an error means it never will (the
    /// server stops reading the connection).
    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> Poll<Result<(), Failure>>;

    /// Starts a call of `request` (after [`poll_ready`](Self::poll_ready) was ready):
    /// the handler's future runs with `context` as the current [`Context`], a panic is
    /// answered code 3, and `abort` stops it (answered code 8).
    fn call(
        &mut self,
        request: Req,
        context: Context,
        abort: AbortRegistration,
    ) -> RunningCall<Resp, E>;
}

/// A call in progress: its answer (a reply, or a stream to send, SPEC.md §11.8), with its
/// request's correlation id.
pub type RunningCall<Resp, E> = Pin<Box<dyn Future<Output = (u32, Answer<Resp, E>)> + Send>>;

/// The one place a handler's future becomes a call: made with `context` current (a
/// panic while making it is answered too), run with it, caught if it panics, stopped by
/// `abort`.
fn run_call<F, O, Resp, E>(
    make: impl FnOnce() -> F,
    reply: fn(O) -> Answer<Resp, E>,
    context: Context,
    abort: AbortRegistration,
) -> RunningCall<Resp, E>
where
    F: Future<Output = O> + Send + 'static,
    O: 'static,
    Resp: Send + 'static,
    E: Send + 'static,
{
    let id = context.correlation_id();
    let made = std::panic::catch_unwind(AssertUnwindSafe(|| context.sync_scope(make)));
    Box::pin(async move {
        let answer = match made {
            Err(panic) => Answer::Reply(panicked(id, &*panic)),
            Ok(call) => {
                let handled = AssertUnwindSafe(context.scope(call)).catch_unwind();
                match Abortable::new(handled, abort).await {
                    Ok(Ok(output)) => reply(output),
                    Ok(Err(panic)) => Answer::Reply(panicked(id, &*panic)),
                    Err(_aborted) => Answer::Reply(Reply::Failure(cancelled())),
                }
            }
        };
        (id, answer)
    })
}

/// The failure of a call the client cancelled.
pub(crate) fn cancelled() -> Failure {
    Failure::new(
        ErrorCode::Cancelled,
        "the client cancelled the call; its handler was stopped",
    )
}

/// The reply to a call whose handler panicked.
pub(crate) fn panicked<Resp, E>(id: u32, panic: &(dyn Any + Send)) -> Reply<Resp, E> {
    tracing::error!(
        correlation_id = id,
        panic = panic_message(panic),
        "a request handler panicked"
    );
    Reply::Failure(Failure::new(
        ErrorCode::HandlerFailed,
        "the handler panicked",
    ))
}

/// The text of a panic's payload, when it has one.
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)")
}

impl<Req, Resp, E, H, F> Handler<Req, Resp, E> for H
where
    H: Fn(Req) -> F + Send + Sync + 'static,
    F: Future<Output = Result<Resp, E>> + Send + 'static,
    Resp: Send + 'static,
    E: Send + 'static,
{
    fn connection(&self) -> Box<dyn HandlerConnection<Req, Resp, E> + Send + '_> {
        Box::new(Closure(self))
    }
}

/// A closure's side of a connection: the closure itself.
struct Closure<'a, H>(&'a H);

impl<Req, Resp, E, H, F> HandlerConnection<Req, Resp, E> for Closure<'_, H>
where
    H: Fn(Req) -> F,
    F: Future<Output = Result<Resp, E>> + Send + 'static,
    Resp: Send + 'static,
    E: Send + 'static,
{
    fn always_ready(&self) -> bool {
        true
    }

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> Poll<Result<(), Failure>> {
        Poll::Ready(Ok(()))
    }

    fn call(
        &mut self,
        request: Req,
        context: Context,
        abort: AbortRegistration,
    ) -> RunningCall<Resp, E> {
        let handler = self.0;
        run_call(
            move || handler(request),
            Answer::from_result,
            context,
            abort,
        )
    }
}

/// A handler that answers each request with an [`Answer`]: a reply, or a stream of
/// responses (SPEC.md §11.8). Made by [`RpcServer::streaming`](super::RpcServer::streaming).
#[derive(Debug, Clone)]
pub struct StreamingFn<H>(pub(crate) H);

impl<Req, Resp, E, H, F> Handler<Req, Resp, E> for StreamingFn<H>
where
    H: Fn(Req) -> F + Send + Sync + 'static,
    F: Future<Output = Answer<Resp, E>> + Send + 'static,
    Resp: Send + 'static,
    E: Send + 'static,
{
    fn connection(&self) -> Box<dyn HandlerConnection<Req, Resp, E> + Send + '_> {
        Box::new(StreamingClosure(&self.0))
    }
}

/// A streaming closure's side of a connection: the closure itself.
struct StreamingClosure<'a, H>(&'a H);

impl<Req, Resp, E, H, F> HandlerConnection<Req, Resp, E> for StreamingClosure<'_, H>
where
    H: Fn(Req) -> F,
    F: Future<Output = Answer<Resp, E>> + Send + 'static,
    Resp: Send + 'static,
    E: Send + 'static,
{
    fn always_ready(&self) -> bool {
        true
    }

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> Poll<Result<(), Failure>> {
        Poll::Ready(Ok(()))
    }

    fn call(
        &mut self,
        request: Req,
        context: Context,
        abort: AbortRegistration,
    ) -> RunningCall<Resp, E> {
        let handler = self.0;
        run_call(
            move || handler(request),
            std::convert::identity,
            context,
            abort,
        )
    }
}

#[cfg(feature = "tower")]
pub use self::tower_service_handler::FromService;

#[cfg(feature = "tower")]
mod tower_service_handler {
    use std::error::Error;
    use std::task::Poll;

    use tower::BoxError;
    use tower_service::Service;

    use super::{run_call, Handler, HandlerConnection, RunningCall};
    use crate::rpc::{Answer, Context, ErrorCode, Failure, Reply};
    use futures_util::future::AbortRegistration;

    /// A tower service of requests as an [`RpcServer`](crate::rpc::RpcServer)'s handler
    /// (made by [`RpcServer::from_service`](crate::rpc::RpcServer::from_service), whose
    /// connections each call a clone of the service, or
    /// [`RpcServer::from_service_fn`](crate::rpc::RpcServer::from_service_fn), whose
    /// connections each call a service of their own).
    ///
    /// The service's errors become replies: the application error `E` (boxed by the
    /// layers, and found again by downcasting) is sent typed (code 0); a [`Failure`] is
    /// sent as it is; tower's `Overloaded` (load shedding) is code 4 (the call did not
    /// run, the client may retry it); tower's `Elapsed` (a `Timeout` layer) and any other
    /// error are code 3 with the error's text.
    pub struct FromService<S> {
        make: Box<dyn Fn() -> S + Send + Sync>,
    }

    impl<S> FromService<S> {
        /// Each connection gets a service from `make`.
        pub(crate) fn new(make: impl Fn() -> S + Send + Sync + 'static) -> Self {
            FromService {
                make: Box::new(make),
            }
        }
    }

    impl<S> std::fmt::Debug for FromService<S> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("FromService").finish_non_exhaustive()
        }
    }

    impl<Req, Resp, E, S> Handler<Req, Resp, E> for FromService<S>
    where
        Req: 'static,
        S: Service<Req, Response = Resp> + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError> + 'static,
        Resp: Send + 'static,
        E: Error + Send + Sync + 'static,
    {
        fn connection(&self) -> Box<dyn HandlerConnection<Req, Resp, E> + Send + '_> {
            Box::new(PerConnection((self.make)()))
        }
    }

    /// A connection's own service.
    struct PerConnection<S>(S);

    impl<Req, Resp, E, S> HandlerConnection<Req, Resp, E> for PerConnection<S>
    where
        S: Service<Req, Response = Resp>,
        S::Future: Send + 'static,
        S::Error: Into<BoxError> + 'static,
        Resp: Send + 'static,
        E: Error + Send + Sync + 'static,
    {
        fn always_ready(&self) -> bool {
            false
        }

        fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> Poll<Result<(), Failure>> {
            self.0.poll_ready(cx).map_err(|error| {
                let error: BoxError = error.into();
                Failure::new(ErrorCode::HandlerFailed, error.to_string())
            })
        }

        fn call(
            &mut self,
            request: Req,
            context: Context,
            abort: AbortRegistration,
        ) -> RunningCall<Resp, E> {
            let service = &mut self.0;
            run_call(
                move || service.call(request),
                reply::<Resp, E, S::Error>,
                context,
                abort,
            )
        }
    }

    /// The reply for a service's result.
    fn reply<Resp, E, SE>(output: Result<Resp, SE>) -> Answer<Resp, E>
    where
        SE: Into<BoxError>,
        E: Error + 'static,
    {
        Answer::Reply(match output {
            Ok(response) => Reply::Response(response),
            Err(error) => error_reply(error.into()),
        })
    }

    /// The reply for a service's error (see [`FromService`]).
    fn error_reply<Resp, E: Error + 'static>(error: BoxError) -> Reply<Resp, E> {
        let error = match error.downcast::<E>() {
            Ok(error) => return Reply::Application(*error),
            Err(error) => error,
        };
        let error = match error.downcast::<Failure>() {
            Ok(failure) => return Reply::Failure(*failure),
            Err(error) => error,
        };
        let failure = if error.is::<tower::load_shed::error::Overloaded>() {
            Failure::new(
                ErrorCode::Overloaded,
                "the service is at its limit (load shed): the call did not run",
            )
        } else if error.is::<tower::timeout::error::Elapsed>() {
            Failure::new(
                ErrorCode::HandlerFailed,
                "the call ran past the server's time limit and was stopped",
            )
        } else {
            Failure::new(ErrorCode::HandlerFailed, error.to_string())
        };
        Reply::Failure(failure)
    }
}
