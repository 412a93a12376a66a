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
