//! Saying no: refusing a connection cleanly (GOODBYE 5, bounded linger, a cap on
//! refusals in flight), surviving `EMFILE`, fitting the connection limit to the
//! open-file limit, and logging what peers cause without flooding the log.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::{Control, Goodbye, GoodbyeReason};

/// The bytes of a GOODBYE 5 frame with `message`.
pub(crate) fn refusal_frame(message: &str) -> Vec<u8> {
    let mut frame = Vec::new();
    Control::Goodbye(Goodbye::new(GoodbyeReason::ConnectionLimit, message)).write(&mut frame);
    frame
}

/// Refused connections lingering now, against a cap.
#[derive(Debug, Clone)]
pub(crate) struct Refusals {
    in_flight: Arc<AtomicUsize>,
    max: usize,
}

/// One lingering refusal; the count drops with it.
#[derive(Debug)]
pub(crate) struct RefusalSlot(Arc<AtomicUsize>);

impl Drop for RefusalSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Refusals {
    pub(crate) fn new(max: usize) -> Self {
        Refusals {
            in_flight: Arc::new(AtomicUsize::new(0)),
            max,
        }
    }

    /// A slot to linger in, unless the cap is reached.
    pub(crate) fn try_slot(&self) -> Option<RefusalSlot> {
        let mut current = self.in_flight.load(Ordering::Relaxed);
        loop {
            if current >= self.max {
                return None;
            }
            match self.in_flight.compare_exchange_weak(
                current,
                current + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(RefusalSlot(Arc::clone(&self.in_flight))),
                Err(actual) => current = actual,
            }
        }
    }
}

/// Writes the GOODBYE without waiting (the socket buffer of a new connection has room)
/// and closes: for refusals beyond the cap, and while out of file descriptors.
pub(crate) fn refuse_now(stream: TcpStream, frame: &[u8]) {
    let _ = stream.try_write(frame);
    drop(stream);
}

/// A clean refusal: GOODBYE, shut down the write side, then read until the peer closes
/// so that the GOODBYE is not lost to a reset; all within `linger`.
pub(crate) async fn refuse(
    mut stream: TcpStream,
    frame: Vec<u8>,
    linger: Duration,
    _slot: RefusalSlot,
) {
    let _ = tokio::time::timeout(linger, async {
        stream.write_all(&frame).await?;
        stream.shutdown().await?;
        let mut scratch = [0u8; 512];
        while stream.read(&mut scratch).await? > 0 {}
        Ok::<_, io::Error>(())
    })
    .await;
}

/// Whether an accept error means the process or system is out of file descriptors.
pub(crate) fn is_out_of_files(error: &io::Error) -> bool {
    // EMFILE (24) and ENFILE (23) on Linux and the BSDs.
    cfg!(unix) && matches!(error.raw_os_error(), Some(23 | 24))
}

/// A file descriptor kept in reserve: given up to accept (and refuse) one connection
/// while the process is out of descriptors, then taken again.
#[derive(Debug)]
pub(crate) struct SpareFd(Option<std::fs::File>);

impl SpareFd {
    pub(crate) fn new() -> Self {
        SpareFd(Self::open())
    }

    fn open() -> Option<std::fs::File> {
        std::fs::File::open(if cfg!(windows) { "NUL" } else { "/dev/null" }).ok()
    }

    /// Gives the descriptor up; true if there was one.
    pub(crate) fn release(&mut self) -> bool {
        self.0.take().is_some()
    }

    /// Takes a descriptor again (if one is free).
    pub(crate) fn restore(&mut self) {
        if self.0.is_none() {
            self.0 = Self::open();
        }
    }
}

/// At most one WARN per interval for a kind of event, with the count of those not
/// logged; the rest go to debug level.
#[derive(Debug)]
pub(crate) struct Throttle {
    interval: Duration,
    last: Option<Instant>,
    suppressed: u64,
}

impl Throttle {
    pub(crate) fn per_second() -> Self {
        Throttle {
            interval: Duration::from_secs(1),
            last: None,
            suppressed: 0,
        }
    }

    /// `Some(events since the last WARN)` when this event may be logged at WARN.
    pub(crate) fn allow(&mut self) -> Option<u64> {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|last| now.duration_since(last) < self.interval)
        {
            self.suppressed += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.suppressed) + 1)
    }
}

/// How long the accept loop pauses after an error that is not the peer's: 10 ms,
/// doubling to 1 s while errors repeat.
#[derive(Debug)]
pub(crate) struct AcceptBackoff {
    delay: Duration,
    pub(crate) log: Throttle,
}

impl Default for AcceptBackoff {
    fn default() -> Self {
        AcceptBackoff {
            delay: Self::FIRST,
            log: Throttle::per_second(),
        }
    }
}

impl AcceptBackoff {
    const FIRST: Duration = Duration::from_millis(10);
    const MAX: Duration = Duration::from_secs(1);

    pub(crate) fn next_delay(&mut self) -> Duration {
        let delay = self.delay;
        self.delay = (self.delay * 2).min(Self::MAX);
        delay
    }

    pub(crate) fn reset(&mut self) {
        self.delay = Self::FIRST;
    }
}

/// Descriptors kept for the listener, logs, files and the spare.
const FD_RESERVE: u64 = 32;

/// Fits `max_connections` (plus `refusals` lingering refusals) to the open-file limit:
/// raises the soft limit toward the hard limit where needed and allowed, else returns a
/// lower effective limit (logged once).
pub(crate) fn fit_to_fd_limit(max_connections: usize, refusals: usize) -> usize {
    #[cfg(unix)]
    {
        use rlimit::Resource;
        let extra = FD_RESERVE + refusals as u64;
        let needed = (max_connections as u64).saturating_add(extra);
        let Ok((soft, hard)) = rlimit::getrlimit(Resource::NOFILE) else {
            return max_connections;
        };
        if soft >= needed {
            return max_connections;
        }
        let target = needed.min(hard);
        if target > soft && rlimit::setrlimit(Resource::NOFILE, target, hard).is_ok() {
            tracing::info!(from = soft, to = target, "raised the open-file limit");
        }
        let soft = rlimit::getrlimit(Resource::NOFILE).map_or(soft, |(soft, _)| soft);
        if soft >= needed {
            return max_connections;
        }
        let effective = usize::try_from(soft.saturating_sub(extra).max(1)).unwrap_or(usize::MAX);
        tracing::warn!(
            max_connections,
            effective,
            open_file_limit = soft,
            "the open-file limit is too low for max_connections: serving fewer connections"
        );
        effective
    }
    #[cfg(not(unix))]
    {
        let _ = refusals;
        max_connections
    }
}
