//! The last steps of a connection: send what is queued, shut the write side down, and
//! linger until the peer closes too.

use futures_util::SinkExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::time::{timeout_at, Instant};
use tokio_util::codec::Framed;

use crate::frame::EncodeFrame;

use super::{Control, FrameCodec};

/// Feeds `controls` (the final GOODBYE, say), flushes, shuts the write side down, and,
/// unless the peer's stream has already ended (`read_eof`), reads and discards until it
/// does: closing a socket with unread input resets the connection, and the reset can
/// destroy the GOODBYE before the peer reads it. Everything stops at `deadline`.
///
/// It borrows the stream (the connection's future holds one copy of it) and takes its
/// scratch buffer from the heap only when it lingers: what every idle connection's
/// future must reserve stays small.
pub(crate) async fn linger<T, In, Out>(
    framed: &mut Framed<T, FrameCodec<In, Out>>,
    controls: impl IntoIterator<Item = Control>,
    deadline: Instant,
    read_eof: bool,
) where
    T: AsyncRead + AsyncWrite + Unpin,
    Out: EncodeFrame,
{
    let flushed = timeout_at(deadline, async {
        for control in controls {
            framed.feed(control.into()).await?;
        }
        framed.close().await
    })
    .await;
    if let Ok(Err(error)) = flushed {
        tracing::debug!(%error, "flushing a closing connection failed");
    }
    if !read_eof {
        let io = framed.get_mut();
        let mut scratch = vec![0u8; 1024];
        let _ = timeout_at(deadline, async {
            while io.read(&mut scratch).await.is_ok_and(|n| n > 0) {}
        })
        .await;
    }
}
