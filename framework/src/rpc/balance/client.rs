//! The balanced client: one handle over many servers.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll};

use ::tower::discover::Change;
use futures_util::{Stream, StreamExt};
use tokio::sync::Notify;
use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::rpc::service::OpenStream;
use crate::rpc::{Call, CallFuture, CallOptions, RpcError, RpcStream};
use crate::schema::Describe;
use crate::{DecodeOwned, DecodeProtocol, Protocol};

use super::endpoint::{Endpoint, InFlight};
use super::health::Admission;
use super::{BalanceConfig, EndpointMetrics};

/// A client of one service served by many servers: each call goes to the less loaded of
/// two servers picked at random (power of two choices on calls in flight), a server
/// that fails calls in a row is ejected and probed back later, and a call that did not
/// reach a server (or, when [idempotent](CallOptions::idempotent), whose outcome is
/// unknown) is sent again to another one. See the [module docs](super).
///
/// Cheap to clone: every clone shares the servers and their connections. It is a
/// [`tower_service::Service`] of [`Call`]s, always ready, like
/// [`RpcClient`](crate::rpc::RpcClient).
///
/// ```
/// use std::convert::Infallible;
/// use wirewright::rpc::balance::{BalanceConfig, BalancedClient, EndpointState};
/// use wirewright::rpc::{RpcServer, RpcServerConfig};
/// use wirewright::transport::{Server, ServerConfig};
/// # #[derive(wirewright::Message, Debug, Clone, PartialEq)] #[wire(id = 1)] struct Echo(u32);
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut addrs = Vec::new();
/// for _ in 0..3 {
///     let server = Server::bind("127.0.0.1:0", ServerConfig::new()).await?;
///     addrs.push(server.local_addr()?);
///     let rpc = RpcServer::new(RpcServerConfig::new(), |echo: Echo| async move { Ok::<_, Infallible>(echo) });
///     tokio::spawn(rpc.serve(server));
/// }
/// let client = BalancedClient::<Echo, Echo, Infallible>::new(addrs, BalanceConfig::new());
/// client.wait_until(|servers| servers.iter().all(|s| s.state == EndpointState::Up)).await;
/// for n in 0..30 {
///     assert_eq!(client.call(Echo(n)).await.unwrap(), Echo(n));
/// }
/// let calls: u64 = client.endpoints().iter().map(|server| server.calls).sum();
/// assert_eq!(calls, 30);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct BalancedClient<Req, Resp, E> {
    shared: Arc<Shared<Req, Resp, E>>,
}

impl<Req, Resp, E> Clone for BalancedClient<Req, Resp, E> {
    fn clone(&self) -> Self {
        BalancedClient {
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The servers at one moment; replaced as a whole when one is added or removed.
type Endpoints<Req, Resp, E> = Arc<Vec<Arc<Endpoint<Req, Resp, E>>>>;

#[derive(Debug)]
struct Shared<Req, Resp, E> {
    config: BalanceConfig,
    /// The servers: a list replaced (never changed in place) when a server is added or
    /// removed, so that a call picks from a snapshot without holding the lock.
    endpoints: Mutex<Endpoints<Req, Resp, E>>,
    /// Told when a server is added, removed, connected, ejected or probed.
    changed: Arc<Notify>,
    /// The task reading the discovery stream, if any.
    discovery: Mutex<Option<AbortHandle>>,
}

impl<Req, Resp, E> Drop for Shared<Req, Resp, E> {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.discovery).take() {
            task.abort();
        }
    }
}

impl<Req, Resp, E> BalancedClient<Req, Resp, E>
where
    Req: Protocol + Describe + Clone + Send + Sync + 'static,
    Resp: for<'de> DecodeProtocol<'de> + Describe + Send + 'static,
    E: DecodeOwned + Describe + Send + 'static,
{
    /// A client over the servers at `addrs`. It connects to them in the background
    /// (each server takes calls once its
    /// [`connections_per_server`](BalanceConfig::connections_per_server) connections
    /// are made); calls made before any server is up are retried as the backoff allows
    /// within their deadline.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn new(addrs: impl IntoIterator<Item = SocketAddr>, config: BalanceConfig) -> Self {
        let client = Self::empty(config);
        for addr in addrs {
            client.insert(addr);
        }
        client
    }

    /// A client over the servers a discovery stream announces: each
    /// [`Change::Insert`] adds a server (a known address is ignored), each
    /// [`Change::Remove`] takes one out (its connections close once their calls are
    /// answered). The stream is read by a task until it ends or every clone of the client
    /// is dropped.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use tower::discover::Change;
    /// use wirewright::rpc::balance::{BalanceConfig, BalancedClient};
    /// # #[derive(wirewright::Message, Debug, Clone, PartialEq)] #[wire(id = 1)] struct Echo(u32);
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (changes, discovered) = tokio::sync::mpsc::unbounded_channel();
    /// let discovered = futures_util::stream::unfold(discovered, |mut rx| async move {
    ///     rx.recv().await.map(|change| (change, rx))
    /// });
    /// let client = BalancedClient::<Echo, Echo, Infallible>::discover(discovered, BalanceConfig::new());
    /// changes.send(Change::Insert("127.0.0.1:7100".parse().unwrap(), ())).unwrap();
    /// client.wait_until(|servers| servers.len() == 1).await;
    /// changes.send(Change::Remove("127.0.0.1:7100".parse().unwrap())).unwrap();
    /// client.wait_until(|servers| servers.is_empty()).await;
    /// # }
    /// ```
    pub fn discover<S>(changes: S, config: BalanceConfig) -> Self
    where
        S: Stream<Item = Change<SocketAddr, ()>> + Send + 'static,
    {
        let client = Self::empty(config);
        let shared = Arc::downgrade(&client.shared);
        let task = tokio::spawn(follow(changes, shared));
        *lock(&client.shared.discovery) = Some(task.abort_handle());
        client
    }

    fn empty(config: BalanceConfig) -> Self {
        BalancedClient {
            shared: Arc::new(Shared {
                config,
                endpoints: Mutex::new(Arc::new(Vec::new())),
                changed: Arc::new(Notify::new()),
                discovery: Mutex::new(None),
            }),
        }
    }

    /// Adds the server at `addr` (nothing if it is there already) and starts connecting
    /// to it.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn insert(&self, addr: SocketAddr) {
        let mut endpoints = self.shared.lock_endpoints();
        if endpoints.iter().any(|endpoint| endpoint.addr() == addr) {
            return;
        }
        let changed = Arc::clone(&self.shared.changed);
        let mut list = Vec::clone(&endpoints);
        list.push(Endpoint::start(addr, &self.shared.config, changed));
        *endpoints = Arc::new(list);
        drop(endpoints);
        self.shared.changed.notify_waiters();
    }

    /// Takes the server at `addr` out: it gets no new calls, and its connections close
    /// (GOODBYE) once the calls in flight on them are answered. False if there was no
    /// such server.
    pub fn remove(&self, addr: SocketAddr) -> bool {
        let mut endpoints = self.shared.lock_endpoints();
        let Some(index) = endpoints
            .iter()
            .position(|endpoint| endpoint.addr() == addr)
        else {
            return false;
        };
        let mut list = Vec::clone(&endpoints);
        let endpoint = list.swap_remove(index);
        *endpoints = Arc::new(list);
        drop(endpoints);
        endpoint.remove();
        self.shared.changed.notify_waiters();
        true
    }

    /// Sends `request` with the default options: the client's
    /// [`call_timeout`](crate::rpc::RpcClientConfig::call_timeout), not idempotent.
    ///
    /// # Errors
    /// As [`call_with`](Self::call_with).
    pub async fn call(&self, request: Req) -> Result<Resp, RpcError<E>> {
        self.call_with(request, CallOptions::new()).await
    }

    /// Sends `request` to a server picked by power of two choices. When the attempt
    /// fails without reaching the server ([`RpcError::is_retryable`]), or, for an
    /// [idempotent](CallOptions::idempotent) call, with an unknown outcome
    /// ([`RpcError::OutcomeUnknown`]), the call is sent again, preferably to another
    /// server, after the backoff's delay, up to its number of attempts and within the
    /// call's deadline (which covers every attempt).
    ///
    /// # Errors
    /// As [`RpcClient::call`](crate::rpc::RpcClient::call), from the last attempt; a call
    /// that was not idempotent fails with [`RpcError::OutcomeUnknown`] when the server
    /// it was sent to vanished before answering. [`RpcError::Unavailable`] when no
    /// server took calls at the last attempt (none up, all ejected).
    pub async fn call_with(&self, request: Req, options: CallOptions) -> Result<Resp, RpcError<E>> {
        let config = &self.shared.config;
        let timeout = options
            .timeout()
            .unwrap_or_else(|| config.client().call_timeout());
        let deadline = Instant::now() + timeout;
        let backoff = *config.client().client().backoff();
        let mut last_server = None;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = match self.shared.pick(last_server) {
                Ok(in_flight) => {
                    last_server = Some(in_flight.addr());
                    let remaining = deadline.saturating_duration_since(Instant::now());
                    // Retries belong to the balancer (on another server), not to the
                    // connection: the attempt is sent once.
                    let attempt_options = CallOptions::new().with_timeout(remaining);
                    in_flight
                        .call(request.clone(), attempt_options, config)
                        .await
                        .map_err(|error| match error {
                            RpcError::Timeout { .. } => RpcError::Timeout { timeout },
                            error => error,
                        })
                }
                Err(unavailable) => Err(unavailable),
            };
            match result {
                Err(error)
                    if (error.is_retryable()
                        || (options.is_idempotent() && error.is_outcome_unknown()))
                        && attempt < backoff.max_attempts() =>
                {
                    let delay = backoff.delay(attempt - 1);
                    if Instant::now() + delay >= deadline {
                        return Err(error);
                    }
                    tracing::debug!(attempt, ?delay, "sending a call again");
                    tokio::time::sleep(delay).await;
                }
                outcome => return outcome,
            }
        }
    }
    /// Opens a server stream (SPEC.md §11.8) on a server picked by power of two choices,
    /// as [`RpcClient::stream`](crate::rpc::RpcClient::stream) does on one connection; the
    /// stream stays on the connection it opened on. Opening it counts for the server's
    /// health as a call does; it is not retried.
    ///
    /// # Errors
    /// As [`RpcClient::stream`](crate::rpc::RpcClient::stream);
    /// [`RpcError::Unavailable`] when no server takes calls.
    pub async fn stream(
        &self,
        request: Req,
        options: CallOptions,
    ) -> Result<RpcStream<Resp, E>, RpcError<E>> {
        let in_flight = self.shared.pick(None)?;
        in_flight
            .stream(request, options, &self.shared.config)
            .await
    }
}

impl<Req, Resp, E> OpenStream<Req, Resp, E> for BalancedClient<Req, Resp, E>
where
    Req: Protocol + Describe + Clone + Send + Sync + 'static,
    Resp: for<'de> DecodeProtocol<'de> + Describe + Send + 'static,
    E: DecodeOwned + Describe + Send + 'static,
{
    fn open_stream(
        &self,
        request: Req,
        options: CallOptions,
    ) -> impl std::future::Future<Output = Result<RpcStream<Resp, E>, RpcError<E>>> + Send {
        self.stream(request, options)
    }
}

impl<Req, Resp, E> BalancedClient<Req, Resp, E> {
    /// Each server's address, state and counters, in the order they were added (a
    /// removal moves the last one into the gap).
    pub fn endpoints(&self) -> Vec<EndpointMetrics> {
        self.shared
            .snapshot()
            .iter()
            .map(|endpoint| endpoint.metrics())
            .collect()
    }

    /// Waits until `condition` holds for [`endpoints`](Self::endpoints), checking it
    /// again each time a server is added, removed, connected, ejected or probed. Bound
    /// it with `tokio::time::timeout`: it waits for ever if the condition never holds.
    ///
    /// ```
    /// # use wirewright::rpc::balance::{BalanceConfig, BalancedClient};
    /// # #[derive(wirewright::Message, Debug, Clone)] #[wire(id = 1)] struct Ping;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = BalancedClient::<Ping, Ping, ()>::new([], BalanceConfig::new());
    /// client.wait_until(|servers| servers.is_empty()).await;
    /// # }
    /// ```
    pub async fn wait_until(&self, mut condition: impl FnMut(&[EndpointMetrics]) -> bool) {
        loop {
            let changed = self.shared.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if condition(&self.endpoints()) {
                return;
            }
            changed.await;
        }
    }

    /// The settings.
    pub fn config(&self) -> &BalanceConfig {
        &self.shared.config
    }
}

impl<Req, Resp, E> Shared<Req, Resp, E> {
    fn lock_endpoints(&self) -> MutexGuard<'_, Endpoints<Req, Resp, E>> {
        lock(&self.endpoints)
    }

    /// The servers now.
    fn snapshot(&self) -> Endpoints<Req, Resp, E> {
        Arc::clone(&self.lock_endpoints())
    }

    /// The server for the next attempt: an ejected server due for its probe, else the
    /// less loaded of two servers that are up picked at random (avoiding `last`, the
    /// server of the previous attempt, when there is another), else
    /// [`RpcError::Unavailable`].
    fn pick(&self, last: Option<SocketAddr>) -> Result<InFlight<Req, Resp, E>, RpcError<E>> {
        let now = Instant::now();
        let probe_after = self.config.probe_after();
        let endpoints = self.snapshot();
        for endpoint in endpoints.iter().filter(|endpoint| endpoint.is_out()) {
            let probe = endpoint.update_health(|health| {
                let due = health.is_due_for_probe(now, probe_after);
                if due {
                    health.start_probe(now);
                }
                due
            });
            if probe {
                self.changed.notify_waiters();
                return Ok(endpoint.enter(Admission::Probe));
            }
        }
        let up = |endpoint: &&Arc<Endpoint<Req, Resp, E>>| endpoint.is_up();
        let mut count = endpoints.iter().filter(up).count();
        let avoid = last.filter(|&last| {
            count > 1
                && endpoints
                    .iter()
                    .filter(up)
                    .any(|endpoint| endpoint.addr() == last)
        });
        if avoid.is_some() {
            count -= 1;
        }
        let eligible = || {
            endpoints
                .iter()
                .filter(up)
                .filter(|endpoint| Some(endpoint.addr()) != avoid)
        };
        let chosen = match count {
            0 => None,
            1 => eligible().next(),
            _ => {
                let first = fastrand::usize(..count);
                // A second index different from the first.
                let second = (first + 1 + fastrand::usize(..count - 1)) % count;
                let a = eligible().nth(first);
                let b = eligible().nth(second);
                match (a, b) {
                    (Some(a), Some(b)) if b.load() < a.load() => Some(b),
                    (a, b) => a.or(b),
                }
            }
        };
        match chosen {
            Some(endpoint) => Ok(endpoint.enter(Admission::Regular)),
            None => Err(self.unavailable(&endpoints, now)),
        }
    }

    /// Why no server takes calls: the most failures in a row of any server, and when the
    /// first ejected one may be probed.
    fn unavailable(&self, endpoints: &[Arc<Endpoint<Req, Resp, E>>], now: Instant) -> RpcError<E> {
        let probe_after = self.config.probe_after();
        let mut failures = 0;
        let mut next_probe: Option<Instant> = None;
        for endpoint in endpoints {
            let health = endpoint.health();
            failures = failures.max(health.consecutive_failures());
            if let Some(at) = health.probe_at(probe_after) {
                next_probe = Some(next_probe.map_or(at, |next| next.min(at)));
            }
        }
        let retry_in = next_probe.map_or_else(
            || self.config.client().client().backoff().initial_delay(),
            |at| at.saturating_duration_since(now),
        );
        RpcError::Unavailable { failures, retry_in }
    }
}

/// Applies a discovery stream's changes to the client, while it lives.
async fn follow<S, Req, Resp, E>(changes: S, shared: Weak<Shared<Req, Resp, E>>)
where
    S: Stream<Item = Change<SocketAddr, ()>> + Send + 'static,
    Req: Protocol + Describe + Clone + Send + Sync + 'static,
    Resp: for<'de> DecodeProtocol<'de> + Describe + Send + 'static,
    E: DecodeOwned + Describe + Send + 'static,
{
    let mut changes = std::pin::pin!(changes);
    while let Some(change) = changes.next().await {
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let client = BalancedClient { shared };
        match change {
            Change::Insert(addr, ()) => client.insert(addr),
            Change::Remove(addr) => {
                client.remove(addr);
            }
        }
    }
}

/// The balanced client as a tower service: each [`Call`] runs as
/// [`BalancedClient::call_with`] on a clone of the handle. Always ready (a call with
/// no server to go to fails with [`RpcError::Unavailable`] after its retries).
impl<Req, Resp, E> tower_service::Service<Call<Req>> for BalancedClient<Req, Resp, E>
where
    Req: Protocol + Describe + Clone + Send + Sync + 'static,
    Resp: for<'de> DecodeProtocol<'de> + Describe + Send + 'static,
    E: DecodeOwned + Describe + Send + 'static,
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

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
