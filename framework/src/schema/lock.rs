//! The committed schema file (a lock file) and the check a test runs against it.

use std::fmt;
use std::path::{Path, PathBuf};

use super::describe::Describe;
use super::diff::compare;
use super::model::Schema;
use super::parse::{parse, ParseError};
use super::report::Report;

/// The environment variable that makes [`check_file`] write the current schema:
/// `WIREWRIGHT_SCHEMA=overwrite cargo test`.
pub const ENV: &str = "WIREWRIGHT_SCHEMA";

/// What [`check_file`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The file holds the current schema.
    Same,
    /// `WIREWRIGHT_SCHEMA=overwrite` was set and the file now holds the current schema;
    /// the report lists what changed (empty when the file was new).
    Written(Report),
}

/// Why a schema file does not match the current schema.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The file did not exist; it was written, and must be reviewed and committed.
    #[error("{path}: no schema file; wrote the current schema there: review and commit it")]
    Created {
        /// The file.
        path: PathBuf,
    },
    /// The file differs from the current schema.
    #[error("{path}: the schema changed: {report}to accept the change, run the tests with {ENV}=overwrite and commit the file")]
    Changed {
        /// The file.
        path: PathBuf,
        /// Every difference, classified.
        report: Report,
    },
    /// The file is not a schema text.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: ParseError,
    },
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Compares `current` with the schema committed at `path`.
///
/// - Same schema: `Ok(Outcome::Same)`.
/// - With `WIREWRIGHT_SCHEMA=overwrite`: writes `current` to `path` (creating folders),
///   `Ok(Outcome::Written(report))`.
/// - No file: writes it and returns [`LockError::Created`], so a test fails once and the
///   new file shows in `git status` (a CI run without the committed file fails).
/// - Different: [`LockError::Changed`] with every difference, classified.
///
/// # Errors
/// As listed, and [`LockError::Parse`] / [`LockError::Io`] for an unreadable file.
pub fn check_file(current: &Schema, path: impl AsRef<Path>) -> Result<Outcome, LockError> {
    let path = path.as_ref();
    let overwrite = std::env::var(ENV).is_ok_and(|value| value == "overwrite");
    let io = |source| LockError::Io {
        path: path.to_owned(),
        source,
    };
    let committed = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(io(err)),
    };
    let text = current.to_string();
    let Some(committed) = committed else {
        write(path, &text).map_err(io)?;
        return if overwrite {
            Ok(Outcome::Written(Report::default()))
        } else {
            Err(LockError::Created {
                path: path.to_owned(),
            })
        };
    };
    if committed == text {
        return Ok(Outcome::Same);
    }
    let report = match parse(&committed) {
        Ok(old) => compare(&old, current),
        Err(source) if !overwrite => {
            return Err(LockError::Parse {
                path: path.to_owned(),
                source,
            })
        }
        Err(_) => Report::default(),
    };
    if overwrite {
        write(path, &text).map_err(io)?;
        return Ok(Outcome::Written(report));
    }
    Err(LockError::Changed {
        path: path.to_owned(),
        report,
    })
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
}

/// Asserts that the schema of `T` is the one committed at `path` (relative to the
/// current directory, which `cargo test` sets to the package's folder). Call it from a
/// test: it fails with every difference, each classified as compatible (and in which
/// direction) or breaking with its reason. `WIREWRIGHT_SCHEMA=overwrite cargo test`
/// writes the current schema instead; a missing file is written and the test fails once,
/// so the new file gets reviewed and committed.
///
/// ```no_run
/// use wirewright::{Message, Protocol};
///
/// #[derive(Message)]
/// #[wire(id = 1)]
/// struct Say { text: String }
///
/// #[derive(Protocol)]
/// enum Chat { Say(Say) }
///
/// #[test]
/// fn the_chat_protocol_is_stable() {
///     wirewright::schema::assert_compatible::<Chat>("schema/chat.wwschema");
/// }
/// ```
///
/// # Panics
/// When the file is missing, differs from the current schema, or cannot be read; the
/// message is the [`LockError`]'s.
#[track_caller]
pub fn assert_compatible<T: Describe + ?Sized>(path: impl AsRef<Path>) {
    match check_file(&T::schema(), path) {
        Ok(Outcome::Same) => {}
        Ok(Outcome::Written(report)) => {
            if !report.is_empty() {
                eprintln!("wrote the schema; it changed: {report}");
            }
        }
        Err(err) => panic!("{err}"),
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Same => f.write_str("unchanged"),
            Outcome::Written(report) if report.is_empty() => f.write_str("written"),
            Outcome::Written(report) => write!(f, "written; {report}"),
        }
    }
}
