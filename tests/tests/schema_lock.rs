//! The check a user crate runs in `cargo test`: the committed schema file, a breaking
//! change made in a scratch copy, and the report that fails the test.

use std::path::PathBuf;

use wirewright::schema::{check_file, Describe, LockError, Outcome};
use wirewright::{Message, Protocol};

mod committed {
    use wirewright::{Message, Protocol};

    #[derive(Message)]
    #[wire(id = 1)]
    pub(super) struct Join {
        pub(super) room: String,
    }

    #[derive(Message)]
    #[wire(id = 2)]
    pub(super) struct Say {
        pub(super) room: String,
        pub(super) text: String,
    }

    #[derive(Protocol)]
    pub(super) enum Chat {
        Join(Join),
        Say(Say),
    }
}

/// The same protocol after a careless refactor: `Say`'s fields swapped, `text` made bytes.
mod changed {
    use wirewright::{Message, Protocol};

    #[derive(Message)]
    #[wire(id = 1)]
    pub(super) struct Join {
        pub(super) room: String,
    }

    #[derive(Message)]
    #[wire(id = 2)]
    pub(super) struct Say {
        pub(super) text: Vec<u8>,
        pub(super) room: String,
    }

    #[derive(Protocol)]
    pub(super) enum Chat {
        Join(Join),
        Say(Say),
    }
}

/// A fresh folder under the target directory's temp space for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wirewright-schema-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn first_run_writes_the_file_and_fails_once_then_passes() {
    let path = scratch("first-run").join("schema/chat.wwschema");
    let err = check_file(&committed::Chat::schema(), &path).expect_err("the check fails");
    assert!(matches!(err, LockError::Created { .. }), "{err}");
    let written = std::fs::read_to_string(&path).expect("the file was written");
    assert_eq!(written, committed::Chat::schema().to_string());
    assert_eq!(
        check_file(&committed::Chat::schema(), &path).ok(),
        Some(Outcome::Same)
    );
    wirewright::schema::assert_compatible::<committed::Chat>(&path);
}

#[test]
fn breaking_change_fails_with_every_difference() {
    let path = scratch("breaking").join("chat.wwschema");
    let _ = check_file(&committed::Chat::schema(), &path);
    let err = check_file(&changed::Chat::schema(), &path).expect_err("the check fails");
    let LockError::Changed { report, .. } = &err else {
        panic!("{err}")
    };
    assert!(report.is_breaking());
    let lines: Vec<String> = report.differences.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "breaking: Say.room: moved from position 0 to 1: fields are read by position",
            "breaking: Say.text: moved from position 1 to 0: fields are read by position",
        ]
    );
    let message = err.to_string();
    assert!(message.contains("2 difference(s), 2 breaking"), "{message}");
    assert!(message.contains("WIREWRIGHT_SCHEMA=overwrite"), "{message}");
    // The file is left as committed.
    assert_eq!(
        std::fs::read_to_string(&path).ok(),
        Some(committed::Chat::schema().to_string())
    );
}

#[test]
fn assert_compatible_panics_with_the_report() {
    let path = scratch("panics").join("chat.wwschema");
    let _ = check_file(&committed::Chat::schema(), &path);
    let panic = std::panic::catch_unwind(|| {
        wirewright::schema::assert_compatible::<changed::Chat>(&path);
    })
    .expect_err("the check fails");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("breaking: Say.text: moved from position 1 to 0"),
        "{message}"
    );
}

#[test]
fn compatible_change_still_asks_for_the_file_to_be_updated() {
    #[derive(Message)]
    #[wire(id = 3)]
    struct Leave;
    #[derive(Protocol)]
    enum Chat {
        Join(committed::Join),
        Say(committed::Say),
        Leave(Leave),
    }
    let path = scratch("compatible").join("chat.wwschema");
    let _ = check_file(&committed::Chat::schema(), &path);
    let err = check_file(&Chat::schema(), &path).expect_err("the check fails");
    let LockError::Changed { report, .. } = &err else {
        panic!("{err}")
    };
    assert!(!report.is_breaking(), "{report}");
    assert_eq!(report.differences.len(), 1, "{report}");
}

#[test]
fn a_file_that_is_not_a_schema_is_reported_with_its_line() {
    let dir = scratch("garbage");
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let path = dir.join("chat.wwschema");
    std::fs::write(&path, "wirewright schema 1\nroot Chat\n\nnonsense\n").expect("write");
    let err = check_file(&committed::Chat::schema(), &path).expect_err("the check fails");
    assert!(
        matches!(&err, LockError::Parse { source, .. } if source.line == 4),
        "{err}"
    );
}
