//! The labels dataset: many short strings, as in metric series, feature flags or
//! headers: a metric name, a host and twelve to twenty labels of three to fourteen bytes.
//! Most of the work is per-string: a length prefix, an allocation, a copy, a UTF-8 check.

use serde::{Deserialize, Serialize};
use wirewright::Message;

use super::Generator;

/// A metric series: its name, host and labels, owning its text.
///
/// ```
/// use wirewright::Encode;
/// use wirewright_examples::datasets::labels;
/// let series = labels::series(100);
/// let mean = series.iter().map(Encode::encoded_len).sum::<usize>() / series.len();
/// assert!((120..240).contains(&mean), "{mean}");
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
#[wire(id = 5)]
pub struct Series {
    /// The metric's name: `http_requests_total`.
    pub metric: String,
    /// The host that reports it.
    pub host: String,
    /// Labels such as `env=prod`.
    pub labels: Vec<String>,
}

/// [`Series`] borrowing its text from the buffer it was decoded from.
///
/// ```
/// use wirewright::{Decode, Encode};
/// use wirewright_examples::datasets::labels::{self, SeriesRef};
/// let series = &labels::series(1)[0];
/// let bytes = series.encode_to_vec();
/// assert_eq!(SeriesRef::decode(&bytes)?, series.as_ref());
/// # Ok::<(), wirewright::DecodeError>(())
/// ```
#[derive(
    Message,
    Serialize,
    Deserialize,
    bincode::Encode,
    bincode::BorrowDecode,
    bitcode::Encode,
    bitcode::Decode,
    wincode::SchemaWrite,
    wincode::SchemaRead,
    Debug,
    Clone,
    PartialEq,
)]
#[wire(id = 5)]
pub struct SeriesRef<'a> {
    /// The metric's name.
    pub metric: &'a str,
    /// The host that reports it.
    pub host: &'a str,
    /// Labels.
    #[serde(borrow)]
    pub labels: Vec<&'a str>,
}

impl Series {
    /// The borrowed form of this series.
    ///
    /// ```
    /// use wirewright_examples::datasets::labels;
    /// let series = &labels::series(1)[0];
    /// assert_eq!(series.as_ref().labels.len(), series.labels.len());
    /// ```
    pub fn as_ref(&self) -> SeriesRef<'_> {
        SeriesRef {
            metric: &self.metric,
            host: &self.host,
            labels: self.labels.iter().map(String::as_str).collect(),
        }
    }
}

const METRICS: [&str; 4] = [
    "http_requests_total",
    "cpu_seconds",
    "rpc_latency_ms",
    "queue_depth",
];
const KEYS: [&str; 8] = ["env", "dc", "svc", "ver", "pod", "az", "tier", "team"];
const VALUES: [&str; 12] = [
    "prod", "stg", "ams3", "fra1", "api", "web", "v2.4.1", "a", "b", "gold", "core", "edge",
];

/// `count` series, the same on every call.
///
/// ```
/// use wirewright_examples::datasets::labels;
/// assert_eq!(labels::series(3), labels::series(3));
/// ```
pub fn series(count: usize) -> Vec<Series> {
    let mut generator = Generator::new(0x1abe1);
    (0..count)
        .map(|_| Series {
            metric: generator.pick(&METRICS).to_string(),
            host: format!("node-{:03}", generator.below(1000)),
            labels: (0..generator.between(12, 20))
                .map(|_| format!("{}={}", generator.pick(&KEYS), generator.pick(&VALUES)))
                .collect(),
        })
        .collect()
}
