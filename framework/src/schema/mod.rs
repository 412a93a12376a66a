//! The schema of a protocol as an artifact (SPEC.md §13): what its messages look like on
//! the wire, as a value ([`Schema`]), a stable text form ([`parse`], `Display`), a
//! fingerprint, and a check against a committed file for `cargo test`.
//!
//! ```
//! use wirewright::schema::Describe;
//! use wirewright::{Message, Protocol};
//!
//! #[derive(Message)]
//! #[wire(id = 1)]
//! pub struct Join { pub room: String }
//!
//! #[derive(Protocol)]
//! pub enum Chat { Join(Join) }
//!
//! assert_eq!(Chat::schema().to_string(), "\
//! wirewright schema 1
//! root Chat
//!
//! protocol Chat
//!   message 1 Join: Join
//!
//! struct Join id 1
//!   field room: string
//! ");
//! ```
//!
//! In a test, [`assert_compatible`] compares the current schema with the committed file
//! and lists every difference, compatible or breaking ([`compare`]).

pub mod codegen;
mod describe;
mod diff;
mod fingerprint;
mod lock;
mod model;
mod parse;
mod report;
mod std_impls;
mod text;

pub use describe::{generic_name, Begin, Describe, Registry};
#[doc(hidden)]
pub use describe::{DescribeField, DescribeOpaque, Probe};
pub use diff::compare;
pub use fingerprint::fnv1a_64;
pub use lock::{assert_compatible, check_file, LockError, Outcome, ENV};
pub use model::{Definition, Field, Fields, Int, Kind, MessageEntry, Schema, Type, Variant};
pub use parse::{parse, ParseError, MAX_TYPE_DEPTH};
pub use report::{Compatibility, Difference, Report};
pub use text::{HEADER, KEYWORDS};
