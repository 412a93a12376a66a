//! Shared pieces of the example programs: an annotated hex dump of frames, the datasets
//! of the comparison and the benchmarks, and the peer formats behind one trait.

pub mod annotate;
pub mod baseline;
mod borrowing;
pub mod chat;
pub mod datasets;
pub mod echo;
pub mod kv;
pub mod kv_cluster;
pub mod latency;
pub mod logging;
pub mod memory;
pub mod schemas;
pub mod shutdown;

/// The peer formats behind one trait, from `wirewright-compare` (where the comparison
/// measures each one the same way).
pub use wirewright_compare::peers;
