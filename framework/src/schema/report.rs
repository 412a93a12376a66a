//! The outcome of comparing two schemas: each [`Difference`] with its [`Compatibility`].

use std::fmt;

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
