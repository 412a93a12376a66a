//! Control frames in and out: at most one PONG waiting to be sent (for the latest PING,
//! as h2's `PingPong`), this side's own heartbeat PING, and the peer's control-frame
//! rate (SPEC.md §7).
//!
//! A PONG that waits keeps the connection from reading further frames, so a peer that
//! sends PINGs and never reads makes the connection stop reading, not queue PONGs.

use std::time::Duration;

use tokio::time::Instant;

use super::Control;

/// The PONG and PING slots and the control-frame rate.
#[derive(Debug)]
pub(crate) struct PingPong {
    /// The nonce of the latest PING not yet answered.
    pong: Option<u64>,
    /// This side's heartbeat PING, not yet written.
    ping: Option<u64>,
    rate: ControlRate,
}

/// The peer sent too many control frames in one second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flood {
    pub(crate) limit: u32,
}

impl PingPong {
    pub(crate) fn new(max_per_second: u32, now: Instant) -> Self {
        PingPong {
            pong: None,
            ping: None,
            rate: ControlRate {
                limit: max_per_second,
                count: 0,
                window_start: now,
            },
        }
    }

    /// A PING arrived: answer it (a PONG not yet written is replaced: the latest nonce
    /// answers for the earlier ones).
    pub(crate) fn ping_received(&mut self, nonce: u64) -> Result<(), Flood> {
        self.pong = Some(nonce);
        self.rate.count_one()
    }

    /// A PONG arrived (answered or unsolicited: either way it counts toward the rate).
    pub(crate) fn pong_received(&mut self) -> Result<(), Flood> {
        self.rate.count_one()
    }

    /// A PONG waits to be written: the connection reads nothing more until it is.
    pub(crate) fn pong_waiting(&self) -> bool {
        self.pong.is_some()
    }

    /// Queues this side's heartbeat PING.
    pub(crate) fn send_ping(&mut self, nonce: u64) {
        self.ping = Some(nonce);
    }

    /// Whether a PONG or PING waits to be written.
    pub(crate) fn has_next(&self) -> bool {
        self.pong.is_some() || self.ping.is_some()
    }

    /// The next control frame to write (the PONG first), if any.
    pub(crate) fn take_next(&mut self) -> Option<Control> {
        if let Some(nonce) = self.pong.take() {
            return Some(Control::Pong { nonce });
        }
        self.ping.take().map(|nonce| Control::Ping { nonce })
    }

    /// Forgets what was to be written (the connection closes at once).
    pub(crate) fn clear(&mut self) {
        self.pong = None;
        self.ping = None;
    }
}

/// Counts the peer's PING and PONG frames in windows of one second, reading the clock
/// once per `limit` frames.
#[derive(Debug)]
struct ControlRate {
    limit: u32,
    count: u32,
    window_start: Instant,
}

impl ControlRate {
    const WINDOW: Duration = Duration::from_secs(1);

    fn count_one(&mut self) -> Result<(), Flood> {
        self.count += 1;
        if self.count < self.limit {
            return Ok(());
        }
        let now = Instant::now();
        if now.duration_since(self.window_start) < Self::WINDOW {
            return Err(Flood { limit: self.limit });
        }
        self.window_start = now;
        self.count = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_ping_burst_leaves_one_pong_for_the_latest_nonce() {
        let mut pingpong = PingPong::new(1000, Instant::now());
        for nonce in 1..=10 {
            pingpong.ping_received(nonce).expect("under the rate");
        }
        assert_eq!(pingpong.take_next(), Some(Control::Pong { nonce: 10 }));
        assert_eq!(pingpong.take_next(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn the_limit_within_one_second_is_a_flood_and_spread_out_is_not() {
        let mut pingpong = PingPong::new(3, Instant::now());
        pingpong.pong_received().expect("1");
        pingpong.pong_received().expect("2");
        assert_eq!(pingpong.pong_received(), Err(Flood { limit: 3 }));

        let mut spread = PingPong::new(3, Instant::now());
        for _ in 0..10 {
            tokio::time::advance(Duration::from_millis(400)).await;
            spread
                .ping_received(1)
                .expect("3 per 1.2 s is under the rate");
        }
    }
}
