//! The message types SPEC.md §9.4 defines, implemented by hand against the public traits
//! (the derive produces the same code; `derive_*` tests check that it does).

use wirewright::bytes::BufMut;
use wirewright::{Decode, DecodeError, DecodeErrorKind, Encode, Fixed, Message, Reader};

/// SPEC.md §9.4 `Join`, message type 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    /// Room to join.
    pub room: String,
    /// Nickname.
    pub nick: String,
}

impl Encode for Join {
    fn encoded_len(&self) -> usize {
        self.room.encoded_len() + self.nick.encoded_len()
    }
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        self.room.encode_raw(buf);
        self.nick.encode_raw(buf);
    }
}

impl<'de> Decode<'de> for Join {
    const MIN_ENCODED_LEN: usize = 2;
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        reader.enter()?;
        let room = String::decode_raw(reader).map_err(|e| e.in_field("room").in_type("Join"))?;
        let nick = String::decode_raw(reader).map_err(|e| e.in_field("nick").in_type("Join"))?;
        reader.leave();
        Ok(Join { room, nick })
    }
}

impl Message for Join {
    const ID: u16 = 1;
    const NAME: &'static str = "Join";
}

/// SPEC.md §9.4 `Say`, message type 2, with borrowed strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Say<'a> {
    /// Room to speak in.
    pub room: &'a str,
    /// What was said.
    pub text: &'a str,
    /// Milliseconds since the epoch, fixed width.
    pub at_ms: u64,
}

impl Encode for Say<'_> {
    fn encoded_len(&self) -> usize {
        self.room.encoded_len() + self.text.encoded_len() + 8
    }
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        self.room.encode_raw(buf);
        self.text.encode_raw(buf);
        Fixed(self.at_ms).encode_raw(buf);
    }
}

impl<'de: 'a, 'a> Decode<'de> for Say<'a> {
    const MIN_ENCODED_LEN: usize = 10;
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        reader.enter()?;
        let room = <&str>::decode_raw(reader).map_err(|e| e.in_field("room").in_type("Say"))?;
        let text = <&str>::decode_raw(reader).map_err(|e| e.in_field("text").in_type("Say"))?;
        let at_ms = Fixed::<u64>::decode_raw(reader)
            .map_err(|e| e.in_field("at_ms").in_type("Say"))?
            .0;
        reader.leave();
        Ok(Say { room, text, at_ms })
    }
}

impl Message for Say<'_> {
    const ID: u16 = 2;
    const NAME: &'static str = "Say";
}

/// SPEC.md §9.4 `Shape`: tags 0, 1 and 7.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// Tag 0.
    Circle {
        /// Radius.
        radius: u32,
    },
    /// Tag 1.
    Rect {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// Tag 7.
    Empty,
}

impl Encode for Shape {
    fn encoded_len(&self) -> usize {
        match self {
            Shape::Circle { radius } => 1 + radius.encoded_len(),
            Shape::Rect { width, height } => 1 + width.encoded_len() + height.encoded_len(),
            Shape::Empty => 1,
        }
    }
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        match self {
            Shape::Circle { radius } => {
                0u32.encode_raw(buf);
                radius.encode_raw(buf);
            }
            Shape::Rect { width, height } => {
                1u32.encode_raw(buf);
                width.encode_raw(buf);
                height.encode_raw(buf);
            }
            Shape::Empty => 7u32.encode_raw(buf),
        }
    }
}

impl<'de> Decode<'de> for Shape {
    const MIN_ENCODED_LEN: usize = 1;
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        reader.enter()?;
        let start = reader.position();
        let shape = match reader.read_varint(32)? {
            0 => Shape::Circle {
                radius: u32::decode_raw(reader)
                    .map_err(|e| e.in_field("radius").in_variant("Circle").in_type("Shape"))?,
            },
            1 => Shape::Rect {
                width: u32::decode_raw(reader)
                    .map_err(|e| e.in_field("width").in_variant("Rect").in_type("Shape"))?,
                height: u32::decode_raw(reader)
                    .map_err(|e| e.in_field("height").in_variant("Rect").in_type("Shape"))?,
            },
            7 => Shape::Empty,
            tag => {
                return Err(reader.error_at(
                    start,
                    DecodeErrorKind::UnknownVariant {
                        type_name: "Shape",
                        tag,
                    },
                ))
            }
        };
        reader.leave();
        Ok(shape)
    }
}
