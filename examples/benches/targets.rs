//! The performance targets of issue 6 as ratios, measured so that a busy machine
//! disturbs them as little as possible: the contenders of each target take turns in short
//! rounds (each round runs whole passes over the sample for at least 10 ms), and each
//! contender's time is its fastest round. The ratio is wirewright's time over the
//! baseline's; the "paired" column is the median, over rounds, of the ratio within one
//! round (the two ran within milliseconds of each other).
//!
//! Run: `cargo bench -p wirewright-examples --bench targets` (about two minutes; add
//! `-- decode` to run the targets whose name contains "decode"). Criterion's
//! `codec` benchmark has the full matrix with confidence intervals.

use std::hint::black_box;
use std::time::{Duration, Instant};

use wirewright::bytes::Bytes;
use wirewright::{decode_frame, encode_frame, Decode, Encode, FrameHeader};
use wirewright_examples::datasets::blob::{self, Blob, BlobRef, SharedBlob};
use wirewright_examples::datasets::chat::{self, Chat};
use wirewright_examples::datasets::log::{self, AccessLog};
use wirewright_examples::datasets::telemetry::{self, Telemetry};
use wirewright_examples::peers::{Bincode, Bitcode, Borrowing, Codec, Owned, Postcard, Wirewright};

const ROUNDS: usize = 25;
const ROUND_TIME: Duration = Duration::from_millis(10);

/// One side of a comparison: a name and a pass over the sample.
struct Contender<'a> {
    name: &'static str,
    items: usize,
    pass: Box<dyn FnMut() + 'a>,
}

impl<'a> Contender<'a> {
    fn new(name: &'static str, items: usize, pass: impl FnMut() + 'a) -> Self {
        Contender {
            name,
            items,
            pass: Box::new(pass),
        }
    }

    /// Nanoseconds per item of one round.
    fn round(&mut self) -> f64 {
        let start = Instant::now();
        let mut passes = 0u64;
        while start.elapsed() < ROUND_TIME {
            (self.pass)();
            passes += 1;
        }
        start.elapsed().as_nanos() as f64 / (passes * self.items as u64) as f64
    }
}

/// Runs the contenders in turns; returns each one's per-round times.
fn race(contenders: &mut [Contender<'_>]) -> Vec<Vec<f64>> {
    for contender in contenders.iter_mut() {
        contender.round(); // warm up
    }
    let mut times = vec![Vec::with_capacity(ROUNDS); contenders.len()];
    for _ in 0..ROUNDS {
        for (contender, times) in contenders.iter_mut().zip(&mut times) {
            times.push(contender.round());
        }
    }
    times
}

fn min(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Whether the target `name` was asked for: every target, or those whose name contains
/// the first argument that is not an option (`cargo bench --bench targets -- chat`).
fn wanted(name: &str) -> bool {
    std::env::args()
        .skip(1)
        .find(|arg| !arg.starts_with("--"))
        .is_none_or(|filter| name.contains(&filter))
}

/// Races wirewright (the first contender) against the others and prints the ratio to
/// the fastest of them.
fn target(name: &str, goal: &str, limit: f64, mut contenders: Vec<Contender<'_>>) {
    if !wanted(name) {
        return;
    }
    let times = race(&mut contenders);
    let (best, best_times) = contenders[1..]
        .iter()
        .zip(&times[1..])
        .min_by(|a, b| min(a.1).total_cmp(&min(b.1)))
        .expect("a baseline");
    let ours = min(&times[0]);
    let ratio = ours / min(best_times);
    let paired = median(
        times[0]
            .iter()
            .zip(
                times[1..]
                    .iter()
                    .map(|t| t.iter())
                    .fold(vec![f64::INFINITY; ROUNDS], |acc, t| {
                        acc.iter().zip(t).map(|(a, b)| a.min(*b)).collect()
                    }),
            )
            .map(|(a, b)| a / b)
            .collect(),
    );
    let others: Vec<String> = contenders[1..]
        .iter()
        .zip(&times[1..])
        .map(|(c, t)| format!("{} {:.1}", c.name, min(t)))
        .collect();
    println!(
        "| {name} | {goal} | {:.1} ns | {} | {} | {ratio:.2} | {paired:.2} | {} |",
        ours,
        others.join(", "),
        best.name,
        if limit.is_infinite() {
            "–"
        } else if ratio <= limit {
            "met"
        } else {
            "missed"
        }
    );
}

fn encode<'a, C: Codec + 'a, T: Owned>(name: &'static str, messages: &'a [T]) -> Contender<'a> {
    let mut codec = C::default();
    Contender::new(name, messages.len(), move || {
        for message in messages {
            black_box(codec.encode(black_box(message)));
        }
    })
}

fn decode<'a, C: Codec + 'a, T: Owned + 'a>(name: &'static str, messages: &[T]) -> Contender<'a> {
    let mut codec = C::default();
    let payloads: Vec<Vec<u8>> = messages.iter().map(|m| codec.encode(m).to_vec()).collect();
    Contender::new(name, payloads.len(), move || {
        for payload in &payloads {
            black_box(codec.decode::<T>(black_box(payload)));
        }
    })
}

fn decode_borrowed<'a, T: Borrowing + 'a>(messages: &[T]) -> Contender<'a> {
    let mut codec = Wirewright::default();
    let payloads: Vec<Vec<u8>> = messages.iter().map(|m| codec.encode(m).to_vec()).collect();
    Contender::new("wirewright borrowed", payloads.len(), move || {
        for payload in &payloads {
            black_box(codec.decode_borrowed::<T::Ref<'_>>(black_box(payload)));
        }
    })
}

fn encode_targets<T: Owned>(dataset: &str, messages: &[T], limit: f64) {
    target(
        &format!("payload encode, {dataset}"),
        &format!("≤ {limit} × bincode"),
        limit,
        vec![
            encode::<Wirewright, T>("wirewright", messages),
            encode::<Bincode, T>("bincode", messages),
        ],
    );
}

fn decode_targets<T: Owned>(dataset: &str, messages: &[T]) {
    target(
        &format!("owned decode, {dataset}"),
        "≤ 0.9 × fastest of bincode, postcard, bitcode",
        0.9,
        vec![
            decode::<Wirewright, T>("wirewright", messages),
            decode::<Bincode, T>("bincode", messages),
            decode::<Postcard, T>("postcard", messages),
            decode::<Bitcode, T>("bitcode", messages),
        ],
    );
}

fn borrowed_target<T: Borrowing>(dataset: &str, messages: &[T]) {
    target(
        &format!("borrowed decode, {dataset}"),
        "≤ 0.35 × bincode owned decode",
        0.35,
        vec![
            decode_borrowed(messages),
            decode::<Bincode, T>("bincode owned", messages),
        ],
    );
}

fn size_target<T: Owned>(dataset: &str, messages: &[T]) {
    if !wanted(&format!("size, {dataset}")) {
        return;
    }
    let size = |codec: &mut dyn FnMut(&T) -> usize| -> usize { messages.iter().map(codec).sum() };
    let ours = size(&mut |m| m.encoded_len());
    let mut postcard = Postcard::default();
    let theirs = size(&mut |m| postcard.encode(m).len());
    let n = messages.len() as f64;
    println!(
        "| size, {dataset} | ≤ postcard | {:.1} B | postcard {:.1} B | postcard | {:.3} | – | {} |",
        ours as f64 / n,
        theirs as f64 / n,
        ours as f64 / theirs as f64,
        if ours <= theirs { "met" } else { "missed" }
    );
}

fn main() {
    let chat = chat::messages(200);
    let log = log::records(200);
    let telemetry = telemetry::batches(100);
    let blobs = blob::blobs(4);

    println!("| target | goal | wirewright | others | baseline | ratio | paired | |");
    println!("|---|---|--:|---|---|--:|--:|---|");
    encode_targets::<Chat>("chat", &chat, 0.8);
    encode_targets::<AccessLog>("log", &log, 0.8);
    encode_targets::<Telemetry>("telemetry", &telemetry, 0.8);
    encode_targets::<Blob>("blob", &blobs, 1.05);
    decode_targets::<Chat>("chat", &chat);
    decode_targets::<AccessLog>("log", &log);
    decode_targets::<Telemetry>("telemetry", &telemetry);
    decode_targets::<Blob>("blob", &blobs);
    // Not a target: the same blobs decoded into a value that owns its payload as `Bytes`.
    let buffers: Vec<Bytes> = blobs
        .iter()
        .map(|b| Bytes::from(b.encode_to_vec()))
        .collect();
    target(
        "owned decode, blob as `Bytes` (not a target)",
        "for comparison",
        f64::INFINITY,
        vec![
            Contender::new("wirewright Bytes", buffers.len(), || {
                for buffer in &buffers {
                    black_box(SharedBlob::decode_bytes(black_box(buffer)).expect("a blob"));
                }
            }),
            decode::<Postcard, Blob>("postcard", &blobs),
        ],
    );
    borrowed_target::<Chat>("chat", &chat);
    borrowed_target::<AccessLog>("log", &log);
    size_target::<Chat>("chat", &chat);
    size_target::<AccessLog>("log", &log);
    size_target::<Telemetry>("telemetry", &telemetry);
    size_target::<Blob>("blob", &blobs);

    let mut frame = Vec::new();
    let mut copy = vec![0u8; blob::BLOB_LEN];
    target(
        "framed encode+decode, blob",
        "≤ 1.5 × one crc32fast pass + one memcpy",
        1.5,
        vec![
            Contender::new("wirewright", blobs.len(), || {
                for blob in &blobs {
                    frame.clear();
                    encode_frame(black_box(blob), 0, &mut frame).expect("a frame");
                    let decoded: (FrameHeader, BlobRef<'_>) =
                        decode_frame(black_box(&frame)).expect("a frame");
                    black_box(decoded);
                }
            }),
            Contender::new("crc32fast+memcpy", blobs.len(), || {
                for blob in &blobs {
                    black_box(crc32fast::hash(black_box(&blob.data)));
                    copy.copy_from_slice(black_box(&blob.data));
                    black_box(&copy);
                }
            }),
        ],
    );
    let mut frame = Vec::new();
    let mut bincode = Bincode::default();
    let mut bincode_decoder = Bincode::default();
    target(
        "framed encode+decode, chat",
        "≤ 1.2 × hand-framed bincode",
        1.2,
        vec![
            Contender::new("wirewright", chat.len(), || {
                for message in &chat {
                    frame.clear();
                    encode_frame(black_box(message), 0, &mut frame).expect("a frame");
                    let decoded: (FrameHeader, Chat) =
                        decode_frame(black_box(&frame)).expect("a frame");
                    black_box(decoded);
                }
            }),
            Contender::new("bincode hand-framed", chat.len(), || {
                for message in &chat {
                    let frame = bincode.encode_framed(black_box(message));
                    black_box(bincode_decoder.decode_framed::<Chat>(black_box(frame)));
                }
            }),
        ],
    );
}
