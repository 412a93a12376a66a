//! Writes or checks the schemas of the example protocols.
//!
//! ```text
//! cargo run -p wirewright-examples --bin schema -- write examples/schema
//! cargo run -p wirewright-examples --bin schema -- check examples/schema
//! cargo run -p wirewright-examples --bin schema -- python examples/schema/kv-*.wwschema > kv_peer.py
//! cargo run -p wirewright-examples --bin schema -- typescript examples/schema/kv-*.wwschema > kv_peer.ts
//! ```
//!
//! `write DIR` writes each protocol's schema to `DIR/NAME.wwschema` and prints its
//! fingerprint; `check DIR` compares them with the files and exits with status 1 listing
//! every difference (compatible or breaking) when one differs. `python FILE...` prints one
//! Python module generated from the schema files (their definitions merged), with the codec,
//! frames and an asyncio client (`wirewright::schema::codegen`); `typescript FILE...` the same
//! as a TypeScript ES module.

use std::path::PathBuf;
use std::process::ExitCode;

use wirewright::schema::{codegen, compare, parse, Schema};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [command, files @ ..] = args.as_slice() {
        if (command == "python" || command == "typescript") && !files.is_empty() {
            return generate(command, files);
        }
    }
    let (command, dir) = match args.as_slice() {
        [command, dir] if command == "write" || command == "check" => {
            (command.as_str(), PathBuf::from(dir))
        }
        _ => {
            eprintln!(
                "usage: schema write DIR | schema check DIR | schema python|typescript FILE..."
            );
            return ExitCode::from(2);
        }
    };
    let mut failed = false;
    for (name, schema) in wirewright_examples::schemas::all() {
        let path = dir.join(name);
        let text = schema.to_string();
        if command == "write" {
            if let Err(err) =
                std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &text))
            {
                eprintln!("{}: {err}", path.display());
                return ExitCode::FAILURE;
            }
            println!(
                "{}: fingerprint {:016x}",
                path.display(),
                schema.fingerprint()
            );
            continue;
        }
        let committed = match std::fs::read_to_string(&path) {
            Ok(committed) => committed,
            Err(err) => {
                eprintln!("{}: {err}", path.display());
                failed = true;
                continue;
            }
        };
        if committed == text {
            println!(
                "{}: unchanged ({:016x})",
                path.display(),
                schema.fingerprint()
            );
            continue;
        }
        failed = true;
        match parse(&committed) {
            Ok(old) => print!("{}: {}", path.display(), compare(&old, &schema)),
            Err(err) => println!("{}: {err}", path.display()),
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Prints the Python or TypeScript module generated from the schema files.
fn generate(language: &str, files: &[String]) -> ExitCode {
    let mut schemas: Vec<Schema> = Vec::new();
    for file in files {
        let parsed = std::fs::read_to_string(file)
            .map_err(|err| err.to_string())
            .and_then(|text| parse(&text).map_err(|err| err.to_string()));
        match parsed {
            Ok(schema) => schemas.push(schema),
            Err(err) => {
                eprintln!("{file}: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    let module = if language == "python" {
        codegen::python(&schemas)
    } else {
        codegen::typescript(&schemas)
    };
    match module {
        Ok(module) => {
            print!("{module}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}
