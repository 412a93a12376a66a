//! The performance targets of issue 16 as ratios, measured so that a busy machine
//! disturbs them as little as possible: the contenders of each race take turns in short
//! rounds (each round runs whole passes over the sample for at least 10 ms), and each
//! contender's time is its fastest round. A ratio is wirewright's time over the named
//! peer's, from the same race; the "paired" column is the median, over rounds, of the
//! ratio within one round (the two ran within milliseconds of each other).
//!
//! Targets, on every dataset of messages up to 1 KiB (chat, log, telemetry, ids, labels):
//! against postcard (the same size class) encode ≤ 0.6×, owned decode ≤ 0.85×, borrowed
//! decode ≤ 0.6×; against wincode (larger messages) encode and owned decode ≤ 1.0× on the
//! datasets with strings (all but ids); size never larger than postcard's; framing no
//! worse than a hand-framed peer. bitcode and bincode 2 (a reference row) run in the
//! same races; their times are in the "others" column.
//!
//! Run: `cargo bench -p wirewright-examples --bench targets` (about a minute; add
//! `-- decode` to run the races whose name contains "decode"). Instruction counts, which
//! a loaded machine does not disturb: `bash examples/callgrind.sh`. Criterion's `codec`
//! benchmark has the full matrix with confidence intervals.

use std::hint::black_box;
use std::time::{Duration, Instant};

use wirewright::bytes::Bytes;
use wirewright::frame::{decode_frame, encode_frame};
use wirewright::{Decode, Encode, FrameHeader};
use wirewright_examples::datasets::blob::{self, Blob, BlobRef, SharedBlob};
use wirewright_examples::datasets::chat::{self, Chat};
use wirewright_examples::datasets::ids::{self, Span};
use wirewright_examples::datasets::labels::{self, Series};
use wirewright_examples::datasets::log::{self, AccessLog};
use wirewright_examples::datasets::telemetry::{self, Telemetry};
use wirewright_examples::peers::{
    Bincode, Bitcode, Borrowing, Codec, Owned, Postcard, Wincode, Wirewright,
};

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

/// Whether the race `name` was asked for: every race, or those whose name contains
/// the first argument that is not an option (`cargo bench --bench targets -- chat`).
fn wanted(name: &str) -> bool {
    std::env::args()
        .skip(1)
        .find(|arg| !arg.starts_with("--"))
        .is_none_or(|filter| name.contains(&filter))
}

/// A ratio to check after a race: wirewright (the first contender) against the
/// contender named `baseline`, with the goal `limit` (infinite: reported, not a target).
struct Goal {
    baseline: &'static str,
    limit: f64,
}

fn goal(baseline: &'static str, limit: f64) -> Goal {
    Goal { baseline, limit }
}

/// Races wirewright (the first contender) against the others and prints one row per
/// goal: the ratio of the fastest rounds and the paired ratio.
fn target(name: &str, goals: &[Goal], mut contenders: Vec<Contender<'_>>) {
    if !wanted(name) {
        return;
    }
    let times = race(&mut contenders);
    let ours = min(&times[0]);
    for goal in goals {
        let index = contenders
            .iter()
            .position(|c| c.name == goal.baseline)
            .expect("the baseline races");
        let ratio = ours / min(&times[index]);
        let paired = median(
            times[0]
                .iter()
                .zip(&times[index])
                .map(|(a, b)| a / b)
                .collect(),
        );
        let others: Vec<String> = contenders[1..]
            .iter()
            .zip(&times[1..])
            .map(|(c, t)| format!("{} {:.1}", c.name, min(t)))
            .collect();
        let (goal_text, verdict) = if goal.limit.is_infinite() {
            ("not a target".to_string(), "–")
        } else if ratio <= goal.limit {
            (format!("≤ {} × {}", goal.limit, goal.baseline), "met")
        } else {
            (format!("≤ {} × {}", goal.limit, goal.baseline), "missed")
        };
        println!(
            "| {name} | {goal_text} | {ours:.1} ns | {} | {} | {ratio:.2} | {paired:.2} | {verdict} |",
            others.join(", "),
            goal.baseline,
        );
    }
}

fn encode<'a, C: Codec + 'a, T: Owned>(messages: &'a [T]) -> Contender<'a> {
    let mut codec = C::default();
    Contender::new(C::NAME, messages.len(), move || {
        for message in messages {
            black_box(codec.encode(black_box(message)));
        }
    })
}

fn decode<'a, C: Codec + 'a, T: Owned + 'a>(messages: &[T]) -> Contender<'a> {
    let mut codec = C::default();
    let payloads: Vec<Vec<u8>> = messages.iter().map(|m| codec.encode(m).to_vec()).collect();
    Contender::new(C::NAME, payloads.len(), move || {
        for payload in &payloads {
            black_box(codec.decode::<T>(black_box(payload)));
        }
    })
}

fn decode_borrowed<'a, C: Codec + 'a, T: Borrowing + 'a>(messages: &[T]) -> Contender<'a> {
    let mut codec = C::default();
    let payloads: Vec<Vec<u8>> = messages.iter().map(|m| codec.encode(m).to_vec()).collect();
    Contender::new(C::NAME, payloads.len(), move || {
        for payload in &payloads {
            black_box(codec.decode_borrowed::<T::Ref<'_>>(black_box(payload)));
        }
    })
}

/// Every format, wirewright first.
macro_rules! all_formats {
    ($make:ident, $ty:ty, $messages:expr) => {
        vec![
            $make::<Wirewright, $ty>($messages),
            $make::<Postcard, $ty>($messages),
            $make::<Wincode, $ty>($messages),
            $make::<Bitcode, $ty>($messages),
            $make::<Bincode, $ty>($messages),
        ]
    };
}

/// The races of one dataset of messages up to 1 KiB. `strings`: whether its messages
/// hold strings (the wincode goals apply); `borrows`: whether it has a borrowed form
/// (otherwise its borrowed decode is the owned one and is not raced again).
fn dataset<T: Borrowing>(name: &str, messages: &[T], strings: bool, borrows: bool) {
    let wincode_limit = if strings { 1.0 } else { f64::INFINITY };
    target(
        &format!("encode, {name}"),
        &[goal("postcard", 0.6), goal("wincode", wincode_limit)],
        all_formats!(encode, T, messages),
    );
    target(
        &format!("owned decode, {name}"),
        &[goal("postcard", 0.85), goal("wincode", wincode_limit)],
        all_formats!(decode, T, messages),
    );
    if borrows {
        target(
            &format!("borrowed decode, {name}"),
            &[goal("postcard", 0.6), goal("wincode", f64::INFINITY)],
            all_formats!(decode_borrowed, T, messages),
        );
    }
    size_target(name, messages);
}

fn size_target<T: Owned>(dataset: &str, messages: &[T]) {
    if !wanted(&format!("size, {dataset}")) {
        return;
    }
    let size = |codec: &mut dyn FnMut(&T) -> usize| -> usize { messages.iter().map(codec).sum() };
    let ours = size(&mut |m| m.encoded_len());
    let mut postcard = Postcard::default();
    let theirs = size(&mut |m| postcard.encode(m).len());
    let mut wincode = Wincode::default();
    let wincode = size(&mut |m| wincode.encode(m).len());
    let n = messages.len() as f64;
    println!(
        "| size, {dataset} | ≤ 1.0 × postcard | {:.1} B | postcard {:.1} B, wincode {:.1} B | postcard | {:.3} | – | {} |",
        ours as f64 / n,
        theirs as f64 / n,
        wincode as f64 / n,
        ours as f64 / theirs as f64,
        if ours <= theirs { "met" } else { "missed" }
    );
}

fn main() {
    let chat = chat::messages(200);
    let log = log::records(200);
    let telemetry = telemetry::batches(100);
    let spans = ids::spans(200);
    let series = labels::series(200);
    let blobs = blob::blobs(4);

    println!(
        "| race | goal | wirewright | others (ns per message) | baseline | ratio | paired | |"
    );
    println!("|---|---|--:|---|---|--:|--:|---|");
    dataset::<Chat>("chat", &chat, true, true);
    dataset::<AccessLog>("log", &log, true, true);
    dataset::<Telemetry>("telemetry", &telemetry, true, false);
    dataset::<Span>("ids", &spans, false, false);
    dataset::<Series>("labels", &series, true, true);

    // 64 KiB blobs: beyond the 1 KiB of the targets, reported for comparison.
    target(
        "encode, blob",
        &[
            goal("postcard", f64::INFINITY),
            goal("wincode", f64::INFINITY),
        ],
        all_formats!(encode, Blob, &blobs),
    );
    target(
        "owned decode, blob",
        &[
            goal("postcard", f64::INFINITY),
            goal("wincode", f64::INFINITY),
        ],
        all_formats!(decode, Blob, &blobs),
    );
    // The same blobs decoded into a value that owns its payload as `Bytes`.
    let buffers: Vec<Bytes> = blobs
        .iter()
        .map(|b| Bytes::from(b.encode_to_vec()))
        .collect();
    target(
        "owned decode, blob as `Bytes`",
        &[goal("postcard", f64::INFINITY)],
        vec![
            Contender::new("wirewright Bytes", buffers.len(), || {
                for buffer in &buffers {
                    black_box(SharedBlob::decode_bytes(black_box(buffer)).expect("a blob"));
                }
            }),
            decode::<Postcard, Blob>(&blobs),
        ],
    );
    size_target::<Blob>("blob", &blobs);

    // A framed round trip checksums the frame twice (the sender to write the trailer,
    // the receiver to check it) and copies the payload once (into the frame; the
    // receiver borrows it): "2×crc32fast+memcpy" is that minimum, done by hand, and
    // "crc32fast+memcpy" is one checksum and one copy, the goal's baseline.
    let mut frame = Vec::new();
    let mut copy = vec![0u8; blob::BLOB_LEN];
    let mut copy2 = vec![0u8; blob::BLOB_LEN];
    target(
        "framed encode+decode, blob",
        &[
            goal("crc32fast+memcpy", 1.5),
            goal("2×crc32fast+memcpy", f64::INFINITY),
        ],
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
            Contender::new("2×crc32fast+memcpy", blobs.len(), || {
                for blob in &blobs {
                    black_box(crc32fast::hash(black_box(&blob.data)));
                    copy2.copy_from_slice(black_box(&blob.data));
                    black_box(crc32fast::hash(black_box(&copy2)));
                }
            }),
        ],
    );
    let mut frame = Vec::new();
    let mut postcard = Postcard::default();
    let mut postcard_decoder = Postcard::default();
    let mut wincode = Wincode::default();
    let mut wincode_decoder = Wincode::default();
    target(
        "framed encode+decode, chat",
        &[
            goal("postcard hand-framed", 1.0),
            goal("wincode hand-framed", f64::INFINITY),
        ],
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
            Contender::new("postcard hand-framed", chat.len(), || {
                for message in &chat {
                    let frame = postcard.encode_framed(black_box(message));
                    black_box(postcard_decoder.decode_framed::<Chat>(black_box(frame)));
                }
            }),
            Contender::new("wincode hand-framed", chat.len(), || {
                for message in &chat {
                    let frame = wincode.encode_framed(black_box(message));
                    black_box(wincode_decoder.decode_framed::<Chat>(black_box(frame)));
                }
            }),
        ],
    );
}
