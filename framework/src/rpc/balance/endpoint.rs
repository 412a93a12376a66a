//! One server: its pool of connections, its health and its counters.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};

use tokio::sync::Notify;
use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::rpc::{CallOptions, ErrorCode, RpcClient, RpcError, RpcStream};
use crate::schema::Describe;
use crate::transport::ConnectionError;
use crate::{DecodeOwned, DecodeProtocol, Protocol};

use super::health::{Admission, Health, Verdict};
use super::{BalanceConfig, EndpointMetrics, EndpointState};

/// A server, shared by the balancer and the calls running on it.
#[derive(Debug)]
pub(super) struct Endpoint<Req, Resp, E> {
    addr: SocketAddr,
    /// Set once the first connections are made.
    pool: OnceLock<Vec<Pooled<Req, Resp, E>>>,
    health: Mutex<Health>,
    /// The health's state, readable without the lock: what the balancer checks on
    /// every call (see [`state_code`]).
    state: AtomicU8,
    in_flight: AtomicUsize,
    calls: AtomicU64,
    failures: AtomicU64,
    ejections: AtomicU64,
    /// Told when the health changes, for [`BalancedClient::wait_until`](super::BalancedClient::wait_until).
    changed: Arc<Notify>,
    /// The task making the first connections.
    connecting: Mutex<Option<AbortHandle>>,
}

/// One connection of a server's pool.
#[derive(Debug)]
struct Pooled<Req, Resp, E> {
    client: RpcClient<Req, Resp, E>,
    calls: AtomicU64,
}

/// A call counted in a server's in-flight calls until dropped.
#[derive(Debug)]
pub(super) struct InFlight<Req, Resp, E> {
    endpoint: Arc<Endpoint<Req, Resp, E>>,
    admission: Admission,
}

impl<Req, Resp, E> InFlight<Req, Resp, E> {
    /// The server's address.
    pub(super) fn addr(&self) -> SocketAddr {
        self.endpoint.addr
    }
}

impl<Req, Resp, E> Drop for InFlight<Req, Resp, E> {
    fn drop(&mut self) {
        self.endpoint.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<Req, Resp, E> Endpoint<Req, Resp, E>
where
    Req: Protocol + Describe + Clone + Send + Sync + 'static,
    Resp: for<'de> DecodeProtocol<'de> + Describe + Send + 'static,
    E: DecodeOwned + Describe + Send + 'static,
{
    /// A server to connect to; the connections are made by a task, meanwhile it takes no
    /// calls.
    pub(super) fn start(
        addr: SocketAddr,
        config: &BalanceConfig,
        changed: Arc<Notify>,
    ) -> Arc<Self> {
        let endpoint = Arc::new(Endpoint {
            addr,
            pool: OnceLock::new(),
            health: Mutex::new(Health::connecting()),
            state: AtomicU8::new(state_code(EndpointState::Connecting)),
            in_flight: AtomicUsize::new(0),
            calls: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            ejections: AtomicU64::new(0),
            changed,
            connecting: Mutex::new(None),
        });
        let task = tokio::spawn(connect(Arc::downgrade(&endpoint), config.clone()));
        *lock(&endpoint.connecting) = Some(task.abort_handle());
        endpoint
    }
}

/// Makes the server's connections, each with [`RpcClient::connect`] (which retries with
/// the configured backoff); when that gives up, waits
/// [`probe_after`](BalanceConfig::probe_after) and starts again, until the server is
/// removed.
async fn connect<Req, Resp, E>(endpoint: Weak<Endpoint<Req, Resp, E>>, config: BalanceConfig)
where
    Req: Protocol + Describe + Clone + Send + Sync + 'static,
    Resp: for<'de> DecodeProtocol<'de> + Describe + Send + 'static,
    E: DecodeOwned + Describe + Send + 'static,
{
    let Some(addr) = endpoint.upgrade().map(|endpoint| endpoint.addr) else {
        return;
    };
    loop {
        let mut pool = Vec::with_capacity(config.connections_per_server());
        let mut failed = None;
        for _ in 0..config.connections_per_server() {
            match RpcClient::connect(addr, config.client().clone()).await {
                Ok(client) => pool.push(Pooled {
                    client,
                    calls: AtomicU64::new(0),
                }),
                Err(error) => {
                    failed = Some(error);
                    break;
                }
            }
        }
        let Some(endpoint) = endpoint.upgrade() else {
            return;
        };
        match failed {
            None => {
                // Only this task sets the pool.
                let _ = endpoint.pool.set(pool);
                endpoint.update_health(Health::connected);
                endpoint.changed.notify_waiters();
                tracing::debug!(%addr, "balanced client connected");
                return;
            }
            Some(error) => {
                endpoint.failures.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(%addr, %error, "balanced client could not connect");
            }
        }
        drop(endpoint);
        tokio::time::sleep(config.probe_after()).await;
    }
}

impl<Req, Resp, E> Endpoint<Req, Resp, E> {
    pub(super) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Calls in flight, the load the balancer compares.
    pub(super) fn load(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    pub(super) fn health(&self) -> Health {
        *lock(&self.health)
    }

    /// Changes the health with `change`, keeping the lock-free copy of its state in step.
    pub(super) fn update_health<R>(&self, change: impl FnOnce(&mut Health) -> R) -> R {
        let mut health = lock(&self.health);
        let result = change(&mut health);
        self.state
            .store(state_code(health.state()), Ordering::Relaxed);
        result
    }

    /// Whether the server takes regular calls, without taking the health's lock.
    pub(super) fn is_up(&self) -> bool {
        self.state.load(Ordering::Relaxed) == state_code(EndpointState::Up)
    }

    /// Whether the server is ejected or probed, without taking the health's lock.
    pub(super) fn is_out(&self) -> bool {
        let state = self.state.load(Ordering::Relaxed);
        state == state_code(EndpointState::Ejected) || state == state_code(EndpointState::Probing)
    }

    /// Counts a call as in flight on this server, as a probe or a regular call.
    pub(super) fn enter(self: &Arc<Self>, admission: Admission) -> InFlight<Req, Resp, E> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight {
            endpoint: Arc::clone(self),
            admission,
        }
    }

    /// Takes the server out of the balancer: no new calls; each connection closes
    /// (GOODBYE) once its calls are answered.
    pub(super) fn remove(&self)
    where
        Req: Send + 'static,
        Resp: Send + 'static,
        E: Send + 'static,
    {
        if let Some(task) = lock(&self.connecting).take() {
            task.abort();
        }
        let clients: Vec<_> = self
            .pool
            .get()
            .into_iter()
            .flatten()
            .map(|pooled| pooled.client.clone())
            .collect();
        tokio::spawn(async move {
            for client in clients {
                client.close().await;
            }
        });
    }

    pub(super) fn metrics(&self) -> EndpointMetrics {
        let health = self.health();
        EndpointMetrics {
            addr: self.addr,
            state: health.state(),
            calls: self.calls.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            consecutive_failures: health.consecutive_failures(),
            ejections: self.ejections.load(Ordering::Relaxed),
            in_flight: self.load(),
            calls_per_connection: self
                .pool
                .get()
                .into_iter()
                .flatten()
                .map(|pooled| pooled.calls.load(Ordering::Relaxed))
                .collect(),
        }
    }
}

impl<Req, Resp, E> InFlight<Req, Resp, E>
where
    Req: Protocol + Describe + Clone + Send + Sync + 'static,
    Resp: for<'de> DecodeProtocol<'de> + Describe + Send + 'static,
    E: DecodeOwned + Describe + Send + 'static,
{
    /// Sends the call on the connection of the pool with the fewest calls waiting, and
    /// records what its result says about the server.
    pub(super) async fn call(
        self,
        request: Req,
        options: CallOptions,
        config: &BalanceConfig,
    ) -> Result<Resp, RpcError<E>> {
        let endpoint = &self.endpoint;
        let Some(pooled) = endpoint.pool.get().and_then(|pool| least_loaded(pool)) else {
            // Not picked before its connections are made; say "not sent".
            return Err(RpcError::Connection(ConnectionError::Closed));
        };
        endpoint.calls.fetch_add(1, Ordering::Relaxed);
        pooled.calls.fetch_add(1, Ordering::Relaxed);
        let result = pooled.client.call_with(request, options).await;
        self.record(verdict(&result), config);
        result
    }

    /// Opens a stream (SPEC.md §11.8) on the connection of the pool with the fewest
    /// calls waiting, and records what opening it says about the server. The stream
    /// stays on that connection, and counts as a call in flight on its server (the load
    /// the balancer compares) until it is dropped.
    pub(super) async fn stream(
        self,
        request: Req,
        options: CallOptions,
        config: &BalanceConfig,
    ) -> Result<RpcStream<Resp, E>, RpcError<E>> {
        let endpoint = &self.endpoint;
        let Some(pooled) = endpoint.pool.get().and_then(|pool| least_loaded(pool)) else {
            return Err(RpcError::Connection(ConnectionError::Closed));
        };
        endpoint.calls.fetch_add(1, Ordering::Relaxed);
        pooled.calls.fetch_add(1, Ordering::Relaxed);
        let result = pooled.client.stream(request, options).await;
        self.record(verdict(&result), config);
        result.map(|stream| stream.holding(self))
    }

    /// Records a call's verdict in the server's health: ejects it after too many
    /// failures in a row, lets it back in after a successful probe.
    fn record(&self, verdict: Verdict, config: &BalanceConfig) {
        let endpoint = &self.endpoint;
        if verdict == Verdict::Failed {
            endpoint.failures.fetch_add(1, Ordering::Relaxed);
        }
        let now = Instant::now();
        let ejected = endpoint.update_health(|health| {
            let (eject_after, probe_after) = (config.eject_after(), config.probe_after());
            health.record(self.admission, verdict, now, eject_after, probe_after)
        });
        if ejected {
            endpoint.ejections.fetch_add(1, Ordering::Relaxed);
            tracing::info!(addr = %endpoint.addr, "ejected a server after failed calls");
        }
        if ejected || self.admission == Admission::Probe {
            endpoint.changed.notify_waiters();
        }
    }
}

/// The connection with the fewest calls waiting, starting the search at a random one so
/// that ties spread.
fn least_loaded<Req, Resp, E>(pool: &[Pooled<Req, Resp, E>]) -> Option<&Pooled<Req, Resp, E>> {
    if let [only] = pool {
        return Some(only);
    }
    let start = fastrand::usize(..pool.len().max(1));
    pool.iter()
        .cycle()
        .skip(start)
        .take(pool.len())
        .min_by_key(|pooled| pooled.client.pending_calls())
}

/// What a call's result says about its server.
fn verdict<Resp, E>(result: &Result<Resp, RpcError<E>>) -> Verdict {
    let Err(error) = result else {
        return Verdict::Healthy;
    };
    match error {
        RpcError::Application(_) | RpcError::InvalidReply { .. } => Verdict::Healthy,
        RpcError::Failed(failure) => match failure.code {
            ErrorCode::Overloaded | ErrorCode::ShuttingDown => Verdict::Failed,
            _ => Verdict::Healthy,
        },
        // Too large to send is the caller's doing, not the server's.
        RpcError::Connection(ConnectionError::MessageTooLarge { .. }) => Verdict::Neutral,
        RpcError::Connection(_)
        | RpcError::OutcomeUnknown(_)
        | RpcError::Connect(_)
        | RpcError::Unavailable { .. } => Verdict::Failed,
        // Timeouts, a closed client, and whatever later versions add.
        _ => Verdict::Neutral,
    }
}

/// [`EndpointState`] as a number, for [`Endpoint::state`].
fn state_code(state: EndpointState) -> u8 {
    match state {
        EndpointState::Connecting => 0,
        EndpointState::Up => 1,
        EndpointState::Ejected => 2,
        EndpointState::Probing => 3,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<Req, Resp, E> Drop for Endpoint<Req, Resp, E> {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.connecting).take() {
            task.abort();
        }
    }
}
