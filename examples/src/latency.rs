//! Latency samples and their percentiles, for the load generators.

use std::time::Duration;

/// Latencies of calls, in microseconds.
///
/// ```
/// use std::time::Duration;
/// use wirewright_examples::latency::Latencies;
/// let mut latencies = Latencies::with_capacity(4);
/// for micros in [40, 10, 30, 20] {
///     latencies.record(Duration::from_micros(micros));
/// }
/// assert_eq!(latencies.len(), 4);
/// assert_eq!(latencies.percentile(50.0), Duration::from_micros(20));
/// assert_eq!(latencies.percentile(99.0), Duration::from_micros(40));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Latencies {
    micros: Vec<u32>,
    sorted: bool,
}

impl Latencies {
    /// Room for `capacity` samples without reallocating.
    ///
    /// ```
    /// assert!(wirewright_examples::latency::Latencies::with_capacity(10).is_empty());
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Latencies {
            micros: Vec::with_capacity(capacity),
            sorted: true,
        }
    }

    /// Adds one sample.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let mut latencies = wirewright_examples::latency::Latencies::default();
    /// latencies.record(Duration::from_millis(1));
    /// assert_eq!(latencies.len(), 1);
    /// ```
    pub fn record(&mut self, latency: Duration) {
        self.micros
            .push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
        self.sorted = false;
    }

    /// Adds every sample of `other`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// use wirewright_examples::latency::Latencies;
    /// let (mut a, mut b) = (Latencies::default(), Latencies::default());
    /// b.record(Duration::from_micros(5));
    /// a.merge(b);
    /// assert_eq!(a.len(), 1);
    /// ```
    pub fn merge(&mut self, other: Latencies) {
        self.micros.extend(other.micros);
        self.sorted = false;
    }

    /// How many samples.
    ///
    /// ```
    /// assert_eq!(wirewright_examples::latency::Latencies::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.micros.len()
    }

    /// Whether there are none.
    ///
    /// ```
    /// assert!(wirewright_examples::latency::Latencies::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.micros.is_empty()
    }

    /// The `p`-th percentile (nearest rank), zero without samples.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let mut latencies = wirewright_examples::latency::Latencies::default();
    /// assert_eq!(latencies.percentile(50.0), Duration::ZERO);
    /// ```
    pub fn percentile(&mut self, p: f64) -> Duration {
        if self.micros.is_empty() {
            return Duration::ZERO;
        }
        if !self.sorted {
            self.micros.sort_unstable();
            self.sorted = true;
        }
        let rank = ((p / 100.0) * self.micros.len() as f64).ceil() as usize;
        let index = rank.clamp(1, self.micros.len()) - 1;
        Duration::from_micros(u64::from(self.micros[index]))
    }
}
