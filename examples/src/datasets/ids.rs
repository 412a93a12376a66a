//! The ids dataset: a struct of random full-width integers (trace and span ids, hashes,
//! account and session ids) beside a few small counters, as in tracing spans and
//! database rows. Every random `u64` is sent as a varint of nine or ten bytes, which is
//! the widest case of the integer decoder.

use serde::{Deserialize, Serialize};
use wirewright::Message;

use super::Generator;

/// One span record: eight random 64-bit values and six small integers.
///
/// ```
/// use wirewright::Encode;
/// use wirewright_examples::datasets::ids;
/// let spans = ids::spans(100);
/// let mean = spans.iter().map(Encode::encoded_len).sum::<usize>() / spans.len();
/// assert!((80..100).contains(&mean), "{mean}");
/// ```
#[derive(
    Message,
    Serialize,
    Deserialize,
    bincode::Encode,
    bincode::Decode,
    bitcode::Encode,
    bitcode::Decode,
    wincode::SchemaWrite,
    wincode::SchemaRead,
    Debug,
    Clone,
    PartialEq,
)]
#[wire(id = 4)]
pub struct Span {
    /// The high half of the 128-bit trace id.
    pub trace_id_high: u64,
    /// The low half of the trace id.
    pub trace_id_low: u64,
    /// This span's id.
    pub span_id: u64,
    /// The parent span's id.
    pub parent_id: u64,
    /// The account, a random id.
    pub account_id: u64,
    /// The session, a random id.
    pub session_id: u64,
    /// A hash of the request.
    pub request_hash: u64,
    /// A hash of the response body.
    pub body_hash: u64,
    /// The operation, an index into a table of names.
    pub operation: u16,
    /// The response status.
    pub status: u16,
    /// The attempt number, from 1.
    pub attempt: u32,
    /// The shard that served the request.
    pub shard: u32,
    /// The duration in microseconds.
    pub duration_us: u32,
    /// The offset of the start in milliseconds from the trace's start (signed).
    pub offset_ms: i32,
}

const STATUSES: [u16; 5] = [200, 200, 201, 404, 503];

/// `count` spans, the same on every call.
///
/// ```
/// use wirewright_examples::datasets::ids;
/// assert_eq!(ids::spans(3), ids::spans(3));
/// ```
pub fn spans(count: usize) -> Vec<Span> {
    let mut generator = Generator::new(0x1d5);
    (0..count)
        .map(|_| Span {
            trace_id_high: generator.next_u64(),
            trace_id_low: generator.next_u64(),
            span_id: generator.next_u64(),
            parent_id: generator.next_u64(),
            account_id: generator.next_u64(),
            session_id: generator.next_u64(),
            request_hash: generator.next_u64(),
            body_hash: generator.next_u64(),
            operation: generator.below(40) as u16,
            status: *generator.pick(&STATUSES),
            attempt: generator.between(1, 3) as u32,
            shard: generator.below(64) as u32,
            duration_us: generator.between(50, 20_000) as u32,
            offset_ms: generator.between(0, 400) as i32 - 200,
        })
        .collect()
}
