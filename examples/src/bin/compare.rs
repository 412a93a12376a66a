//! Compares wirewright's binary payloads with JSON and bincode on four datasets (chat,
//! access log, telemetry, 64 KiB blobs): bytes per message and the time to encode and
//! decode one. Then sends each dataset over loopback TCP through the transport, in binary
//! and in JSON frames: bytes on the wire, messages per second, round-trip latency. Prints
//! markdown tables and writes an SVG bar chart of the first.
//!
//! Run: `cargo run --release -p wirewright-examples --bin compare [-- chart.svg]`
//! (the chart goes to `target/compare.svg` unless a path is given).

use std::path::PathBuf;
use std::time::Instant;

use wirewright_compare::{compare, end_to_end, Budget, Report, Workload};
use wirewright_examples::datasets::{blob, chat, log, telemetry};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let svg = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/compare.svg"));
    let budget = Budget::default();
    let started = Instant::now();

    let mut report = Report::new();
    report.push(compare("chat", &chat::messages(2_000), &budget)?);
    report.push(compare("log", &log::records(1_000), &budget)?);
    report.push(compare("telemetry", &telemetry::batches(500), &budget)?);
    report.push(compare("blob", &blob::blobs(16), &budget)?);

    let workload = Workload::default();
    report.push_end_to_end(end_to_end("chat", &chat::messages(2_000), &workload)?);
    report.push_end_to_end(end_to_end("log", &log::records(1_000), &workload)?);
    report.push_end_to_end(end_to_end(
        "telemetry",
        &telemetry::batches(500),
        &workload,
    )?);
    // A JSON blob is 230 KB of text: fewer of them.
    let blobs = Workload::new(200, 1_000, 8);
    report.push_end_to_end(end_to_end("blob", &blob::blobs(16), &blobs)?);

    println!("{}", report.to_markdown());
    if let Some(parent) = svg.parent() {
        std::fs::create_dir_all(parent)?;
    }
    report.write_svg(&svg)?;
    let svg = svg.canonicalize().unwrap_or(svg);
    println!("Chart: {}", svg.display());
    println!(
        "Codec times are the fastest of {} rounds of {} ms per format and operation. End to \
         end: {} requests one at a time (latency), then {} requests {} at a time \
         (throughput), echoed by a server on the same thread ({} and {} for blobs). {:.1} s \
         in all.",
        budget.rounds(),
        budget.round_time().as_millis(),
        workload.round_trips(),
        workload.pipelined(),
        workload.window(),
        blobs.round_trips(),
        blobs.pipelined(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
