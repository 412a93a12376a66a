//! The value and type notation of SPEC.md §9.1: a strict recursive-descent parser with
//! no heuristics. A text it does not accept is an error naming the byte where it failed.
//!
//! ```
//! use wirewright_tests::notation::{parse_type, parse_value, Body, Value};
//! let value = parse_value(r#"Join{room: "lobby", nick: "ann"}"#).unwrap();
//! let Value::Named { path, body: Body::Struct(fields) } = value else { panic!() };
//! assert_eq!(path, ["Join"]);
//! assert_eq!(fields[0].0, "room");
//! assert_eq!(parse_type("Vec< u16 >").unwrap().to_string(), "Vec<u16>");
//! ```

use std::fmt;

/// A value written in the notation.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `()`.
    Unit,
    /// `true` or `false`.
    Bool(bool),
    /// An integer: decimal (`-300`) or hexadecimal (`0x1f`).
    Int(Int),
    /// A float: a decimal with a point, `inf`, `-inf`, `nan`, or a bit pattern.
    Float(Float),
    /// A string: JSON string syntax.
    Str(String),
    /// A char: `'é'`, with the string escapes and `\'`.
    Char(char),
    /// A byte string: `h"deadbeef"`.
    Bytes(Vec<u8>),
    /// `(a, b)`; one element is written `(a,)`.
    Tuple(Vec<Value>),
    /// `[a, b]`: sequences, arrays and sets.
    List(Vec<Value>),
    /// `{k: v, ...}`: maps.
    Map(Vec<(Value, Value)>),
    /// `None`.
    None,
    /// `Some(v)`.
    Some(Box<Value>),
    /// A struct or enum variant: `Name`, `Name(..)`, `Name{..}`, `Enum::Variant..`.
    Named {
        /// `["Name"]` or `["Enum", "Variant"]`.
        path: Vec<String>,
        /// The fields.
        body: Body,
    },
    /// `_`: any value (only in the patterns of behaviour vectors).
    Any,
}

/// The fields of a [`Value::Named`].
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No fields: a unit struct or unit variant.
    Unit,
    /// Positional fields.
    Tuple(Vec<Value>),
    /// Named fields, in the order written.
    Struct(Vec<(String, Value)>),
}

/// An integer literal: sign and magnitude, so that every `u128` and `i128` fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Int {
    /// Whether a `-` preceded it.
    pub negative: bool,
    /// The absolute value.
    pub magnitude: u128,
}

/// A float literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Float {
    /// A decimal such as `-0.1` or `1.5e3`, as written (it denotes the nearest float).
    Decimal(String),
    /// `inf` or `-inf`.
    Infinity {
        /// `-inf`.
        negative: bool,
    },
    /// `nan`: the quiet NaN with sign 0 and payload 0.
    Nan,
    /// `f32"7fc00001"`: an exact binary32 bit pattern.
    Bits32(u32),
    /// `f64"..."`: an exact binary64 bit pattern.
    Bits64(u64),
}

/// A type written in the notation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    /// `Name` or `Name<T, ...>`.
    Named {
        /// The name.
        name: String,
        /// The parameters.
        args: Vec<Type>,
    },
    /// `()`, `(T,)`, `(T, U)`.
    Tuple(Vec<Type>),
    /// `[T; N]`.
    Array(Box<Type>, usize),
}

impl Type {
    /// Every name the type mentions, outermost first.
    ///
    /// ```
    /// let ty = wirewright_tests::notation::parse_type("Frame<Map<String, [u8; 2]>>").unwrap();
    /// assert_eq!(ty.names(), ["Frame", "Map", "String", "u8"]);
    /// ```
    pub fn names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        self.collect_names(&mut names);
        names
    }

    fn collect_names<'a>(&'a self, names: &mut Vec<&'a str>) {
        match self {
            Type::Named { name, args } => {
                names.push(name);
                args.iter().for_each(|arg| arg.collect_names(names));
            }
            Type::Tuple(items) => items.iter().for_each(|item| item.collect_names(names)),
            Type::Array(item, _) => item.collect_names(names),
        }
    }
}

/// The canonical spelling: `Vec<u16>`, `(u8, bool)`, `(u8,)`, `[u8; 3]`.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Named { name, args } => {
                f.write_str(name)?;
                if !args.is_empty() {
                    f.write_str("<")?;
                    write_list(f, args)?;
                    f.write_str(">")?;
                }
                Ok(())
            }
            Type::Tuple(items) => {
                f.write_str("(")?;
                write_list(f, items)?;
                if items.len() == 1 {
                    f.write_str(",")?;
                }
                f.write_str(")")
            }
            Type::Array(item, len) => write!(f, "[{item}; {len}]"),
        }
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, items: &[Type]) -> fmt::Result {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

/// Where and why a text is not in the notation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the text.
    pub offset: usize,
    /// What was expected.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl std::error::Error for ParseError {}

/// Parses a whole value; anything but whitespace after it is an error.
///
/// # Errors
/// The first byte that does not fit the grammar.
pub fn parse_value(text: &str) -> Result<Value, ParseError> {
    let mut parser = Parser { text, pos: 0 };
    let value = parser.value()?;
    parser.end()?;
    Ok(value)
}

/// Parses a whole type.
///
/// # Errors
/// The first byte that does not fit the grammar.
pub fn parse_type(text: &str) -> Result<Type, ParseError> {
    let mut parser = Parser { text, pos: 0 };
    let ty = parser.ty()?;
    parser.end()?;
    Ok(ty)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn error<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            offset: self.pos,
            message: message.into(),
        })
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches([' ', '\t']).len();
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.rest().chars().next()
    }

    /// Consumes `token` if the text continues with it (after spaces).
    fn eat(&mut self, token: &str) -> bool {
        self.skip_space();
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), ParseError> {
        if self.eat(token) {
            Ok(())
        } else {
            self.error(format!("expected `{token}`"))
        }
    }

    fn end(&mut self) -> Result<(), ParseError> {
        self.skip_space();
        if self.rest().is_empty() {
            Ok(())
        } else {
            self.error("expected the end of the text")
        }
    }

    fn ident(&mut self) -> Result<String, ParseError> {
        self.skip_space();
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|&(index, c)| {
                !(c == '_' || c.is_ascii_alphabetic() || (index > 0 && c.is_ascii_digit()))
            })
            .map_or(rest.len(), |(index, _)| index);
        if len == 0 {
            return self.error("expected an identifier");
        }
        self.pos += len;
        Ok(rest[..len].to_owned())
    }

    fn ty(&mut self) -> Result<Type, ParseError> {
        if self.eat("(") {
            let mut items = Vec::new();
            if self.eat(")") {
                return Ok(Type::Tuple(items));
            }
            loop {
                items.push(self.ty()?);
                if self.eat(")") {
                    if items.len() == 1 {
                        return self.error("a one-element tuple type is written `(T,)`");
                    }
                    return Ok(Type::Tuple(items));
                }
                self.expect(",")?;
                if items.len() == 1 && self.eat(")") {
                    return Ok(Type::Tuple(items));
                }
            }
        }
        if self.eat("[") {
            let item = self.ty()?;
            self.expect(";")?;
            self.skip_space();
            let len = self.decimal()?;
            self.expect("]")?;
            let len = usize::try_from(len).or_else(|_| self.error("array length too large"))?;
            return Ok(Type::Array(Box::new(item), len));
        }
        let name = self.ident()?;
        let mut args = Vec::new();
        if self.eat("<") {
            loop {
                args.push(self.ty()?);
                if self.eat(">") {
                    break;
                }
                self.expect(",")?;
            }
        }
        Ok(Type::Named { name, args })
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        let Some(next) = self.peek() else {
            return self.error("expected a value");
        };
        match next {
            '"' => Ok(Value::Str(self.string('"')?)),
            '\'' => self.char_literal(),
            '[' => {
                self.pos += 1;
                Ok(Value::List(self.list("]", Self::value)?))
            }
            '{' => {
                self.pos += 1;
                let entries = self.list("}", |parser| {
                    let key = parser.value()?;
                    parser.expect(":")?;
                    Ok((key, parser.value()?))
                })?;
                Ok(Value::Map(entries))
            }
            '(' => self.tuple(),
            '-' | '0'..='9' => self.number(),
            _ => self.word(),
        }
    }

    /// Comma-separated items up to `close` (the opening bracket already consumed). No
    /// trailing comma.
    fn list<T>(
        &mut self,
        close: &str,
        mut item: impl FnMut(&mut Self) -> Result<T, ParseError>,
    ) -> Result<Vec<T>, ParseError> {
        let mut items = Vec::new();
        if self.eat(close) {
            return Ok(items);
        }
        loop {
            items.push(item(self)?);
            if self.eat(close) {
                return Ok(items);
            }
            self.expect(",")?;
        }
    }

    fn tuple(&mut self) -> Result<Value, ParseError> {
        self.expect("(")?;
        if self.eat(")") {
            return Ok(Value::Unit);
        }
        let first = self.value()?;
        if self.eat(")") {
            return self.error("a one-element tuple is written `(v,)`; `(v)` is not a value");
        }
        self.expect(",")?;
        let mut items = vec![first];
        if self.eat(")") {
            return Ok(Value::Tuple(items));
        }
        items.extend(self.list(")", Self::value)?);
        Ok(Value::Tuple(items))
    }

    /// Identifiers: keywords, `h"..."`, `f32"..."`, `f64"..."`, and named values.
    fn word(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        let word = self.ident()?;
        if self.rest().starts_with('"') {
            let digits = self.string('"')?;
            return match word.as_str() {
                "h" => Ok(Value::Bytes(self.hex_bytes(&digits, start)?)),
                "f32" => Ok(Value::Float(Float::Bits32(
                    self.hex_bits(&digits, 8, start)? as u32,
                ))),
                "f64" => Ok(Value::Float(Float::Bits64(
                    self.hex_bits(&digits, 16, start)?,
                ))),
                _ => self.error_at(start, "only `h`, `f32` and `f64` prefix a string"),
            };
        }
        match word.as_str() {
            "true" => return Ok(Value::Bool(true)),
            "false" => return Ok(Value::Bool(false)),
            "None" => return Ok(Value::None),
            "inf" => return Ok(Value::Float(Float::Infinity { negative: false })),
            "nan" => return Ok(Value::Float(Float::Nan)),
            "_" => return Ok(Value::Any),
            "Some" => {
                self.expect("(")?;
                let inner = self.value()?;
                self.expect(")")?;
                return Ok(Value::Some(Box::new(inner)));
            }
            _ => {}
        }
        if !word.starts_with(|c: char| c.is_ascii_uppercase()) {
            return self.error_at(start, format!("`{word}` is not a value"));
        }
        let mut path = vec![word];
        if self.rest().starts_with("::") {
            self.pos += 2;
            path.push(self.ident()?);
        }
        // The body must follow the name directly: `Name(..)`, `Name{..}`.
        let body = if self.rest().starts_with('(') {
            self.pos += 1;
            Body::Tuple(self.list(")", Self::value)?)
        } else if self.rest().starts_with('{') {
            self.pos += 1;
            Body::Struct(self.list("}", |parser| {
                let field = parser.ident()?;
                parser.expect(":")?;
                Ok((field, parser.value()?))
            })?)
        } else {
            Body::Unit
        };
        Ok(Value::Named { path, body })
    }

    fn error_at<T>(&mut self, offset: usize, message: impl Into<String>) -> Result<T, ParseError> {
        self.pos = offset;
        self.error(message)
    }

    fn decimal(&mut self) -> Result<u128, ParseError> {
        let rest = self.rest();
        let len = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if len == 0 {
            return self.error("expected a decimal digit");
        }
        if len > 1 && rest.starts_with('0') {
            return self.error("a decimal integer has no leading zero");
        }
        let digits = &rest[..len];
        let value = digits
            .parse::<u128>()
            .or_else(|_| self.error("integer too large"))?;
        self.pos += len;
        Ok(value)
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        self.skip_space();
        let start = self.pos;
        let negative = self.rest().starts_with('-');
        if negative {
            self.pos += 1;
            if self.rest().starts_with("inf") {
                self.pos += 3;
                return Ok(Value::Float(Float::Infinity { negative: true }));
            }
        }
        if self.rest().starts_with("0x") {
            if negative {
                return self.error("a hexadecimal integer has no sign");
            }
            self.pos += 2;
            let rest = self.rest();
            let len = rest.len()
                - rest
                    .trim_start_matches(|c: char| c.is_ascii_hexdigit())
                    .len();
            if len == 0 || rest[..len].chars().any(|c| c.is_ascii_uppercase()) {
                return self.error("expected lowercase hexadecimal digits");
            }
            let magnitude = u128::from_str_radix(&rest[..len], 16)
                .or_else(|_| self.error("integer too large"))?;
            self.pos += len;
            return Ok(Value::Int(Int {
                negative: false,
                magnitude,
            }));
        }
        let magnitude = self.decimal()?;
        let rest = self.rest();
        if !(rest.starts_with('.') || rest.starts_with('e') || rest.starts_with('E')) {
            if negative && magnitude == 0 {
                return self.error_at(start, "`-0` is not an integer; write `0`");
            }
            return Ok(Value::Int(Int {
                negative,
                magnitude,
            }));
        }
        if self.rest().starts_with('.') {
            self.pos += 1;
            self.digits()?;
        }
        if self.rest().starts_with(['e', 'E']) {
            self.pos += 1;
            if self.rest().starts_with(['+', '-']) {
                self.pos += 1;
            }
            self.digits()?;
        }
        Ok(Value::Float(Float::Decimal(
            self.text[start..self.pos].to_owned(),
        )))
    }

    fn digits(&mut self) -> Result<(), ParseError> {
        let rest = self.rest();
        let len = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if len == 0 {
            return self.error("expected a decimal digit");
        }
        self.pos += len;
        Ok(())
    }

    fn hex_bytes(&mut self, digits: &str, start: usize) -> Result<Vec<u8>, ParseError> {
        if digits.len() % 2 != 0 || !is_lower_hex(digits) {
            return self.error_at(start, "a byte string holds pairs of lowercase hex digits");
        }
        Ok((0..digits.len())
            .step_by(2)
            .map(|index| u8::from_str_radix(&digits[index..index + 2], 16).unwrap_or(0))
            .collect())
    }

    fn hex_bits(&mut self, digits: &str, len: usize, start: usize) -> Result<u64, ParseError> {
        if digits.len() != len || !is_lower_hex(digits) {
            return self.error_at(
                start,
                format!("a float bit pattern is {len} lowercase hex digits"),
            );
        }
        u64::from_str_radix(digits, 16).or_else(|_| self.error_at(start, "bad bit pattern"))
    }

    fn char_literal(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        let text = self.string('\'')?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(Value::Char(c)),
            _ => self.error_at(start, "a char literal holds exactly one character"),
        }
    }

    /// A JSON string (RFC 8259 §7) between `quote`s; in a char literal `\'` is allowed too.
    fn string(&mut self, quote: char) -> Result<String, ParseError> {
        self.skip_space();
        if !self.rest().starts_with(quote) {
            return self.error(format!("expected `{quote}`"));
        }
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.rest().chars().next() else {
                return self.error("unterminated string");
            };
            self.pos += c.len_utf8();
            match c {
                _ if c == quote => return Ok(out),
                '\\' => out.push(self.escape(quote)?),
                '\u{0}'..='\u{1f}' => return self.error("a control character must be escaped"),
                _ => out.push(c),
            }
        }
    }

    fn escape(&mut self, quote: char) -> Result<char, ParseError> {
        let Some(c) = self.rest().chars().next() else {
            return self.error("unterminated escape");
        };
        self.pos += c.len_utf8();
        Ok(match c {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            '\'' if quote == '\'' => '\'',
            'u' => {
                let high = self.hex4()?;
                if (0xd800..0xdc00).contains(&high) {
                    if !self.rest().starts_with("\\u") {
                        return self.error("a high surrogate escape needs a low one");
                    }
                    self.pos += 2;
                    let low = self.hex4()?;
                    if !(0xdc00..0xe000).contains(&low) {
                        return self.error("expected a low surrogate escape");
                    }
                    let scalar = 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
                    char::from_u32(scalar).map_or_else(|| self.error("bad escape"), Ok)?
                } else {
                    char::from_u32(high)
                        .map_or_else(|| self.error("a lone surrogate escape"), Ok)?
                }
            }
            _ => return self.error(format!("unknown escape `\\{c}`")),
        })
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits = self.rest().get(..4).unwrap_or("");
        if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return self.error("expected four hex digits");
        }
        self.pos += 4;
        u32::from_str_radix(digits, 16).or_else(|_| self.error("expected four hex digits"))
    }
}

fn is_lower_hex(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_value_parses() {
        let value = parse_value(
            r#"(1, -2, 0xff, 1.5, -0.1, inf, -inf, nan, f32"7fc00001", "h\u00e9\n", 'é', h"dead", [1, 2], {"a": 1}, None, Some(()), Shape::Empty, Shape::Rect{width: 3, height: 4}, Pair(1, 2), _)"#,
        )
        .unwrap();
        let Value::Tuple(items) = value else { panic!() };
        assert_eq!(items.len(), 20);
        assert_eq!(items[9], Value::Str("hé\n".into()));
        assert_eq!(items[11], Value::Bytes(vec![0xde, 0xad]));
    }

    #[test]
    fn sloppy_texts_are_rejected() {
        for text in [
            "(1)",
            "[1,]",
            "0X1f",
            "0xFF",
            "007",
            "-0",
            "h\"abc\"",
            "'ab'",
            "\"a",
            "Foo {x: 1}",
            "maybe",
            "1 2",
        ] {
            assert!(parse_value(text).is_err(), "{text}");
        }
    }
}
