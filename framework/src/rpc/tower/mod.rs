//! tower middleware for rpc clients (feature `tower`, on by default).
//!
//! [`RpcClient`](super::RpcClient) and [`BalancedClient`](super::balance::BalancedClient)
//! are [`tower_service::Service`]s of [`Call`](super::Call)s, so tower's
//! [`ServiceBuilder`](::tower::ServiceBuilder) layers compose in front of them:
//!
//! ```text
//!  call ─► Timeout ─► RateLimit ─► LoadShed ─► ConcurrencyLimit ─► Retry<RetryIdempotent> ─► client
//! ```
//!
//! This module adds what tower cannot know about wirewright:
//!
//! - [`RetryIdempotent`]: a [`Policy`](::tower::retry::Policy) for tower's `Retry` that
//!   retries only [idempotent](super::CallOptions::idempotent) calls, only after an error
//!   that [is retryable](super::RpcError::is_retryable) or whose
//!   [outcome is unknown](super::RpcError::is_outcome_unknown), and only while a shared
//!   [`TpsBudget`](::tower::retry::budget::TpsBudget) allows it (so that retries cannot
//!   multiply the load on a struggling server).
//! - [`Load`](::tower::load::Load) for [`RpcClient`](super::RpcClient): its load is the
//!   number of calls waiting for replies ([`pending_calls`](super::RpcClient::pending_calls)),
//!   for tower's own balancers (`tower::balance::p2c`).

mod load;
mod retry;

pub use retry::RetryIdempotent;
