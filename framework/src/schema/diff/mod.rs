//! Comparing two schemas of one protocol by the evolution rules of SPEC.md §12: every
//! difference, classified (SPEC.md §13.3). `types.rs` compares two types at one
//! position (the table of §12.7), `definitions.rs` two definitions (fields, variants,
//! messages).

mod definitions;
mod types;

use std::collections::HashSet;

use super::model::Schema;
use super::report::{Compatibility, Difference, Report};

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
        depth: 0,
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
    /// Types being compared, nested (the recursion's depth).
    depth: usize,
}

/// How deep types (through definitions) are compared; deeper is reported as breaking.
const MAX_DEPTH: usize = 128;

impl Differ<'_> {
    fn push(&mut self, compatibility: Compatibility, path: &str, change: String, reason: &str) {
        self.differences.push(Difference {
            compatibility,
            path: path.to_owned(),
            change,
            reason: reason.to_owned(),
        });
    }
}
