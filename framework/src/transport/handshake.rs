//! The HELLO exchange (SPEC.md §13.6) on a fresh stream, before the connection's driver
//! starts: one round trip at connect, nothing per message afterwards.
//!
//! ```text
//!   client                                   server (optional or required)
//!   ── HELLO ───────────────────────────────►  reads the first frame (hello timeout)
//!   ◄─────────────────────────────── HELLO ──  judges; incompatible: GOODBYE 9, close
//!   judges; incompatible: GOODBYE 9, close     not a HELLO: goes on (optional) or
//!   ── messages ... (the driver) ───────────►  GOODBYE 10, close (required)
//! ```
//!
//! The bytes read past the HELLO (or the first frame, when it is not a HELLO) are handed
//! to the driver through [`Prefixed`], so nothing the peer sent is lost. What is read here
//! is bounded by [`Hello::MAX_FRAME_LEN`] (64 KiB) per connection: reads stop at the end
//! of the first frame. On a server the bytes read count in the memory budget
//! ([`ServerConfig::memory_budget`](super::ServerConfig::memory_budget), the
//! `bytes_buffered_in` gauge) from the moment they arrive until the exchange ends, parsing
//! and judging the schema text included; when the budget is spent, an exchange holding
//! [`MemoryBudget::FLOOR`] or more stops reading until bytes are given back (or its hello
//! timeout passes), as a connection's reader does.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use std::sync::Arc;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::time::{timeout_at, Instant};

use crate::Limits;

use super::budget::{MemoryBudget, MemoryWait};
use super::hello::{FirstFrame, LocalHello};
use super::{Control, Goodbye, GoodbyeReason, HelloError, HelloMode, PeerHello};

/// The most the exchange reads at once while a frame is incomplete.
const READ_CHUNK: usize = 8 * 1024;

/// A stream that first yields the bytes the exchange read past what it consumed.
#[derive(Debug)]
pub(crate) struct Prefixed<T> {
    prefix: Bytes,
    io: T,
}

impl<T> Prefixed<T> {
    pub(crate) fn new(prefix: Bytes, io: T) -> Self {
        Prefixed { prefix, io }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Prefixed<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.prefix.is_empty() {
            return Pin::new(&mut self.io).poll_read(cx, buf);
        }
        let n = self.prefix.len().min(buf.remaining());
        buf.put_slice(&self.prefix[..n]);
        self.prefix.advance(n);
        if self.prefix.is_empty() {
            self.prefix = Bytes::new(); // free the buffer
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Prefixed<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// The settings of one exchange.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Exchange<'a> {
    pub(crate) local: &'a LocalHello,
    pub(crate) mode: HelloMode,
    pub(crate) timeout: Duration,
    pub(crate) limits: &'a Limits,
    /// How long a refusal waits for the peer to close after the GOODBYE.
    pub(crate) linger: Duration,
    /// The server's memory budget, which the bytes read count in (`None` on a client).
    pub(crate) memory: Option<&'a Arc<MemoryBudget>>,
}

/// The bytes an exchange holds, counted in the server's memory budget as they arrive and
/// given back when the exchange ends (the buffer is then dropped or handed to the
/// connection's reader, which counts it again as it reads it).
struct Held<'a> {
    memory: Option<&'a Arc<MemoryBudget>>,
    charged: usize,
}

impl<'a> Held<'a> {
    fn new(memory: Option<&'a Arc<MemoryBudget>>) -> Self {
        Held { memory, charged: 0 }
    }

    /// The buffer now holds `len` bytes.
    fn hold(&mut self, len: usize) {
        if let Some(memory) = self.memory {
            if len > self.charged {
                memory.charge_in((len - self.charged) as u64);
                self.charged = len;
            }
        }
    }

    /// Waits until the budget lets this exchange read (at once when it has room, or
    /// while this exchange holds less than [`MemoryBudget::FLOOR`]); `false` when
    /// `deadline` passed first.
    async fn room(&self, deadline: Instant) -> bool {
        let Some(memory) = self.memory else {
            return true;
        };
        while !memory.may_read(|| self.charged) {
            let mut wait = MemoryWait::new(Arc::clone(memory));
            if memory.may_read(|| self.charged) {
                break; // freed between the check and the registration
            }
            let freed = std::future::poll_fn(|cx| wait.poll_freed(cx));
            if timeout_at(deadline, freed).await.is_err() {
                return false;
            }
        }
        true
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if let Some(memory) = self.memory {
            memory.give_back_in(self.charged as u64);
        }
    }
}

/// How a client's exchange ended, when the connection goes on.
#[derive(Debug)]
pub(crate) enum ClientOutcome {
    /// The server answered: the bytes read after its HELLO, and what it announced.
    Answered { prefix: Bytes, peer: PeerHello },
    /// The server does not take part (its first frame is another, or the timeout
    /// passed): the bytes read so far belong to the connection.
    Unanswered { prefix: Bytes },
    /// The server closed before answering (an older server): connect again without
    /// HELLO.
    Retry,
}

/// The first frame as the exchange saw it.
enum Read {
    Frame(FirstFrame, BytesMut),
    /// The stream ended (or was reset) first.
    End,
    TimedOut(BytesMut),
}

/// Reads until the first frame can be classified, the stream ends, or `deadline`, never
/// past the end of the first frame; `held` counts the bytes read.
async fn read_first<T>(
    io: &mut T,
    deadline: Instant,
    limits: &Limits,
    held: &mut Held<'_>,
) -> Result<Read, HelloError>
where
    T: AsyncRead + Unpin,
{
    let mut buf = BytesMut::new();
    loop {
        match FirstFrame::read(&buf, limits).map_err(HelloError::Malformed)? {
            FirstFrame::Incomplete { needed } => {
                if !held.room(deadline).await {
                    return Ok(Read::TimedOut(buf));
                }
                let chunk = needed.min(READ_CHUNK);
                buf.reserve(chunk);
                let read = timeout_at(deadline, io.read_buf(&mut (&mut buf).limit(chunk))).await;
                held.hold(buf.len());
                match read {
                    Err(_) => return Ok(Read::TimedOut(buf)),
                    Ok(Ok(0)) => return Ok(Read::End),
                    Ok(Ok(_)) => {}
                    Ok(Err(err)) if is_gone(&err) => return Ok(Read::End),
                    Ok(Err(err)) => return Err(HelloError::Io(err)),
                }
            }
            frame => return Ok(Read::Frame(frame, buf)),
        }
    }
}

fn is_gone(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
    )
}

fn goodbye_frame(frame: &mut Vec<u8>, reason: GoodbyeReason, error: &HelloError) {
    Control::Goodbye(Goodbye::new(reason, error.to_string())).write(frame);
}

/// Closing at once (SPEC.md §7): the frames, the write side shut down, then reading
/// (discarding) until the peer's stream ends, all within `linger`.
async fn close_at_once<T>(io: &mut T, frames: &[u8], linger: Duration)
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let deadline = Instant::now() + linger;
    let _ = timeout_at(deadline, async {
        io.write_all(frames).await?;
        io.shutdown().await
    })
    .await;
    let mut scratch = [0u8; 256];
    let _ = timeout_at(deadline, async {
        while io.read(&mut scratch).await.is_ok_and(|n| n > 0) {}
    })
    .await;
}

/// Refuses with GOODBYE `reason` (after `before`, the server's HELLO) and returns `error`.
async fn refuse<T>(
    io: &mut T,
    exchange: &Exchange<'_>,
    before: &[u8],
    reason: GoodbyeReason,
    error: HelloError,
) -> HelloError
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut frames = before.to_vec();
    goodbye_frame(&mut frames, reason, &error);
    close_at_once(io, &frames, exchange.linger).await;
    error
}

/// The flags and message type of the frame at the start of `buf` (at least a header).
fn first_header(buf: &[u8]) -> HelloError {
    HelloError::NotHello {
        flags: buf.get(5).copied().unwrap_or(0),
        message_type: u16::from_le_bytes([
            buf.get(6).copied().unwrap_or(0),
            buf.get(7).copied().unwrap_or(0),
        ]),
    }
}

/// The server's side: reads the client's first frame; answers a HELLO with its own
/// (then GOODBYE 9 if incompatible); without a HELLO goes on (optional) or refuses with
/// GOODBYE 10 (required). Returns the bytes read that belong to the connection, and
/// what the client announced.
///
/// # Errors
/// Why the connection was refused (the GOODBYE was sent), or an I/O error.
pub(crate) async fn serve<T>(
    io: &mut T,
    exchange: &Exchange<'_>,
) -> Result<(Bytes, Option<PeerHello>), HelloError>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let deadline = Instant::now() + exchange.timeout;
    // Counted until the exchange ends: reading, parsing and judging the schema text.
    let mut held = Held::new(exchange.memory);
    let read = match read_first(io, deadline, exchange.limits, &mut held).await {
        Ok(read) => read,
        Err(error @ HelloError::Malformed(_)) => {
            return Err(refuse(io, exchange, &[], GoodbyeReason::ProtocolError, error).await);
        }
        Err(error) => return Err(error),
    };
    let (missing, buf) = match read {
        Read::Frame(FirstFrame::Hello { hello, len }, mut buf) => {
            let local = exchange.local;
            return match local.judge(&hello) {
                Ok(verdict) => {
                    match timeout_at(deadline, io.write_all(&local.frame)).await {
                        Ok(Ok(())) => {}
                        Ok(Err(err)) => return Err(HelloError::Io(err)),
                        Err(_) => {
                            return Err(HelloError::Io(io::ErrorKind::TimedOut.into()));
                        }
                    }
                    buf.advance(len);
                    Ok((buf.freeze(), Some(PeerHello { hello, verdict })))
                }
                Err(error @ HelloError::IncompatibleSchema { .. }) => {
                    let reason = GoodbyeReason::IncompatibleSchema;
                    Err(refuse(io, exchange, &local.frame, reason, error).await)
                }
                Err(error) => {
                    let reason = GoodbyeReason::ProtocolError;
                    Err(refuse(io, exchange, &[], reason, error).await)
                }
            };
        }
        Read::Frame(_, buf) => (first_header(&buf), buf),
        Read::End => (HelloError::Closed { goodbye: None }, BytesMut::new()),
        Read::TimedOut(buf) => (
            HelloError::NoAnswer {
                timeout: exchange.timeout,
            },
            buf,
        ),
    };
    if exchange.mode == HelloMode::Required {
        let reason = GoodbyeReason::HelloRequired;
        return Err(refuse(io, exchange, &[], reason, missing).await);
    }
    Ok((buf.freeze(), None))
}

/// The client's side: sends HELLO, reads the server's first frame and judges it.
///
/// # Errors
/// Incompatible schemas (GOODBYE 9 sent), a malformed HELLO (GOODBYE 4 sent), no
/// answer when HELLO is required, or an I/O error.
pub(crate) async fn connect<T>(
    io: &mut T,
    exchange: &Exchange<'_>,
) -> Result<ClientOutcome, HelloError>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let required = exchange.mode == HelloMode::Required;
    let deadline = Instant::now() + exchange.timeout;
    let local = exchange.local;
    match timeout_at(deadline, io.write_all(&local.frame)).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) if is_gone(&err) && !required => return Ok(ClientOutcome::Retry),
        Ok(Err(err)) => return Err(HelloError::Io(err)),
        Err(_) => return Err(HelloError::Io(io::ErrorKind::TimedOut.into())),
    }
    let mut held = Held::new(exchange.memory);
    let read = match read_first(io, deadline, exchange.limits, &mut held).await {
        Ok(read) => read,
        Err(error @ HelloError::Malformed(_)) => {
            return Err(refuse(io, exchange, &[], GoodbyeReason::ProtocolError, error).await);
        }
        Err(error) => return Err(error),
    };
    let missing = match read {
        Read::Frame(FirstFrame::Hello { hello, len }, mut buf) => {
            return match local.judge(&hello) {
                Ok(verdict) => {
                    buf.advance(len);
                    Ok(ClientOutcome::Answered {
                        prefix: buf.freeze(),
                        peer: PeerHello { hello, verdict },
                    })
                }
                Err(error @ HelloError::IncompatibleSchema { .. }) => {
                    let reason = GoodbyeReason::IncompatibleSchema;
                    Err(refuse(io, exchange, &[], reason, error).await)
                }
                Err(error) => {
                    let reason = GoodbyeReason::ProtocolError;
                    Err(refuse(io, exchange, &[], reason, error).await)
                }
            };
        }
        Read::Frame(FirstFrame::Goodbye(goodbye), buf) => {
            if required {
                return Err(HelloError::Closed {
                    goodbye: Some(goodbye),
                });
            }
            if goodbye.reason == GoodbyeReason::ProtocolError {
                tracing::debug!(%goodbye, "the server refused HELLO; connecting again without");
                return Ok(ClientOutcome::Retry);
            }
            return Ok(ClientOutcome::Unanswered {
                prefix: buf.freeze(),
            });
        }
        Read::Frame(_, buf) if !required => {
            return Ok(ClientOutcome::Unanswered {
                prefix: buf.freeze(),
            })
        }
        Read::Frame(_, buf) => first_header(&buf),
        Read::End if !required => {
            tracing::debug!("the server closed before answering HELLO; connecting again without");
            return Ok(ClientOutcome::Retry);
        }
        Read::End => HelloError::Closed { goodbye: None },
        Read::TimedOut(buf) if !required => {
            return Ok(ClientOutcome::Unanswered {
                prefix: buf.freeze(),
            })
        }
        Read::TimedOut(_) => HelloError::NoAnswer {
            timeout: exchange.timeout,
        },
    };
    Err(missing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Hello;

    #[tokio::test]
    async fn prefixed_yields_the_prefix_then_the_stream() {
        let (a, mut b) = tokio::io::duplex(64);
        b.write_all(b"cd").await.expect("duplex write");
        drop(b);
        let mut prefixed = Prefixed::new(Bytes::from_static(b"ab"), a);
        let mut all = Vec::new();
        prefixed.read_to_end(&mut all).await.expect("duplex read");
        assert_eq!(all, b"abcd");
    }

    #[test]
    fn a_hello_longer_than_the_limit_is_refused_before_it_is_read_whole() {
        let hello = Hello {
            protocol: "P".into(),
            fingerprint: 1,
            revision: 1,
            schema: Some("x".repeat(Hello::MAX_FRAME_LEN)),
        };
        let mut frame = Vec::new();
        hello.write(&mut frame);
        let err = FirstFrame::read(&frame[..16], &Limits::default()).expect_err("too long");
        assert!(err.to_string().contains("exceeds the 65536 bytes"), "{err}");
    }
}
