//! Log output of the example programs: to stderr, with warnings rate-limited.
//!
//! Many warnings are caused by peers (a protocol error, a member who falls behind); a
//! hostile peer must not be able to flood the log. So every warning (and error) site
//! logs at most once per second; when it logs again, a line first says how many of its
//! events were suppressed meanwhile. [`RateLimit`] does the same for one site explicitly,
//! passing the count to the event.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tracing::callsite::Identifier;
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata};
use tracing_subscriber::layer::{Context, Filter, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// How often one warning site may log.
const WARN_INTERVAL: Duration = Duration::from_secs(1);

/// Prints tracing events to stderr, filtered by `RUST_LOG` when it is set and by
/// `default` (e.g. `"info"`) otherwise, at most one warning per second per site. Call it
/// once, at the start of `main`.
///
/// ```
/// wirewright_examples::logging::init("warn");
/// ```
pub fn init(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter)
        .with_filter(WarnRateLimit::default());
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// At most one event per second, counting the ones in between.
///
/// ```
/// use wirewright_examples::logging::RateLimit;
/// let limit = RateLimit::default();
/// let mut logged = Vec::new();
/// for _ in 0..5 {
///     limit.warn(|suppressed| logged.push(suppressed));
/// }
/// assert_eq!(logged, [0]); // the first one; the next, a second later, would say 4
/// ```
#[derive(Debug, Default)]
pub struct RateLimit {
    state: Mutex<Window>,
}

/// When a site last logged, and how many of its events were suppressed since.
#[derive(Debug, Default, Clone, Copy)]
struct Window {
    last: Option<Instant>,
    suppressed: u64,
}

impl Window {
    /// Whether an event may be logged now; if so, how many were suppressed before it.
    fn admit(&mut self, now: Instant) -> Option<u64> {
        match self.last {
            Some(last) if now.duration_since(last) < WARN_INTERVAL => {
                self.suppressed += 1;
                None
            }
            _ => {
                self.last = Some(now);
                Some(std::mem::take(&mut self.suppressed))
            }
        }
    }
}

impl RateLimit {
    /// Calls `log` with the number of events suppressed since the last one, unless an
    /// event was logged less than a second ago (then counts this one).
    pub fn warn(&self, log: impl FnOnce(u64)) {
        let admitted = self
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .admit(Instant::now());
        if let Some(suppressed) = admitted {
            log(suppressed);
        }
    }
}

/// The per-site rate limit of [`init`]: warnings and errors only.
#[derive(Debug, Default)]
struct WarnRateLimit {
    sites: Mutex<HashMap<Identifier, Window>>,
}

impl<S> Filter<S> for WarnRateLimit {
    fn enabled(&self, _meta: &Metadata<'_>, _cx: &Context<'_, S>) -> bool {
        true
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        if meta.is_event() && *meta.level() <= Level::WARN {
            Interest::sometimes() // decided per event, in `event_enabled`
        } else {
            Interest::always()
        }
    }

    fn event_enabled(&self, event: &Event<'_>, _cx: &Context<'_, S>) -> bool {
        let meta = event.metadata();
        if *meta.level() > Level::WARN {
            return true;
        }
        let admitted = self
            .sites
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(meta.callsite())
            .or_default()
            .admit(Instant::now());
        match admitted {
            None => false,
            Some(0) => true,
            Some(suppressed) => {
                eprintln!(
                    "({suppressed} more \"{}\" events at {} were suppressed in the last second or more)",
                    meta.name(),
                    meta.target()
                );
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::io;
    use std::sync::Arc;

    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

    /// Log output, kept in memory.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Captured {
            self.clone()
        }
    }

    #[test]
    fn a_warning_site_logs_once_per_second_and_other_levels_are_untouched() {
        let captured = Captured::default();
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(captured.clone())
            .with_filter(tracing_subscriber::EnvFilter::new("info"))
            .with_filter(WarnRateLimit::default());
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            for n in 0..100 {
                tracing::warn!(n, "a peer misbehaved");
                tracing::info!(n, "a normal event");
                tracing::debug!(n, "below the level");
            }
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.matches("a peer misbehaved").count(), 1, "{text}");
        assert_eq!(text.matches("a normal event").count(), 100);
        assert_eq!(text.matches("below the level").count(), 0);
    }
}
