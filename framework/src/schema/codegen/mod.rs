//! Peers in other languages, generated from the schema text: one self-contained module
//! per language ([`python`], [`typescript`]) with the codec of SPEC.md §4–§6 and §12,
//! frames and a client.
//!
//! ```
//! let kv = wirewright::schema::parse("\
//! wirewright schema 1
//! root Get
//!
//! struct Get id 1
//!   field key: string
//! ").unwrap();
//! let module = wirewright::schema::codegen::python(&[kv]).unwrap();
//! assert!(module.contains("class Get(WireValue):"));
//! ```

mod python;
mod typescript;

use std::fmt::{self, Write};

use super::model::{Definition, Kind, Schema, Type, Variant};

pub use python::python;
pub use typescript::typescript;

/// Why a module cannot be generated from the schemas given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodegenError {
    /// Two schemas define one name differently.
    Conflict {
        /// The definition's name.
        name: String,
    },
    /// A field's type has no portable encoding (`with` a Rust module, or opaque).
    Unportable {
        /// The definition holding the field.
        definition: String,
        /// The type as the schema text writes it.
        ty: String,
    },
    /// A type refers to a name no schema defines.
    Undefined {
        /// The missing name.
        name: String,
    },
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodegenError::Conflict { name } => {
                write!(f, "`{name}` is defined differently by two schemas")
            }
            CodegenError::Unportable { definition, ty } => write!(
                f,
                "`{definition}` has a field of type `{ty}`, whose encoding only Rust knows"
            ),
            CodegenError::Undefined { name } => write!(f, "no schema defines `{name}`"),
        }
    }
}

impl std::error::Error for CodegenError {}

/// What HELLO announces of a schema (SPEC §13.6): its root's name, text (§13.2) and
/// revision (the highest `since` of its fields, 1 if none). The runtimes combine them
/// into the schema of a tuple where a connection carries several roots.
struct Announced {
    root: String,
    text: String,
    revision: u32,
}

/// The schemas of `schemas` whose root is a definition, for HELLO.
fn announced(schemas: &[Schema]) -> Vec<Announced> {
    schemas
        .iter()
        .filter_map(|schema| {
            let Type::Named(root) = &schema.root else {
                return None;
            };
            let is_defined = schema.definitions.iter().any(|def| &def.name == root);
            let revision = schema
                .definitions
                .iter()
                .flat_map(|def| match &def.kind {
                    Kind::Struct(fields) => fields.fields.iter().map(|f| f.since).collect(),
                    Kind::Enum(variants) => variants
                        .iter()
                        .flat_map(|variant| match variant {
                            Variant::Tagged { fields, .. } => {
                                fields.fields.iter().map(|f| f.since).collect()
                            }
                            Variant::Other { .. } => Vec::new(),
                        })
                        .collect(),
                    Kind::Protocol(_) => Vec::new(),
                })
                .max()
                .unwrap_or(1)
                .max(1);
            is_defined.then(|| Announced {
                root: root.clone(),
                text: schema.to_string(),
                revision,
            })
        })
        .collect()
}

/// A string literal of `text` that Python and JavaScript read alike (`\"`, `\\`, `\n`,
/// `\uXXXX` for the other controls).
fn string_literal(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Every definition of `schemas`, each once, sorted by name.
fn merge(schemas: &[Schema]) -> Result<Vec<&Definition>, CodegenError> {
    let mut all: Vec<&Definition> = Vec::new();
    for schema in schemas {
        for def in &schema.definitions {
            match all.iter().find(|known| known.name == def.name) {
                Some(known) if *known != def => {
                    return Err(CodegenError::Conflict {
                        name: def.name.clone(),
                    })
                }
                Some(_) => {}
                None => all.push(def),
            }
        }
    }
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(all)
}

/// Checks that `ty` is portable and names only definitions of `defs`.
fn check_type(defs: &[&Definition], owner: &str, ty: &Type) -> Result<(), CodegenError> {
    match ty {
        Type::With(_) | Type::Opaque(_) => Err(CodegenError::Unportable {
            definition: owner.to_owned(),
            ty: ty.to_string(),
        }),
        Type::Named(name) if !defs.iter().any(|def| &def.name == name) => {
            Err(CodegenError::Undefined { name: name.clone() })
        }
        Type::Seq(inner) | Type::Array(inner, _) | Type::Set(inner) | Type::Option(inner) => {
            check_type(defs, owner, inner)
        }
        Type::Map(key, value) => {
            check_type(defs, owner, key)?;
            check_type(defs, owner, value)
        }
        Type::Tuple(elements) => elements
            .iter()
            .try_for_each(|element| check_type(defs, owner, element)),
        _ => Ok(()),
    }
}
