//! The payload formats a comparison measures. Each one is measured one way: through its
//! codec in [`peers`](crate::peers), the same code the Criterion benchmarks run.

use std::fmt;

use crate::peers::{Bincode, Bitcode, Codec, Json, Owned, Postcard, Wincode, Wirewright};

/// A payload format measured by [`compare`](crate::compare).
///
/// ```
/// use wirewright_compare::Format;
/// assert_eq!(
///     Format::ALL.map(Format::name),
///     ["wirewright", "postcard", "bitcode", "wincode", "bincode", "JSON"],
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Format {
    /// wirewright's binary payload format (SPEC.md §4), through `Encode` and `Decode`.
    Wirewright,
    /// postcard 1, through serde ([`peers::Postcard`](crate::peers::Postcard)).
    Postcard,
    /// bitcode 0.6, its own derive ([`peers::Bitcode`](crate::peers::Bitcode)).
    Bitcode,
    /// wincode 0.6, its own derive ([`peers::Wincode`](crate::peers::Wincode)).
    Wincode,
    /// bincode 2.0.1's standard configuration, its own derive: a reference row, bincode
    /// is no longer maintained ([`peers::Bincode`](crate::peers::Bincode)).
    Bincode,
    /// JSON text, through serde_json: what a JSON frame carries (SPEC.md §8).
    Json,
}

impl Format {
    /// Every format, in the order tables and charts show them.
    pub const ALL: [Format; 6] = [
        Format::Wirewright,
        Format::Postcard,
        Format::Bitcode,
        Format::Wincode,
        Format::Bincode,
        Format::Json,
    ];

    /// The name tables and charts show.
    ///
    /// ```
    /// assert_eq!(wirewright_compare::Format::Json.name(), "JSON");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Format::Wirewright => "wirewright",
            Format::Postcard => "postcard",
            Format::Bitcode => "bitcode",
            Format::Wincode => "wincode",
            Format::Bincode => "bincode",
            Format::Json => "JSON",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error of one of the formats' libraries.
pub(crate) type BoxedError = Box<dyn std::error::Error + Send + Sync>;

/// One codec of each format, with its reused buffers.
#[derive(Default)]
pub(crate) struct Codecs {
    wirewright: Wirewright,
    postcard: Postcard,
    bitcode: Bitcode,
    wincode: Wincode,
    bincode: Bincode,
    json: Json,
}

impl Codecs {
    /// The payload of `message` in `format`.
    pub(crate) fn encode<T: Owned>(
        &mut self,
        format: Format,
        message: &T,
    ) -> Result<&[u8], BoxedError> {
        match format {
            Format::Wirewright => self.wirewright.try_encode(message),
            Format::Postcard => self.postcard.try_encode(message),
            Format::Bitcode => self.bitcode.try_encode(message),
            Format::Wincode => self.wincode.try_encode(message),
            Format::Bincode => self.bincode.try_encode(message),
            Format::Json => self.json.try_encode(message),
        }
    }

    /// The message that fills `payload` in `format`.
    pub(crate) fn decode<T: Owned>(
        &mut self,
        format: Format,
        payload: &[u8],
    ) -> Result<T, BoxedError> {
        match format {
            Format::Wirewright => self.wirewright.try_decode(payload),
            Format::Postcard => self.postcard.try_decode(payload),
            Format::Bitcode => self.bitcode.try_decode(payload),
            Format::Wincode => self.wincode.try_decode(payload),
            Format::Bincode => self.bincode.try_decode(payload),
            Format::Json => self.json.try_decode(payload),
        }
    }
}
