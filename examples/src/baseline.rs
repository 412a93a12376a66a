//! The hand-written request/response that `rpc_bench` measures wirewright against: frames
//! of `tokio_util`'s `LengthDelimitedCodec` holding a correlation id and a bincode 2
//! payload, a writer task that batches flushes, and a correlation map
//! (`HashMap<u32, oneshot::Sender>` behind a mutex) filled by a reader task.
//!
//! ```text
//!  frame: length u32 BE (the codec) | correlation id u32 LE | bincode (standard config)
//! ```
//!
//! The server answers each request in its read loop, and flushes when the next request
//! has not arrived yet: the simplest fast server, with no limit on calls in flight, no deadlines, no
//! heartbeats, no CRC and no shutdown handshake.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};
use wirewright::bytes::{BufMut, Bytes, BytesMut};

/// A request: echo `payload`.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct BincodePing {
    /// The caller's number.
    pub id: u64,
    /// Bytes to echo.
    pub payload: Vec<u8>,
}

/// The response.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct BincodePong {
    /// The request's number.
    pub id: u64,
    /// The request's bytes.
    pub payload: Vec<u8>,
}

type Waiting = Arc<Mutex<HashMap<u32, oneshot::Sender<BincodePong>>>>;

/// A frame: the correlation id, then `value` in bincode.
fn frame<T: bincode::Encode>(id: u32, value: &T) -> io::Result<Bytes> {
    let mut buf = BytesMut::with_capacity(64);
    buf.put_u32_le(id);
    bincode::encode_into_std_write(value, &mut (&mut buf).writer(), bincode::config::standard())
        .map_err(io::Error::other)?;
    Ok(buf.freeze())
}

/// The correlation id and the bincode value of a frame.
fn unframe<T: bincode::Decode<()>>(frame: &[u8]) -> io::Result<(u32, T)> {
    let (id, payload) = frame
        .split_first_chunk::<4>()
        .ok_or_else(|| io::Error::other("frame shorter than its correlation id"))?;
    let (value, _) = bincode::decode_from_slice(payload, bincode::config::standard())
        .map_err(io::Error::other)?;
    Ok((u32::from_le_bytes(*id), value))
}

/// A client: cheap to clone, any number of calls in flight on one connection.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use wirewright_examples::baseline::{serve, BaselineClient, BincodePing};
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// tokio::spawn(serve(listener));
/// let client = BaselineClient::connect(addr).await?;
/// let pong = client.call(BincodePing { id: 7, payload: vec![1, 2] }).await?;
/// assert_eq!((pong.id, pong.payload), (7, vec![1, 2]));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct BaselineClient {
    frames: mpsc::Sender<Bytes>,
    waiting: Waiting,
    next_id: Arc<AtomicU32>,
}

impl BaselineClient {
    /// Connects, and starts the writer and reader tasks.
    ///
    /// # Errors
    /// When the connection cannot be made.
    pub async fn connect(addr: std::net::SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (read, write) = stream.into_split();
        let (frames, mut outgoing) = mpsc::channel::<Bytes>(128);
        tokio::spawn(async move {
            let mut sink = FramedWrite::new(write, LengthDelimitedCodec::new());
            while let Some(frame) = outgoing.recv().await {
                sink.feed(frame).await?;
                while let Ok(frame) = outgoing.try_recv() {
                    sink.feed(frame).await?;
                }
                SinkExt::<Bytes>::flush(&mut sink).await?;
            }
            Ok::<_, io::Error>(())
        });
        let waiting: Waiting = Arc::default();
        let dispatch = Arc::clone(&waiting);
        tokio::spawn(async move {
            let mut stream = FramedRead::new(read, LengthDelimitedCodec::new());
            while let Some(frame) = stream.next().await {
                let (id, pong) = unframe::<BincodePong>(&frame?)?;
                let waiter = dispatch
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&id);
                if let Some(waiter) = waiter {
                    let _ = waiter.send(pong);
                }
            }
            // The connection ended: fail the calls still waiting.
            dispatch
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clear();
            Ok::<_, io::Error>(())
        });
        Ok(BaselineClient {
            frames,
            waiting,
            next_id: Arc::new(AtomicU32::new(1)),
        })
    }

    /// Sends `ping` and waits for its answer.
    ///
    /// # Errors
    /// When the connection is gone.
    pub async fn call(&self, ping: BincodePing) -> io::Result<BincodePong> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = oneshot::channel();
        self.waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, sender);
        let gone = || io::Error::from(io::ErrorKind::BrokenPipe);
        self.frames
            .send(frame(id, &ping)?)
            .await
            .map_err(|_| gone())?;
        receiver.await.map_err(|_| gone())
    }
}

/// Serves every connection of `listener`: each request is answered in the read loop,
/// and the answers flushed when the next request has not arrived yet.
///
/// # Errors
/// When accepting fails.
pub async fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        tokio::spawn(async move {
            let mut framed = tokio_util::codec::Framed::new(stream, LengthDelimitedCodec::new());
            loop {
                // Flush only when the next request is not already here.
                let next = match framed.next().now_or_never() {
                    Some(next) => next,
                    None => {
                        SinkExt::<Bytes>::flush(&mut framed).await?;
                        framed.next().await
                    }
                };
                let Some(request) = next else { break };
                let (id, ping) = unframe::<BincodePing>(&request?)?;
                let pong = BincodePong {
                    id: ping.id,
                    payload: ping.payload,
                };
                framed.feed(frame(id, &pong)?).await?;
            }
            Ok::<_, io::Error>(())
        });
    }
}
