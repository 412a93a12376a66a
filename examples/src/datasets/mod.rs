//! The datasets of the comparison and the benchmarks, built deterministically:
//!
//! - [`chat`]: small enum messages (join, say, leave, ping), about 60 bytes;
//! - [`log`]: HTTP access-log records (an IPv4 address, four strings, a status, a size);
//! - [`telemetry`]: a device id, timestamps, 64 `f32` readings and a few tags;
//! - [`blob`]: 64 KiB byte payloads;
//! - [`ids`]: a struct of eight random full-width `u64`s and six small integers;
//! - [`labels`]: many short strings (twelve to twenty labels of a few bytes each).
//!
//! Each type derives wirewright's `Message`, serde's traits and the derives of bincode
//! bitcode and wincode, so that every format is measured through its own fastest API. `chat`,
//! `log`, `labels` and `blob` also have a borrowed form (`ChatRef<'a>`, ...) with `&str` and
//! `&[u8]` fields, which decodes without copying the text.
//!
//! ```
//! use wirewright_examples::datasets::{blob, chat, log, telemetry};
//! assert_eq!(chat::messages(1000).len(), 1000);
//! assert_eq!(log::records(3).len(), 3);
//! assert_eq!(telemetry::batches(3).len(), 3);
//! assert_eq!(blob::blobs(1).len(), 1);
//! ```

pub mod blob;
pub mod chat;
mod generator;
pub mod ids;
pub mod labels;
pub mod log;
pub mod telemetry;

pub use generator::Generator;
