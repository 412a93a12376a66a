//! Runs one codec operation over one dataset many times, for a profiler. Instruction
//! counts from callgrind are not disturbed by other work on the machine, unlike times:
//!
//! ```text
//! cargo build --release -p wirewright-examples --bin codec_profile
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured*' \
//!     target/release/codec_profile decode chat wirewright 20
//! ```
//!
//! Operations: `encode`, `decode`, `borrowed` (chat, log and labels), `framed` (encode a
//! frame, decode it back); datasets: `chat`, `log`, `telemetry`, `ids`, `labels`, `blob`;
//! formats: `wirewright`, `postcard`, `wincode`, `bitcode`, `bincode`, `json`.
//! `examples/callgrind.sh` runs the whole matrix and prints instructions per message.
//! It prints how many messages it handled: divide the instruction count by that.

use std::hint::black_box;

use wirewright::frame::{decode_frame, encode_frame};
use wirewright::{DecodeProtocol, FrameHeader, Protocol};
use wirewright_examples::datasets::{blob, chat, ids, labels, log, telemetry};
use wirewright_examples::peers::{
    Bincode, Bitcode, Borrowing, Codec, Json, Postcard, Wincode, Wirewright,
};

/// The loop a profiler measures: `--toggle-collect='*measured*'`.
#[inline(never)]
fn measured(iterations: usize, mut pass: impl FnMut()) {
    for _ in 0..iterations {
        pass();
    }
}

fn run<C: Codec, T>(op: &str, messages: &[T], iterations: usize)
where
    T: Borrowing + Protocol + for<'de> DecodeProtocol<'de>,
{
    let mut codec = C::default();
    let payloads: Vec<Vec<u8>> = messages.iter().map(|m| codec.encode(m).to_vec()).collect();
    match op {
        "encode" => measured(iterations, || {
            for message in messages {
                black_box(codec.encode(black_box(message)));
            }
        }),
        "decode" => measured(iterations, || {
            for payload in &payloads {
                black_box(codec.decode::<T>(black_box(payload)));
            }
        }),
        "borrowed" => measured(iterations, || {
            for payload in &payloads {
                black_box(codec.decode_borrowed::<T::Ref<'_>>(black_box(payload)));
            }
        }),
        "framed" if C::NAME == Wirewright::NAME => {
            let mut buf = Vec::new();
            measured(iterations, || {
                for message in messages {
                    buf.clear();
                    encode_frame(black_box(message), 0, &mut buf).expect("frame");
                    let decoded: (FrameHeader, T) = decode_frame(black_box(&buf)).expect("frame");
                    black_box(decoded);
                }
            })
        }
        "framed" => {
            let mut decoder = C::default();
            measured(iterations, || {
                for message in messages {
                    let frame = codec.encode_framed(black_box(message));
                    black_box(decoder.decode_framed::<T>(black_box(frame)));
                }
            })
        }
        _ => panic!("unknown operation {op}: encode, decode, borrowed or framed"),
    }
}

fn dataset<C: Codec>(op: &str, dataset: &str, iterations: usize) -> usize {
    match dataset {
        "chat" => {
            let messages = chat::messages(200);
            run::<C, _>(op, &messages, iterations);
            messages.len()
        }
        "log" => {
            let messages = log::records(200);
            run::<C, _>(op, &messages, iterations);
            messages.len()
        }
        "telemetry" => {
            let messages = telemetry::batches(100);
            run::<C, _>(op, &messages, iterations);
            messages.len()
        }
        "ids" => {
            let messages = ids::spans(200);
            run::<C, _>(op, &messages, iterations);
            messages.len()
        }
        "labels" => {
            let messages = labels::series(200);
            run::<C, _>(op, &messages, iterations);
            messages.len()
        }
        "blob" => {
            let messages = blob::blobs(4);
            run::<C, _>(op, &messages, iterations);
            messages.len()
        }
        _ => panic!("unknown dataset {dataset}: chat, log, telemetry, ids, labels or blob"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [op, name, format, iterations] = args.as_slice() else {
        eprintln!("usage: codec_profile <encode|decode|borrowed|framed> <chat|log|telemetry|ids|labels|blob> <format> <iterations>");
        std::process::exit(2);
    };
    let iterations: usize = iterations.parse().expect("a number of iterations");
    let count = match format.as_str() {
        "wirewright" => dataset::<Wirewright>(op, name, iterations),
        "bincode" => dataset::<Bincode>(op, name, iterations),
        "postcard" => dataset::<Postcard>(op, name, iterations),
        "bitcode" => dataset::<Bitcode>(op, name, iterations),
        "wincode" => dataset::<Wincode>(op, name, iterations),
        "json" => dataset::<Json>(op, name, iterations),
        _ => panic!("unknown format {format}"),
    };
    println!("{}", count * iterations);
}
