//! Settings of one connection.

use std::time::Duration;

use crate::Limits;

use super::MAX_BUDGET;

/// Settings of one connection: limits, timeouts, heartbeats, queue sizes.
///
/// | setting | default | meaning |
/// |---|---|---|
/// | [`limits`](Self::limits) | [`Limits::default`] (8 MiB frames) | what the decoder accepts; larger messages are not sent |
/// | [`idle_timeout`](Self::idle_timeout) | 60 s | close (GOODBYE 2) when no complete frame arrives for this long: a silent peer, or one stuck in the middle of a frame |
/// | [`heartbeat_interval`](Self::heartbeat_interval) | 10 s | send a PING after an interval in which nothing else was sent |
/// | [`missed_heartbeats`](Self::missed_heartbeats) | 3 | close (GOODBYE 3) when this many PINGs in a row are unanswered at the next tick |
/// | [`goodbye_timeout`](Self::goodbye_timeout) | 5 s | the longest the closing handshake may take: the wait for the peer's GOODBYE, or for this side's application to finish its replies (SPEC.md §7) |
/// | [`linger_timeout`](Self::linger_timeout) | 1 s | after the handshake (or a forced close): the final flush and the wait for the peer's end of stream |
/// | [`send_queue`](Self::send_queue) | 128 | messages queued for sending before `send` waits |
/// | [`send_budget`](Self::send_budget) | 1 MiB | bytes (encoded frames) queued for sending before `send` waits |
/// | [`receive_queue`](Self::receive_queue) | 128 | messages received but not yet taken before the connection stops reading |
/// | [`receive_budget`](Self::receive_budget) | 1 MiB | bytes (whole frames) received but not yet taken before the connection stops reading |
/// | [`max_control_frames_per_second`](Self::max_control_frames_per_second) | 1,000 | PING and PONG frames a peer may send per second before it is closed (GOODBYE 6) |
///
/// A message larger than a byte budget still passes, alone: it takes the whole budget.
/// During a server's graceful shutdown every deadline is also capped by what remains of
/// [`ServerConfig::shutdown_grace`](super::ServerConfig::shutdown_grace).
///
/// ```
/// use std::time::Duration;
/// use wirewright::transport::ConnectionConfig;
/// use wirewright::Limits;
///
/// let defaults = ConnectionConfig::default();
/// assert_eq!(defaults, ConnectionConfig::new());
/// assert_eq!(defaults.limits(), &Limits::default());
/// assert_eq!(defaults.idle_timeout(), Some(Duration::from_secs(60)));
/// assert_eq!(defaults.heartbeat_interval(), Some(Duration::from_secs(10)));
/// assert_eq!(defaults.missed_heartbeats(), 3);
/// assert_eq!(defaults.goodbye_timeout(), Duration::from_secs(5));
/// assert_eq!(defaults.linger_timeout(), Duration::from_secs(1));
/// assert_eq!((defaults.send_queue(), defaults.send_budget()), (128, 1 << 20));
/// assert_eq!((defaults.receive_queue(), defaults.receive_budget()), (128, 1 << 20));
/// assert_eq!(defaults.max_control_frames_per_second(), 1000);
///
/// let config = ConnectionConfig::new()
///     .with_limits(Limits::new().with_max_frame_len(4096))
///     .with_idle_timeout(Some(Duration::from_secs(30)))
///     .with_heartbeat_interval(None) // no heartbeats
///     .with_missed_heartbeats(5)
///     .with_goodbye_timeout(Duration::from_millis(500))
///     .with_linger_timeout(Duration::from_millis(100))
///     .with_send_queue(16)
///     .with_send_budget(64 << 10)
///     .with_receive_queue(32)
///     .with_receive_budget(4096)
///     .with_max_control_frames_per_second(100);
/// assert_eq!(config.limits().max_frame_len(), 4096);
/// assert_eq!(config.idle_timeout(), Some(Duration::from_secs(30)));
/// assert_eq!(config.heartbeat_interval(), None);
/// assert_eq!(config.missed_heartbeats(), 5);
/// assert_eq!(config.goodbye_timeout(), Duration::from_millis(500));
/// assert_eq!(config.linger_timeout(), Duration::from_millis(100));
/// assert_eq!((config.send_queue(), config.send_budget()), (16, 64 << 10));
/// assert_eq!((config.receive_queue(), config.receive_budget()), (32, 4096));
/// assert_eq!(config.max_control_frames_per_second(), 100);
///
/// // Counts of 0 would stop the connection: they become 1.
/// let zeros = ConnectionConfig::new().with_missed_heartbeats(0).with_send_queue(0).with_receive_queue(0);
/// assert_eq!((zeros.missed_heartbeats(), zeros.send_queue(), zeros.receive_queue()), (1, 1, 1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionConfig {
    limits: Limits,
    idle_timeout: Option<Duration>,
    heartbeat_interval: Option<Duration>,
    missed_heartbeats: u32,
    goodbye_timeout: Duration,
    linger_timeout: Duration,
    send_queue: usize,
    send_budget: usize,
    receive_queue: usize,
    receive_budget: usize,
    max_control_frames_per_second: u32,
}

impl ConnectionConfig {
    /// The defaults in the table above.
    pub fn new() -> Self {
        ConnectionConfig {
            limits: Limits::default(),
            idle_timeout: Some(Duration::from_secs(60)),
            heartbeat_interval: Some(Duration::from_secs(10)),
            missed_heartbeats: 3,
            goodbye_timeout: Duration::from_secs(5),
            linger_timeout: Duration::from_secs(1),
            send_queue: 128,
            send_budget: 1 << 20,
            receive_queue: 128,
            receive_budget: 1 << 20,
            max_control_frames_per_second: 1000,
        }
    }

    /// The decoder's limits; also the largest message `send` accepts.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Sets [`limits`](Self::limits).
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// How long the connection waits for a complete frame before closing it with
    /// GOODBYE reason 2; `None` waits forever.
    pub fn idle_timeout(&self) -> Option<Duration> {
        self.idle_timeout
    }

    /// Sets [`idle_timeout`](Self::idle_timeout).
    #[must_use]
    pub fn with_idle_timeout(mut self, idle_timeout: Option<Duration>) -> Self {
        self.idle_timeout = idle_timeout;
        self
    }

    /// How often to check on the peer: after an interval in which the connection sent
    /// nothing, it sends a PING; `None` sends no heartbeats (PINGs are still answered).
    pub fn heartbeat_interval(&self) -> Option<Duration> {
        self.heartbeat_interval
    }

    /// Sets [`heartbeat_interval`](Self::heartbeat_interval).
    #[must_use]
    pub fn with_heartbeat_interval(mut self, heartbeat_interval: Option<Duration>) -> Self {
        self.heartbeat_interval = heartbeat_interval;
        self
    }

    /// How many PINGs in a row may go unanswered: at the first heartbeat tick that finds
    /// this many outstanding, the connection closes with GOODBYE reason 3. With the
    /// defaults a dead peer is detected after about 40 s.
    pub fn missed_heartbeats(&self) -> u32 {
        self.missed_heartbeats
    }

    /// Sets [`missed_heartbeats`](Self::missed_heartbeats) (at least 1).
    #[must_use]
    pub fn with_missed_heartbeats(mut self, missed_heartbeats: u32) -> Self {
        self.missed_heartbeats = missed_heartbeats.max(1);
        self
    }

    /// The longest the closing handshake may take (SPEC.md §7): the side that said
    /// GOODBYE first waits this long for the peer's answering GOODBYE; the side that
    /// received it waits this long for its application to finish the replies to what it
    /// read (every sending handle dropped, or the receiving half dropped with nothing
    /// queued, or [`Connection::close`](crate::transport::Connection::close)). Then the connection
    /// closes with [`ConnectionError::CloseTimeout`](crate::transport::ConnectionError::CloseTimeout).
    /// A server that shuts down gives exchanges in progress its whole
    /// [`ServerConfig::shutdown_grace`](super::ServerConfig::shutdown_grace) instead.
    pub fn goodbye_timeout(&self) -> Duration {
        self.goodbye_timeout
    }

    /// Sets [`goodbye_timeout`](Self::goodbye_timeout).
    #[must_use]
    pub fn with_goodbye_timeout(mut self, goodbye_timeout: Duration) -> Self {
        self.goodbye_timeout = goodbye_timeout;
        self
    }

    /// The longest the last steps of a close may take: flushing the final frames,
    /// shutting the write side down and reading (and discarding) until the peer's end of
    /// stream, so that the GOODBYE is not destroyed by a reset.
    pub fn linger_timeout(&self) -> Duration {
        self.linger_timeout
    }

    /// Sets [`linger_timeout`](Self::linger_timeout).
    #[must_use]
    pub fn with_linger_timeout(mut self, linger_timeout: Duration) -> Self {
        self.linger_timeout = linger_timeout;
        self
    }

    /// Bytes (encoded frames) that may wait to be sent; `send` waits while the budget is
    /// spent, and `try_send` fails with [`ConnectionError::QueueFull`](crate::transport::ConnectionError::QueueFull).
    /// A message larger than the budget waits until nothing else is queued, then takes
    /// the whole budget.
    pub fn send_budget(&self) -> usize {
        self.send_budget
    }

    /// Sets [`send_budget`](Self::send_budget) (at least 1).
    #[must_use]
    pub fn with_send_budget(mut self, send_budget: usize) -> Self {
        self.send_budget = send_budget.clamp(1, MAX_BUDGET);
        self
    }

    /// Bytes (whole frames) received but not yet taken by the application; when the
    /// next message does not fit, the connection stops reading. A message larger than
    /// the budget is delivered when nothing else is waiting.
    pub fn receive_budget(&self) -> usize {
        self.receive_budget
    }

    /// Sets [`receive_budget`](Self::receive_budget) (at least 1).
    #[must_use]
    pub fn with_receive_budget(mut self, receive_budget: usize) -> Self {
        self.receive_budget = receive_budget.clamp(1, MAX_BUDGET);
        self
    }

    /// How many PING and PONG frames the peer may send per second: a peer that sends
    /// this many in less than a second is closed with GOODBYE reason 6 (control flood).
    pub fn max_control_frames_per_second(&self) -> u32 {
        self.max_control_frames_per_second
    }

    /// Sets [`max_control_frames_per_second`](Self::max_control_frames_per_second) (at
    /// least 1).
    #[must_use]
    pub fn with_max_control_frames_per_second(mut self, max: u32) -> Self {
        self.max_control_frames_per_second = max.max(1);
        self
    }

    /// How many messages may wait to be sent; `send` waits when the queue is full.
    pub fn send_queue(&self) -> usize {
        self.send_queue
    }

    /// Sets [`send_queue`](Self::send_queue) (at least 1).
    #[must_use]
    pub fn with_send_queue(mut self, send_queue: usize) -> Self {
        self.send_queue = send_queue.max(1);
        self
    }

    /// How many received messages may wait to be taken; when the queue is full the
    /// connection stops reading (backpressure reaches the peer through TCP).
    pub fn receive_queue(&self) -> usize {
        self.receive_queue
    }

    /// Sets [`receive_queue`](Self::receive_queue) (at least 1).
    #[must_use]
    pub fn with_receive_queue(mut self, receive_queue: usize) -> Self {
        self.receive_queue = receive_queue.max(1);
        self
    }
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        Self::new()
    }
}
