//! The limits a decoder enforces on untrusted input (SPEC.md §6).

/// Limits that keep a decoder's memory and work proportional to the bytes it received.
///
/// ```
/// use wirewright::Limits;
///
/// let defaults = Limits::default();
/// assert_eq!(defaults, Limits::new());
/// assert_eq!(defaults.max_frame_len(), Limits::DEFAULT_MAX_FRAME_LEN); // 8 MiB
/// assert_eq!(defaults.max_depth(), Limits::DEFAULT_MAX_DEPTH); // 128
/// assert_eq!(defaults.max_zero_sized_len(), Limits::DEFAULT_MAX_ZERO_SIZED_LEN); // 65,536
///
/// let limits = Limits::default()
///     .with_max_frame_len(64 * 1024)
///     .with_max_depth(16)
///     .with_max_zero_sized_len(100);
/// assert_eq!(limits.max_frame_len(), 65_536);
/// assert_eq!(limits.max_depth(), 16);
/// assert_eq!(limits.max_zero_sized_len(), 100);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    max_frame_len: u32,
    max_depth: u32,
    max_zero_sized_len: usize,
}

impl Limits {
    /// Default largest payload a frame may declare: 8 MiB.
    pub const DEFAULT_MAX_FRAME_LEN: u32 = 8 * 1024 * 1024;
    /// Default deepest nesting of derived types, boxes and collections: 128.
    pub const DEFAULT_MAX_DEPTH: u32 = 128;
    /// Default largest count of a collection whose elements encode to zero bytes: 65,536.
    pub const DEFAULT_MAX_ZERO_SIZED_LEN: usize = 65_536;

    /// The default limits.
    pub const fn new() -> Self {
        Limits {
            max_frame_len: Self::DEFAULT_MAX_FRAME_LEN,
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_zero_sized_len: Self::DEFAULT_MAX_ZERO_SIZED_LEN,
        }
    }

    /// The largest payload length a frame header may declare. A longer one is rejected
    /// from the header alone, before any payload byte is read or any memory reserved.
    pub const fn max_frame_len(&self) -> u32 {
        self.max_frame_len
    }

    /// Sets [`max_frame_len`](Self::max_frame_len).
    #[must_use]
    pub const fn with_max_frame_len(mut self, max_frame_len: u32) -> Self {
        self.max_frame_len = max_frame_len;
        self
    }

    /// How deep values may nest: each derived struct or enum, `Box`, `Rc`, `Arc` and
    /// collection (sequence, map, set) level counts one; these are the only ways a type can
    /// recurse. Deeper input is an error, never a stack overflow.
    pub const fn max_depth(&self) -> u32 {
        self.max_depth
    }

    /// Sets [`max_depth`](Self::max_depth).
    #[must_use]
    pub const fn with_max_depth(mut self, max_depth: u32) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// The largest count a collection of zero-sized elements (such as `Vec<()>`) may
    /// declare. Such elements take no bytes, so the input cannot bound their count; this
    /// limit bounds the decoder's work instead.
    pub const fn max_zero_sized_len(&self) -> usize {
        self.max_zero_sized_len
    }

    /// Sets [`max_zero_sized_len`](Self::max_zero_sized_len).
    #[must_use]
    pub const fn with_max_zero_sized_len(mut self, max_zero_sized_len: usize) -> Self {
        self.max_zero_sized_len = max_zero_sized_len;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::new()
    }
}
