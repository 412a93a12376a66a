//! The payload codec (SPEC.md §4-§6): the [`Encode`] and [`Decode`] traits, the
//! [`Reader`] cursor, varints, fixed-width integers, [`Limits`], the typed errors and the
//! impls for the standard types. Nothing here knows about frames.

pub(crate) mod decode;
pub(crate) mod encode;
pub(crate) mod error;
pub mod evolve;
pub(crate) mod fixed;
pub(crate) mod impls;
pub(crate) mod limits;
pub(crate) mod reader;
pub mod varint;

pub use decode::{Decode, DecodeOwned};
pub use encode::Encode;
pub use error::{DecodeError, DecodeErrorKind, EncodeError, PathSegment};
pub use evolve::{UnknownFields, UnknownVariant};
pub use fixed::{Fixed, FixedInt};
pub use limits::Limits;
pub use reader::Reader;
