//! The example protocols' schemas match the committed lock files in `examples/schema/`
//! (rewrite them with `cargo run -p wirewright-examples --bin schema -- write examples/schema`
//! or `WIREWRIGHT_SCHEMA=overwrite cargo test`).

use wirewright::schema::{check_file, Outcome};

#[test]
fn example_protocols_match_their_lock_files() {
    for (name, schema) in wirewright_examples::schemas::all() {
        let path = wirewright_examples::schemas::lock_dir().join(name);
        match check_file(&schema, &path) {
            Ok(Outcome::Same | Outcome::Written(_)) => {}
            Err(err) => panic!("{err}"),
        }
    }
}
