//! One dataset measured in every format: sizes, then encode and decode times.

use std::fmt::Debug;
use std::hint::black_box;

use crate::format::Codecs;
use crate::peers::Owned;
use crate::{Budget, CompareError, Format};

/// What one format did with one dataset.
///
/// ```
/// use wirewright_compare::{Format, FormatStats};
/// let stats = FormatStats { format: Format::Json, messages: 4, total_bytes: 100, encode_nanos: 50.0, decode_nanos: 80.0 };
/// assert_eq!(stats.bytes_per_message(), 25.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FormatStats {
    /// The format.
    pub format: Format,
    /// Messages in the sample.
    pub messages: usize,
    /// Bytes of all the sample's payloads together.
    pub total_bytes: usize,
    /// Nanoseconds to encode one message into a reused buffer (fastest round).
    pub encode_nanos: f64,
    /// Nanoseconds to decode one message into an owned value (fastest round).
    pub decode_nanos: f64,
}

impl FormatStats {
    /// The mean payload size.
    ///
    /// ```
    /// # use wirewright_compare::{Format, FormatStats};
    /// let stats = FormatStats { format: Format::Bincode, messages: 2, total_bytes: 5, encode_nanos: 1.0, decode_nanos: 1.0 };
    /// assert_eq!(stats.bytes_per_message(), 2.5);
    /// ```
    pub fn bytes_per_message(&self) -> f64 {
        self.total_bytes as f64 / self.messages.max(1) as f64
    }
}

/// A dataset measured in every [`Format`]: made by [`compare`].
///
/// ```
/// use std::time::Duration;
/// use wirewright_compare::{compare, Budget, Format};
/// # #[derive(wirewright::Message, serde::Serialize, serde::Deserialize, bincode::Encode,
/// #     bincode::Decode, bitcode::Encode, bitcode::Decode, wincode::SchemaWrite,
/// #     wincode::SchemaRead, Debug, PartialEq)]
/// # #[wire(id = 1)]
/// # struct Ping { seq: u32 }
/// let sample: Vec<Ping> = (0..10).map(|seq| Ping { seq }).collect();
/// let comparison = compare("pings", &sample, &Budget::new(Duration::from_millis(1), 1))?;
/// assert_eq!(comparison.stats(Format::Json).map(|s| s.total_bytes), Some(10 * 9));
/// # Ok::<(), wirewright_compare::CompareError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The dataset's name, as tables and charts show it.
    pub dataset: String,
    /// One entry per format, in the order of [`Format::ALL`].
    pub formats: Vec<FormatStats>,
}

impl Comparison {
    /// The entry of `format`, if it was measured.
    ///
    /// ```
    /// # use wirewright_compare::{Comparison, Format};
    /// let empty = Comparison { dataset: "none".into(), formats: Vec::new() };
    /// assert!(empty.stats(Format::Wirewright).is_none());
    /// ```
    pub fn stats(&self, format: Format) -> Option<&FormatStats> {
        self.formats.iter().find(|stats| stats.format == format)
    }
}

/// Measures `messages` in every [`Format`]: payload sizes, and the time to encode one
/// message into a reused buffer and to decode one into an owned value, each timed as
/// `budget` says. Every message is first encoded and decoded once in every format and
/// compared with the original, so the numbers are of formats that actually round trip.
///
/// # Errors
/// [`CompareError::EmptySample`], or the first message that a format cannot encode,
/// decode, or round trip to an equal value.
///
/// ```
/// use std::time::Duration;
/// use serde::{Deserialize, Serialize};
/// use wirewright_compare::{compare, Budget, Format, Report};
/// use wirewright::Message;
///
/// #[derive(Message, Serialize, Deserialize, Debug, PartialEq)]
/// #[derive(bincode::Encode, bincode::Decode, bitcode::Encode, bitcode::Decode)]
/// #[derive(wincode::SchemaWrite, wincode::SchemaRead)]
/// #[wire(id = 1)]
/// struct Reading { sensor: u16, celsius: f32 }
///
/// let sample: Vec<Reading> = (0..50).map(|i| Reading { sensor: i, celsius: 20.5 }).collect();
/// let comparison = compare("readings", &sample, &Budget::new(Duration::from_millis(2), 1))?;
/// let binary = comparison.stats(Format::Wirewright).unwrap();
/// assert_eq!(binary.bytes_per_message(), 5.0); // 1-byte varint + 4-byte float
/// println!("{}", Report::from(vec![comparison]).to_markdown());
/// # Ok::<(), wirewright_compare::CompareError>(())
/// ```
pub fn compare<T>(
    dataset: &str,
    messages: &[T],
    budget: &Budget,
) -> Result<Comparison, CompareError>
where
    T: Owned,
{
    if messages.is_empty() {
        return Err(CompareError::EmptySample {
            dataset: dataset.to_owned(),
        });
    }
    let mut codecs = Codecs::default();
    let payloads: Vec<Vec<Vec<u8>>> = Format::ALL
        .into_iter()
        .map(|format| round_trip(&mut codecs, dataset, format, messages))
        .collect::<Result<_, _>>()?;
    let mut formats: Vec<FormatStats> = Format::ALL
        .into_iter()
        .zip(&payloads)
        .map(|(format, payloads)| FormatStats {
            format,
            messages: messages.len(),
            total_bytes: payloads.iter().map(Vec::len).sum(),
            encode_nanos: f64::INFINITY,
            decode_nanos: f64::INFINITY,
        })
        .collect();
    // An untimed round first warms caches and the allocator; then the formats take turns.
    for round in 0..=budget.rounds() {
        for (stats, payloads) in formats.iter_mut().zip(&payloads) {
            let format = stats.format;
            let encode = budget.time_round(messages.len(), || {
                for message in messages {
                    // Checked by `round_trip`: every message encodes.
                    let _ = black_box(codecs.encode(format, black_box(message)).ok());
                }
            });
            let decode = budget.time_round(payloads.len(), || {
                for payload in payloads {
                    // Checked by `round_trip`: every payload decodes.
                    black_box(codecs.decode::<T>(format, black_box(payload)).ok());
                }
            });
            if round > 0 {
                stats.encode_nanos = stats.encode_nanos.min(encode);
                stats.decode_nanos = stats.decode_nanos.min(decode);
            }
        }
    }
    Ok(Comparison {
        dataset: dataset.to_owned(),
        formats,
    })
}

/// Every message encoded in `format`, after checking that each decodes back to itself.
fn round_trip<T: Owned>(
    codecs: &mut Codecs,
    dataset: &str,
    format: Format,
    messages: &[T],
) -> Result<Vec<Vec<u8>>, CompareError> {
    let mut payloads = Vec::with_capacity(messages.len());
    for (index, message) in messages.iter().enumerate() {
        let payload = codecs
            .encode(format, message)
            .map(<[u8]>::to_vec)
            .map_err(|source| CompareError::Encode {
                dataset: dataset.to_owned(),
                format,
                index,
                source,
            })?;
        let decoded: T =
            codecs
                .decode(format, &payload)
                .map_err(|source| CompareError::Decode {
                    dataset: dataset.to_owned(),
                    format,
                    index,
                    source,
                })?;
        if decoded != *message {
            return Err(CompareError::RoundTrip {
                dataset: dataset.to_owned(),
                format,
                index,
            });
        }
        payloads.push(payload);
    }
    Ok(payloads)
}
