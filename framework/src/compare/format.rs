//! The payload formats a comparison measures, and how each one writes and reads a message.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{DecodeOwned, Encode};

/// A payload format measured by [`compare`](super::compare).
///
/// ```
/// use wirewright::compare::Format;
/// assert_eq!(Format::ALL.map(Format::name), ["wirewright", "JSON", "bincode"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Format {
    /// wirewright's binary payload format (SPEC.md §4), through `Encode` and `Decode`.
    Wirewright,
    /// JSON text, through serde_json: what a JSON frame carries (SPEC.md §8).
    Json,
    /// bincode 2.0.1's standard configuration (varint integers), through serde.
    Bincode,
}

impl Format {
    /// Every format, in the order tables and charts show them.
    pub const ALL: [Format; 3] = [Format::Wirewright, Format::Json, Format::Bincode];

    /// The name tables and charts show.
    ///
    /// ```
    /// assert_eq!(wirewright::compare::Format::Json.name(), "JSON");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Format::Wirewright => "wirewright",
            Format::Json => "JSON",
            Format::Bincode => "bincode",
        }
    }

    /// Appends `message` in this format to `buf`.
    pub(crate) fn encode<T>(self, message: &T, buf: &mut Vec<u8>) -> Result<(), BoxedError>
    where
        T: Encode + Serialize,
    {
        match self {
            Format::Wirewright => message.encode_raw(buf),
            Format::Json => serde_json::to_writer(buf, message)?,
            Format::Bincode => {
                bincode::serde::encode_into_std_write(message, buf, bincode_config())?;
            }
        }
        Ok(())
    }

    /// Reads one message in this format that fills all of `bytes`.
    pub(crate) fn decode<T>(self, bytes: &[u8]) -> Result<T, BoxedError>
    where
        T: DecodeOwned + DeserializeOwned,
    {
        Ok(match self {
            Format::Wirewright => T::decode(bytes)?,
            Format::Json => serde_json::from_slice(bytes)?,
            Format::Bincode => {
                let (value, read) = bincode::serde::decode_from_slice(bytes, bincode_config())?;
                if read != bytes.len() {
                    return Err(format!("{} trailing bytes", bytes.len() - read).into());
                }
                value
            }
        })
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error of one of the formats' libraries.
pub(crate) type BoxedError = Box<dyn std::error::Error + Send + Sync>;

/// bincode's standard configuration: little-endian, varint integers, no limit.
fn bincode_config() -> bincode::config::Configuration {
    bincode::config::standard()
}
