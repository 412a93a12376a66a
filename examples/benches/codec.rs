//! wirewright against the maintained peers (postcard, wincode, bitcode), bincode 2.0.1 (a
//! reference row) and serde_json on the six datasets of `wirewright_examples::datasets`,
//! one message at a time as a protocol handles them:
//!
//! - `encode/<dataset>/<format>`: the payload into a reused buffer;
//! - `decode/<dataset>/<format>`: the payload into an owned value;
//! - `decode_borrowed/<dataset>/<format>`: into a value borrowing `&str` (chat, log,
//!   labels);
//! - `framed/<dataset>/<format>`: encode a frame and decode it back (owned); wirewright
//!   through `encode_frame`/`decode_frame` (16-byte header, CRC-32), the peers framed by
//!   hand (a 4-byte length, the payload, crc32fast over both); `wirewright-borrowed`
//!   decodes the borrowed form;
//! - `floor/blob`: one crc32fast pass and one memcpy of a 64 KiB blob, the least any
//!   checked copy of it can cost.
//!
//! Each iteration handles the whole sample (throughput in messages). Encoded sizes are
//! printed first. Run: `cargo bench -p wirewright-examples` (add a filter such as
//! `-- framed/chat` to run part of it). Times move with the machine's load; for
//! instruction counts, which do not, run `bash examples/callgrind.sh`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use wirewright::frame::{decode_frame, encode_frame};
use wirewright::{DecodeProtocol, FrameHeader, Protocol};
use wirewright_examples::datasets::blob::{self, Blob, BlobRef};
use wirewright_examples::datasets::chat::{self, Chat, ChatRef};
use wirewright_examples::datasets::ids::{self, Span};
use wirewright_examples::datasets::labels::{self, Series, SeriesRef};
use wirewright_examples::datasets::log::{self, AccessLog, AccessLogRef};
use wirewright_examples::datasets::telemetry::{self, Telemetry};

use wirewright_examples::peers::{
    Bincode, Bitcode, Borrowing, Codec, Json, Owned, Postcard, Wincode, Wirewright,
};

/// A dataset type with a borrowed form that wirewright frames decode to.
trait WireBorrowed {
    type Ref<'a>: DecodeProtocol<'a>;
}

impl WireBorrowed for Chat {
    type Ref<'a> = ChatRef<'a>;
}

impl WireBorrowed for AccessLog {
    type Ref<'a> = AccessLogRef<'a>;
}

impl WireBorrowed for Blob {
    type Ref<'a> = BlobRef<'a>;
}

impl WireBorrowed for Series {
    type Ref<'a> = SeriesRef<'a>;
}

/// Telemetry has no borrowed form: its "borrowed" decode is the owned one.
impl WireBorrowed for Telemetry {
    type Ref<'a> = Telemetry;
}

/// Nor do spans (integers only).
impl WireBorrowed for Span {
    type Ref<'a> = Span;
}

fn encode_one<C: Codec, T: Owned>(c: &mut Criterion, dataset: &str, messages: &[T]) {
    let mut codec = C::default();
    let mut group = c.benchmark_group(format!("encode/{dataset}"));
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function(C::NAME, |b| {
        b.iter(|| {
            for message in messages {
                black_box(codec.encode(black_box(message)));
            }
        })
    });
    group.finish();
}

fn payloads<C: Codec, T: Owned>(codec: &mut C, messages: &[T]) -> Vec<Vec<u8>> {
    messages
        .iter()
        .map(|message| codec.encode(message).to_vec())
        .collect()
}

fn decode_one<C: Codec, T: Owned>(c: &mut Criterion, dataset: &str, messages: &[T]) {
    let mut codec = C::default();
    let payloads = payloads(&mut codec, messages);
    for (payload, message) in payloads.iter().zip(messages) {
        assert_eq!(
            &codec.decode::<T>(payload),
            message,
            "{} round trip",
            C::NAME
        );
    }
    let mut group = c.benchmark_group(format!("decode/{dataset}"));
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function(C::NAME, |b| {
        b.iter(|| {
            for payload in &payloads {
                black_box(codec.decode::<T>(black_box(payload)));
            }
        })
    });
    group.finish();
}

fn decode_borrowed_one<C: Codec, T: Owned + Borrowing>(
    c: &mut Criterion,
    dataset: &str,
    messages: &[T],
) {
    let mut codec = C::default();
    let payloads = payloads(&mut codec, messages);
    let mut group = c.benchmark_group(format!("decode_borrowed/{dataset}"));
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function(C::NAME, |b| {
        b.iter(|| {
            for payload in &payloads {
                black_box(codec.decode_borrowed::<T::Ref<'_>>(black_box(payload)));
            }
        })
    });
    group.finish();
}

fn framed_one<C: Codec, T: Owned>(c: &mut Criterion, dataset: &str, messages: &[T]) {
    let mut codec = C::default();
    let mut decoder = C::default();
    let mut group = c.benchmark_group(format!("framed/{dataset}"));
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function(C::NAME, |b| {
        b.iter(|| {
            for message in messages {
                let frame = codec.encode_framed(black_box(message));
                black_box(decoder.decode_framed::<T>(black_box(frame)));
            }
        })
    });
    group.finish();
}

fn framed_wirewright<T>(c: &mut Criterion, dataset: &str, messages: &[T])
where
    T: Owned + Protocol + WireBorrowed + for<'de> DecodeProtocol<'de>,
{
    let mut buf = Vec::new();
    let mut group = c.benchmark_group(format!("framed/{dataset}"));
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function(Wirewright::NAME, |b| {
        b.iter(|| {
            for message in messages {
                buf.clear();
                encode_frame(black_box(message), 0, &mut buf).expect("frame");
                let decoded: (FrameHeader, T) = decode_frame(black_box(&buf)).expect("frame");
                black_box(decoded);
            }
        })
    });
    group.bench_function(BenchmarkId::new("wirewright-borrowed", ""), |b| {
        b.iter(|| {
            for message in messages {
                buf.clear();
                encode_frame(black_box(message), 0, &mut buf).expect("frame");
                let decoded: (FrameHeader, T::Ref<'_>) =
                    decode_frame(black_box(&buf)).expect("frame");
                black_box(decoded);
            }
        })
    });
    group.finish();
}

/// One crc32fast pass and one memcpy of a blob's bytes.
fn floor(c: &mut Criterion, blobs: &[Blob]) {
    let mut copy = vec![0u8; blob::BLOB_LEN];
    let mut group = c.benchmark_group("floor/blob");
    group.throughput(Throughput::Elements(blobs.len() as u64));
    group.bench_function("crc32fast+memcpy", |b| {
        b.iter(|| {
            for blob in blobs {
                black_box(crc32fast::hash(black_box(&blob.data)));
                copy.copy_from_slice(black_box(&blob.data));
                black_box(&copy);
            }
        })
    });
    group.finish();
}

/// Every benchmark of one dataset, in every format.
fn dataset<T>(c: &mut Criterion, name: &str, messages: &[T])
where
    T: Owned + Protocol + WireBorrowed + for<'de> DecodeProtocol<'de>,
{
    encode_one::<Wirewright, T>(c, name, messages);
    encode_one::<Bincode, T>(c, name, messages);
    encode_one::<Postcard, T>(c, name, messages);
    encode_one::<Wincode, T>(c, name, messages);
    encode_one::<Bitcode, T>(c, name, messages);
    encode_one::<Json, T>(c, name, messages);

    decode_one::<Wirewright, T>(c, name, messages);
    decode_one::<Bincode, T>(c, name, messages);
    decode_one::<Postcard, T>(c, name, messages);
    decode_one::<Wincode, T>(c, name, messages);
    decode_one::<Bitcode, T>(c, name, messages);
    decode_one::<Json, T>(c, name, messages);

    framed_wirewright(c, name, messages);
    framed_one::<Bincode, T>(c, name, messages);
    framed_one::<Postcard, T>(c, name, messages);
    framed_one::<Wincode, T>(c, name, messages);
    framed_one::<Bitcode, T>(c, name, messages);
    framed_one::<Json, T>(c, name, messages);
}

fn borrowed<T: Owned + Borrowing>(c: &mut Criterion, name: &str, messages: &[T]) {
    decode_borrowed_one::<Wirewright, T>(c, name, messages);
    decode_borrowed_one::<Bincode, T>(c, name, messages);
    decode_borrowed_one::<Postcard, T>(c, name, messages);
    decode_borrowed_one::<Wincode, T>(c, name, messages);
    decode_borrowed_one::<Bitcode, T>(c, name, messages);
    decode_borrowed_one::<Json, T>(c, name, messages);
}

/// Mean payload size of `messages` in `C`.
fn mean_size<C: Codec, T: Owned>(messages: &[T]) -> f64 {
    let mut codec = C::default();
    let total: usize = messages.iter().map(|m| codec.encode(m).len()).sum();
    total as f64 / messages.len() as f64
}

fn print_sizes<T: Owned>(name: &str, messages: &[T]) {
    println!(
        "| {name} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
        mean_size::<Wirewright, T>(messages),
        mean_size::<Bincode, T>(messages),
        mean_size::<Postcard, T>(messages),
        mean_size::<Wincode, T>(messages),
        mean_size::<Bitcode, T>(messages),
        mean_size::<Json, T>(messages),
    );
}

fn main() {
    let chat = chat::messages(200);
    let log = log::records(200);
    let telemetry = telemetry::batches(100);
    let spans = ids::spans(200);
    let series = labels::series(200);
    let blobs = blob::blobs(4);

    println!("Encoded size, bytes per message:\n");
    println!("| dataset | wirewright | bincode | postcard | wincode | bitcode | serde_json |");
    println!("|---|--:|--:|--:|--:|--:|--:|");
    print_sizes("chat", &chat);
    print_sizes("log", &log);
    print_sizes("telemetry", &telemetry);
    print_sizes("ids", &spans);
    print_sizes("labels", &series);
    print_sizes("blob", &blobs);
    println!();

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
        .configure_from_args();
    dataset(&mut c, "chat", &chat);
    borrowed(&mut c, "chat", &chat);
    dataset(&mut c, "log", &log);
    borrowed(&mut c, "log", &log);
    dataset(&mut c, "telemetry", &telemetry);
    dataset(&mut c, "ids", &spans);
    dataset(&mut c, "labels", &series);
    borrowed(&mut c, "labels", &series);
    dataset(&mut c, "blob", &blobs);
    floor(&mut c, &blobs);
    c.final_summary();
}
