//! What an [`RpcServer`](super::RpcServer) runs for each request: a closure, or any tower
//! service of requests ([`FromService`]).

use std::future::Future;
use std::task::Poll;

use super::{Failure, Reply};

/// The handler of an [`RpcServer`](super::RpcServer): answers requests of protocol `Req`
/// with a response of protocol `Resp` or an application error `E`.
///
/// Implemented for closures `Fn(Req) -> impl Future<Output = Result<Resp, E>>` (always
/// ready, shared by every connection) and, with the `tower` feature, for [`FromService`]
/// (a tower service, cloned for each connection, whose readiness the server waits for
/// before it reads the next request: backpressure from `ConcurrencyLimit` or
/// `RateLimit` reaches the client through TCP). Not meant to be implemented elsewhere.
pub trait Handler<Req, Resp, E>: Send + Sync + 'static {
    /// The handler's state for one connection.
    type Connection: Send;
    /// What a call's future gives.
    type Output;
    /// A call in progress.
    type Future: Future<Output = Self::Output> + Send + 'static;
    /// Whether [`poll_ready`](Self::poll_ready) is always ready (the server then skips it).
    const ALWAYS_READY: bool;

    /// The state of a new connection.
    fn connection(&self) -> Self::Connection;

    /// Ready when the handler takes another call on `connection`; an error means it
    /// never will (the server stops reading that connection).
    fn poll_ready(
        &self,
        connection: &mut Self::Connection,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Result<(), Failure>>;

    /// Starts a call of `request` (after [`poll_ready`](Self::poll_ready) was ready).
    fn call(&self, connection: &mut Self::Connection, request: Req) -> Self::Future;

    /// The reply to a call that gave `output`.
    fn reply(output: Self::Output) -> Reply<Resp, E>;
}

impl<Req, Resp, E, H, F> Handler<Req, Resp, E> for H
where
    H: Fn(Req) -> F + Send + Sync + 'static,
    F: Future<Output = Result<Resp, E>> + Send + 'static,
{
    type Connection = ();
    type Output = Result<Resp, E>;
    type Future = F;
    const ALWAYS_READY: bool = true;

    fn connection(&self) -> Self::Connection {}

    fn poll_ready(&self, (): &mut (), _: &mut std::task::Context<'_>) -> Poll<Result<(), Failure>> {
        Poll::Ready(Ok(()))
    }

    fn call(&self, (): &mut (), request: Req) -> F {
        self(request)
    }

    fn reply(output: Result<Resp, E>) -> Reply<Resp, E> {
        Reply::from_result(output)
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

    use super::Handler;
    use crate::rpc::{ErrorCode, Failure, Reply};

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
        S: Service<Req, Response = Resp> + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        E: Error + Send + Sync + 'static,
    {
        type Connection = S;
        type Output = Result<Resp, S::Error>;
        type Future = S::Future;
        const ALWAYS_READY: bool = false;

        fn connection(&self) -> S {
            (self.make)()
        }

        fn poll_ready(
            &self,
            connection: &mut S,
            cx: &mut std::task::Context<'_>,
        ) -> Poll<Result<(), Failure>> {
            connection.poll_ready(cx).map_err(|error| {
                let error: BoxError = error.into();
                Failure::new(ErrorCode::HandlerFailed, error.to_string())
            })
        }

        fn call(&self, connection: &mut S, request: Req) -> S::Future {
            connection.call(request)
        }

        fn reply(output: Result<Resp, S::Error>) -> Reply<Resp, E> {
            match output {
                Ok(response) => Reply::Response(response),
                Err(error) => error_reply(error.into()),
            }
        }
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
