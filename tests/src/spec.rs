//! Reads the vector blocks of SPEC.md §9: `wirewright-vector` (a value and its
//! encoding), `wirewright-negative` (bytes a receiver must reject) and
//! `wirewright-behaviour` (a scripted exchange with a server).
//!
//! A block is a fenced code block whose info string is the kind. Each line is
//! `key: text` (or a bare `key`); a line that starts with a space continues the
//! previous line's text, joined with one space.

use crate::notation::{self, Type, Value};

/// The fields of one block, in order, continuation lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// `wirewright-vector`, `wirewright-negative` or `wirewright-behaviour`.
    pub kind: String,
    /// 1-based line of the opening fence in SPEC.md.
    pub line: usize,
    /// `(key, text)` pairs in order.
    pub fields: Vec<(String, String)>,
}

impl Block {
    /// The text of the only field named `key`.
    ///
    /// # Errors
    /// When the field is missing or repeated.
    pub fn field(&self, key: &str) -> Result<&str, String> {
        let mut found = self.fields.iter().filter(|(k, _)| k == key);
        match (found.next(), found.next()) {
            (Some((_, text)), None) => Ok(text),
            (None, _) => Err(format!("block at line {} has no `{key}`", self.line)),
            (Some(_), Some(_)) => Err(format!("block at line {} repeats `{key}`", self.line)),
        }
    }

    /// The text of the field named `key`, if there is one.
    pub fn optional(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, text)| text.as_str())
    }

    /// Checks that every field is one of `allowed`.
    ///
    /// # Errors
    /// Names the first field that is not.
    pub fn only(&self, allowed: &[&str]) -> Result<(), String> {
        match self
            .fields
            .iter()
            .find(|(k, _)| !allowed.contains(&k.as_str()))
        {
            Some((key, _)) => Err(format!(
                "block at line {} has an unknown field `{key}`",
                self.line
            )),
            None => Ok(()),
        }
    }
}

/// The kinds of block SPEC.md may hold.
pub const BLOCK_KINDS: [&str; 3] = [
    "wirewright-vector",
    "wirewright-negative",
    "wirewright-behaviour",
];

/// Every vector block of `spec`, in order.
///
/// # Errors
/// An unterminated block, or a line that is neither `key: text`, a bare key nor a
/// continuation.
pub fn blocks(spec: &str) -> Result<Vec<Block>, String> {
    let mut blocks = Vec::new();
    let mut lines = spec.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let Some(kind) = line.strip_prefix("```") else {
            continue;
        };
        if !kind.starts_with("wirewright") {
            continue;
        }
        if !BLOCK_KINDS.contains(&kind) {
            return Err(format!("line {}: unknown block kind {kind:?}", index + 1));
        }
        let mut block = Block {
            kind: kind.to_owned(),
            line: index + 1,
            fields: Vec::new(),
        };
        let mut closed = false;
        for (index, line) in lines.by_ref() {
            if line == "```" {
                closed = true;
                break;
            }
            if line.starts_with(' ') {
                let Some((_, text)) = block.fields.last_mut() else {
                    return Err(format!(
                        "line {}: a continuation opens the block",
                        index + 1
                    ));
                };
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(line.trim());
                continue;
            }
            let (key, text) = line.split_once(':').unwrap_or((line, ""));
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                return Err(format!("line {}: {line:?} is not `key: text`", index + 1));
            }
            if !(text.is_empty() || text.starts_with(' ')) {
                return Err(format!("line {}: a space follows the colon", index + 1));
            }
            block.fields.push((key.to_owned(), text.trim().to_owned()));
        }
        if !closed {
            return Err(format!("line {}: block never closed", block.line));
        }
        blocks.push(block);
    }
    Ok(blocks)
}

/// One positive vector (SPEC.md §9): a value, its type and its encoding.
#[derive(Debug, Clone, PartialEq)]
pub struct Vector {
    /// Unique name.
    pub name: String,
    /// The type, parsed.
    pub ty: Type,
    /// The type as written.
    pub type_name: String,
    /// The value, parsed.
    pub value: Value,
    /// The binary encoding (for `Frame` types the whole frame); empty when the vector
    /// gives JSON text only.
    pub bytes: Vec<u8>,
    /// Whether the block has a `hex` field.
    pub has_hex: bool,
    /// The exact JSON text (SPEC.md §8), if the vector gives one.
    pub json: Option<String>,
}

/// One negative vector: bytes a receiver must reject.
#[derive(Debug, Clone, PartialEq)]
pub struct Negative {
    /// Unique name.
    pub name: String,
    /// The type the receiver decodes.
    pub ty: Type,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The error, from the vocabulary of SPEC.md §9.1.
    pub error: String,
    /// The offset where the error is detected, when it is deterministic.
    pub offset: Option<usize>,
    /// `connection` or `message` (SPEC.md §3.5).
    pub class: String,
}

/// One step of a behaviour vector.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The peer writes these bytes.
    Send(Vec<u8>),
    /// The server must write exactly these bytes next.
    Expect(Vec<u8>),
    /// The server must write one frame next, matching this `Frame{..}` pattern.
    ExpectFrame(Value),
    /// The peer ends its side of the stream (a TCP half-close) and keeps reading.
    EndStream,
    /// The server must end the stream next, having sent nothing more.
    ExpectClose,
}

/// One behaviour vector: a script replayed against a conformance server.
#[derive(Debug, Clone, PartialEq)]
pub struct Behaviour {
    /// Unique name.
    pub name: String,
    /// `messages` or `calls` (SPEC.md §9.8).
    pub server: String,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// The text of SPEC.md at the root of the repository.
pub fn spec_text() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../SPEC.md");
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("reading {path}: {err}"))
}

fn parse_type_field(block: &Block, name: &str) -> Result<(Type, String), String> {
    let text = block.field("type")?;
    let ty = notation::parse_type(text).map_err(|err| format!("{name}: type {text:?}: {err}"))?;
    Ok((ty, text.to_owned()))
}

fn checked_name(block: &Block) -> Result<String, String> {
    let name = block.field("name")?;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        return Err(format!("line {}: bad vector name {name:?}", block.line));
    }
    Ok(name.to_owned())
}

/// Parses a positive vector block.
///
/// # Errors
/// A missing or unknown field, or a type, value or hex text the notation rejects.
pub fn vector(block: &Block) -> Result<Vector, String> {
    block.only(&["name", "type", "value", "hex", "json"])?;
    let name = checked_name(block)?;
    let (ty, type_name) = parse_type_field(block, &name)?;
    let value_text = block.field("value")?;
    let value = notation::parse_value(value_text)
        .map_err(|err| format!("{name}: value {value_text:?}: {err}"))?;
    let hex = block.optional("hex");
    let json = block.optional("json").map(str::to_owned);
    if hex.is_none() && json.is_none() {
        return Err(format!("{name}: a vector needs `hex`, `json` or both"));
    }
    let bytes = parse_hex(hex.unwrap_or("")).map_err(|err| format!("{name}: {err}"))?;
    Ok(Vector {
        name,
        ty,
        type_name,
        value,
        bytes,
        has_hex: hex.is_some(),
        json,
    })
}

/// Parses a negative vector block.
///
/// # Errors
/// A missing or unknown field, or a field text the notation rejects.
pub fn negative(block: &Block) -> Result<Negative, String> {
    block.only(&["name", "type", "hex", "error", "offset", "class"])?;
    let name = checked_name(block)?;
    let (ty, _) = parse_type_field(block, &name)?;
    let offset = match block.field("offset")? {
        "-" => None,
        text => Some(
            text.parse()
                .map_err(|_| format!("{name}: offset {text:?} is neither a number nor `-`"))?,
        ),
    };
    let class = block.field("class")?.to_owned();
    if class != "connection" && class != "message" {
        return Err(format!(
            "{name}: class {class:?} is not `connection` or `message`"
        ));
    }
    Ok(Negative {
        bytes: parse_hex(block.field("hex")?).map_err(|err| format!("{name}: {err}"))?,
        error: block.field("error")?.to_owned(),
        ty,
        offset,
        class,
        name,
    })
}

/// Parses a behaviour vector block.
///
/// # Errors
/// A missing or unknown field, or a step the notation rejects.
pub fn behaviour(block: &Block) -> Result<Behaviour, String> {
    let name = checked_name(block)?;
    let server = block.field("server")?.to_owned();
    let mut steps = Vec::new();
    for (key, text) in &block.fields {
        let step = match key.as_str() {
            "name" | "server" => continue,
            "send" => Step::Send(parse_hex(text)?),
            "expect" => Step::Expect(parse_hex(text)?),
            "expect-frame" => Step::ExpectFrame(
                notation::parse_value(text).map_err(|err| format!("{name}: {text:?}: {err}"))?,
            ),
            "end-stream" if text.is_empty() => Step::EndStream,
            "expect-close" if text.is_empty() => Step::ExpectClose,
            _ => return Err(format!("{name}: unknown step `{key}: {text}`")),
        };
        steps.push(step);
    }
    Ok(Behaviour {
        name,
        server,
        steps,
    })
}

/// Every positive vector of `spec` that has a `hex` field, in order.
///
/// # Panics
/// On a block the grammar rejects (the test suite checks every block first).
pub fn vectors(spec: &str) -> Vec<Vector> {
    all_vectors(spec)
        .into_iter()
        .filter(|vector| vector.has_hex)
        .collect()
}

/// Every positive vector of `spec`, JSON-only ones included.
///
/// # Panics
/// On a block the grammar rejects.
pub fn all_vectors(spec: &str) -> Vec<Vector> {
    of_kind(spec, "wirewright-vector", vector)
}

/// Every negative vector of `spec`.
///
/// # Panics
/// On a block the grammar rejects.
pub fn negatives(spec: &str) -> Vec<Negative> {
    of_kind(spec, "wirewright-negative", negative)
}

/// Every behaviour vector of `spec`.
///
/// # Panics
/// On a block the grammar rejects.
pub fn behaviours(spec: &str) -> Vec<Behaviour> {
    of_kind(spec, "wirewright-behaviour", behaviour)
}

fn of_kind<T>(spec: &str, kind: &str, parse: fn(&Block) -> Result<T, String>) -> Vec<T> {
    blocks(spec)
        .unwrap_or_else(|err| panic!("SPEC.md: {err}"))
        .iter()
        .filter(|block| block.kind == kind)
        .map(|block| parse(block).unwrap_or_else(|err| panic!("SPEC.md: {err}")))
        .collect()
}

/// Parses space-separated pairs of lowercase hex digits.
///
/// # Errors
/// A message naming the first token that is not two hex digits.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    text.split(' ')
        .filter(|token| !token.is_empty())
        .map(|token| {
            let valid = token.len() == 2
                && token
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
            if !valid {
                return Err(format!("{token:?} is not two lowercase hex digits"));
            }
            u8::from_str_radix(token, 16).map_err(|_| format!("{token:?} is not two hex digits"))
        })
        .collect()
}

/// Bytes as space-separated hex, the format of the vectors.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
