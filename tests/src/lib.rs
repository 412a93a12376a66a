//! Shared pieces of wirewright's integration tests: the message types SPEC.md §9.4 defines
//! and a reader for SPEC.md's test vectors. Everything here uses only the public API, as a
//! user crate would.

pub mod alloc_counter;
pub mod spec;
pub mod spec_types;
