//! An `AsyncWrite` that counts the write calls it receives.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Accepts every write whole, keeps the bytes, and counts the calls; reads see end of
/// stream. Clone the `writes` counter before handing the writer to a `Framed`.
#[derive(Debug, Default)]
pub struct CountingWriter {
    /// Every byte written.
    pub written: Vec<u8>,
    /// How many `poll_write` calls wrote something.
    pub writes: Arc<AtomicUsize>,
}

impl CountingWriter {
    /// The number of write calls so far.
    pub fn write_calls(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }
}

impl AsyncWrite for CountingWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.written.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for CountingWriter {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        _buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
