//! Shared pieces of the example programs: an annotated hex dump of frames, and the
//! datasets of the comparison and the benchmarks.

pub mod annotate;
pub mod datasets;
