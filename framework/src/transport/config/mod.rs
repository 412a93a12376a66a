//! Settings of connections, servers and clients, with documented defaults.

mod client;
mod connection;
mod server;

pub use client::ClientConfig;
pub use connection::ConnectionConfig;
pub use server::ServerConfig;

/// The largest byte budget (permits are acquired as `u32`).
const MAX_BUDGET: usize = u32::MAX as usize;
