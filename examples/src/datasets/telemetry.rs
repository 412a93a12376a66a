//! The telemetry dataset: a device's readings, 64 floats with a few tags.

use serde::{Deserialize, Serialize};
use wirewright::Message;

use super::Generator;

/// Readings a device reports in one batch.
///
/// ```
/// use wirewright::Encode;
/// use wirewright_examples::datasets::telemetry;
/// let batch = &telemetry::batches(1)[0];
/// assert_eq!(batch.readings.len(), 64);
/// assert!(batch.encoded_len() > 64 * 4);
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
#[wire(id = 3)]
pub struct Telemetry {
    /// The device's serial number: a random 64-bit value, sent at full width (a varint
    /// of a random value would take 10 bytes).
    #[wire(fixed)]
    pub device_id: u64,
    /// When the batch started, in milliseconds since the epoch.
    pub started_at_ms: u64,
    /// When its last reading was taken, in milliseconds since the epoch.
    pub taken_at_ms: u64,
    /// The readings: 64 of them.
    pub readings: Vec<f32>,
    /// Labels such as `site=ams3`.
    pub tags: Vec<String>,
}

const TAGS: [&str; 8] = [
    "site=ams3",
    "site=fra1",
    "rack=12",
    "rack=7",
    "fw=2.4.1",
    "fw=2.5.0-rc1",
    "kind=thermal",
    "kind=power",
];

/// Readings in a batch.
pub const READINGS: usize = 64;

/// `count` telemetry batches, the same on every call.
///
/// ```
/// use wirewright_examples::datasets::telemetry;
/// assert_eq!(telemetry::batches(2), telemetry::batches(2));
/// ```
pub fn batches(count: usize) -> Vec<Telemetry> {
    let mut generator = Generator::new(0x7e1e);
    let devices: Vec<u64> = (0..16).map(|_| generator.next_u64()).collect();
    let mut started_at_ms = 1_700_000_000_000u64;
    (0..count)
        .map(|_| {
            started_at_ms += generator.between(100, 10_000);
            let base = generator.float(-20.0, 80.0);
            let tags = (0..generator.between(2, 4))
                .map(|_| generator.pick(&TAGS).to_string())
                .collect();
            Telemetry {
                device_id: *generator.pick(&devices),
                started_at_ms,
                taken_at_ms: started_at_ms + generator.between(900, 1_100),
                readings: (0..READINGS)
                    .map(|_| base + generator.float(-0.5, 0.5))
                    .collect(),
                tags,
            }
        })
        .collect()
}
