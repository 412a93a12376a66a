//! The Python peer generated from the schema text (`wirewright::schema::codegen::python`)
//! runs SPEC.md's vectors and talks to the Rust kv server over loopback. The checks
//! themselves are Python programs in `examples/peers/python/`; these tests generate the
//! modules they load and run them with `python3` (≥ 3.10), which must be installed.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use wirewright::schema::{codegen, parse, Schema};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

fn schema(path: &Path) -> Schema {
    let text = std::fs::read_to_string(path).expect("a schema file");
    parse(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// A generated module in a directory of its own, removed when the test ends.
struct Module {
    dir: PathBuf,
    path: PathBuf,
}

impl Module {
    fn as_os_str(&self) -> &std::ffi::OsStr {
        self.path.as_os_str()
    }
}

impl Drop for Module {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes the module generated from `files` to a fresh directory.
fn generate(name: &str, files: &[PathBuf]) -> Module {
    let schemas: Vec<Schema> = files.iter().map(|file| schema(file)).collect();
    let module = codegen::python(&schemas).expect("a portable schema");
    let dir = std::env::temp_dir().join(format!(
        "wirewright-peers-{}-{}",
        std::process::id(),
        name.trim_end_matches(".py")
    ));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let path = dir.join(name);
    std::fs::write(&path, module).expect("the generated module written");
    Module { dir, path }
}

/// Runs `python3 ARGS`, failing the test (not skipping it) when Python is missing.
fn python(args: &[&std::ffi::OsStr]) -> Output {
    Command::new("python3")
        .args(args)
        .output()
        .unwrap_or_else(|err| {
            panic!(
                "python3 (>= 3.10) is needed by the generated-peer tests and could not run: {err}"
            )
        })
}

fn assert_success(output: &Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(output.status.success(), "{stdout}\n{stderr}");
}

#[test]
fn spec_vectors_and_fuzz_seeds_run_through_the_generated_python_module() {
    let root = repo();
    let module = generate(
        "spec_peer.py",
        &[root.join("examples/peers/spec-types.wwschema")],
    );
    let output = python(&[
        root.join("examples/peers/python/conformance.py")
            .as_os_str(),
        root.join("SPEC.md").as_os_str(),
        module.as_os_str(),
        std::ffi::OsStr::new("--corpus"),
        root.join("fuzz/seeds").as_os_str(),
        std::ffi::OsStr::new("--corpus"),
        root.join("fuzz/regressions").as_os_str(),
        std::ffi::OsStr::new("--error-paths"),
        root.join("examples/peers/error-paths.txt").as_os_str(),
    ]);
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    // every block of every kind ran, the §11.7 and §11.8 scripts included
    let spec = std::fs::read_to_string(root.join("SPEC.md")).expect("SPEC.md");
    for kind in [
        "wirewright-behaviour",
        "rpc-signal-behaviour",
        "rpc-stream-behaviour",
    ] {
        let blocks = spec.matches(&format!("```{kind}\n")).count();
        assert!(blocks > 0, "no {kind} block in SPEC.md");
        assert!(
            stdout.contains(&format!("passed {blocks} {kind}\n")),
            "{kind}: {blocks} blocks in SPEC.md\n{stdout}"
        );
    }
    assert_eq!(
        stdout.matches(", 0 raised something other").count(),
        2,
        "{stdout}"
    );
    assert!(
        stdout.contains("error paths: 16 decoded, 0 differ"),
        "{stdout}"
    );
}

/// A process this test started, killed when the test ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `kv server 127.0.0.1:0` and returns it with its address.
fn rust_kv_server() -> (KillOnDrop, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kv"))
        .args(["server", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the kv server starts");
    let stdout = child.stdout.take().expect("its stdout");
    let server = KillOnDrop(child);
    let mut lines = BufReader::new(stdout);
    let mut line = String::new();
    // The server may log before it prints its address.
    while !line.contains("kv server listening on") {
        line.clear();
        let read = lines.read_line(&mut line).expect("the server's output");
        assert!(read > 0, "the kv server ended before printing its address");
    }
    // Keep reading what the server prints, so that its stdout never breaks.
    std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    let addr = line
        .split_whitespace()
        .find(|word| word.starts_with("127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (server, addr)
}

/// The kv lock files of today (revision 2), or of revision 1 (`examples/peers/kv-v1/`).
fn kv_schemas(dir: &str) -> Vec<PathBuf> {
    ["kv-request", "kv-response", "kv-error"]
        .iter()
        .map(|name| repo().join(dir).join(format!("{name}.wwschema")))
        .collect()
}

#[test]
fn generated_python_kv_client_calls_the_rust_kv_server() {
    let root = repo();
    let module = generate("kv_peer.py", &kv_schemas("examples/schema"));
    let (server, addr) = rust_kv_server();
    let output = python(&[
        root.join("examples/peers/python/kv_interop.py").as_os_str(),
        module.as_os_str(),
        std::ffi::OsStr::new(&addr),
    ]);
    drop(server);
    assert_success(&output);
}

#[test]
fn revision_1_python_kv_client_and_revision_2_rust_kv_server_read_each_other() {
    let root = repo();
    let module = generate("kv_v1_peer.py", &kv_schemas("examples/peers/kv-v1"));
    let (server, addr) = rust_kv_server();
    let output = python(&[
        root.join("examples/peers/python/kv_evolution.py")
            .as_os_str(),
        module.as_os_str(),
        std::ffi::OsStr::new(&addr),
    ]);
    drop(server);
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("skipped as an unknown tail"), "{stdout}");
}

#[test]
fn generated_python_runtime_heartbeats_hello_and_byte_budget_against_a_flooding_peer() {
    let root = repo();
    let module = generate("kv_runtime_peer.py", &kv_schemas("examples/schema"));
    let v1 = generate("kv_v1_runtime_peer.py", &kv_schemas("examples/peers/kv-v1"));
    let output = python(&[
        root.join("examples/peers/python/runtime_checks.py")
            .as_os_str(),
        module.as_os_str(),
        v1.as_os_str(),
    ]);
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("closed with GOODBYE 7"), "{stdout}");
}

/// Starts `kv_server.py` with `module` and returns it with its address.
fn python_kv_server(module: &Module) -> (KillOnDrop, String) {
    let mut child = Command::new("python3")
        .arg(repo().join("examples/peers/python/kv_server.py"))
        .arg(module.as_os_str())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("python3 (>= 3.10) is needed and could not run: {err}"));
    let stdout = child.stdout.take().expect("its stdout");
    let server = KillOnDrop(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the server's first line");
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (server, addr)
}

/// Runs `kv client ADDR ARGS` and returns what it printed.
fn kv_client(addr: &str, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_kv"))
        .arg("client")
        .arg(addr)
        .args(args)
        .output()
        .expect("the kv client runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn rust_kv_client_calls_a_generated_python_kv_server() {
    let module = generate("kv_server_peer.py", &kv_schemas("examples/schema"));
    let (server, addr) = python_kv_server(&module);
    let outcomes = [
        kv_client(&addr, &["put", "greeting", "hello"]),
        kv_client(&addr, &["put", "greeting", "hi"]),
        kv_client(&addr, &["get", "greeting"]),
        kv_client(&addr, &["put", "green", "yes"]),
        kv_client(&addr, &["list", "gr"]),
        kv_client(&addr, &["list", "gr", "1"]),
        kv_client(&addr, &["list", "gr", "1", "green"]),
        kv_client(&addr, &["get", "missing"]),
        kv_client(&addr, &["delete", "greeting"]),
        kv_client(&addr, &["delete", "green"]),
        kv_client(&addr, &["list"]),
    ];
    drop(server);
    println!("{outcomes:#?}");
    assert_eq!(
        outcomes,
        [
            "stored",
            "stored (replaced)",
            "\"hi\"",
            "stored",
            "[\"green\", \"greeting\"]",
            "[\"green\"] (more after \"green\")",
            "[\"greeting\"]",
            "error: no key \"missing\"",
            "deleted",
            "deleted",
            "[]",
        ]
    );
}

#[test]
fn revision_2_rust_kv_client_calls_a_revision_1_python_kv_server() {
    // The Rust client's List carries `after` and `limit` (revision 2): the revision-1
    // server skips them as an unknown tail and lists every key; its Keys has no `next`,
    // which the Rust client reads as None (its default).
    let module = generate("kv_v1_server_peer.py", &kv_schemas("examples/peers/kv-v1"));
    let (server, addr) = python_kv_server(&module);
    let outcomes = [
        kv_client(&addr, &["put", "a1", "x"]),
        kv_client(&addr, &["put", "a2", "y"]),
        kv_client(&addr, &["list", "a", "1"]),
        kv_client(&addr, &["list", "a", "1", "a1"]),
        kv_client(&addr, &["get", "a2"]),
    ];
    drop(server);
    println!("{outcomes:#?}");
    assert_eq!(
        outcomes,
        [
            "stored",
            "stored",
            "[\"a1\", \"a2\"]",
            "[\"a1\", \"a2\"]",
            "\"y\"",
        ]
    );
}

#[test]
fn rust_kv_client_watches_a_generated_python_kv_server_stream() {
    // `kv client ADDR watch w/` opens a stream (SPEC §11.8) on the Python server: the
    // generated `serve_calls` sends OPEN, then each change as the Rust client's credit
    // allows, in order.
    let module = generate("kv_watch_server_peer.py", &kv_schemas("examples/schema"));
    let (server, addr) = python_kv_server(&module);
    let mut watcher = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_kv"))
            .args(["client", &addr, "watch", "w/"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the kv client runs"),
    );
    let mut lines = BufReader::new(watcher.0.stdout.take().expect("its stdout"));
    read_until(&mut lines, "watching", "the watching kv client");
    let outcomes = [
        kv_client(&addr, &["put", "w/a", "1"]),
        kv_client(&addr, &["put", "other", "2"]),
        kv_client(&addr, &["put", "w/b", "3"]),
        kv_client(&addr, &["delete", "w/a"]),
    ];
    assert_eq!(outcomes, ["stored", "stored", "stored", "deleted"]);
    let mut changes = Vec::new();
    for _ in 0..3 {
        let mut line = String::new();
        assert!(
            lines.read_line(&mut line).expect("a line") > 0,
            "the watch ended early"
        );
        changes.push(line.trim().to_owned());
    }
    drop(watcher);
    drop(server);
    assert_eq!(changes, ["set w/a 1", "set w/b 3", "deleted w/a"]);
}

/// Reads lines of `lines` until one contains `text`.
fn read_until(lines: &mut impl BufRead, text: &str, who: &str) {
    let mut line = String::new();
    while !line.contains(text) {
        line.clear();
        let read = lines.read_line(&mut line).expect("a line");
        assert!(read > 0, "{who} ended before printing {text:?}");
    }
}

#[test]
fn generated_python_chat_peer_talks_with_a_rust_client_in_the_rust_chat_room() {
    let root = repo();
    let module = generate(
        "chat_peer.py",
        &[
            root.join("examples/schema/chat-client.wwschema"),
            root.join("examples/schema/chat-server.wwschema"),
        ],
    );
    let mut chat_server = Command::new(env!("CARGO_BIN_EXE_chat"))
        .args(["server", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the chat server starts");
    let mut server_out = BufReader::new(chat_server.stdout.take().expect("its stdout"));
    let chat_server = KillOnDrop(chat_server);
    let mut line = String::new();
    while !line.contains("chat server listening on") {
        line.clear();
        assert!(
            server_out.read_line(&mut line).expect("a line") > 0,
            "no address"
        );
    }
    std::thread::spawn(move || std::io::copy(&mut server_out, &mut std::io::sink()));
    let addr = line
        .split_whitespace()
        .find(|word| word.starts_with("127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();

    let mut python = Command::new("python3")
        .arg(root.join("examples/peers/python/chat_interop.py"))
        .arg(module.as_os_str())
        .arg(&addr)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("python3 (>= 3.10) is needed and could not run: {err}"));
    let mut python_out = BufReader::new(python.stdout.take().expect("its stdout"));
    let python = KillOnDrop(python);
    read_until(&mut python_out, "welcome", "the Python peer");

    let mut rust = Command::new(env!("CARGO_BIN_EXE_chat"))
        .args(["client", &addr, "rs"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the Rust chat client starts");
    let mut rust_in = rust.stdin.take().expect("its stdin");
    let mut rust_out = BufReader::new(rust.stdout.take().expect("its stdout"));
    let rust = KillOnDrop(rust);
    read_until(&mut rust_out, "py", "the Rust client"); // the welcome names py
    writeln!(rust_in, "hello from rust").expect("a line to the Rust client");
    read_until(&mut python_out, "said", "the Python peer");
    read_until(&mut rust_out, "<py> hi from python", "the Rust client");
    drop(rust_in); // end of input: the Rust client leaves
    read_until(&mut python_out, "left", "the Python peer");
    let mut python = python;
    let status = python.0.wait().expect("the Python peer ends");
    assert!(status.success(), "the Python peer failed: {status}");
    drop((rust, chat_server));
}

/// One pair of `examples/peers/schema-pairs.txt`: two schema texts and the report.
struct SchemaPair {
    name: String,
    old: String,
    new: String,
    report: Vec<String>,
}

/// The lines of a section (`--- old` up to the next marker), trailing empty lines left out.
fn section(lines: &[&str]) -> Vec<String> {
    let end = lines
        .iter()
        .rposition(|line| !line.is_empty())
        .map_or(0, |last| last + 1);
    lines[..end].iter().map(|line| (*line).to_owned()).collect()
}

fn schema_pairs(text: &str) -> Vec<SchemaPair> {
    let mut pairs = Vec::new();
    for block in text.split("\n=== ").skip(1) {
        let (name, body) = block.split_once('\n').expect("a pair's name line");
        let lines: Vec<&str> = body.split('\n').collect();
        let at = |marker: &str| {
            lines
                .iter()
                .position(|line| *line == marker)
                .unwrap_or_else(|| panic!("pair {name}: no `{marker}`"))
        };
        let (old, new, report) = (at("--- old"), at("--- new"), at("--- report"));
        pairs.push(SchemaPair {
            name: name.to_owned(),
            old: section(&lines[old + 1..new]).join("\n") + "\n",
            new: section(&lines[new + 1..report]).join("\n") + "\n",
            report: section(&lines[report + 1..]),
        });
    }
    pairs
}

#[test]
fn schema_pairs_fixture_holds_what_the_rust_checker_reports() {
    let path = repo().join("examples/peers/schema-pairs.txt");
    let text = std::fs::read_to_string(&path).expect("the schema pairs");
    let pairs = schema_pairs(&text);
    assert!(pairs.len() >= 75, "{} pairs", pairs.len());
    let mut blessed = text.split("\n=== ").next().unwrap_or("").to_owned();
    let mut wrong = Vec::new();
    for pair in &pairs {
        let old = parse(&pair.old).unwrap_or_else(|err| panic!("{} old: {err}", pair.name));
        let new = parse(&pair.new).unwrap_or_else(|err| panic!("{} new: {err}", pair.name));
        let report: Vec<String> = wirewright::schema::compare(&old, &new)
            .differences
            .iter()
            .map(ToString::to_string)
            .collect();
        if report != pair.report {
            wrong.push(format!("{}: {report:#?}", pair.name));
        }
        blessed.push_str(&format!(
            "\n=== {}\n--- old\n{}--- new\n{}--- report\n{}",
            pair.name,
            pair.old,
            pair.new,
            report
                .iter()
                .map(|line| format!("{line}\n"))
                .collect::<String>()
        ));
    }
    if std::env::var_os("WIREWRIGHT_BLESS").is_some() {
        std::fs::write(&path, blessed).expect("the schema pairs rewritten");
        return;
    }
    assert!(
        wrong.is_empty(),
        "reports differ (WIREWRIGHT_BLESS=1 rewrites them):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn generated_python_compares_the_schema_pairs_as_the_rust_checker_does() {
    let root = repo();
    let module = generate("pairs_peer.py", &kv_schemas("examples/schema"));
    let output = python(&[
        root.join("examples/peers/python/schema_pairs.py")
            .as_os_str(),
        module.as_os_str(),
        root.join("examples/peers/schema-pairs.txt").as_os_str(),
    ]);
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(", 0 differ"), "{stdout}");
}

/// The types of SPEC.md §9.4 that `examples/peers/error-paths.txt` decodes, as the spec
/// derives them (their schema is checked against `spec-types.wwschema`).
mod spec {
    #[derive(wirewright::Message, Debug)]
    #[wire(id = 1)]
    pub(super) struct Join {
        pub(super) room: String,
        pub(super) nick: String,
    }

    #[derive(wirewright::Message, Debug)]
    pub(super) enum Shape {
        Circle {
            radius: u32,
        },
        Rect {
            width: u32,
            height: u32,
        },
        #[wire(tag = 7)]
        Empty,
    }

    #[derive(wirewright::Message, Debug)]
    pub(super) struct Pair(pub(super) u8, pub(super) String);

    #[derive(wirewright::Message, Debug)]
    pub(super) struct Tree {
        pub(super) children: Vec<Tree>,
    }
}

/// The offset and path the Rust decoder reports for `hex` read as `ty`.
fn rust_error_path(ty: &str, hex: &str) -> (usize, String) {
    use std::collections::{BTreeMap, BTreeSet};
    use wirewright::Decode;
    let bytes: Vec<u8> = hex
        .split_whitespace()
        .map(|byte| u8::from_str_radix(byte, 16).expect("hex"))
        .collect();
    let err = match ty {
        "Join" => spec::Join::decode(&bytes).map(drop),
        "Shape" => spec::Shape::decode(&bytes).map(drop),
        "Pair" => spec::Pair::decode(&bytes).map(drop),
        "Tree" => spec::Tree::decode(&bytes).map(drop),
        "Map<String, u8>" => BTreeMap::<String, u8>::decode(&bytes).map(drop),
        "Vec<Shape>" => Vec::<spec::Shape>::decode(&bytes).map(drop),
        "Vec<Vec<u16>>" => Vec::<Vec<u16>>::decode(&bytes).map(drop),
        "(u8, String)" => <(u8, String)>::decode(&bytes).map(drop),
        "Option<Join>" => Option::<spec::Join>::decode(&bytes).map(drop),
        "Set<u16>" => BTreeSet::<u16>::decode(&bytes).map(drop),
        other => panic!("no Rust type for {other}"),
    }
    .expect_err("bytes that do not decode");
    (err.offset(), err.path_string())
}

#[test]
fn error_paths_fixture_holds_what_the_rust_decoder_reports() {
    use wirewright::schema::Describe;
    let spec_types = schema(&repo().join("examples/peers/spec-types.wwschema"));
    for own in [
        spec::Join::schema(),
        spec::Shape::schema(),
        spec::Pair::schema(),
        spec::Tree::schema(),
    ] {
        for def in &own.definitions {
            assert_eq!(spec_types.definition(&def.name), Some(def), "{}", def.name);
        }
    }
    let path = repo().join("examples/peers/error-paths.txt");
    let text = std::fs::read_to_string(&path).expect("the error paths");
    let mut blessed = String::new();
    let mut wrong = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            blessed.push_str(line);
            blessed.push('\n');
            continue;
        }
        let parts: Vec<&str> = line.split(" | ").collect();
        let [ty, hex, offset, path] = parts[..] else {
            panic!("not `type | hex | offset | path`: {line}");
        };
        let (rust_offset, rust_path) = rust_error_path(ty, hex);
        if (offset, path) != (rust_offset.to_string().as_str(), rust_path.as_str()) {
            wrong.push(format!("{line}: Rust says {rust_offset} | {rust_path}"));
        }
        blessed.push_str(&format!("{ty} | {hex} | {rust_offset} | {rust_path}\n"));
    }
    if std::env::var_os("WIREWRIGHT_BLESS").is_some() {
        std::fs::write(&path, blessed).expect("the error paths rewritten");
        return;
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
