//! Comparing two schemas of one protocol by the evolution rules of SPEC.md §12: every
//! difference, classified (SPEC.md §13.3).

use std::collections::HashSet;
use std::fmt;

use super::model::{Definition, Field, Fields, Int, Kind, MessageEntry, Schema, Type, Variant};

/// Whether peers of the old and the new definition still understand each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Compatibility {
    /// Both ways: old readers read what new writers write, and new readers what old
    /// writers wrote.
    Compatible,
    /// New readers read everything old writers wrote; old readers reject (never misread)
    /// some of what new writers write, as the reason says.
    NewReaderOldWriter,
    /// Old readers read everything new writers write; new readers reject (never misread)
    /// some of what old writers wrote, as the reason says.
    OldReaderNewWriter,
    /// Peers misread each other, or reject whole messages: a new message type is needed.
    Breaking,
}

impl fmt::Display for Compatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Compatibility::Compatible => "compatible",
            Compatibility::NewReaderOldWriter => "compatible new reader/old writer",
            Compatibility::OldReaderNewWriter => "compatible old reader/new writer",
            Compatibility::Breaking => "breaking",
        })
    }
}

/// One difference between two schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// How old and new peers fare.
    pub compatibility: Compatibility,
    /// Where: `Say.text`, `Shape::Circle.radius`, `Chat`.
    pub path: String,
    /// What changed: `string → bytes`.
    pub change: String,
    /// Why it has that compatibility, in one clause.
    pub reason: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}: {}",
            self.compatibility, self.path, self.change, self.reason
        )
    }
}

/// Every difference between an old and a new schema, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The differences.
    pub differences: Vec<Difference>,
}

impl Report {
    /// Whether the schemas are the same.
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }

    /// Whether any difference is breaking.
    pub fn is_breaking(&self) -> bool {
        self.count(Compatibility::Breaking) > 0
    }

    /// How many differences have `compatibility`.
    pub fn count(&self, compatibility: Compatibility) -> usize {
        self.differences
            .iter()
            .filter(|difference| difference.compatibility == compatibility)
            .count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let breaking = self.count(Compatibility::Breaking);
        writeln!(
            f,
            "{} difference(s), {breaking} breaking",
            self.differences.len()
        )?;
        for difference in &self.differences {
            writeln!(f, "  {difference}")?;
        }
        Ok(())
    }
}

/// Compares the schema peers were built with (`old`) with a new one, by the rules of
/// SPEC.md §12 and §13.3.
///
/// ```
/// use wirewright::schema::{compare, Compatibility, Describe};
///
/// mod v1 {
///     #[derive(wirewright::Message)]
///     #[wire(id = 2)]
///     pub struct Say { pub text: String }
/// }
/// #[derive(wirewright::Message)]
/// #[wire(id = 2)]
/// struct Say { text: Vec<u8> }
///
/// let report = compare(&v1::Say::schema(), &Say::schema());
/// assert_eq!(report.differences[0].compatibility, Compatibility::NewReaderOldWriter);
/// assert_eq!(
///     report.differences[0].to_string(),
///     "compatible new reader/old writer: Say.text: string → bytes: peers with the old definition reject non-UTF-8 text"
/// );
/// ```
pub fn compare(old: &Schema, new: &Schema) -> Report {
    let mut differ = Differ {
        old,
        new,
        differences: Vec::new(),
        seen: HashSet::new(),
    };
    differ.types("", &old.root, &new.root, true);
    Report {
        differences: differ.differences,
    }
}

struct Differ<'a> {
    old: &'a Schema,
    new: &'a Schema,
    differences: Vec<Difference>,
    /// Pairs of definitions compared (old name, new name, whether their end is known).
    seen: HashSet<(String, String, bool)>,
}

impl<'a> Differ<'a> {
    fn push(&mut self, compatibility: Compatibility, path: &str, change: String, reason: &str) {
        self.differences.push(Difference {
            compatibility,
            path: path.to_owned(),
            change,
            reason: reason.to_owned(),
        });
    }

    /// Compares the types of one position; `end_known` says whether a named type there
    /// has a known end (a top-level message), so it can take appended fields.
    fn types(&mut self, path: &str, old: &Type, new: &Type, end_known: bool) {
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

    fn definitions(&mut self, old_name: &str, new_name: &str, end_known: bool) {
        if !self
            .seen
            .insert((old_name.to_owned(), new_name.to_owned(), end_known))
        {
            return;
        }
        let (Some(old), Some(new)) = (self.old.definition(old_name), self.new.definition(new_name))
        else {
            self.push(
                Compatibility::Breaking,
                new_name,
                format!("{old_name} → {new_name}"),
                "a definition is missing from the schema",
            );
            return;
        };
        let path = new.name.clone();
        if old.evolvable != new.evolvable {
            let change = if new.evolvable {
                "frozen → evolvable"
            } else {
                "evolvable → frozen"
            };
            self.push(
                Compatibility::Breaking,
                &path,
                change.to_owned(),
                "a block adds its length: the bytes differ",
            );
        }
        match (old.id, new.id) {
            (Some(a), Some(b)) if a != b => {
                self.push(
                    Compatibility::Breaking,
                    &path,
                    format!("message id {a} → {b}"),
                    "the header names the message by its id",
                );
            }
            (None, Some(b)) => self.push(
                Compatibility::Compatible,
                &path,
                format!("message id {b} given"),
                "ids matter where a protocol holds the message",
            ),
            (Some(a), None) => self.push(
                Compatibility::Compatible,
                &path,
                format!("message id {a} taken away"),
                "ids matter where a protocol holds the message",
            ),
            _ => {}
        }
        let end_known = end_known || (old.evolvable && new.evolvable);
        match (&old.kind, &new.kind) {
            (Kind::Struct(a), Kind::Struct(b)) => self.fields(&path, a, b, end_known, new),
            (Kind::Enum(a), Kind::Enum(b)) => self.variants(&path, a, b, old, new),
            (Kind::Protocol(a), Kind::Protocol(b)) => self.messages(&path, a, b),
            (a, b) => {
                let change = format!("{} → {}", kind_name(a), kind_name(b));
                self.push(
                    Compatibility::Breaking,
                    &path,
                    change,
                    "the two types are encoded differently",
                );
            }
        }
    }

    fn fields(
        &mut self,
        prefix: &str,
        old: &Fields,
        new: &Fields,
        end_known: bool,
        def: &Definition,
    ) {
        use Compatibility::*;
        match (&old.unknown, &new.unknown) {
            (None, Some(name)) => self.push(
                Compatible,
                prefix,
                format!("unknown data kept in `{name}`"),
                "the unknown field is not on the wire",
            ),
            (Some(name), None) => self.push(
                Compatible,
                prefix,
                format!("unknown data no longer kept in `{name}`"),
                "the unknown field is not on the wire",
            ),
            _ => {}
        }
        let position =
            |fields: &[Field], name: &str| fields.iter().position(|field| field.name == name);
        let mut moved: HashSet<String> = HashSet::new();
        for (index, (a, b)) in old.fields.iter().zip(&new.fields).enumerate() {
            if a.name == b.name {
                self.field_pair(prefix, a, b, end_known);
                continue;
            }
            let mut reordered = false;
            if let Some(to) = position(&new.fields, &a.name) {
                if moved.insert(a.name.clone()) {
                    self.push(
                        Breaking,
                        &format!("{prefix}.{}", a.name),
                        format!("moved from position {index} to {to}"),
                        "fields are read by position",
                    );
                }
                reordered = true;
            }
            if let Some(from) = position(&old.fields, &b.name) {
                if moved.insert(b.name.clone()) {
                    self.push(
                        Breaking,
                        &format!("{prefix}.{}", b.name),
                        format!("moved from position {from} to {index}"),
                        "fields are read by position",
                    );
                }
                reordered = true;
            }
            if !reordered {
                self.push(
                    Compatible,
                    &format!("{prefix}.{}", a.name),
                    format!("renamed to {}", b.name),
                    "names are not on the wire",
                );
                self.field_pair(prefix, a, b, end_known);
            }
        }
        let frozen_reason = if def.id.is_some() {
            "the type is frozen where it is nested: its bytes have no length, so readers misread what follows"
        } else {
            "the type is frozen: its bytes have no length, so readers misread what follows"
        };
        for field in new
            .fields
            .iter()
            .skip(old.fields.len())
            .filter(|field| !moved.contains(&field.name))
        {
            let path = format!("{prefix}.{}", field.name);
            if !end_known {
                self.push(Breaking, &path, "appended".to_owned(), frozen_reason);
            } else if field.since <= 1 {
                self.push(
                    Breaking,
                    &path,
                    "appended without `since`".to_owned(),
                    "new readers reject what old writers wrote, which ends before it",
                );
            } else {
                self.push(
                    Compatible,
                    &path,
                    format!("appended in revision {}", field.since),
                    "old readers skip it; new readers fill its default for old writers",
                );
            }
        }
        for field in old
            .fields
            .iter()
            .skip(new.fields.len())
            .filter(|field| !moved.contains(&field.name))
        {
            let path = format!("{prefix}.{}", field.name);
            if !end_known {
                self.push(Breaking, &path, "removed".to_owned(), frozen_reason);
            } else if field.since <= 1 {
                self.push(
                    Breaking,
                    &path,
                    "removed".to_owned(),
                    "old readers require it (revision 1) and reject what new writers write",
                );
            } else {
                self.push(
                    Compatible,
                    &path,
                    format!("removed (appended in revision {})", field.since),
                    "old readers fill its default; never reuse its position",
                );
            }
        }
    }

    fn field_pair(&mut self, prefix: &str, old: &Field, new: &Field, end_known: bool) {
        let path = format!("{prefix}.{}", new.name);
        if old.since != new.since {
            let reason = if end_known {
                "both write the field; only a reader's default differs"
            } else {
                "both write the field in a frozen type"
            };
            self.push(
                Compatibility::Compatible,
                &path,
                format!("since {} → {}", old.since, new.since),
                reason,
            );
        }
        self.types(&path, &old.ty, &new.ty, false);
    }

    fn variants(
        &mut self,
        prefix: &str,
        old: &[Variant],
        new: &[Variant],
        old_def: &Definition,
        new_def: &Definition,
    ) {
        use Compatibility::*;
        let (old_tagged, new_tagged) = (tagged(old), tagged(new));
        let old_other = old_def
            .evolvable
            .then(|| catch_all(old))
            .flatten()
            .map(str::to_owned);
        let new_other = new_def
            .evolvable
            .then(|| catch_all(new))
            .flatten()
            .map(str::to_owned);
        match (&old_other, &new_other) {
            (None, Some(name)) => self.push(
                Compatible,
                prefix,
                format!("catch-all `{name}` added"),
                "new readers keep variants they do not know",
            ),
            (Some(name), None) => self.push(
                Compatible,
                prefix,
                format!("catch-all `{name}` removed"),
                "new readers reject variants they do not know",
            ),
            _ => {}
        }
        let end_known = old_def.evolvable && new_def.evolvable;
        let mut retagged: HashSet<&str> = HashSet::new();
        for &(tag, name, fields) in &old_tagged {
            let path = format!("{prefix}::{name}");
            if let Some(&(_, new_name, new_fields)) = new_tagged.iter().find(|(t, ..)| *t == tag) {
                if new_name != name {
                    self.push(
                        Compatible,
                        &path,
                        format!("renamed to {new_name}"),
                        "names are not on the wire",
                    );
                }
                self.fields(
                    &format!("{prefix}::{new_name}"),
                    fields,
                    new_fields,
                    end_known,
                    new_def,
                );
            } else if let Some(&(new_tag, ..)) = new_tagged.iter().find(|(_, n, _)| *n == name) {
                retagged.insert(name);
                self.push(
                    Breaking,
                    &path,
                    format!("tag {tag} → {new_tag}"),
                    "the tag is the variant",
                );
            } else if let Some(other) = &new_other {
                self.push(
                    Compatible,
                    &path,
                    format!("removed (tag {tag})"),
                    &format!("new readers keep it in their catch-all `{other}`"),
                );
            } else {
                self.push(
                    OldReaderNewWriter,
                    &path,
                    format!("removed (tag {tag})"),
                    "new readers reject it from old writers (unknown variant)",
                );
            }
        }
        for &(tag, name, _) in &new_tagged {
            if old_tagged.iter().any(|(t, ..)| *t == tag) || retagged.contains(name) {
                continue;
            }
            let path = format!("{prefix}::{name}");
            if let Some(other) = &old_other {
                self.push(
                    Compatible,
                    &path,
                    format!("added (tag {tag})"),
                    &format!("old readers keep it in their catch-all `{other}`"),
                );
            } else if new_def.evolvable {
                self.push(
                    NewReaderOldWriter,
                    &path,
                    format!("added (tag {tag})"),
                    "old readers without a catch-all reject it (unknown variant)",
                );
            } else {
                self.push(
                    NewReaderOldWriter,
                    &path,
                    format!("added (tag {tag})"),
                    "the enum is frozen: old readers reject it (unknown variant)",
                );
            }
        }
    }

    fn messages(&mut self, prefix: &str, old: &[MessageEntry], new: &[MessageEntry]) {
        use Compatibility::*;
        let mut moved: HashSet<u16> = HashSet::new();
        for entry in old {
            let path = format!("{prefix}::{}", entry.variant);
            if let Some(now) = new.iter().find(|now| now.id == entry.id) {
                if now.variant != entry.variant {
                    self.push(
                        Compatible,
                        &path,
                        format!("variant renamed to {}", now.variant),
                        "names are not on the wire",
                    );
                }
                self.types(
                    &format!("{prefix}::{}", now.variant),
                    &entry.ty,
                    &now.ty,
                    true,
                );
            } else if let Some(now) = new
                .iter()
                .find(|now| now.ty == entry.ty && !old.iter().any(|o| o.id == now.id))
            {
                moved.insert(now.id);
                self.push(
                    Breaking,
                    &path,
                    format!("message id {} → {}", entry.id, now.id),
                    "the header names the message by its id",
                );
            } else {
                self.push(
                    OldReaderNewWriter,
                    &path,
                    format!("message {} removed", entry.id),
                    "new readers reject it from old writers (unknown message type)",
                );
            }
        }
        for entry in new {
            if old.iter().any(|o| o.id == entry.id) || moved.contains(&entry.id) {
                continue;
            }
            let path = format!("{prefix}::{}", entry.variant);
            self.push(
                NewReaderOldWriter,
                &path,
                format!("message {} added", entry.id),
                "old readers reject it (unknown message type; a server answers code 1)",
            );
        }
    }
}

/// The tagged variants: tag, name, fields.
fn tagged(variants: &[Variant]) -> Vec<(u32, &str, &Fields)> {
    variants
        .iter()
        .filter_map(|variant| match variant {
            Variant::Tagged { tag, name, fields } => Some((*tag, name.as_str(), fields)),
            Variant::Other { .. } => None,
        })
        .collect()
}

/// The name of the catch-all variant.
fn catch_all(variants: &[Variant]) -> Option<&str> {
    variants.iter().find_map(|variant| match variant {
        Variant::Other { name } => Some(name.as_str()),
        Variant::Tagged { .. } => None,
    })
}

fn kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Struct(_) => "struct",
        Kind::Enum(_) => "enum",
        Kind::Protocol(_) => "protocol",
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
