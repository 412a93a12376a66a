//! Shared pieces of wirewright's integration tests, written as a user of wirewright would
//! write them: the chat protocol of the derive's example (whose `Join` and `Say` are the
//! messages SPEC.md §9.4 defines), a reader for SPEC.md's test vectors and their notation, an allocation
//! counter, the transport tests' message and the request/response tests' service.

pub mod alloc_counter;
pub mod big_endian;
pub mod chat;
pub mod conformance;
pub mod evolution;
pub mod from_notation;
pub mod fuzz_cases;
pub mod fuzz_evolution;
pub mod fuzz_hello;
pub mod live_bytes;
pub mod notation;
pub mod rpc_types;
pub mod spec;
pub mod spec_types;
pub mod transport_types;
pub mod wire_script;
