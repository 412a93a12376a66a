//! A retry policy for tower's `Retry`: idempotent calls only, within a budget.

use std::sync::Arc;

use ::tower::retry::budget::{Budget, TpsBudget};
use ::tower::retry::Policy;
use tokio::time::Sleep;

use crate::transport::Backoff;

use crate::rpc::{Call, RpcError};

/// Retries a [`Call`] that is [idempotent](crate::rpc::CallOptions::idempotent) after an
/// error that [is retryable](RpcError::is_retryable) (the request did not run) or whose
/// [outcome is unknown](RpcError::is_outcome_unknown) (it may have run: harmless for an
/// idempotent call), waiting a [`Backoff`] delay between attempts, up to the backoff's
/// [`max_attempts`](Backoff::max_attempts), and only while the shared [`TpsBudget`]
/// has a retry to spend. A call that is not idempotent, an application error, a timeout
/// or an invalid reply is never retried.
///
/// Every clone shares the budget (successes deposit into it, retries withdraw from it);
/// tower clones the policy for each call, so each call counts its own attempts.
///
/// [`RpcClient::call_with`](crate::rpc::RpcClient::call_with) already retries an
/// idempotent call on its own connection; give the client a backoff of one attempt
/// (`Backoff::new().with_max_attempts(1)`) when this policy should be the only one
/// retrying, so that the budget sees every retry.
///
/// ```
/// use std::time::Duration;
/// use tower::retry::budget::TpsBudget;
/// use tower::{Service, ServiceBuilder, ServiceExt};
/// use wirewright::rpc::tower::RetryIdempotent;
/// use wirewright::rpc::{Call, CallOptions, RpcClient, RpcClientConfig, RpcServer, RpcServerConfig};
/// # #[derive(wirewright::Message, Debug, Clone, PartialEq)] #[wire(id = 1)] struct Get(String);
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (io, server_io) = tokio::io::duplex(4096);
/// let server = RpcServer::new(RpcServerConfig::new(), |get: Get| async move { Ok::<_, ()>(get) });
/// tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
/// let client = RpcClient::<Get, Get, ()>::over(io, RpcClientConfig::new());
///
/// // At most 10% of calls retried, beyond a reserve of 5 retries per second.
/// let budget = TpsBudget::new(Duration::from_secs(10), 5, 0.1);
/// let mut service = ServiceBuilder::new()
///     .retry(RetryIdempotent::new(budget))
///     .service(client);
/// let call = Call::new(Get("key".into())).with_options(CallOptions::new().idempotent());
/// let answer = service.ready().await.unwrap().call(call).await.unwrap();
/// assert_eq!(answer, Get("key".into()));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RetryIdempotent {
    budget: Arc<TpsBudget>,
    backoff: Backoff,
    /// Retries made so far for the call this clone belongs to.
    retries: u32,
}

impl RetryIdempotent {
    /// A policy spending from `budget`, waiting [`Backoff::new`]'s delays.
    ///
    /// ```
    /// # use tower::retry::budget::TpsBudget;
    /// let policy = wirewright::rpc::tower::RetryIdempotent::new(TpsBudget::default());
    /// assert_eq!(policy.backoff().max_attempts(), 8);
    /// ```
    pub fn new(budget: TpsBudget) -> Self {
        RetryIdempotent {
            budget: Arc::new(budget),
            backoff: Backoff::new(),
            retries: 0,
        }
    }

    /// The same policy waiting `backoff`'s delays, and making at most
    /// [`max_attempts`](Backoff::max_attempts) attempts per call (the first included).
    ///
    /// ```
    /// # use tower::retry::budget::TpsBudget;
    /// use wirewright::transport::Backoff;
    /// let policy = wirewright::rpc::tower::RetryIdempotent::new(TpsBudget::default())
    ///     .with_backoff(Backoff::new().with_max_attempts(3));
    /// assert_eq!(policy.backoff().max_attempts(), 3);
    /// ```
    #[must_use]
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The delays between attempts and the most attempts per call.
    ///
    /// ```
    /// # use tower::retry::budget::TpsBudget;
    /// let policy = wirewright::rpc::tower::RetryIdempotent::new(TpsBudget::default());
    /// assert_eq!(policy.backoff(), &wirewright::transport::Backoff::new());
    /// ```
    pub fn backoff(&self) -> &Backoff {
        &self.backoff
    }

    /// The budget shared by every clone.
    ///
    /// ```
    /// # use tower::retry::budget::TpsBudget;
    /// let policy = wirewright::rpc::tower::RetryIdempotent::new(TpsBudget::default());
    /// assert!(std::sync::Arc::ptr_eq(policy.budget(), policy.clone().budget()));
    /// ```
    pub fn budget(&self) -> &Arc<TpsBudget> {
        &self.budget
    }
}

impl<Req, Resp, E> Policy<Call<Req>, Resp, RpcError<E>> for RetryIdempotent
where
    Req: Clone,
{
    type Future = Sleep;

    fn retry(
        &mut self,
        call: &mut Call<Req>,
        result: &mut Result<Resp, RpcError<E>>,
    ) -> Option<Sleep> {
        let error = match result {
            Ok(_) => {
                self.budget.deposit();
                return None;
            }
            Err(error) => error,
        };
        let worth_retrying = call.options().is_idempotent()
            && (error.is_retryable() || error.is_outcome_unknown())
            && self.retries + 1 < self.backoff.max_attempts();
        if !worth_retrying || !self.budget.withdraw() {
            return None;
        }
        let delay = self.backoff.delay(self.retries);
        self.retries += 1;
        tracing::debug!(
            retries = self.retries,
            ?delay,
            "retrying an idempotent call"
        );
        Some(tokio::time::sleep(delay))
    }

    fn clone_request(&mut self, call: &Call<Req>) -> Option<Call<Req>> {
        call.options().is_idempotent().then(|| call.clone())
    }
}
