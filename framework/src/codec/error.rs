//! The payload decoding error: what was wrong, at which byte, in which field.

use std::fmt;

/// Why a payload could not be decoded. Carried by [`DecodeError`].
///
/// Every variant names the numbers involved (what was expected, what was found, the limit)
/// so that its message reads as one complete sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended in the middle of a value.
    #[error("unexpected end of input: needed {needed} bytes, {available} remain")]
    UnexpectedEnd {
        /// Bytes the value needed from its start.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// A multi-byte varint ended in a `0x00` byte, which a shorter encoding would avoid.
    #[error("overlong varint: a shorter encoding of the same value exists")]
    VarintOverlong,
    /// A varint's value does not fit the integer type it encodes.
    #[error("varint overflows a {bits}-bit integer")]
    VarintOverflow {
        /// Width of the target type in bits.
        bits: u32,
    },
    /// A decoded integer does not fit the target type on this platform (`usize`, `isize`).
    #[error("integer {value} does not fit a {type_name}")]
    IntegerOutOfRange {
        /// The decoded value, widened.
        value: i128,
        /// The target type.
        type_name: &'static str,
    },
    /// A `bool` byte other than `0x00` or `0x01`.
    #[error("invalid bool: expected 0x00 or 0x01, found {found:#04x}")]
    InvalidBool {
        /// The byte found.
        found: u8,
    },
    /// An `Option` tag byte other than `0x00` (None) or `0x01` (Some).
    #[error("invalid Option tag: expected 0x00 or 0x01, found {found:#04x}")]
    InvalidOptionTag {
        /// The byte found.
        found: u8,
    },
    /// An enum variant tag that the type does not define.
    #[error("unknown variant tag {tag} for enum {type_name}")]
    UnknownVariant {
        /// The enum.
        type_name: &'static str,
        /// The tag found.
        tag: u64,
    },
    /// A string's bytes are not valid UTF-8.
    #[error("invalid UTF-8 after {valid_up_to} valid bytes of the string")]
    InvalidUtf8 {
        /// Length of the valid prefix.
        valid_up_to: usize,
    },
    /// A `char` value that is not a Unicode scalar value.
    #[error("invalid char: {found:#x} is not a Unicode scalar value")]
    InvalidChar {
        /// The code point found.
        found: u64,
    },
    /// A byte length larger than the bytes left in the input.
    #[error("declared length {declared} exceeds the {remaining} bytes left in the input")]
    LengthExceedsInput {
        /// The declared length.
        declared: u64,
        /// Bytes left after the length prefix.
        remaining: usize,
    },
    /// A collection count that the remaining bytes cannot hold, even at the elements'
    /// minimum encoded size.
    #[error(
        "declared count {count} exceeds the input: each element takes at least {min_element_len} \
         bytes and {remaining} bytes remain"
    )]
    CountExceedsInput {
        /// The declared count.
        count: u64,
        /// The minimum encoded size of one element.
        min_element_len: usize,
        /// Bytes left after the count prefix.
        remaining: usize,
    },
    /// A count of zero-sized elements above [`Limits::max_zero_sized_len`](crate::Limits).
    #[error("declared count {count} of zero-sized elements exceeds the limit of {limit}")]
    ZeroSizedCountExceedsLimit {
        /// The declared count.
        count: u64,
        /// The limit in force.
        limit: usize,
    },
    /// Values nest deeper than [`Limits::max_depth`](crate::Limits).
    #[error("nesting deeper than the limit of {limit} levels")]
    DepthLimitExceeded {
        /// The limit in force.
        limit: u32,
    },
    /// Map or set keys are not in strictly ascending order of their encodings.
    #[error("map or set key is not strictly greater than the previous key (non-canonical order or duplicate key)")]
    KeyOrder,
    /// Bytes remain after the value, which the canonical form forbids.
    #[error("{count} trailing bytes after the value")]
    TrailingBytes {
        /// How many bytes were left over.
        count: usize,
    },
    /// An error raised by a user's `Decode` implementation or `#[wire(with = ...)]` module.
    #[error("{0}")]
    Custom(String),
}

/// One step of the path from the outermost value to where decoding failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// A named (or numbered, `"0"`) field of a struct or variant: shown as `.name`.
    Field(&'static str),
    /// An enum variant: shown as `::Name`.
    Variant(&'static str),
    /// An element of a sequence, set or map: shown as `[index]`.
    Index(usize),
}

/// A payload could not be decoded.
///
/// It says what was wrong ([`kind`](Self::kind)), at which byte of the payload
/// ([`offset`](Self::offset)) and, for derived types, in which field ([`path`](Self::path)):
///
/// ```
/// use wirewright::Decode;
///
/// let err = String::decode(&[0x02, 0xc3, 0x28]).unwrap_err();
/// assert_eq!(err.offset(), 1);
/// assert_eq!(err.to_string(), "invalid UTF-8 after 0 valid bytes of the string at byte 1");
/// ```
///
/// The error is one pointer wide, so `Result<T, DecodeError>` stays small on the hot path.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError {
    inner: Box<Inner>,
}

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    kind: DecodeErrorKind,
    offset: usize,
    type_name: Option<&'static str>,
    /// Innermost segment first.
    path: Vec<PathSegment>,
}

impl DecodeError {
    /// An error of `kind` at byte `offset` of the payload.
    ///
    /// ```
    /// use wirewright::{DecodeError, DecodeErrorKind};
    /// let err = DecodeError::new(DecodeErrorKind::TrailingBytes { count: 2 }, 9);
    /// assert_eq!(err.to_string(), "2 trailing bytes after the value at byte 9");
    /// ```
    #[cold]
    pub fn new(kind: DecodeErrorKind, offset: usize) -> Self {
        DecodeError {
            inner: Box::new(Inner {
                kind,
                offset,
                type_name: None,
                path: Vec::new(),
            }),
        }
    }

    /// What was wrong.
    ///
    /// ```
    /// use wirewright::{Decode, DecodeErrorKind};
    /// let err = bool::decode(&[7]).unwrap_err();
    /// assert_eq!(err.kind(), &DecodeErrorKind::InvalidBool { found: 7 });
    /// ```
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.inner.kind
    }

    /// Offset of the offending byte from the start of the payload.
    ///
    /// ```
    /// use wirewright::Decode;
    /// assert_eq!(<(u8, bool)>::decode(&[1, 9]).unwrap_err().offset(), 1);
    /// ```
    pub fn offset(&self) -> usize {
        self.inner.offset
    }

    /// The outermost type named in the path, if a derived type was being decoded.
    ///
    /// ```
    /// use wirewright::{Decode, DecodeError};
    /// assert_eq!(u8::decode(&[]).unwrap_err().type_name(), None);
    /// ```
    pub fn type_name(&self) -> Option<&'static str> {
        self.inner.type_name
    }

    /// The path from the outermost value to the failure, outermost first.
    ///
    /// ```
    /// use wirewright::{Decode, PathSegment};
    /// let err = Vec::<bool>::decode(&[2, 1, 5]).unwrap_err();
    /// assert_eq!(err.path().collect::<Vec<_>>(), [&PathSegment::Index(1)]);
    /// ```
    pub fn path(&self) -> impl Iterator<Item = &PathSegment> + '_ {
        self.inner.path.iter().rev()
    }

    /// The path as text, `Type.field[3].inner`, or an empty string.
    ///
    /// ```
    /// use wirewright::{Decode, DecodeError, DecodeErrorKind};
    /// let err = DecodeError::new(DecodeErrorKind::InvalidBool { found: 2 }, 4)
    ///     .in_field("ok")
    ///     .in_type("Reply");
    /// assert_eq!(err.path_string(), "Reply.ok");
    /// assert_eq!(err.to_string(), "Reply.ok: invalid bool: expected 0x00 or 0x01, found 0x02 at byte 4");
    /// ```
    pub fn path_string(&self) -> String {
        let mut out = String::new();
        if let Some(name) = self.inner.type_name {
            out.push_str(name);
        }
        for segment in self.path() {
            match segment {
                PathSegment::Field(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                PathSegment::Variant(name) => {
                    out.push_str("::");
                    out.push_str(name);
                }
                PathSegment::Index(index) => {
                    out.push('[');
                    out.push_str(&index.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// Adds a field to the path (called as the error leaves that field's decoder).
    ///
    /// ```
    /// use wirewright::{DecodeError, DecodeErrorKind};
    /// let err = DecodeError::new(DecodeErrorKind::VarintOverlong, 0).in_field("len");
    /// assert_eq!(err.path_string(), "len");
    /// ```
    #[cold]
    #[must_use]
    pub fn in_field(mut self, name: &'static str) -> Self {
        self.inner.path.push(PathSegment::Field(name));
        self
    }

    /// Adds an enum variant to the path.
    ///
    /// ```
    /// use wirewright::{DecodeError, DecodeErrorKind};
    /// let err = DecodeError::new(DecodeErrorKind::VarintOverlong, 0)
    ///     .in_field("r")
    ///     .in_variant("Circle")
    ///     .in_type("Shape");
    /// assert_eq!(err.path_string(), "Shape::Circle.r");
    /// ```
    #[cold]
    #[must_use]
    pub fn in_variant(mut self, name: &'static str) -> Self {
        self.inner.path.push(PathSegment::Variant(name));
        self
    }

    /// Adds an element index to the path.
    ///
    /// ```
    /// use wirewright::{DecodeError, DecodeErrorKind};
    /// let err = DecodeError::new(DecodeErrorKind::VarintOverlong, 0).at_index(3).in_field("items");
    /// assert_eq!(err.path_string(), "items[3]");
    /// ```
    #[cold]
    #[must_use]
    pub fn at_index(mut self, index: usize) -> Self {
        self.inner.path.push(PathSegment::Index(index));
        self
    }

    /// Names the type being decoded; an outer type replaces an inner one, so the path
    /// starts at the outermost type.
    ///
    /// ```
    /// use wirewright::{DecodeError, DecodeErrorKind};
    /// let err = DecodeError::new(DecodeErrorKind::VarintOverlong, 0).in_type("Inner").in_field("x").in_type("Outer");
    /// assert_eq!(err.path_string(), "Outer.x");
    /// ```
    #[cold]
    #[must_use]
    pub fn in_type(mut self, name: &'static str) -> Self {
        self.inner.type_name = Some(name);
        self
    }

    /// An error with a message of the caller's, for hand-written decoders and
    /// `#[wire(with = ...)]` modules.
    ///
    /// ```
    /// use wirewright::DecodeError;
    /// let err = DecodeError::custom("port 0 is not allowed", 12);
    /// assert_eq!(err.to_string(), "port 0 is not allowed at byte 12");
    /// ```
    #[cold]
    pub fn custom(message: impl fmt::Display, offset: usize) -> Self {
        Self::new(DecodeErrorKind::Custom(message.to_string()), offset)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path_string();
        if !path.is_empty() {
            write!(f, "{path}: ")?;
        }
        write!(f, "{} at byte {}", self.inner.kind, self.inner.offset)
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("kind", &self.inner.kind)
            .field("offset", &self.inner.offset)
            .field("path", &self.path_string())
            .finish()
    }
}

impl std::error::Error for DecodeError {}

/// The buffer given to [`Encode::encode`](crate::Encode::encode) is too small.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("buffer too small: the encoding needs {required} bytes, {remaining} are free")]
pub struct EncodeError {
    /// Bytes the encoding needs.
    pub required: usize,
    /// Bytes the buffer could take.
    pub remaining: usize,
}
