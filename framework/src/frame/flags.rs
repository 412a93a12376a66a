//! The header's flags byte (SPEC.md §3.2).

use std::fmt;

/// The flags byte of a frame header.
///
/// | bit | mask   | meaning                                              |
/// |-----|--------|------------------------------------------------------|
/// | 0   | `0x01` | payload format: 0 = binary (SPEC.md §4), 1 = JSON    |
/// | 1   | `0x02` | control frame (heartbeat, goodbye): see SPEC.md §7   |
/// | 2   | `0x04` | response: the frame answers the request with the same correlation id (SPEC.md §11) |
/// | 3   | `0x08` | error: the response is an error (with `0x04` only; SPEC.md §11) |
/// | 4–7 | `0xf0` | reserved: must be zero, a frame with any set is rejected |
///
/// Three combinations are invalid as well: ERROR without RESPONSE, CONTROL with
/// RESPONSE or ERROR, and ERROR with JSON (error payloads are binary).
///
/// ```
/// use wirewright::{Flags, FrameKind};
/// let flags = Flags::JSON | Flags::CONTROL;
/// assert_eq!(flags.bits(), 0x03);
/// assert!(flags.contains(Flags::JSON));
/// assert_eq!(Flags::from_bits(0x10), None); // reserved bit
/// assert_eq!(Flags::from_bits(0x08), None); // ERROR without RESPONSE
/// assert_eq!(Flags::from_bits(0x0c).map(Flags::kind), Some(FrameKind::Error));
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
    /// A response: the frame answers the request with the same correlation id.
    pub const RESPONSE: Flags = Flags(0x04);
    /// An error response (always together with [`RESPONSE`](Self::RESPONSE)): the
    /// message-type field holds an error code and the payload the error (SPEC.md §11).
    pub const ERROR: Flags = Flags(0x08);
    /// The bits a peer must leave zero.
    pub const RESERVED_MASK: u8 = 0xf0;

    /// The flags in `bits`, or `None` when a reserved bit is set or the bits combine
    /// flags that exclude each other (see [`is_valid_combination`](Self::is_valid_combination)).
    ///
    /// ```
    /// assert_eq!(wirewright::Flags::from_bits(1), Some(wirewright::Flags::JSON));
    /// ```
    pub const fn from_bits(bits: u8) -> Option<Flags> {
        if bits & Self::RESERVED_MASK == 0 && Self::is_valid_combination(bits) {
            Some(Flags(bits))
        } else {
            None
        }
    }

    /// Whether the defined bits of `bits` go together: ERROR needs RESPONSE, CONTROL
    /// excludes RESPONSE and ERROR, and ERROR excludes JSON. Reserved bits are not
    /// looked at.
    ///
    /// ```
    /// use wirewright::Flags;
    /// assert!(Flags::is_valid_combination(0x0c)); // RESPONSE | ERROR
    /// assert!(!Flags::is_valid_combination(0x06)); // CONTROL | RESPONSE
    /// assert!(!Flags::is_valid_combination(0x0d)); // JSON | RESPONSE | ERROR
    /// ```
    pub const fn is_valid_combination(bits: u8) -> bool {
        let response = bits & Self::RESPONSE.0 != 0;
        let error = bits & Self::ERROR.0 != 0;
        let control = bits & Self::CONTROL.0 != 0;
        let json = bits & Self::JSON.0 != 0;
        let error_needs_response = !error || response;
        let control_alone = !control || !(response || error);
        let error_is_binary = !error || !json;
        error_needs_response && control_alone && error_is_binary
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

    /// What kind of frame these flags make.
    ///
    /// ```
    /// use wirewright::{Flags, FrameKind};
    /// assert_eq!(Flags::EMPTY.kind(), FrameKind::Message);
    /// assert_eq!(Flags::RESPONSE.kind(), FrameKind::Response);
    /// assert_eq!((Flags::RESPONSE | Flags::ERROR).kind(), FrameKind::Error);
    /// assert_eq!(Flags::CONTROL.kind(), FrameKind::Control);
    /// ```
    pub const fn kind(self) -> FrameKind {
        if self.contains(Flags::CONTROL) {
            FrameKind::Control
        } else if self.contains(Flags::ERROR) {
            FrameKind::Error
        } else if self.contains(Flags::RESPONSE) {
            FrameKind::Response
        } else {
            FrameKind::Message
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
        for (flag, name) in [
            (Flags::JSON, " JSON"),
            (Flags::CONTROL, " CONTROL"),
            (Flags::RESPONSE, " RESPONSE"),
            (Flags::ERROR, " ERROR"),
        ] {
            if self.contains(flag) {
                f.write_str(name)?;
            }
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

/// What a frame is, by its flags (SPEC.md §3.2).
///
/// ```
/// use wirewright::FrameKind;
/// assert_eq!(FrameKind::Error.to_string(), "error frame");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameKind {
    /// A message: a request when its correlation id is not 0, else a one-way message.
    Message,
    /// A response to the request with the same correlation id (RESPONSE set).
    Response,
    /// An error response (RESPONSE and ERROR set).
    Error,
    /// A control frame (CONTROL set).
    Control,
}

impl fmt::Display for FrameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FrameKind::Message => "message frame",
            FrameKind::Response => "response frame",
            FrameKind::Error => "error frame",
            FrameKind::Control => "control frame",
        })
    }
}
