//! Shared pieces of the example programs.

pub mod annotate;
pub mod chat;
pub mod echo;
pub mod memory;
pub mod shutdown;
