//! Many servers (feature `tower`, on by default): a client that spreads calls across
//! the servers of one service, routes around a failed one and lets it back in.
//!
//! ```text
//!                          BalancedClient (clone it freely)
//!   call ──► pick: a probe due? ──yes──► that server (half-open: one call)
//!                   │ no
//!                   ▼
//!            two servers that are up, at random ──► the one with fewer calls in flight
//!                   │
//!       ┌───────────┼──────────────────────┐
//!       ▼           ▼                      ▼
//!   server A     server B               server C         each: a pool of RpcClients
//!   Up           Ejected (probe later)  Up               (connections_per_server),
//!   ║ conn 1     ║ conn 1               ║ conn 1         each reconnecting with the
//!   ║ conn 2     ║ conn 2               ║ conn 2         transport's Backoff
//!
//!   failed without reaching the server (not sent, refused)  ─► sent again elsewhere
//!   outcome unknown (the server vanished mid-call)          ─► sent again if idempotent,
//!                                                              else reported
//! ```
//!
//! - **Power of two choices**: each call goes to the less loaded of two servers picked at
//!   random among those that are up, the load being the calls in flight on the server;
//!   it needs no global view and keeps the slow server from taking the same share.
//! - **Circuit breaking**: a server whose calls fail
//!   [`eject_after`](BalanceConfig::eject_after) times in a row (connection refused or
//!   lost, outcome unknown, overloaded, shutting down; never an application error) is
//!   ejected; after [`probe_after`](BalanceConfig::probe_after) one call probes it: if
//!   the server answers, it is up again, if not it stays ejected for another delay.
//! - **Retries on another server**: an attempt that did not reach its server
//!   ([`RpcError::is_retryable`](crate::rpc::RpcError::is_retryable)) is sent again,
//!   preferably elsewhere; an [idempotent](crate::rpc::CallOptions::idempotent) call is
//!   sent again after [`RpcError::OutcomeUnknown`](crate::rpc::RpcError::OutcomeUnknown)
//!   too. Other calls report it: they may have run.
//! - **Reconnects**: each connection is an [`RpcClient`](crate::rpc::RpcClient), which
//!   reconnects on the next call after the backoff of the
//!   [client's settings](BalanceConfig::client).
//! - **Service discovery**: [`BalancedClient::discover`] follows a stream of
//!   [`tower::discover::Change`]s;
//!   [`insert`](BalancedClient::insert) and [`remove`](BalancedClient::remove) change the
//!   servers by hand.
//! - **Metrics**: [`BalancedClient::endpoints`] tells each server's state, calls taken,
//!   failures and ejections ([`EndpointMetrics`]).
//!
//! tower's own `tower::balance::p2c` works too: [`RpcClient`](crate::rpc::RpcClient)
//! implements [`tower::load::Load`] (its calls waiting for replies);
//! [`BalancedClient`] adds what it lacks for rpc: typed errors, ejection and probing,
//! retries that know idempotence, and a client that is `Clone` without a buffer task.

mod client;
mod config;
mod endpoint;
mod health;
mod metrics;

pub use client::BalancedClient;
pub use config::BalanceConfig;
pub use metrics::{EndpointMetrics, EndpointState};
