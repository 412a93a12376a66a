//! `Encode` and `Decode` for the standard types SPEC.md §4 lists, one family per file.

mod map;
mod primitive;
pub(crate) mod sequence;
mod string;
mod wrapper;
