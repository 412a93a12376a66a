//! What a handler can learn about the call it is running: the caller's deadline, read
//! from a task-local set by the server around each call, so that plain closures and
//! tower services see it as well as `#[service]` methods.

use std::time::Duration;

use tokio::time::Instant;

tokio::task_local! {
    static CURRENT: Context;
}

/// The call a handler runs: its correlation id and, when the client sent one (SPEC.md
/// §11.7), its deadline.
///
/// [`Context::current`] returns it inside a handler run by an
/// [`RpcServer`](super::RpcServer) (the handler's future and the code that makes it), and
/// `None` elsewhere.
///
/// ```
/// use std::convert::Infallible;
/// use std::time::Duration;
/// use wirewright::rpc::{CallOptions, Context, RpcClient, RpcClientConfig, RpcServer, RpcServerConfig};
/// # #[derive(wirewright::Message, Debug, Clone, PartialEq)] #[wire(id = 1)] struct Ping;
/// # #[derive(wirewright::Message, Debug, Clone, PartialEq)] #[wire(id = 2)] struct Left(u64);
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let (io, server_io) = tokio::io::duplex(4096);
/// let server = RpcServer::new(RpcServerConfig::new(), |_: Ping| async {
///     let left = Context::current().and_then(|call| call.remaining()).unwrap_or_default();
///     Ok::<_, Infallible>(Left(left.as_millis() as u64))
/// });
/// tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
/// // The client sends its calls' deadlines: the handler sees the time left.
/// let config = RpcClientConfig::new().with_call_signals(true);
/// let client = RpcClient::<Ping, Left, Infallible>::over(io, config);
/// let options = CallOptions::new().with_timeout(Duration::from_secs(2));
/// assert_eq!(client.call_with(Ping, options).await.unwrap(), Left(2000));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    correlation_id: u32,
    deadline: Option<Instant>,
}

impl Context {
    pub(crate) fn new(correlation_id: u32, deadline: Option<Instant>) -> Self {
        Context {
            correlation_id,
            deadline,
        }
    }

    /// The context of the call the current task runs, inside a handler.
    ///
    /// ```
    /// assert!(wirewright::rpc::Context::current().is_none()); // not in a handler
    /// ```
    pub fn current() -> Option<Context> {
        CURRENT.try_with(|context| *context).ok()
    }

    /// The request's correlation id.
    pub fn correlation_id(&self) -> u32 {
        self.correlation_id
    }

    /// When the caller gives up on the call, if it said (SPEC.md §11.7): the time of its
    /// DEADLINE's arrival plus the time it had left.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// How long until the caller gives up: zero once the deadline has passed, `None`
    /// when the caller sent no deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|deadline| deadline.saturating_duration_since(Instant::now()))
    }

    /// Runs `future` with this context as the current one.
    pub(crate) async fn scope<F: std::future::Future>(self, future: F) -> F::Output {
        CURRENT.scope(self, future).await
    }

    /// Runs `f` with this context as the current one.
    pub(crate) fn sync_scope<R>(self, f: impl FnOnce() -> R) -> R {
        CURRENT.sync_scope(self, f)
    }
}
