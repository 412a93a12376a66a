//! The header's flags byte (SPEC.md §3.2).

use std::fmt;

/// The flags byte of a frame header.
///
/// | bit | mask   | meaning                                              |
/// |-----|--------|------------------------------------------------------|
/// | 0   | `0x01` | payload format: 0 = binary (SPEC.md §4), 1 = JSON    |
/// | 1   | `0x02` | control frame (heartbeat, goodbye): see SPEC.md §7   |
/// | 2–7 | `0xfc` | reserved: must be zero, a frame with any set is rejected |
///
/// ```
/// use wirewright::Flags;
/// let flags = Flags::JSON | Flags::CONTROL;
/// assert_eq!(flags.bits(), 0x03);
/// assert!(flags.contains(Flags::JSON));
/// assert_eq!(Flags::from_bits(0x04), None); // reserved bit
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(u8);

impl Flags {
    /// No flag set: a binary message frame.
    pub const EMPTY: Flags = Flags(0);
    /// The payload is JSON text instead of the binary format.
    pub const JSON: Flags = Flags(0x01);
    /// A control frame (SPEC.md §7), handled by the transport, never shown to the user.
    pub const CONTROL: Flags = Flags(0x02);
    /// The bits a peer must leave zero.
    pub const RESERVED_MASK: u8 = 0xfc;

    /// The flags in `bits`, or `None` when a reserved bit is set.
    ///
    /// ```
    /// assert_eq!(wirewright::Flags::from_bits(1), Some(wirewright::Flags::JSON));
    /// ```
    pub const fn from_bits(bits: u8) -> Option<Flags> {
        if bits & Self::RESERVED_MASK == 0 {
            Some(Flags(bits))
        } else {
            None
        }
    }

    /// The raw byte.
    ///
    /// ```
    /// assert_eq!(wirewright::Flags::CONTROL.bits(), 2);
    /// ```
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether every flag in `other` is set.
    ///
    /// ```
    /// use wirewright::Flags;
    /// assert!(!Flags::EMPTY.contains(Flags::JSON));
    /// ```
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// The payload format these flags announce.
    ///
    /// ```
    /// use wirewright::{Flags, PayloadFormat};
    /// assert_eq!(Flags::JSON.format(), PayloadFormat::Json);
    /// ```
    pub const fn format(self) -> PayloadFormat {
        if self.contains(Flags::JSON) {
            PayloadFormat::Json
        } else {
            PayloadFormat::Binary
        }
    }
}

impl core::ops::BitOr for Flags {
    type Output = Flags;
    fn bitor(self, rhs: Flags) -> Flags {
        Flags(self.0 | rhs.0)
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Flags({:#04x}", self.0)?;
        if self.contains(Flags::JSON) {
            f.write_str(" JSON")?;
        }
        if self.contains(Flags::CONTROL) {
            f.write_str(" CONTROL")?;
        }
        f.write_str(")")
    }
}

/// How a frame's payload is written.
///
/// ```
/// assert_eq!(wirewright::PayloadFormat::Json.to_string(), "JSON");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadFormat {
    /// wirewright's binary format (SPEC.md §4).
    Binary,
    /// JSON text (UTF-8).
    Json,
}

impl fmt::Display for PayloadFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PayloadFormat::Binary => "binary",
            PayloadFormat::Json => "JSON",
        })
    }
}
