//! The schemas of the example programs' protocols and the lock files that hold them
//! (`examples/schema/*.wwschema`), written and checked by `cargo run --bin schema`.

use wirewright::schema::{Describe, Schema};

use crate::{chat, echo, kv};

/// Each lock file's name and the current schema it must hold.
pub fn all() -> Vec<(&'static str, Schema)> {
    vec![
        ("echo.wwschema", echo::Text::schema()),
        ("chat-client.wwschema", chat::ClientMessage::schema()),
        ("chat-server.wwschema", chat::ServerMessage::schema()),
        ("kv-request.wwschema", kv::KvRequest::schema()),
        ("kv-response.wwschema", kv::KvResponse::schema()),
        ("kv-error.wwschema", kv::KvError::schema()),
    ]
}

/// The folder of the committed lock files.
pub fn lock_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema")
}
