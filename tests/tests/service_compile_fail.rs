//! Mistakes in a `#[wirewright::service]` trait fail to compile with a clear error on
//! the right span: one file per mistake in `tests/ui/service/`, each with its reviewed
//! `.stderr`.

#[test]
fn service_mistakes_are_reported_at_their_span() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/service/*.rs");
}
