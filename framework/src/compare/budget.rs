//! How long a comparison spends timing each operation, and the timing loop itself.

use std::time::{Duration, Instant};

/// The time a comparison spends on each (format, operation) pair: `rounds` rounds of at
/// least `round_time` each. A round runs whole passes over the sample until its time is
/// up; the result is the fastest round's time per message, the one least disturbed by
/// other work on the machine.
///
/// ```
/// use std::time::Duration;
/// use wirewright::compare::Budget;
///
/// let quick = Budget::new(Duration::from_millis(5), 3);
/// assert_eq!(quick.round_time(), Duration::from_millis(5));
/// assert_eq!(quick.rounds(), 3);
/// assert_eq!(Budget::default().rounds(), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    round_time: Duration,
    rounds: u32,
}

impl Budget {
    /// `rounds` rounds (at least one) of at least `round_time` each.
    ///
    /// ```
    /// use std::time::Duration;
    /// let budget = wirewright::compare::Budget::new(Duration::ZERO, 0);
    /// assert_eq!(budget.rounds(), 1); // one round of one pass at least
    /// ```
    pub const fn new(round_time: Duration, rounds: u32) -> Self {
        Budget {
            round_time,
            rounds: if rounds == 0 { 1 } else { rounds },
        }
    }

    /// The shortest time of one round.
    ///
    /// ```
    /// use std::time::Duration;
    /// assert_eq!(wirewright::compare::Budget::default().round_time(), Duration::from_millis(40));
    /// ```
    pub const fn round_time(&self) -> Duration {
        self.round_time
    }

    /// How many rounds are timed.
    ///
    /// ```
    /// assert_eq!(wirewright::compare::Budget::default().rounds(), 5);
    /// ```
    pub const fn rounds(&self) -> u32 {
        self.rounds
    }

    /// Nanoseconds per item of the fastest round of `pass`, which processes `items` items
    /// each time it is called. One untimed pass warms caches and the allocator first.
    pub(crate) fn nanos_per_item(&self, items: usize, mut pass: impl FnMut()) -> f64 {
        pass();
        let mut best = f64::INFINITY;
        for _ in 0..self.rounds {
            let start = Instant::now();
            let mut passes = 0u64;
            loop {
                pass();
                passes += 1;
                if start.elapsed() >= self.round_time {
                    break;
                }
            }
            let nanos = start.elapsed().as_nanos() as f64;
            best = best.min(nanos / (passes as f64 * items.max(1) as f64));
        }
        best
    }
}

/// 40 ms rounds, five of them: 200 ms per format and operation.
impl Default for Budget {
    fn default() -> Self {
        Budget::new(Duration::from_millis(40), 5)
    }
}
