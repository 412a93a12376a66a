//! Reading the text form of a schema back (SPEC.md §13.2), canonical form only.

use super::model::{Definition, Field, Fields, Int, Kind, MessageEntry, Schema, Type, Variant};
use super::text::HEADER;

/// A schema text that does not follow SPEC.md §13.2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schema text, line {line}: expected {expected}, found `{found}`")]
pub struct ParseError {
    /// The line (from 1).
    pub line: usize,
    /// What the grammar allows there.
    pub expected: &'static str,
    /// What the line holds there.
    pub found: String,
}

/// Types nested deeper than this (`seq<seq<...>>`) are refused: the parser recurses once
/// per level, and a schema text may come from a peer (SPEC.md §13.6).
pub const MAX_TYPE_DEPTH: usize = 64;

/// Reads a schema from its text form.
///
/// The text may be hostile (a peer's HELLO): the work is linear in its length, the
/// memory a small multiple of it, and types nest at most [`MAX_TYPE_DEPTH`] deep.
///
/// ```
/// use wirewright::schema::{parse, Describe};
/// #[derive(wirewright::Message)]
/// #[wire(id = 3)]
/// struct Ping { seq: u32 }
/// let schema = Ping::schema();
/// assert_eq!(parse(&schema.to_string())?, schema);
/// # Ok::<(), wirewright::schema::ParseError>(())
/// ```
///
/// # Errors
/// [`ParseError`] with the line and what was expected there, for text that is not a
/// schema in canonical form: a missing header, an unknown line, a malformed type,
/// definitions out of order or twice, types nested too deep.
pub fn parse(text: &str) -> Result<Schema, ParseError> {
    let mut lines = Lines {
        rest: Some(text),
        next: 0,
    };
    let (number, line) = lines.take();
    if line != HEADER {
        return Err(error(number, "the header `wirewright schema 1`", line));
    }
    let (number, line) = lines.take();
    let root = match line.strip_prefix("root ") {
        Some(rest) => whole_type(number, rest)?,
        None => return Err(error(number, "`root TYPE`", line)),
    };
    let mut definitions: Vec<Definition> = Vec::new();
    loop {
        if lines.is_last() && lines.peek().1.is_empty() {
            break;
        }
        let (number, line) = lines.take();
        if lines.at_end() {
            return Err(error(number, "a newline at the end", line));
        }
        if !line.is_empty() {
            return Err(error(number, "an empty line before a definition", line));
        }
        let (number, line) = lines.take();
        let mut def = definition_header(number, line)?;
        if definitions.last().is_some_and(|last| last.name >= def.name) {
            return Err(error(number, "definitions sorted by name, each once", line));
        }
        read_body(&mut lines, &mut def)?;
        definitions.push(def);
    }
    Ok(Schema { root, definitions })
}

/// The lines of a schema text (the pieces between `\n`s) not read yet, read one at a
/// time without collecting them.
struct Lines<'a> {
    /// The text from the next line on; `None` past the last piece.
    rest: Option<&'a str>,
    /// Lines taken so far.
    next: usize,
}

impl<'a> Lines<'a> {
    /// The next line and its number (from 1); an empty line past the end.
    fn peek(&self) -> (usize, &'a str) {
        let line = self.rest.map_or("", |rest| {
            rest.split_once('\n').map_or(rest, |(line, _)| line)
        });
        (self.next + 1, line)
    }

    fn take(&mut self) -> (usize, &'a str) {
        let line = self.peek();
        self.rest = self
            .rest
            .and_then(|rest| rest.split_once('\n').map(|(_, after)| after));
        self.next += 1;
        line
    }

    fn at_end(&self) -> bool {
        self.rest.is_none()
    }

    /// Whether the next line is the last piece of the text (what follows its final `\n`).
    fn is_last(&self) -> bool {
        self.rest.is_some_and(|rest| !rest.contains('\n'))
    }
}

fn error(line: usize, expected: &'static str, found: &str) -> ParseError {
    ParseError {
        line,
        expected,
        found: found.to_owned(),
    }
}

fn definition_header(number: usize, line: &str) -> Result<Definition, ParseError> {
    const EXPECTED: &str = "`[evolvable] struct|enum NAME [id N]` or `protocol NAME`";
    let (evolvable, rest) = match line.strip_prefix("evolvable ") {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    let (keyword, rest) = rest
        .split_once(' ')
        .ok_or_else(|| error(number, EXPECTED, line))?;
    let (name, id) = match rest.rsplit_once(" id ") {
        Some((name, id)) if keyword != "protocol" => {
            let id = id
                .parse::<u16>()
                .map_err(|_| error(number, "a message id (0 to 65535)", id))?;
            if id.to_string() != *id_text(rest) {
                return Err(error(number, "a message id in decimal", rest));
            }
            (name, Some(id))
        }
        _ => (rest, None),
    };
    let name = whole_name(number, name)?;
    let kind = match keyword {
        "struct" => Kind::Struct(Fields::default()),
        "enum" => Kind::Enum(Vec::new()),
        "protocol" if !evolvable => Kind::Protocol(Vec::new()),
        _ => return Err(error(number, EXPECTED, line)),
    };
    Ok(Definition {
        name,
        evolvable,
        id,
        kind,
    })
}

fn id_text(rest: &str) -> &str {
    rest.rsplit_once(" id ").map_or("", |(_, id)| id)
}

fn read_body(lines: &mut Lines<'_>, def: &mut Definition) -> Result<(), ParseError> {
    while !lines.at_end() {
        let (number, line) = lines.peek();
        if line.is_empty() {
            return Ok(());
        }
        lines.take();
        match &mut def.kind {
            Kind::Struct(fields) => {
                let item = line
                    .strip_prefix("  ")
                    .ok_or_else(|| error(number, "a field, indented by 2", line))?;
                field_line(number, item, fields)?;
            }
            Kind::Protocol(messages) => {
                let item = line
                    .strip_prefix("  message ")
                    .ok_or_else(|| error(number, "`  message ID VARIANT: TYPE`", line))?;
                messages.push(message_line(number, item)?);
            }
            Kind::Enum(variants) => {
                if let Some(field) = line.strip_prefix("    ") {
                    match variants.last_mut() {
                        Some(Variant::Tagged { fields, .. }) => field_line(number, field, fields)?,
                        _ => return Err(error(number, "a variant before its fields", line)),
                    }
                } else if let Some(rest) = line.strip_prefix("  variant ") {
                    let (tag, name) = rest
                        .split_once(' ')
                        .ok_or_else(|| error(number, "`variant TAG NAME`", line))?;
                    let tag = decimal::<u32>(number, tag, "a variant tag")?;
                    variants.push(Variant::Tagged {
                        tag,
                        name: ident(number, name)?,
                        fields: Fields::default(),
                    });
                } else if let Some(name) = line.strip_prefix("  other ") {
                    variants.push(Variant::Other {
                        name: ident(number, name)?,
                    });
                } else {
                    return Err(error(
                        number,
                        "`  variant TAG NAME` or `  other NAME`",
                        line,
                    ));
                }
            }
        }
    }
    Ok(())
}

fn field_line(number: usize, item: &str, fields: &mut Fields) -> Result<(), ParseError> {
    if fields.unknown.is_some() {
        return Err(error(number, "nothing after the `unknown` field", item));
    }
    if let Some(name) = item.strip_prefix("unknown ") {
        fields.unknown = Some(ident(number, name)?);
        return Ok(());
    }
    let rest = item
        .strip_prefix("field ")
        .ok_or_else(|| error(number, "`field NAME: TYPE` or `unknown NAME`", item))?;
    let (name, rest) = rest
        .split_once(": ")
        .ok_or_else(|| error(number, "`field NAME: TYPE`", item))?;
    let (ty, rest) = parse_type(number, rest)?;
    let since = match rest.strip_prefix(" since ") {
        Some(since) => {
            let since = decimal::<u32>(number, since, "a revision")?;
            if since < 2 {
                return Err(error(
                    number,
                    "a revision of 2 or more (1 is not written)",
                    item,
                ));
            }
            since
        }
        None if rest.is_empty() => 1,
        None => return Err(error(number, "the end of the line or ` since N`", rest)),
    };
    fields.fields.push(Field {
        name: ident(number, name)?,
        ty,
        since,
    });
    Ok(())
}

fn message_line(number: usize, item: &str) -> Result<MessageEntry, ParseError> {
    let (id, rest) = item
        .split_once(' ')
        .ok_or_else(|| error(number, "`message ID VARIANT: TYPE`", item))?;
    let id = decimal::<u16>(number, id, "a message id")?;
    let (variant, ty) = rest
        .split_once(": ")
        .ok_or_else(|| error(number, "`VARIANT: TYPE`", rest))?;
    Ok(MessageEntry {
        id,
        variant: ident(number, variant)?,
        ty: whole_type(number, ty)?,
    })
}

/// A number in canonical decimal (no sign, no leading zero).
fn decimal<T: std::str::FromStr + ToString>(
    number: usize,
    text: &str,
    expected: &'static str,
) -> Result<T, ParseError> {
    match text.parse::<T>() {
        Ok(value) if value.to_string() == text => Ok(value),
        _ => Err(error(number, expected, text)),
    }
}

/// A field, variant or member name: letters, digits, `_`, `#`.
fn ident(number: usize, text: &str) -> Result<String, ParseError> {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '#')
    {
        Ok(text.to_owned())
    } else {
        Err(error(number, "a name", text))
    }
}

/// A definition's name: an ident, or a Rust path (`a::b::Get`) for one that shares its
/// name with another type (§13.1).
fn type_ident(number: usize, text: &str) -> Result<String, ParseError> {
    let valid = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '#')
    };
    if text.split("::").all(valid) {
        Ok(text.to_owned())
    } else {
        Err(error(number, "a name", text))
    }
}

fn whole_name(number: usize, text: &str) -> Result<String, ParseError> {
    match parse_type(number, text)? {
        (Type::Named(name), "") => Ok(name),
        _ => Err(error(number, "a definition name", text)),
    }
}

fn whole_type(number: usize, text: &str) -> Result<Type, ParseError> {
    match parse_type(number, text)? {
        (ty, "") => Ok(ty),
        (_, rest) => Err(error(number, "the end of the type", rest)),
    }
}

/// Reads one type from the start of `text`; returns it and the rest.
fn parse_type(number: usize, text: &str) -> Result<(Type, &str), ParseError> {
    nested_type(number, text, 0)
}

/// [`parse_type`] at nesting `depth`.
fn nested_type(number: usize, text: &str, depth: usize) -> Result<(Type, &str), ParseError> {
    if depth >= MAX_TYPE_DEPTH {
        return Err(ParseError {
            line: number,
            expected: "types nested at most 64 deep",
            found: text.chars().take(40).collect(),
        });
    }
    let parse_type = |number, text| nested_type(number, text, depth + 1);
    let end = text
        .find(['<', '>', ',', '(', ')', ' '])
        .unwrap_or(text.len());
    let (word, rest) = text.split_at(end);
    let inner = |rest| -> Result<(Type, &str), ParseError> {
        parse_type(number, punct(number, rest, "<")?)
    };
    let close = |rest| punct(number, rest, ">");
    let comma = |rest| punct(number, rest, ", ");
    if let Some(int) = Int::ALL.iter().find(|int| int.name() == word) {
        return Ok((Type::Int(*int), rest));
    }
    let simple = match word {
        "bool" => Some(Type::Bool),
        "f32" => Some(Type::F32),
        "f64" => Some(Type::F64),
        "char" => Some(Type::Char),
        "string" => Some(Type::String),
        "bytes" => Some(Type::Bytes),
        "unit" => Some(Type::Unit),
        "never" => Some(Type::Never),
        _ => None,
    };
    if let Some(ty) = simple {
        return Ok((ty, rest));
    }
    match word {
        "fixed" => {
            let rest = rest
                .strip_prefix(' ')
                .ok_or_else(|| error(number, "` ` and an integer type", rest))?;
            match parse_type(number, rest)? {
                (Type::Int(int), rest) if !matches!(int, Int::U8 | Int::I8) => {
                    Ok((Type::Fixed(int), rest))
                }
                _ => Err(error(
                    number,
                    "an integer type wider than 8 bits after `fixed`",
                    rest,
                )),
            }
        }
        "seq" | "set" | "option" => {
            let (element, rest) = inner(rest)?;
            let rest = close(rest)?;
            let ty = match word {
                "seq" if element == Type::Int(Int::U8) => {
                    return Err(error(number, "`bytes` for a sequence of u8", text))
                }
                "seq" => Type::Seq(Box::new(element)),
                "set" => Type::Set(Box::new(element)),
                _ => Type::Option(Box::new(element)),
            };
            Ok((ty, rest))
        }
        "map" => {
            let (key, rest) = inner(rest)?;
            let (value, rest) = parse_type(number, comma(rest)?)?;
            Ok((Type::Map(Box::new(key), Box::new(value)), close(rest)?))
        }
        "array" => {
            let (element, rest) = inner(rest)?;
            let rest = comma(rest)?;
            let end = rest.find('>').ok_or_else(|| error(number, "`>`", rest))?;
            let len = decimal::<u64>(number, &rest[..end], "an array length")?;
            Ok((Type::Array(Box::new(element), len), &rest[end + 1..]))
        }
        "with" | "opaque" => {
            let rest = rest
                .strip_prefix(' ')
                .ok_or_else(|| error(number, "` ` and a path", rest))?;
            let (path, rest) = balanced(number, rest)?;
            let ty = if word == "with" {
                Type::With(path)
            } else {
                Type::Opaque(path)
            };
            Ok((ty, rest))
        }
        "" if rest.starts_with('(') => {
            let mut elements = Vec::new();
            let mut rest = &rest[1..];
            loop {
                let (element, after) = parse_type(number, rest)?;
                elements.push(element);
                if let Some(after) = after.strip_prefix(", ") {
                    rest = after;
                } else if let Some(after) = after.strip_prefix(",)") {
                    if elements.len() != 1 {
                        return Err(error(number, "`)` (only a 1-tuple ends with `,)`)", after));
                    }
                    return Ok((Type::Tuple(elements), after));
                } else if let Some(after) = after.strip_prefix(')') {
                    if elements.len() == 1 {
                        return Err(error(number, "`,)` after the element of a 1-tuple", after));
                    }
                    return Ok((Type::Tuple(elements), after));
                } else {
                    return Err(error(number, "`, ` or `)`", after));
                }
            }
        }
        "" => Err(error(number, "a type", text)),
        _ => {
            type_ident(number, word)?;
            if rest.starts_with('<') {
                let (arguments, after) = balanced(number, rest)?;
                Ok((Type::Named(format!("{word}{arguments}")), after))
            } else {
                Ok((Type::Named(word.to_owned()), rest))
            }
        }
    }
}

/// `text` after `prefix`.
fn punct<'t>(number: usize, text: &'t str, prefix: &'static str) -> Result<&'t str, ParseError> {
    text.strip_prefix(prefix).ok_or_else(|| ParseError {
        line: number,
        expected: prefix,
        found: text.to_owned(),
    })
}

/// Text up to the first `,`, `>`, `)` or space outside brackets; brackets must balance.
fn balanced(number: usize, text: &str) -> Result<(String, &str), ParseError> {
    let mut depth = 0usize;
    for (index, c) in text.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' if depth > 0 => depth -= 1,
            ',' | '>' | ')' | ' ' if depth == 0 => {
                return nonempty(number, text, index);
            }
            _ => {}
        }
    }
    if depth == 0 {
        nonempty(number, text, text.len())
    } else {
        Err(error(number, "balanced brackets", text))
    }
}

fn nonempty(number: usize, text: &str, end: usize) -> Result<(String, &str), ParseError> {
    if end == 0 {
        return Err(error(number, "a name", text));
    }
    Ok((text[..end].to_owned(), &text[end..]))
}
