//! `wirewright-compare`: a small sample measured in every format gives a table with
//! every format and the sizes each format's rules predict, and an SVG chart on disk.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use serde::{Deserialize, Serialize};
use wirewright::{Encode, Message};
use wirewright_compare::{compare, Budget, CompareError, Format, Report};

#[derive(
    Message,
    Serialize,
    Deserialize,
    Debug,
    Clone,
    PartialEq,
    bincode::Encode,
    bincode::Decode,
    bitcode::Encode,
    bitcode::Decode,
    wincode::SchemaWrite,
    wincode::SchemaRead,
)]
#[wire(id = 1)]
struct Say {
    room: String,
    text: String,
    at_ms: u64,
}

fn sample() -> Vec<Say> {
    (0..20u64)
        .map(|i| Say {
            room: "lobby".into(),
            text: format!("message number {i}"),
            at_ms: 1_700_000_000_000 + i,
        })
        .collect()
}

/// As little time as possible: CI machines are small.
fn quick() -> Budget {
    Budget::new(Duration::from_micros(200), 1)
}

#[test]
fn comparison_of_a_small_sample_has_every_format_with_the_sizes_their_rules_give() {
    let sample = sample();
    let comparison = compare("say", &sample, &quick()).unwrap();
    assert_eq!(comparison.dataset, "say");
    let formats: Vec<Format> = comparison.formats.iter().map(|s| s.format).collect();
    assert_eq!(formats, Format::ALL);

    let binary: usize = sample.iter().map(Encode::encoded_len).sum();
    let json: usize = sample
        .iter()
        .map(|say| serde_json::to_vec(say).unwrap().len())
        .sum();
    let stats = |format| comparison.stats(format).unwrap();
    assert_eq!(stats(Format::Wirewright).total_bytes, binary);
    assert_eq!(stats(Format::Json).total_bytes, json);
    // bincode's varint of a timestamp takes 9 bytes (a marker byte and a u64), LEB128 6.
    assert_eq!(
        stats(Format::Bincode).total_bytes,
        binary + 3 * sample.len()
    );
    for stats in &comparison.formats {
        assert_eq!(stats.messages, sample.len());
        assert!(stats.encode_nanos > 0.0 && stats.encode_nanos.is_finite());
        assert!(stats.decode_nanos > 0.0 && stats.decode_nanos.is_finite());
    }
}

#[test]
fn markdown_table_has_a_row_per_dataset_and_format() {
    let mut report = Report::new();
    report.push(compare("first", &sample(), &quick()).unwrap());
    report.push(compare("second", &sample()[..3], &quick()).unwrap());
    let table = report.to_markdown();
    let rows: Vec<&str> = table.lines().skip(2).collect();
    assert_eq!(rows.len(), 2 * Format::ALL.len(), "{table}");
    for format in Format::ALL {
        assert!(rows
            .iter()
            .any(|row| row.starts_with(&format!("| first | {format} |"))));
        assert!(rows
            .iter()
            .any(|row| row.starts_with(&format!("| second | {format} |"))));
    }
    assert!(rows[0].contains("| 1.00× |"), "{table}"); // wirewright against itself
}

#[test]
fn svg_chart_is_written_and_names_every_format_and_dataset() {
    let report = Report::from(vec![compare("say", &sample(), &quick()).unwrap()]);
    let path = std::env::temp_dir().join(format!("wirewright-compare-{}.svg", std::process::id()));
    report.write_svg(&path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
    assert!(svg.contains("<rect"));
    for name in ["wirewright", "JSON", "bincode", "say"] {
        assert!(svg.contains(name), "{name} missing from the chart");
    }
}

#[test]
fn svg_chart_into_a_missing_directory_is_a_chart_error() {
    let report = Report::from(vec![compare("say", &sample(), &quick()).unwrap()]);
    let path = std::env::temp_dir().join("wirewright-no-such-dir/chart.svg");
    let err = report.write_svg(&path).unwrap_err();
    assert!(matches!(err, CompareError::Chart { .. }), "{err}");
}

#[test]
fn empty_sample_is_refused() {
    let err = compare::<Say>("empty", &[], &quick()).unwrap_err();
    assert!(matches!(err, CompareError::EmptySample { .. }), "{err}");
}

/// A float JSON cannot write keeps its value in the binary formats only.
#[derive(
    Message,
    Serialize,
    Deserialize,
    Debug,
    PartialEq,
    bincode::Encode,
    bincode::Decode,
    bitcode::Encode,
    bitcode::Decode,
    wincode::SchemaWrite,
    wincode::SchemaRead,
)]
#[wire(id = 2)]
struct Reading {
    value: f64,
}

#[test]
fn value_a_format_cannot_round_trip_is_reported_with_its_index() {
    let sample = [
        Reading { value: 1.0 },
        Reading {
            value: f64::INFINITY,
        },
    ];
    let err = compare("readings", &sample, &quick()).unwrap_err();
    assert!(
        matches!(
            err,
            CompareError::RoundTrip {
                format: Format::Json,
                index: 1,
                ..
            } | CompareError::Decode {
                format: Format::Json,
                index: 1,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn end_to_end_run_sends_binary_and_json_frames_over_loopback() {
    use wirewright_compare::{end_to_end, Workload};
    let sample = sample();
    let result = end_to_end("say", &sample, &Workload::new(20, 100, 8)).unwrap();
    assert_eq!(result.dataset, "say");
    let formats: Vec<Format> = result.formats.iter().map(|s| s.format).collect();
    assert_eq!(formats, [Format::Wirewright, Format::Json]);
    let binary = &result.formats[0];
    let json = &result.formats[1];
    // 20 round trips cycle through the 20 messages once: each frame is header + payload
    // + CRC.
    let payloads: usize = sample.iter().map(Encode::encoded_len).sum();
    assert_eq!(binary.frame_bytes, (20 * (16 + 4) + payloads) as f64 / 20.0);
    assert!(json.frame_bytes > binary.frame_bytes);
    for stats in &result.formats {
        assert!(stats.messages_per_second > 0.0);
        assert!(stats.p50 <= stats.p99 && stats.p99 > Duration::ZERO);
    }
    let mut report = Report::new();
    report.push_end_to_end(result);
    let table = report.to_markdown();
    assert!(table.contains("| say | binary |"), "{table}");
    assert!(table.contains("| say | JSON |"), "{table}");
}
