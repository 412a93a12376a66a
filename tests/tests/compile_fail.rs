//! Mistakes in derive input fail to compile with a clear error on the right span: one
//! file per mistake in `tests/ui/`, each with its reviewed `.stderr`.

#[test]
fn derive_mistakes_are_reported_at_their_span() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
