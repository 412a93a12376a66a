//! The derive macros of [wirewright](https://docs.rs/wirewright).
//!
//! Use them through the `wirewright` crate, which re-exports them.
