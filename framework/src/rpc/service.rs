//! What the code of [`#[service]`](crate::service) calls: the client's call through any
//! tower service of [`Call`]s, and the names it needs from tokio and tower.

use std::future::Future;
use std::pin::Pin;

use crate::{DecodeOwned, DecodeProtocol, Protocol};

use super::{Answer, Call, CallOptions, RpcClient, RpcError, RpcStream};

pub use tokio::io::{AsyncRead, AsyncWrite};
pub use tokio::net::ToSocketAddrs;
pub use tower_service::Service;

/// The future of a call on the server side: what a handler (or a tower service of
/// requests) returns, boxed.
pub type HandlerFuture<Resp, E> = Pin<Box<dyn Future<Output = Result<Resp, E>> + Send + 'static>>;

/// The future of a call on the server side of a service with streaming methods: its
/// [`Answer`], boxed.
pub type AnswerFuture<Resp, E> = Pin<Box<dyn Future<Output = Answer<Resp, E>> + Send + 'static>>;

/// What the streaming methods of a typed client open their streams through: an
/// [`RpcClient`] (SPEC.md §11.8; a stream stays on the connection it opened on, so a
/// tower stack of calls does not carry it).
pub trait OpenStream<Req, Resp, E> {
    /// Opens a stream of `request` with `options` (see [`RpcClient::stream`]).
    fn open_stream(
        &self,
        request: Req,
        options: CallOptions,
    ) -> impl Future<Output = Result<RpcStream<Resp, E>, RpcError<E>>> + Send;
}

impl<Req, Resp, E> OpenStream<Req, Resp, E> for RpcClient<Req, Resp, E>
where
    Req: Protocol + Send + Sync + 'static,
    Resp: for<'de> DecodeProtocol<'de> + Send + 'static,
    E: DecodeOwned + Send + 'static,
{
    fn open_stream(
        &self,
        request: Req,
        options: CallOptions,
    ) -> impl Future<Output = Result<RpcStream<Resp, E>, RpcError<E>>> + Send {
        self.stream(request, options)
    }
}

/// The options of one call of a typed client: the client's own (or the defaults), made
/// idempotent when the method is.
///
/// ```
/// use wirewright::rpc::{service, CallOptions};
/// assert!(service::options(None, true).is_idempotent());
/// assert!(!service::options(Some(CallOptions::new()), false).is_idempotent());
/// ```
pub fn options(options: Option<CallOptions>, idempotent: bool) -> CallOptions {
    let options = options.unwrap_or_default();
    if idempotent {
        options.idempotent()
    } else {
        options
    }
}

/// Waits until `service` is ready, then makes `call` through it (the tower contract:
/// `poll_ready` before `call`).
///
/// # Errors
/// The service's: its readiness error, or the call's.
///
/// ```
/// # use std::convert::Infallible;
/// use wirewright::rpc::{service, Call, RpcClient, RpcClientConfig, RpcServer, RpcServerConfig};
/// # #[derive(wirewright::Message, Debug, Clone, PartialEq)] #[wire(id = 1)] struct Ping;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (io, server_io) = tokio::io::duplex(4096);
/// let server = RpcServer::new(RpcServerConfig::new(), |p: Ping| async { Ok::<_, Infallible>(p) });
/// tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
/// let client = RpcClient::<Ping, Ping, Infallible>::over(io, RpcClientConfig::new());
/// assert_eq!(service::call(client, Call::new(Ping)).await.unwrap(), Ping);
/// # }
/// ```
pub async fn call<S, Req>(mut service: S, call: Call<Req>) -> Result<S::Response, S::Error>
where
    S: Service<Call<Req>>,
{
    std::future::poll_fn(|cx| service.poll_ready(cx)).await?;
    service.call(call).await
}

/// Makes `call` through `service` as [`call`] does, without its costs when `service` is
/// an [`RpcClient`] (the typed client's default): then the client's
/// [`call_with`](RpcClient::call_with) runs directly, with no clone of the client and no
/// boxed future (a tower service's future is boxed). Any other service is cloned and
/// called through the tower contract.
///
/// # Errors
/// The call's.
///
/// ```
/// # use std::convert::Infallible;
/// use wirewright::rpc::{service, Call, RpcClient, RpcClientConfig, RpcServer, RpcServerConfig};
/// # #[derive(wirewright::Message, Debug, Clone, PartialEq)] #[wire(id = 1)] struct Ping;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (io, server_io) = tokio::io::duplex(4096);
/// let server = RpcServer::new(RpcServerConfig::new(), |p: Ping| async { Ok::<_, Infallible>(p) });
/// tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
/// let client = RpcClient::<Ping, Ping, Infallible>::over(io, RpcClientConfig::new());
/// assert_eq!(service::call_typed(&client, Call::new(Ping)).await.unwrap(), Ping);
/// # }
/// ```
pub fn call_typed<'a, S, Req, Resp, E>(
    service: &'a S,
    call: Call<Req>,
) -> impl Future<Output = Result<Resp, RpcError<E>>> + 'a
where
    S: Service<Call<Req>, Response = Resp, Error = RpcError<E>> + Clone + 'static,
    Req: Protocol + Clone + Send + 'static,
    Resp: for<'de> DecodeProtocol<'de> + Send + 'static,
    E: DecodeOwned + Send + 'static,
{
    // Decided before the future starts, so that it holds the client or a clone of the
    // service, never `&S` (whose future would then be `Send` only for a `Sync` service).
    let route = match (service as &dyn std::any::Any).downcast_ref::<RpcClient<Req, Resp, E>>() {
        Some(client) => Route::Client(client),
        None => Route::Other(service.clone()),
    };
    async move {
        match route {
            Route::Client(client) => {
                let (request, options) = call.into_parts();
                client.call_with(request, options).await
            }
            Route::Other(other) => self::call(other, call).await,
        }
    }
}

/// Where [`call_typed`] sends a call.
enum Route<'a, C, S> {
    /// Straight to the client.
    Client(&'a C),
    /// Through (a clone of) another tower service.
    Other(S),
}

/// The error of a typed call whose reply is the response of another method.
///
/// ```
/// use wirewright::rpc::{service, RpcError};
/// # #[derive(wirewright::Message, Debug)] #[wire(id = 7)] struct Other;
/// let error: RpcError<()> = service::unexpected("Kv::get", &Other);
/// assert!(matches!(error, RpcError::UnexpectedResponse { method: "Kv::get", message_type: 7 }));
/// ```
pub fn unexpected<E, P: Protocol>(method: &'static str, response: &P) -> RpcError<E> {
    RpcError::UnexpectedResponse {
        method,
        message_type: response.message_type(),
    }
}
