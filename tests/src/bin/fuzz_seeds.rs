//! Writes the fuzz seeds (`fuzz/seeds/<target>/`): SPEC.md's vectors fed to each target,
//! and sample messages of the fuzz types. Run it after changing the fuzz types:
//! `cargo run -p wirewright-tests --bin fuzz_seeds`. `tests/fuzz_replay.rs` replays what
//! it wrote.

#![allow(clippy::unwrap_used)]

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use wirewright::frame::encode_frame;
use wirewright::Encode;
use wirewright_tests::fuzz_cases::{
    Change, Doc, Entry, FuzzProtocol, Ledger, Pair, Record, Shape, Tree,
};
use wirewright_tests::spec::{spec_text, vectors};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

fn sample_doc(id: u32) -> Doc {
    Doc {
        id,
        delta: -7,
        title: format!("document {id}"),
        body: (0..id as u8).collect(),
        meta: BTreeMap::from([
            ("origin".to_owned(), Shape::Point),
            ("outline".to_owned(), Shape::Polygon(vec![(0, 0), (3, -4)])),
        ]),
        score: Some(0.5),
        pair: Pair {
            first: true,
            second: u64::from(id) << 40,
        },
        mark: 'ß',
        tree: sample_tree(2),
    }
}

fn sample_tree(depth: u32) -> Tree {
    if depth == 0 {
        Tree::Leaf(-1)
    } else {
        Tree::Node(vec![
            sample_tree(depth - 1),
            Tree::Boxed(Some(Box::new(Tree::Leaf(depth.into())))),
        ])
    }
}

fn sample_record() -> Record<'static> {
    Record {
        id: 300,
        stamp: -1,
        name: "sensor",
        blob: &[0xde, 0xad],
        note: Cow::Borrowed("ok"),
        tags: BTreeMap::from([("a".to_owned(), vec![1, 2, 300])]),
        seen: HashMap::from([(1, true), (200, false)]),
        flags: BTreeSet::from([-1, 5]),
        parent: Some(Box::new(Shape::Labelled(
            "l".into(),
            Box::new(Shape::Circle { radius: 9 }),
        ))),
        pair: Pair {
            first: u128::MAX,
            second: Some('x'),
        },
        ratio: (1.5, -0.25),
        address: [127, 0, 0, 1],
        shapes: vec![Shape::Point, Shape::Circle { radius: 1 }],
    }
}

fn frame_of(message: &FuzzProtocol<'_>, correlation_id: u32) -> Vec<u8> {
    let mut buf = Vec::new();
    encode_frame(message, correlation_id, &mut buf).unwrap();
    buf
}

fn main() {
    let mut seeds: Vec<(&str, String, Vec<u8>)> = Vec::new();
    for vector in vectors(&spec_text()) {
        if vector.name.starts_with("frame-") {
            seeds.push((
                "frame",
                format!("spec-{}", vector.name),
                vector.bytes.clone(),
            ));
        } else {
            for selector in 0..8u8 {
                let mut input = vec![selector];
                input.extend(&vector.bytes);
                seeds.push((
                    "payload",
                    format!("spec-{}-as-{selector}", vector.name),
                    input,
                ));
            }
        }
    }
    let record = sample_record();
    let doc = sample_doc(12);
    let tree = sample_tree(4);
    for (index, message) in [
        FuzzProtocol::Record(record.clone()),
        FuzzProtocol::Doc(doc.clone()),
        FuzzProtocol::Tree(tree.clone()),
    ]
    .iter()
    .enumerate()
    {
        seeds.push((
            "frame",
            format!("sample-{index}"),
            frame_of(message, index as u32),
        ));
    }
    for (selector, name, bytes) in [
        (0u8, "record", record.encode_to_vec()),
        (1, "doc", doc.encode_to_vec()),
        (2, "tree", tree.encode_to_vec()),
    ] {
        let mut input = vec![selector];
        input.extend(bytes);
        seeds.push(("payload", format!("sample-{name}"), input));
    }
    seeds.push(("json", "sample-doc".into(), doc.encode_to_vec()));
    seeds.push((
        "json",
        "sample-doc-2".into(),
        sample_doc(200).encode_to_vec(),
    ));
    for (index, bytes) in [
        doc.encode_to_vec(),
        record.encode_to_vec(),
        vec![0u8; 64],
        vec![0xff; 64],
    ]
    .into_iter()
    .enumerate()
    {
        seeds.push(("roundtrip", format!("bytes-{index}"), bytes.clone()));
        seeds.push(("stream", format!("bytes-{index}"), bytes));
    }
    evolution_seeds(&mut seeds);
    for (target, name, bytes) in seeds {
        let dir = fuzz_dir().join("seeds").join(target);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(name), bytes).unwrap();
    }
}

/// Seeds of the evolution targets: the §9.11 vectors as each type of the `evolution`
/// differential, and a `Ledger` (evolvable types that keep unknown data) for the others.
fn evolution_seeds(seeds: &mut Vec<(&str, String, Vec<u8>)>) {
    for vector in vectors(&spec_text()) {
        if !vector.name.starts_with("evolution-") {
            continue;
        }
        let payload = match vector.name.strip_prefix("evolution-frame-") {
            // A frame: the payload follows the 16-byte header, before the CRC.
            Some(_) => vector.bytes[16..vector.bytes.len() - 4].to_vec(),
            None => vector.bytes.clone(),
        };
        for selector in 0..4u8 {
            let mut input = vec![selector];
            input.extend(&payload);
            seeds.push((
                "evolution",
                format!("spec-{}-as-{selector}", vector.name),
                input,
            ));
        }
    }
    let ledger = sample_ledger();
    seeds.push((
        "frame",
        "sample-ledger".into(),
        frame_of(&FuzzProtocol::Ledger(ledger.clone()), 4),
    ));
    let mut input = vec![8u8];
    input.extend(ledger.encode_to_vec());
    seeds.push(("payload", "sample-ledger".into(), input));
}

fn sample_ledger() -> Ledger {
    use wirewright::bytes::Bytes;
    use wirewright::{UnknownFields, UnknownVariant};
    let entry = |key: &str, amount| Entry {
        key: key.into(),
        amount,
        rest: UnknownFields::new(),
    };
    Ledger {
        entries: vec![
            entry("a", -5),
            Entry {
                rest: UnknownFields::from_bytes(Bytes::from_static(&[1, 2, 3])),
                ..entry("b", 300)
            },
        ],
        changes: vec![
            Change::Add(entry("c", 1), UnknownFields::new()),
            Change::Remove {
                key: "a".into(),
                rest: UnknownFields::new(),
            },
            Change::Clear {
                rest: UnknownFields::new(),
            },
            Change::Unknown(UnknownVariant {
                tag: 9,
                body: UnknownFields::from_bytes(Bytes::from_static(b"later")),
            }),
        ],
        last: Some(Change::Clear {
            rest: UnknownFields::from_bytes(Bytes::from_static(&[7])),
        }),
        rest: UnknownFields::from_bytes(Bytes::from_static(&[0xff])),
    }
}
