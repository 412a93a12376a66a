//! The text form of a schema (SPEC.md §13.2): one item per line, definitions sorted by
//! name, so that a change to a protocol is a readable diff.

use std::fmt;

use super::model::{Definition, Fields, Kind, Schema, Variant};

/// The first line of every schema file.
pub const HEADER: &str = "wirewright schema 1";

/// Words the text form uses for builtin types; a definition with one of these names is
/// written `r#name`.
pub const KEYWORDS: [&str; 24] = [
    "bool", "u8", "i8", "u16", "u32", "u64", "u128", "i16", "i32", "i64", "i128", "f32", "f64",
    "char", "string", "bytes", "unit", "never", "seq", "array", "map", "set", "option", "fixed",
];

impl fmt::Display for Schema {
    /// The canonical text form: `parse(&schema.to_string()) == Ok(schema)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{HEADER}")?;
        writeln!(f, "root {}", self.root)?;
        for definition in &self.definitions {
            writeln!(f)?;
            write_definition(f, definition)?;
        }
        Ok(())
    }
}

fn write_definition(f: &mut fmt::Formatter<'_>, def: &Definition) -> fmt::Result {
    let evolvable = if def.evolvable { "evolvable " } else { "" };
    let keyword = match def.kind {
        Kind::Struct(_) => "struct",
        Kind::Enum(_) => "enum",
        Kind::Protocol(_) => "protocol",
    };
    write!(f, "{evolvable}{keyword} {}", def.name)?;
    if let Some(id) = def.id {
        write!(f, " id {id}")?;
    }
    writeln!(f)?;
    match &def.kind {
        Kind::Struct(fields) => write_fields(f, fields, "  "),
        Kind::Enum(variants) => {
            for variant in variants {
                match variant {
                    Variant::Tagged { tag, name, fields } => {
                        writeln!(f, "  variant {tag} {name}")?;
                        write_fields(f, fields, "    ")?;
                    }
                    Variant::Other { name } => writeln!(f, "  other {name}")?,
                }
            }
            Ok(())
        }
        Kind::Protocol(messages) => {
            for message in messages {
                writeln!(
                    f,
                    "  message {} {}: {}",
                    message.id, message.variant, message.ty
                )?;
            }
            Ok(())
        }
    }
}

fn write_fields(f: &mut fmt::Formatter<'_>, fields: &Fields, indent: &str) -> fmt::Result {
    for field in &fields.fields {
        write!(f, "{indent}field {}: {}", field.name, field.ty)?;
        if field.since > 1 {
            write!(f, " since {}", field.since)?;
        }
        writeln!(f)?;
    }
    if let Some(name) = &fields.unknown {
        writeln!(f, "{indent}unknown {name}")?;
    }
    Ok(())
}
