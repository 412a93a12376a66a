//! How long a comparison spends timing each operation, and the timing loop itself.

use std::time::{Duration, Instant};

/// The time a comparison spends on each (format, operation) pair: `rounds` rounds of at
/// least `round_time` each. A round runs whole passes over the sample until its time is
/// up; the formats take turns round by round, so that a burst of other work on the
/// machine falls on all of them; the result is each one's fastest round, the one least
/// disturbed.
///
/// ```
/// use std::time::Duration;
/// use wirewright_compare::Budget;
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
    /// let budget = wirewright_compare::Budget::new(Duration::ZERO, 0);
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
    /// assert_eq!(wirewright_compare::Budget::default().round_time(), Duration::from_millis(40));
    /// ```
    pub const fn round_time(&self) -> Duration {
        self.round_time
    }

    /// How many rounds are timed.
    ///
    /// ```
    /// assert_eq!(wirewright_compare::Budget::default().rounds(), 5);
    /// ```
    pub const fn rounds(&self) -> u32 {
        self.rounds
    }

    /// Nanoseconds per item of one round of `pass`, which processes `items` items each
    /// time it is called: whole passes until the round's time is up.
    pub(crate) fn time_round(&self, items: usize, mut pass: impl FnMut()) -> f64 {
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
        nanos / (passes as f64 * items.max(1) as f64)
    }
}

/// 40 ms rounds, five of them: 200 ms per format and operation.
impl Default for Budget {
    fn default() -> Self {
        Budget::new(Duration::from_millis(40), 5)
    }
}
