//! Two types at one position: equal, or a change of SPEC.md §12.7's table.

use super::Differ;
use crate::schema::model::{Definition, Field, Int, Kind, Schema, Type};
use crate::schema::report::Compatibility;

impl Differ<'_> {
    /// Compares the types of one position; `end_known` says whether a named type there
    /// has a known end (a top-level message), so it can take appended fields.
    /// Compares two types at `path`, at most [`MAX_DEPTH`](super::MAX_DEPTH) deep: a
    /// schema from a peer (HELLO) may chain definitions to exhaust the stack.
    pub(super) fn types(&mut self, path: &str, old: &Type, new: &Type, end_known: bool) {
        if self.depth >= super::MAX_DEPTH {
            self.push(
                Compatibility::Breaking,
                path,
                format!("{old} → {new}"),
                "nested too deep to compare",
            );
            return;
        }
        self.depth += 1;
        self.types_at(path, old, new, end_known);
        self.depth -= 1;
    }

    fn types_at(&mut self, path: &str, old: &Type, new: &Type, end_known: bool) {
        use Compatibility::*;
        let change = format!("{old} → {new}");
        match (old, new) {
            (Type::Named(a), Type::Named(b)) => {
                if a != b {
                    self.push(
                        Compatible,
                        path,
                        change,
                        "type renamed: names are not on the wire",
                    );
                }
                self.definitions(a, b, end_known);
            }
            (Type::Option(a), Type::Option(b))
            | (Type::Seq(a), Type::Seq(b))
            | (Type::Set(a), Type::Set(b)) => {
                self.types(&format!("{path}[]"), a, b, false);
            }
            (Type::Array(a, n), Type::Array(b, m)) if n == m => {
                self.types(&format!("{path}[]"), a, b, false)
            }
            (Type::Map(ka, va), Type::Map(kb, vb)) => {
                self.types(&format!("{path}.key"), ka, kb, false);
                self.types(&format!("{path}.value"), va, vb, false);
            }
            (Type::Tuple(a), Type::Tuple(b)) if a.len() == b.len() => {
                for (index, (a, b)) in a.iter().zip(b).enumerate() {
                    self.types(&format!("{path}.{index}"), a, b, false);
                }
            }
            _ if old == new => {}
            (Type::Int(a), Type::Int(b)) => {
                let (a, b) = (*a, *b);
                if a.bits() == 8 || b.bits() == 8 {
                    let reason = if a.bits() == b.bits() {
                        "the same byte reads as another number"
                    } else {
                        "u8 and i8 are a raw byte, wider integers a varint"
                    };
                    self.push(Breaking, path, change, reason);
                } else if a.signed() != b.signed() {
                    self.push(
                        Breaking,
                        path,
                        change,
                        "signed integers are zigzag varints: 1 is 02, -1 is 01",
                    );
                } else if b.bits() > a.bits() {
                    self.push(
                        NewReaderOldWriter,
                        path,
                        change,
                        &format!(
                            "old readers reject values wider than {} bits (varint overflow)",
                            a.bits()
                        ),
                    );
                } else {
                    self.push(OldReaderNewWriter, path, change, &format!("new readers reject old writers' values wider than {} bits (varint overflow)", b.bits()));
                }
            }
            (Type::Fixed(a), Type::Fixed(b)) => {
                let reason = format!(
                    "fixed widths differ: {} bytes vs {}",
                    a.bits() / 8,
                    b.bits() / 8
                );
                self.push(Breaking, path, change, &reason);
            }
            (Type::Int(_), Type::Fixed(_)) | (Type::Fixed(_), Type::Int(_)) => {
                self.push(Breaking, path, change, "fixed ↔ varint: the widths differ");
            }
            (Type::Bool, Type::Int(int)) if !int.signed() => {
                self.push(
                    NewReaderOldWriter,
                    path,
                    change,
                    "old readers reject values other than 0 and 1",
                );
            }
            (Type::Int(int), Type::Bool) if !int.signed() => {
                self.push(
                    OldReaderNewWriter,
                    path,
                    change,
                    "new readers reject old writers' values other than 0 and 1",
                );
            }
            (Type::Char, Type::Int(Int::U32 | Int::U64 | Int::U128)) => {
                self.push(
                    NewReaderOldWriter,
                    path,
                    change,
                    "old readers reject values that are not Unicode scalar values",
                );
            }
            (Type::Int(Int::U32 | Int::U64 | Int::U128), Type::Char) => {
                self.push(
                    OldReaderNewWriter,
                    path,
                    change,
                    "new readers reject old writers' values that are not Unicode scalar values",
                );
            }
            (Type::F32, Type::F64) | (Type::F64, Type::F32) => {
                self.push(Breaking, path, change, "f32 is 4 bytes, f64 8");
            }
            (Type::String, Type::Bytes) => {
                self.push(
                    NewReaderOldWriter,
                    path,
                    change,
                    "peers with the old definition reject non-UTF-8 text",
                );
            }
            (Type::Bytes, Type::String) => {
                self.push(
                    OldReaderNewWriter,
                    path,
                    change,
                    "new readers reject old writers' bytes that are not UTF-8",
                );
            }
            (Type::Map(k, v), Type::Seq(entry)) | (Type::Seq(entry), Type::Map(k, v)) if matches!(&**entry, Type::Tuple(kv) if kv.len() == 2) =>
            {
                let to_seq = matches!(new, Type::Seq(_));
                self.sorted_change(path, change, to_seq);
                if let Type::Tuple(kv) = &**entry {
                    let (old_k, new_k, old_v, new_v) = if to_seq {
                        (&**k, &kv[0], &**v, &kv[1])
                    } else {
                        (&kv[0], &**k, &kv[1], &**v)
                    };
                    self.types(&format!("{path}.key"), old_k, new_k, false);
                    self.types(&format!("{path}.value"), old_v, new_v, false);
                }
            }
            (Type::Set(a), Type::Seq(b)) | (Type::Seq(a), Type::Set(b)) => {
                self.sorted_change(path, change, matches!(new, Type::Seq(_)));
                self.types(&format!("{path}[]"), a, b, false);
            }
            (Type::Array(..), Type::Seq(_) | Type::Bytes)
            | (Type::Seq(_) | Type::Bytes, Type::Array(..)) => {
                self.push(Breaking, path, change, "an array has no count");
            }
            (Type::Array(..), Type::Array(..)) => self.push(
                Breaking,
                path,
                change,
                "the lengths differ and an array has no count",
            ),
            (Type::Option(inner), other) | (other, Type::Option(inner)) if **inner == *other => {
                self.push(Breaking, path, change, "an option adds a tag byte");
            }
            (Type::Named(name), other) | (other, Type::Named(name)) => {
                let schema = if matches!(old, Type::Named(_)) {
                    self.old
                } else {
                    self.new
                };
                let inner = frozen_fields(schema, name);
                let old_is_named = matches!(old, Type::Named(_));
                match (inner, other) {
                    (Some(fields), Type::Tuple(elements)) if fields.len() == elements.len() => {
                        self.push(
                            Compatible,
                            path,
                            change,
                            "a frozen struct is its fields in order",
                        );
                        for (index, (field, element)) in fields.iter().zip(elements).enumerate() {
                            let (a, b) = if old_is_named {
                                (&field.ty, element)
                            } else {
                                (element, &field.ty)
                            };
                            self.types(&format!("{path}.{index}"), a, b, false);
                        }
                    }
                    (Some([field]), other) => {
                        self.push(
                            Compatible,
                            path,
                            change,
                            "a frozen struct is its fields in order",
                        );
                        let (a, b) = if old_is_named {
                            (&field.ty, other)
                        } else {
                            (other, &field.ty)
                        };
                        self.types(path, a, b, false);
                    }
                    _ => self.push(
                        Breaking,
                        path,
                        change,
                        "the two types are encoded differently",
                    ),
                }
            }
            _ => self.push(
                Breaking,
                path,
                change,
                "the two types are encoded differently",
            ),
        }
    }

    fn sorted_change(&mut self, path: &str, change: String, to_seq: bool) {
        if to_seq {
            self.push(
                Compatibility::NewReaderOldWriter,
                path,
                change,
                "old readers reject elements that are not sorted and unique",
            );
        } else {
            self.push(
                Compatibility::OldReaderNewWriter,
                path,
                change,
                "new readers reject old writers' elements that are not sorted and unique",
            );
        }
    }
}

/// The fields of a frozen struct named `name` in `schema`, if it is one.
fn frozen_fields<'s>(schema: &'s Schema, name: &str) -> Option<&'s [Field]> {
    match schema.definition(name) {
        Some(Definition {
            evolvable: false,
            kind: Kind::Struct(fields),
            ..
        }) => Some(&fields.fields),
        _ => None,
    }
}
