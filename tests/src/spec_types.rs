//! The types SPEC.md §9.4 defines, derived exactly as the spec shows them, so that the
//! vectors check the derive's output byte for byte.

use wirewright::Message;

pub use crate::chat::{Join, Say};

/// SPEC.md §9.4 `Shape`: tags 0, 1 and 7.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// Tag 0.
    Circle {
        /// Radius.
        radius: u32,
    },
    /// Tag 1.
    Rect {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// Tag 7.
    #[wire(tag = 7)]
    Empty,
}

/// SPEC.md §9.7 `Get`: a request (message type 10).
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 10)]
pub struct Get {
    /// The key.
    pub key: String,
}

/// SPEC.md §9.7 `Value`: a response (message type 11).
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 11)]
pub struct Value {
    /// The value, if the key has one.
    pub value: Option<String>,
}

/// SPEC.md §9.7 `KvError`: the application error, tags 0 and 1.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub enum KvError {
    /// Tag 0.
    NotFound {
        /// The key.
        key: String,
    },
    /// Tag 1.
    ReadOnly,
}
