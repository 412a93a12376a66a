//! Two definitions: fields by position, variants by tag, messages by id.

use std::collections::HashSet;

use super::Differ;
use crate::schema::model::{Definition, Field, Fields, Kind, MessageEntry, Variant};
use crate::schema::report::Compatibility;

impl Differ<'_> {
    pub(super) fn definitions(&mut self, old_name: &str, new_name: &str, end_known: bool) {
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
