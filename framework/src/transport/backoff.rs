//! Exponential backoff with full jitter, for retrying connections.

use std::time::Duration;

/// When to retry a failed connection attempt: exponential backoff with a cap and "full
/// jitter" (each delay is drawn uniformly between zero and the exponential ceiling), so
/// that many clients that lost the same server do not come back in lockstep.
///
/// Before retry `n` (0 for the first retry) the ceiling is
/// `min(max_delay, initial_delay × 2ⁿ)` and the delay is uniform in `0..=ceiling`.
///
/// | setting | default |
/// |---|---|
/// | [`initial_delay`](Self::initial_delay) | 50 ms |
/// | [`max_delay`](Self::max_delay) | 5 s |
/// | [`max_attempts`](Self::max_attempts) | 8 (the first attempt and 7 retries) |
///
/// ```
/// use std::time::Duration;
/// use wirewright::transport::Backoff;
///
/// let defaults = Backoff::default();
/// assert_eq!(defaults, Backoff::new());
/// assert_eq!(defaults.initial_delay(), Duration::from_millis(50));
/// assert_eq!(defaults.max_delay(), Duration::from_secs(5));
/// assert_eq!(defaults.max_attempts(), 8);
///
/// let backoff = Backoff::new()
///     .with_initial_delay(Duration::from_millis(100))
///     .with_max_delay(Duration::from_secs(1))
///     .with_max_attempts(3);
/// assert_eq!(backoff.max_attempts(), 3);
/// assert_eq!(Backoff::new().with_max_attempts(0).max_attempts(), 1); // at least 1
/// assert_eq!(backoff.ceiling(0), Duration::from_millis(100));
/// assert_eq!(backoff.ceiling(2), Duration::from_millis(400));
/// assert_eq!(backoff.ceiling(10), Duration::from_secs(1)); // capped
/// assert!(backoff.delay(3) <= Duration::from_millis(800));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    initial_delay: Duration,
    max_delay: Duration,
    max_attempts: u32,
}

impl Backoff {
    /// The defaults in the table above.
    pub fn new() -> Self {
        Backoff {
            initial_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(5),
            max_attempts: 8,
        }
    }

    /// The ceiling of the first retry's delay.
    pub fn initial_delay(&self) -> Duration {
        self.initial_delay
    }

    /// Sets [`initial_delay`](Self::initial_delay).
    #[must_use]
    pub fn with_initial_delay(mut self, initial_delay: Duration) -> Self {
        self.initial_delay = initial_delay;
        self
    }

    /// The cap on every delay.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// Sets [`max_delay`](Self::max_delay).
    #[must_use]
    pub fn with_max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// How many connection attempts to make in all, the first one included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Sets [`max_attempts`](Self::max_attempts) (at least 1).
    #[must_use]
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// The largest delay before retry `retry` (0 for the first retry):
    /// `min(max_delay, initial_delay × 2^retry)`, without overflow.
    ///
    /// ```
    /// use std::time::Duration;
    /// let backoff = wirewright::transport::Backoff::new();
    /// assert_eq!(backoff.ceiling(1), Duration::from_millis(100));
    /// assert_eq!(backoff.ceiling(u32::MAX), Duration::from_secs(5));
    /// ```
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
        self.initial_delay
            .checked_mul(factor)
            .unwrap_or(Duration::MAX)
            .min(self.max_delay)
    }

    /// A random delay before retry `retry`, uniform in `0..=ceiling(retry)`.
    ///
    /// ```
    /// let backoff = wirewright::transport::Backoff::new();
    /// assert!(backoff.delay(0) <= backoff.ceiling(0));
    /// ```
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = u64::try_from(self.ceiling(retry).as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=ceiling))
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}
