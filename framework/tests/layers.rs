//! The layers of `framework/src` import only downwards (issue 11):
//!
//! ```text
//!   rpc ──> transport ──> frame ──> codec
//!                   └───> schema ─┘
//! ```
//!
//! codec imports no other layer; frame and schema import the codec only; the transport
//! imports codec, frame and schema; rpc imports them all. This test reads every source
//! file of each layer and resolves each `crate::` path it names (outside comments) to the
//! layer that defines it: a layer module (`crate::frame::...`), or a name the crate root
//! re-exports (`crate::Flags` is the frame layer's, as `lib.rs` says). It also refuses
//! `super::super::` paths (write `crate::layer::...`) and `super::` in a layer's `mod.rs`
//! (which would name the crate root). And rpc, the top layer, names only what the crate
//! exports publicly: a root re-export or public module, and in `frame`, `transport` and
//! `schema` only what their `mod.rs` exports with `pub use` or `pub mod` (not their
//! crate-private modules and `pub(crate) use` items).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Each layer and the layers it may import.
const LAYERS: &[(&str, &[&str])] = &[
    ("codec", &[]),
    ("frame", &["codec"]),
    ("schema", &["codec"]),
    ("transport", &["codec", "frame", "schema"]),
    ("rpc", &["codec", "frame", "schema", "transport"]),
];

/// Root modules that are not layers, and the layer whose items they hold.
const ALIASES: &[(&str, &str)] = &[
    // `wirewright::json`, a re-export of `frame::json_message`.
    ("json", "frame"),
    // The frame functions' old root names, forwarding to `frame`.
    ("deprecated", "frame"),
    ("fuzzing", "fuzzing"),
];

/// Names the root re-exports from other crates: they belong to no layer.
const EXTERNAL: &[&str] = &["wirewright_derive", "bytes", "serde", "tokio_util"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// `text` without `//` comments (doc comments included) and string literals' contents.
fn code_of(text: &str) -> String {
    let mut code = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut previous = '\0';
        let mut kept = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if !in_string && c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            if c == '"' && previous != '\\' {
                in_string = !in_string;
            } else if in_string {
                previous = c;
                continue;
            }
            kept.push(c);
            previous = c;
        }
        code.push_str(&kept);
        code.push('\n');
    }
    code
}

/// The first segment of every path under `crate::` in `code`: `crate::a::b` gives `a`,
/// `crate::{a, b::c, d as e}` gives `a`, `b` and `d`.
fn crate_names(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue; // `wirewright_crate::`, `$crate::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            // Split the group's top level at commas.
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.push(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            names.push(first_segment(&item));
        } else {
            names.push(first_segment(rest));
        }
    }
    names.retain(|name| !name.is_empty() && name != "self");
    names
}

fn first_segment(path: &str) -> String {
    path.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Where each name the crate root re-exports comes from: the first segment of its `use`
/// path in `lib.rs` (`pub use frame::{Flags, ...}` puts `Flags` in `frame`).
fn root_exports() -> BTreeMap<String, String> {
    let lib = code_of(&fs::read_to_string(src().join("lib.rs")).expect("lib.rs"));
    let mut exports = BTreeMap::new();
    for statement in lib.split(';') {
        let Some(at) = statement.find("use ") else {
            continue;
        };
        let path = statement[at + 4..].trim();
        let module = first_segment(path);
        let tail = &path[module.len()..];
        let imported: Vec<String> = match (tail.find('{'), tail.rfind('}')) {
            (Some(open), Some(close)) => tail[open + 1..close]
                .split(',')
                .map(|item| item.rsplit(" as ").next().unwrap_or(item).trim())
                .map(|item| item.rsplit("::").next().unwrap_or(item).to_owned())
                .collect(),
            _ if tail.trim().is_empty() => vec![module.clone()], // `pub use bytes;`
            _ => {
                let last = tail.rsplit(" as ").next().unwrap_or(tail);
                vec![last.rsplit("::").next().unwrap_or(last).trim().to_owned()]
            }
        };
        for name in imported.into_iter().filter(|name| !name.is_empty()) {
            // Several exports of one name (the `Message` trait and its derive): the
            // crate's own module wins.
            let entry = exports.entry(name).or_insert_with(|| module.clone());
            if EXTERNAL.contains(&entry.as_str()) {
                entry.clone_from(&module);
            }
        }
    }
    exports
}

/// The layer a root-level name belongs to, or why it has none.
fn layer_of(name: &str, exports: &BTreeMap<String, String>) -> Result<Option<String>, String> {
    let module = if LAYERS.iter().any(|(layer, _)| *layer == name) {
        name
    } else if let Some(module) = exports.get(name) {
        module.as_str()
    } else if let Some((_, layer)) = ALIASES.iter().find(|(alias, _)| *alias == name) {
        layer
    } else {
        return Err(format!(
            "`crate::{name}` is neither a layer nor a root re-export"
        ));
    };
    if EXTERNAL.contains(&module) {
        return Ok(None);
    }
    match ALIASES.iter().find(|(alias, _)| *alias == module) {
        Some((_, layer)) => Ok(Some((*layer).to_owned())),
        None => Ok(Some(module.to_owned())),
    }
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("a source directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

/// Every import that points up or across a layer, as "file: reason".
fn violations() -> Vec<String> {
    let exports = root_exports();
    let mut found = Vec::new();
    for (layer, allowed) in LAYERS {
        let mut files = Vec::new();
        rust_files(&src().join(layer), &mut files);
        assert!(!files.is_empty(), "no files in layer `{layer}`");
        for file in files {
            let shown = file
                .strip_prefix(src())
                .unwrap_or(&file)
                .display()
                .to_string();
            let code = code_of(&fs::read_to_string(&file).expect("a source file"));
            if code.contains("super::super::") {
                found.push(format!(
                    "{shown}: `super::super::` (write `crate::{layer}::...`)"
                ));
            }
            if file.ends_with(Path::new(layer).join("mod.rs")) && code.contains("super::") {
                found.push(format!(
                    "{shown}: `super::` in a layer's mod.rs names the crate root"
                ));
            }
            for name in crate_names(&code) {
                match layer_of(&name, &exports) {
                    Err(reason) => found.push(format!("{shown}: {reason}")),
                    Ok(Some(target)) if target != *layer && !allowed.contains(&target.as_str()) => {
                        found.push(format!(
                            "{shown}: `crate::{name}` is in layer `{target}`, which `{layer}` may not import"
                        ));
                    }
                    Ok(_) => {}
                }
            }
        }
    }
    found
}

/// The full paths of every `crate::` path in `code`, groups expanded:
/// `crate::{a::{b, c}, d}` gives `a::b`, `a::c` and `d`.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        paths.extend(use_tree(rest, Vec::new()).0);
    }
    paths
}

/// Parses a path or use tree at the start of `text` after the segments `prefix`:
/// the paths, and the text after the tree.
fn use_tree(mut text: &str, mut prefix: Vec<String>) -> (Vec<Vec<String>>, &str) {
    loop {
        text = text.trim_start();
        if let Some(group) = text.strip_prefix('{') {
            let mut paths = Vec::new();
            let mut inside = group;
            loop {
                let (items, after) = use_tree(inside, prefix.clone());
                paths.extend(items);
                let after = after.trim_start();
                if let Some(next) = after.strip_prefix(',') {
                    inside = next;
                } else {
                    let after = after.strip_prefix('}').unwrap_or(after);
                    return (paths, after);
                }
                if inside.trim_start().starts_with('}') {
                    return (paths, &inside.trim_start()[1..]);
                }
            }
        }
        let segment = first_segment(text);
        text = &text[segment.len()..];
        if !segment.is_empty() && segment != "self" {
            prefix.push(segment);
        }
        let after = text.trim_start();
        match after.strip_prefix("::") {
            Some(next) => text = next,
            None => {
                // `as alias` names nothing new.
                let after = match after.strip_prefix("as ") {
                    Some(alias) => &alias.trim_start()[first_segment(alias.trim_start()).len()..],
                    None => after,
                };
                return (vec![prefix], after);
            }
        }
    }
}

/// The names `mod_rs` (a module's code) exports: its `pub use` items and `pub mod`s.
fn public_names(module_code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for statement in module_code.split(';') {
        let statement = statement.trim();
        // The last line of the statement holds the item (attributes come before it).
        let Some(at) = statement.rfind("pub ") else {
            continue;
        };
        let item = &statement[at + 4..];
        if let Some(module) = item.strip_prefix("mod ") {
            names.push(first_segment(module));
        } else if let Some(path) = item.strip_prefix("use ") {
            for path in use_tree(path, Vec::new()).0 {
                if let Some(last) = path.last() {
                    names.push(last.clone());
                }
            }
            if let Some((_, alias)) = path.rsplit_once(" as ") {
                names.push(first_segment(alias.trim()));
            }
        }
    }
    names
}

/// Every path in rpc that names something the crate does not export publicly.
fn private_paths_in_rpc() -> Vec<String> {
    let code_at = |path: PathBuf| code_of(&fs::read_to_string(path).expect("a source file"));
    let root = public_names(&code_at(src().join("lib.rs")));
    let layers: BTreeMap<&str, Vec<String>> = ["frame", "transport", "schema"]
        .into_iter()
        .map(|layer| {
            (
                layer,
                public_names(&code_at(src().join(layer).join("mod.rs"))),
            )
        })
        .collect();
    let mut files = Vec::new();
    rust_files(&src().join("rpc"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let shown = file
            .strip_prefix(src())
            .unwrap_or(&file)
            .display()
            .to_string();
        for path in crate_paths(&code_at(file.clone())) {
            let Some(first) = path.first() else {
                continue;
            };
            if first == "rpc" {
                continue;
            }
            let named = path.join("::");
            if !root.contains(first) {
                found.push(format!(
                    "{shown}: `crate::{named}`: `{first}` is not public at the root"
                ));
            } else if let (Some(public), Some(second)) = (layers.get(first.as_str()), path.get(1)) {
                if !public.contains(second) {
                    found.push(format!(
                        "{shown}: `crate::{named}`: `{first}` does not export `{second}` publicly"
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn rpc_names_only_what_the_layers_below_export_publicly() {
    let found = private_paths_in_rpc();
    assert!(
        found.is_empty(),
        "rpc reaches into crate-private items:\n{}",
        found.join("\n")
    );
}

#[test]
fn a_use_tree_is_expanded_into_full_paths() {
    let paths = crate_paths("use crate::{transport::{hello::LocalHello, Server as S}, Limits};");
    let paths: Vec<String> = paths.iter().map(|path| path.join("::")).collect();
    assert_eq!(
        paths,
        [
            "transport::hello::LocalHello",
            "transport::Server",
            "Limits"
        ]
    );
    assert!(public_names(
        "pub use hello::{Hello, LocalHello};\npub(crate) mod hello;\npub mod frame;"
    )
    .iter()
    .eq(["Hello", "LocalHello", "frame"].iter()));
}

#[test]
fn every_layer_imports_only_the_layers_below_it() {
    let found = violations();
    assert!(
        found.is_empty(),
        "imports against the layers:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_root_re_exports_are_placed_in_their_layers() {
    let exports = root_exports();
    let layer = |name: &str| layer_of(name, &exports).expect("placed");
    assert_eq!(layer("Reader").as_deref(), Some("codec"));
    assert_eq!(layer("Limits").as_deref(), Some("codec"));
    assert_eq!(layer("Flags").as_deref(), Some("frame"));
    assert_eq!(layer("Protocol").as_deref(), Some("frame"));
    assert_eq!(layer("error").as_deref(), Some("codec"));
    assert_eq!(layer("transport").as_deref(), Some("transport"));
    assert_eq!(layer("bytes"), None);
}

#[test]
fn an_upward_import_is_found_in_each_form_a_path_takes() {
    let code = code_of(
        "use crate::{Decode, frame::{Flags, FrameHeader}, transport::Metrics as M};\n\
         let x = crate::rpc::Reply::from_result(y); // crate::schema in a comment\n\
         let s = \"crate::schema in a string\";\n",
    );
    assert_eq!(crate_names(&code), ["Decode", "frame", "transport", "rpc"]);
}
