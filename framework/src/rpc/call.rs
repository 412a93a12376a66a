//! One call as a value, and the client as a [`tower_service::Service`] of calls, so that
//! tower's middleware (timeouts, rate and concurrency limits, load shedding, retries,
//! balancing) composes in front of an [`RpcClient`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::{DecodeOwned, DecodeProtocol, Protocol};

use super::{CallOptions, RpcClient, RpcError};

/// A request with the options of its call: what [`RpcClient`]'s
/// [`Service`](tower_service::Service) implementation takes.
///
/// A bare request converts into a call with the default options.
///
/// ```
/// use std::time::Duration;
/// use wirewright::rpc::{Call, CallOptions};
/// # #[derive(wirewright::Message, Debug, Clone, PartialEq)] #[wire(id = 1)] struct Get(String);
/// let call = Call::new(Get("key".into())).with_options(CallOptions::new().idempotent());
/// assert!(call.options().is_idempotent());
/// let plain: Call<Get> = Get("key".into()).into();
/// assert_eq!(plain.options(), &CallOptions::new());
/// assert_eq!(plain.into_request(), Get("key".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call<Req> {
    request: Req,
    options: CallOptions,
}

impl<Req> Call<Req> {
    /// A call of `request` with the default [`CallOptions`].
    pub fn new(request: Req) -> Self {
        Call {
            request,
            options: CallOptions::new(),
        }
    }

    /// The same call with `options`.
    #[must_use]
    pub fn with_options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }

    /// The request.
    pub fn request(&self) -> &Req {
        &self.request
    }

    /// The call's options.
    pub fn options(&self) -> &CallOptions {
        &self.options
    }

    /// The call's options, to change them in place (a middleware that sets a deadline).
    pub fn options_mut(&mut self) -> &mut CallOptions {
        &mut self.options
    }

    /// The request, without its options.
    pub fn into_request(self) -> Req {
        self.request
    }

    /// The request and its options.
    pub fn into_parts(self) -> (Req, CallOptions) {
        (self.request, self.options)
    }
}

impl<Req> From<Req> for Call<Req> {
    fn from(request: Req) -> Self {
        Call::new(request)
    }
}

/// The future of a call made through [`Service::call`](tower_service::Service::call).
pub type CallFuture<Resp, E> =
    Pin<Box<dyn Future<Output = Result<Resp, RpcError<E>>> + Send + 'static>>;

/// The client as a tower service: each [`Call`] runs as
/// [`RpcClient::call_with`] on a clone of the handle.
///
/// It is always ready: the client queues calls on its connection and bounds them in bytes
/// itself (a full send budget makes the call wait, within its deadline). Put
/// `ConcurrencyLimit` or `LoadShed` in front of it to refuse instead of waiting.
///
/// ```
/// use std::convert::Infallible;
/// use tower_service::Service;
/// use wirewright::rpc::{Call, RpcClient, RpcClientConfig, RpcServer, RpcServerConfig};
/// # #[derive(wirewright::Message, Debug, Clone, PartialEq)] #[wire(id = 1)] struct Double(u32);
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (io, server_io) = tokio::io::duplex(4096);
/// let server = RpcServer::new(RpcServerConfig::new(), |Double(n): Double| async move {
///     Ok::<_, Infallible>(Double(n * 2))
/// });
/// tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
/// let mut client = RpcClient::<Double, Double, Infallible>::over(io, RpcClientConfig::new());
/// let answer = Service::call(&mut client, Call::new(Double(21))).await.unwrap();
/// assert_eq!(answer, Double(42));
/// # }
/// ```
impl<Req, Resp, E> tower_service::Service<Call<Req>> for RpcClient<Req, Resp, E>
where
    Req: Protocol + Clone + Send + Sync + 'static,
    Resp: for<'de> DecodeProtocol<'de> + Send + 'static,
    E: DecodeOwned + Send + 'static,
{
    type Response = Resp;
    type Error = RpcError<E>;
    type Future = CallFuture<Resp, E>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: Call<Req>) -> Self::Future {
        let client = self.clone();
        Box::pin(async move {
            let (request, options) = call.into_parts();
            client.call_with(request, options).await
        })
    }
}
