//! Shared pieces of the example programs.

pub mod annotate;
pub mod baseline;
pub mod chat;
pub mod echo;
pub mod kv;
pub mod latency;
pub mod memory;
pub mod shutdown;
