//! Counters a user can read while the transport runs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Counters shared by a codec, a connection, a server or a client: frames and bytes in
/// each direction, CRC failures, protocol errors, connections.
///
/// Every counter only grows, except the gauges [`connections_open`](Self::connections_open),
/// [`bytes_buffered_in`](Self::bytes_buffered_in) and
/// [`bytes_buffered_out`](Self::bytes_buffered_out). Reads
/// are relaxed atomic loads: each value is exact, but two values read one after the other
/// may come from slightly different moments. [`snapshot`](Self::snapshot) reads them all.
///
/// `Metrics` is a handle: cloning it is cheap (a reference count), and every clone reads
/// and counts the same counters.
///
/// ```
/// use wirewright::transport::{FrameCodec, Metrics};
///
/// let metrics = Metrics::new();
/// let codec = FrameCodec::<()>::new().with_metrics(metrics.clone());
/// assert!(codec.metrics().same_as(&metrics));
/// assert_eq!(metrics.snapshot().frames_in, 0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    counters: Arc<Counters>,
}

/// The counters a [`Metrics`] handle shares.
#[derive(Debug, Default)]
struct Counters {
    frames_in: AtomicU64,
    bytes_in: AtomicU64,
    frames_out: AtomicU64,
    bytes_out: AtomicU64,
    crc_failures: AtomicU64,
    protocol_errors: AtomicU64,
    bytes_scanned: AtomicU64,
    connections_open: AtomicU64,
    connections_peak: AtomicU64,
    connections_accepted: AtomicU64,
    connections_refused: AtomicU64,
    bytes_buffered_in: AtomicU64,
    bytes_buffered_out: AtomicU64,
    budget_waits: AtomicU64,
    control_flood_closes: AtomicU64,
    memory_budget_closes: AtomicU64,
    idle_evictions: AtomicU64,
    accept_errors: AtomicU64,
    hello_exchanges: AtomicU64,
    hello_rejections: AtomicU64,
}

/// The values of every [`Metrics`] counter at one moment.
///
/// ```
/// let snapshot = wirewright::transport::Metrics::new().snapshot();
/// assert_eq!(snapshot, Default::default());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// Complete frames received whose CRC matched (control frames included).
    pub frames_in: u64,
    /// Bytes of those frames.
    pub bytes_in: u64,
    /// Frames encoded for sending (control frames included).
    pub frames_out: u64,
    /// Bytes of those frames.
    pub bytes_out: u64,
    /// Frames whose CRC-32 did not match.
    pub crc_failures: u64,
    /// Connections closed because the peer broke the protocol (bad framing, bad CRC,
    /// undecodable payload, malformed control frame).
    pub protocol_errors: u64,
    /// Bytes the decoder examined: header bytes parsed plus bytes run through the CRC.
    /// Receiving a frame costs about its length here however the bytes are split.
    pub bytes_scanned: u64,
    /// Connections currently open.
    pub connections_open: u64,
    /// The most connections that were open at once.
    pub connections_peak: u64,
    /// Connections a server accepted (refused ones excluded).
    pub connections_accepted: u64,
    /// Connections a server refused: at its connection limit (or its per-address
    /// limit), or accepted while out of file descriptors.
    pub connections_refused: u64,
    /// Bytes received and held now: partial frames in read buffers and messages not
    /// yet taken by the application (what a server's memory budget counts).
    pub bytes_buffered_in: u64,
    /// Bytes queued for sending now (what the send budgets count).
    pub bytes_buffered_out: u64,
    /// Times a connection stopped reading, or a send waited, because a byte budget
    /// (send, receive or memory) was spent.
    pub budget_waits: u64,
    /// Connections closed because the peer sent control frames too fast (GOODBYE 6).
    pub control_flood_closes: u64,
    /// Connections closed because the memory budget stopped them too long (GOODBYE 7).
    pub memory_budget_closes: u64,
    /// Idle connections closed to make room for new ones (GOODBYE 8).
    pub idle_evictions: u64,
    /// `accept` calls that failed (out of file descriptors, say).
    pub accept_errors: u64,
    /// HELLO exchanges completed: both ends announced their schemas and judged them
    /// compatible (SPEC.md §13.6).
    pub hello_exchanges: u64,
    /// Connections refused over HELLO: incompatible schemas (GOODBYE 9), no HELLO where
    /// it is required (GOODBYE 10), a malformed HELLO (GOODBYE 4).
    pub hello_rejections: u64,
}

/// A getter for each counter, an adder for each counter that only grows (the others
/// change through `connection_opened` and `connection_closed`), and `snapshot`.
macro_rules! counters {
    (
        growing { $($(#[$doc:meta])* $name:ident, $add:ident;)* }
        gauges { $($(#[$gauge_doc:meta])* $gauge:ident;)* }
    ) => {
        $(
            $(#[$doc])*
            pub fn $name(&self) -> u64 {
                self.counters.$name.load(Ordering::Relaxed)
            }

            #[inline]
            pub(crate) fn $add(&self, n: u64) {
                self.counters.$name.fetch_add(n, Ordering::Relaxed);
            }
        )*
        $(
            $(#[$gauge_doc])*
            pub fn $gauge(&self) -> u64 {
                self.counters.$gauge.load(Ordering::Relaxed)
            }
        )*

        /// Reads every counter.
        ///
        /// ```
        /// let metrics = wirewright::transport::Metrics::new();
        /// assert_eq!(metrics.snapshot().bytes_in, metrics.bytes_in());
        /// ```
        pub fn snapshot(&self) -> MetricsSnapshot {
            MetricsSnapshot {
                $($name: self.$name(),)*
                $($gauge: self.$gauge(),)*
            }
        }
    };
}

impl From<Arc<Metrics>> for Metrics {
    /// The handle an `Arc<Metrics>` holds (what `with_metrics` took before `Metrics` was
    /// a handle).
    fn from(metrics: Arc<Metrics>) -> Self {
        Metrics::clone(&metrics)
    }
}

impl Metrics {
    /// Whether `self` and `other` are handles to the same counters.
    ///
    /// ```
    /// use wirewright::transport::Metrics;
    /// let metrics = Metrics::new();
    /// assert!(metrics.clone().same_as(&metrics));
    /// assert!(!Metrics::new().same_as(&metrics));
    /// ```
    pub fn same_as(&self, other: &Metrics) -> bool {
        Arc::ptr_eq(&self.counters, &other.counters)
    }

    /// All counters at zero.
    ///
    /// ```
    /// assert_eq!(wirewright::transport::Metrics::new().frames_out(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    counters! {
        growing {
            /// See [`MetricsSnapshot::frames_in`].
            frames_in, add_frames_in;
            /// See [`MetricsSnapshot::bytes_in`].
            bytes_in, add_bytes_in;
            /// See [`MetricsSnapshot::frames_out`].
            frames_out, add_frames_out;
            /// See [`MetricsSnapshot::bytes_out`].
            bytes_out, add_bytes_out;
            /// See [`MetricsSnapshot::crc_failures`].
            crc_failures, add_crc_failures;
            /// See [`MetricsSnapshot::protocol_errors`].
            protocol_errors, add_protocol_errors;
            /// See [`MetricsSnapshot::bytes_scanned`].
            bytes_scanned, add_bytes_scanned;
            /// See [`MetricsSnapshot::connections_accepted`].
            connections_accepted, add_connections_accepted;
            /// See [`MetricsSnapshot::connections_refused`].
            connections_refused, add_connections_refused;
            /// See [`MetricsSnapshot::budget_waits`].
            budget_waits, add_budget_waits;
            /// See [`MetricsSnapshot::control_flood_closes`].
            control_flood_closes, add_control_flood_closes;
            /// See [`MetricsSnapshot::memory_budget_closes`].
            memory_budget_closes, add_memory_budget_closes;
            /// See [`MetricsSnapshot::idle_evictions`].
            idle_evictions, add_idle_evictions;
            /// See [`MetricsSnapshot::accept_errors`].
            accept_errors, add_accept_errors;
            /// See [`MetricsSnapshot::hello_exchanges`].
            hello_exchanges, add_hello_exchanges;
            /// See [`MetricsSnapshot::hello_rejections`].
            hello_rejections, add_hello_rejections;
        }
        gauges {
            /// See [`MetricsSnapshot::connections_open`].
            connections_open;
            /// See [`MetricsSnapshot::connections_peak`].
            connections_peak;
            /// See [`MetricsSnapshot::bytes_buffered_in`].
            bytes_buffered_in;
            /// See [`MetricsSnapshot::bytes_buffered_out`].
            bytes_buffered_out;
        }
    }

    #[inline]
    pub(crate) fn add_bytes_buffered_in(&self, n: u64) {
        self.counters
            .bytes_buffered_in
            .fetch_add(n, Ordering::Relaxed);
    }

    /// Returns the value before.
    #[inline]
    pub(crate) fn sub_bytes_buffered_in(&self, n: u64) -> u64 {
        self.counters
            .bytes_buffered_in
            .fetch_sub(n, Ordering::Relaxed)
    }

    #[inline]
    pub(crate) fn add_bytes_buffered_out(&self, n: u64) {
        self.counters
            .bytes_buffered_out
            .fetch_add(n, Ordering::Relaxed);
    }

    /// Returns the value before.
    #[inline]
    pub(crate) fn sub_bytes_buffered_out(&self, n: u64) -> u64 {
        self.counters
            .bytes_buffered_out
            .fetch_sub(n, Ordering::Relaxed)
    }

    pub(crate) fn connection_opened(&self) {
        let open = self
            .counters
            .connections_open
            .fetch_add(1, Ordering::Relaxed)
            + 1;
        self.counters
            .connections_peak
            .fetch_max(open, Ordering::Relaxed);
    }

    pub(crate) fn connection_closed(&self) {
        self.counters
            .connections_open
            .fetch_sub(1, Ordering::Relaxed);
    }
}
