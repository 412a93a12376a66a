//! The cases of the cargo-fuzz target `hello` (`fuzz/fuzz_targets/hello.rs`): bytes from
//! a peer read as the first frame of a connection (a HELLO, SPEC.md §13.6), and as the
//! schema text a HELLO carries, which the receiver parses and compares with its own.
//! Neither may panic, hang or allocate beyond what the input justifies; what is accepted
//! reads back to the same bytes.

use wirewright::schema::{compare, parse, Describe};
use wirewright::transport::Hello;
use wirewright::Limits;

use crate::chat::Chat;

/// Runs every HELLO check on `data`.
///
/// # Panics
/// When wirewright breaks one of the properties above (the fuzzer's finding).
pub fn hello(data: &[u8]) {
    hello_frame(data);
    if let Ok(text) = std::str::from_utf8(data) {
        schema_text(text);
    }
}

/// `data` as a connection's first bytes: a whole valid HELLO is written back to exactly
/// its bytes; anything else is `Ok(None)` or a typed error.
fn hello_frame(data: &[u8]) {
    if let Ok(Some((hello, len))) = Hello::read_frame(data, &Limits::default()) {
        let mut again = Vec::new();
        assert_eq!(hello.write(&mut again), len);
        assert_eq!(again, data[..len], "a HELLO is read and written the same");
        if let Some(text) = &hello.schema {
            schema_text(text);
        }
    }
}

/// `text` as a peer's schema text: a text that parses is canonical (prints back to
/// itself), and comparing it with a schema of our own (either way) and with itself ends.
fn schema_text(text: &str) {
    if let Ok(schema) = parse(text) {
        assert_eq!(
            schema.to_string(),
            text,
            "a parsed schema text is canonical"
        );
        let own = Chat::schema();
        let _ = compare(&schema, &own);
        let _ = compare(&own, &schema);
        let _ = compare(&schema, &schema);
    }
}
