//! A facade over wirewright, as a framework built on it would be: users depend on the
//! facade alone and derive through its path with `#[wire(crate = "...")]`.
//!
//! ```
//! use wirewright_facade::wire::{Decode, Encode, Message};
//!
//! #[derive(Message, Debug, PartialEq)]
//! #[wire(crate = "wirewright_facade::wire", id = 1)]
//! struct Hello { name: String }
//!
//! let bytes = Hello { name: "ann".into() }.encode_to_vec();
//! assert_eq!(Hello::decode(&bytes)?, Hello { name: "ann".into() });
//! # Ok::<(), wirewright_facade::wire::DecodeError>(())
//! ```

/// The whole of wirewright, derive macros included.
///
/// ```
/// use wirewright_facade::wire::Encode;
/// assert_eq!("hi".encode_to_vec(), b"\x02hi");
/// ```
pub use wirewright_runtime as wire;
