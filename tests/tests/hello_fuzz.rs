//! The hostile side of HELLO (SPEC.md §13.6): the committed seeds and regressions of the
//! fuzz target `hello` replay cleanly, and the schema text a peer sends is parsed and
//! compared with bounded recursion.

use std::fs;
use std::path::Path;

use wirewright::schema::{compare, parse, Compatibility, MAX_TYPE_DEPTH};
use wirewright_tests::fuzz_hello;

fn inputs(kind: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz")
        .join(kind)
        .join("hello");
    let Ok(entries) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let bytes = fs::read(&path).expect("a seed file");
            (path.display().to_string(), bytes)
        })
        .collect()
}

#[test]
fn every_hello_seed_and_regression_replays_cleanly() {
    let seeds = inputs("seeds");
    assert!(
        seeds.len() >= 8,
        "fuzz/seeds/hello has {} seeds",
        seeds.len()
    );
    for (path, bytes) in seeds.iter().chain(&inputs("regressions")) {
        let outcome = std::panic::catch_unwind(|| fuzz_hello::hello(bytes));
        assert!(outcome.is_ok(), "hello fails on {path}");
    }
}

#[test]
fn a_schema_text_nested_too_deep_is_refused_with_its_line() {
    let depth = MAX_TYPE_DEPTH + 1;
    let text = format!(
        "wirewright schema 1\nroot {}u8{}\n",
        "option<".repeat(depth),
        ">".repeat(depth)
    );
    let err = parse(&text).expect_err("too deep");
    assert_eq!(err.line, 2);
    assert_eq!(err.expected, "types nested at most 64 deep");
    // A million levels: refused the same way, without exhausting the stack.
    let text = format!("wirewright schema 1\nroot {}\n", "seq<".repeat(1_000_000));
    assert_eq!(parse(&text).expect_err("too deep").line, 2);
}

#[test]
fn a_schema_text_nested_at_the_limit_parses() {
    let depth = MAX_TYPE_DEPTH - 1;
    let text = format!(
        "wirewright schema 1\nroot {}u8{}\n",
        "option<".repeat(depth),
        ">".repeat(depth)
    );
    assert_eq!(parse(&text).expect("at the limit").to_string(), text);
}

#[test]
fn a_long_chain_of_definitions_is_compared_to_a_bounded_depth() {
    let mut text = String::from("wirewright schema 1\nroot a00000\n");
    for index in 0..5_000 {
        text.push_str(&format!(
            "\nstruct a{index:05}\n  field x: a{:05}\n",
            index + 1
        ));
    }
    let schema = parse(&text).expect("a chain");
    // The same chain on both sides recurses down it: the comparison stops at its depth
    // limit and reports the rest as not compared (breaking), instead of overflowing.
    let report = compare(&schema, &schema);
    assert_eq!(report.count(Compatibility::Breaking), 1, "{report}");
    assert!(
        report.to_string().contains("nested too deep to compare"),
        "{report}"
    );
}

#[test]
fn text_that_is_all_newlines_is_refused_at_its_first_line() {
    let text = "\n".repeat(1 << 20);
    assert_eq!(parse(&text).expect_err("no header").line, 1);
}
