//! The types SPEC.md §9 defines, derived exactly as the spec shows them, so that the
//! vectors check the derive's output byte for byte; and how each is read from the
//! vectors' notation.

use serde::{Deserialize, Serialize};
use wirewright::Message;

pub use crate::chat::{Join, Say};
use crate::from_notation::{is_unit, struct_fields, tuple_fields, FromNotation};
use crate::notation::Value as Notation;

/// SPEC.md §9.4 `Shape`: tags 0, 1 and 7.
#[derive(Message, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
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
    #[wire(tag = 7)]
    Empty,
}

/// SPEC.md §9.4 `Token`: a newtype variant, a tuple variant and a unit variant.
#[derive(Message, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// Tag 0.
    Word(String),
    /// Tag 1.
    Pair(u8, u8),
    /// Tag 2.
    End,
}

/// SPEC.md §9.4 `Marker`: a unit struct.
#[derive(Message, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Marker;

/// SPEC.md §9.4 `Meters`: a newtype struct.
#[derive(Message, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Meters(pub u32);

/// SPEC.md §9.4 `Pair`: a tuple struct.
#[derive(Message, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Pair(pub u8, pub String);

/// SPEC.md §9.4 `Tree`: a recursive struct; each level of a chain of trees is two
/// levels of nesting (the struct and its `Vec`).
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    /// The subtrees.
    pub children: Vec<Tree>,
}

/// SPEC.md §9.7 `Get`: a request (message type 10).
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 10)]
pub struct Get {
    /// The key.
    pub key: String,
}

/// SPEC.md §9.7 `Value`: a response (message type 11).
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 11)]
pub struct Value {
    /// The value, if the key has one.
    pub value: Option<String>,
}

/// SPEC.md §9.7 `KvError`: the application error, tags 0 and 1.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub enum KvError {
    /// Tag 0.
    NotFound {
        /// The key.
        key: String,
    },
    /// Tag 1.
    ReadOnly,
}

impl FromNotation<'_> for Join {
    fn from_notation(value: &Notation) -> Result<Self, String> {
        let [room, nick] = struct_fields(value, &["Join"], ["room", "nick"])?;
        Ok(Join {
            room: String::from_notation(room)?,
            nick: String::from_notation(nick)?,
        })
    }
}

impl<'a> FromNotation<'a> for Say<'a> {
    fn from_notation(value: &'a Notation) -> Result<Self, String> {
        let [room, text, at_ms] = struct_fields(value, &["Say"], ["room", "text", "at_ms"])?;
        Ok(Say {
            room: <&str>::from_notation(room)?,
            text: <&str>::from_notation(text)?,
            at_ms: u64::from_notation(at_ms)?,
        })
    }
}

impl FromNotation<'_> for Shape {
    fn from_notation(value: &Notation) -> Result<Self, String> {
        if is_unit(value, &["Shape", "Empty"]) {
            return Ok(Shape::Empty);
        }
        if let Ok([radius]) = struct_fields(value, &["Shape", "Circle"], ["radius"]) {
            return Ok(Shape::Circle {
                radius: u32::from_notation(radius)?,
            });
        }
        let [width, height] = struct_fields(value, &["Shape", "Rect"], ["width", "height"])?;
        Ok(Shape::Rect {
            width: u32::from_notation(width)?,
            height: u32::from_notation(height)?,
        })
    }
}

impl FromNotation<'_> for Token {
    fn from_notation(value: &Notation) -> Result<Self, String> {
        if is_unit(value, &["Token", "End"]) {
            return Ok(Token::End);
        }
        if let Ok([word]) = tuple_fields(value, &["Token", "Word"]) {
            return Ok(Token::Word(String::from_notation(word)?));
        }
        let [a, b] = tuple_fields(value, &["Token", "Pair"])?;
        Ok(Token::Pair(u8::from_notation(a)?, u8::from_notation(b)?))
    }
}

impl FromNotation<'_> for Marker {
    fn from_notation(value: &Notation) -> Result<Self, String> {
        if is_unit(value, &["Marker"]) {
            Ok(Marker)
        } else {
            Err(format!("expected Marker, found {value:?}"))
        }
    }
}

impl FromNotation<'_> for Meters {
    fn from_notation(value: &Notation) -> Result<Self, String> {
        let [meters] = tuple_fields(value, &["Meters"])?;
        Ok(Meters(u32::from_notation(meters)?))
    }
}

impl FromNotation<'_> for Pair {
    fn from_notation(value: &Notation) -> Result<Self, String> {
        let [a, b] = tuple_fields(value, &["Pair"])?;
        Ok(Pair(u8::from_notation(a)?, String::from_notation(b)?))
    }
}

impl FromNotation<'_> for Tree {
    fn from_notation(value: &Notation) -> Result<Self, String> {
        let [children] = struct_fields(value, &["Tree"], ["children"])?;
        Ok(Tree {
            children: Vec::from_notation(children)?,
        })
    }
}

impl FromNotation<'_> for Get {
    fn from_notation(value: &Notation) -> Result<Self, String> {
        let [key] = struct_fields(value, &["Get"], ["key"])?;
        Ok(Get {
            key: String::from_notation(key)?,
        })
    }
}

impl FromNotation<'_> for Value {
    fn from_notation(value: &Notation) -> Result<Self, String> {
        let [inner] = struct_fields(value, &["Value"], ["value"])?;
        Ok(Value {
            value: Option::from_notation(inner)?,
        })
    }
}

impl FromNotation<'_> for KvError {
    fn from_notation(value: &Notation) -> Result<Self, String> {
        if is_unit(value, &["KvError", "ReadOnly"]) {
            return Ok(KvError::ReadOnly);
        }
        let [key] = struct_fields(value, &["KvError", "NotFound"], ["key"])?;
        Ok(KvError::NotFound {
            key: String::from_notation(key)?,
        })
    }
}
