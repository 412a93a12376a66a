//! Shared pieces of wirewright's integration tests: the message types SPEC.md §9.4 defines,
//! a reader for SPEC.md's test vectors, and the transport tests' message and mock I/O.
//! Everything here uses only the public API, as a user crate would.

pub mod alloc_counter;
pub mod counting_io;
pub mod spec;
pub mod spec_types;
pub mod transport_types;
