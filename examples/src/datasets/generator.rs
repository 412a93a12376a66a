//! A tiny seeded generator (SplitMix64) so that every run builds the same datasets.

/// Deterministic pseudo-random numbers: SplitMix64, enough to vary test data (not for
/// anything that needs real randomness).
///
/// ```
/// use wirewright_examples::datasets::Generator;
/// let mut a = Generator::new(7);
/// let mut b = Generator::new(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!(a.below(10) < 10);
/// ```
#[derive(Debug, Clone)]
pub struct Generator {
    state: u64,
}

impl Generator {
    /// A generator whose sequence is fixed by `seed`.
    ///
    /// ```
    /// let mut generator = wirewright_examples::datasets::Generator::new(1);
    /// assert_ne!(generator.next_u64(), generator.next_u64());
    /// ```
    pub fn new(seed: u64) -> Self {
        Generator { state: seed }
    }

    /// The next 64 pseudo-random bits.
    ///
    /// ```
    /// let mut generator = wirewright_examples::datasets::Generator::new(0);
    /// assert_eq!(generator.next_u64(), 0xe220_a839_7b1d_cdaf);
    /// ```
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`0` when `bound` is `0`).
    ///
    /// ```
    /// let mut generator = wirewright_examples::datasets::Generator::new(3);
    /// assert!((0..100).all(|_| generator.below(6) < 6));
    /// ```
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            return 0;
        }
        // Multiply-shift: unbiased enough for test data, and never divides.
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// A number in `low..=high`.
    ///
    /// ```
    /// let mut generator = wirewright_examples::datasets::Generator::new(3);
    /// assert!((0..100).all(|_| (5..=9).contains(&generator.between(5, 9))));
    /// ```
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }

    /// One element of `choices`.
    ///
    /// # Panics
    /// When `choices` is empty.
    ///
    /// ```
    /// let mut generator = wirewright_examples::datasets::Generator::new(3);
    /// assert_eq!(*generator.pick(&["only"]), "only");
    /// ```
    pub fn pick<'a, T>(&mut self, choices: &'a [T]) -> &'a T {
        &choices[self.below(choices.len() as u64) as usize]
    }

    /// A float in `low..high`.
    ///
    /// ```
    /// let mut generator = wirewright_examples::datasets::Generator::new(3);
    /// let value = generator.float(-1.0, 1.0);
    /// assert!((-1.0..1.0).contains(&value));
    /// ```
    pub fn float(&mut self, low: f32, high: f32) -> f32 {
        let unit = (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
        low + unit * (high - low)
    }

    /// Words from `words` joined by spaces until the text is at least `len` bytes long.
    ///
    /// ```
    /// let mut generator = wirewright_examples::datasets::Generator::new(3);
    /// let text = generator.sentence(&["a", "b"], 5);
    /// assert!(text.len() >= 5 && text.split(' ').all(|w| w == "a" || w == "b"));
    /// ```
    pub fn sentence(&mut self, words: &[&str], len: usize) -> String {
        let mut text = String::with_capacity(len + 12);
        while text.len() < len {
            if !text.is_empty() {
                text.push(' ');
            }
            let word: &&str = self.pick(words);
            text.push_str(word);
        }
        text
    }
}
