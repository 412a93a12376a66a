//! The same workload over loopback TCP in binary and in JSON frames (features `compare`
//! and `transport`): bytes on the wire, messages per second, round-trip latency.

use std::fmt::{Debug, Write as _};
use std::io;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;

use crate::{CompareError, Format};
use wirewright::transport::{
    BinaryPayload, CodecError, Correlated, DecodePayload, EncodePayload, FrameCodec, Incoming,
    JsonPayload, Outgoing, PayloadCodec,
};
use wirewright::{DecodeProtocol, DeserializeMessage, Protocol, SerializeMessage};

/// How much an end-to-end comparison sends.
///
/// ```
/// use wirewright_compare::Workload;
/// let workload = Workload::new(200, 2_000, 32);
/// assert_eq!((workload.round_trips(), workload.pipelined(), workload.window()), (200, 2_000, 32));
/// assert_eq!(Workload::default().window(), 64);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    round_trips: usize,
    pipelined: usize,
    window: usize,
}

impl Workload {
    /// `round_trips` requests sent one at a time, each waiting for its echo (the latency
    /// percentiles), then `pipelined` requests sent `window` at a time (the throughput).
    /// Counts below one are raised to one.
    ///
    /// ```
    /// let workload = wirewright_compare::Workload::new(0, 0, 0);
    /// assert_eq!(workload.window(), 1);
    /// ```
    pub const fn new(round_trips: usize, pipelined: usize, window: usize) -> Self {
        const fn at_least_one(count: usize) -> usize {
            if count == 0 {
                1
            } else {
                count
            }
        }
        Workload {
            round_trips: at_least_one(round_trips),
            pipelined: at_least_one(pipelined),
            window: at_least_one(window),
        }
    }

    /// Requests sent one at a time.
    ///
    /// ```
    /// assert_eq!(wirewright_compare::Workload::default().round_trips(), 2_000);
    /// ```
    pub const fn round_trips(&self) -> usize {
        self.round_trips
    }

    /// Requests sent in windows.
    ///
    /// ```
    /// assert_eq!(wirewright_compare::Workload::default().pipelined(), 20_000);
    /// ```
    pub const fn pipelined(&self) -> usize {
        self.pipelined
    }

    /// Requests in flight at once in the pipelined phase.
    ///
    /// ```
    /// assert_eq!(wirewright_compare::Workload::default().window(), 64);
    /// ```
    pub const fn window(&self) -> usize {
        self.window
    }
}

/// 2,000 round trips, then 20,000 requests 64 at a time.
impl Default for Workload {
    fn default() -> Self {
        Workload::new(2_000, 20_000, 64)
    }
}

/// One format over loopback.
///
/// ```
/// use std::time::Duration;
/// use wirewright_compare::{EndToEndStats, Format};
/// let stats = EndToEndStats {
///     format: Format::Json, frame_bytes: 90.0, messages_per_second: 1e5,
///     p50: Duration::from_micros(20), p99: Duration::from_micros(45),
/// };
/// assert!(stats.p50 <= stats.p99);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EndToEndStats {
    /// [`Format::Wirewright`] (binary frames) or [`Format::Json`] (JSON frames).
    pub format: Format,
    /// Mean bytes on the wire per request frame: header, payload and CRC.
    pub frame_bytes: f64,
    /// Requests echoed per second in the pipelined phase.
    pub messages_per_second: f64,
    /// Median round trip, one request at a time.
    pub p50: Duration,
    /// 99th-percentile round trip, one request at a time.
    pub p99: Duration,
}

/// A dataset sent over loopback in binary and in JSON frames: made by [`end_to_end`].
#[derive(Debug, Clone, PartialEq)]
pub struct EndToEnd {
    /// The dataset's name.
    pub dataset: String,
    /// Binary, then JSON.
    pub formats: Vec<EndToEndStats>,
}

/// Sends `messages` (round robin) to an echo server over loopback TCP, first in binary
/// frames, then in JSON frames, with the transport's [`FrameCodec`]: each request is
/// echoed back under its correlation id and checked. The client and the server share
/// one thread, so the numbers compare the formats' costs rather than the machine's
/// parallelism.
///
/// # Errors
/// [`CompareError::EmptySample`], or [`CompareError::EndToEnd`] when the connection
/// fails or an echo differs from its request.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use wirewright_compare::{end_to_end, Format, Workload};
/// use wirewright::Message;
///
/// #[derive(Message, Serialize, Deserialize, Debug, Clone, PartialEq)]
/// #[wire(id = 1)]
/// struct Say { room: String, text: String }
///
/// let sample = vec![Say { room: "lobby".into(), text: "hello".into() }];
/// let result = end_to_end("say", &sample, &Workload::new(20, 100, 10))?;
/// let binary = &result.formats[0];
/// assert_eq!(binary.format, Format::Wirewright);
/// assert_eq!(binary.frame_bytes, 16.0 + 12.0 + 4.0); // header, "lobby", "hello", CRC
/// assert!(binary.frame_bytes < result.formats[1].frame_bytes);
/// # Ok::<(), wirewright_compare::CompareError>(())
/// ```
pub fn end_to_end<P>(
    dataset: &str,
    messages: &[P],
    workload: &Workload,
) -> Result<EndToEnd, CompareError>
where
    P: Protocol
        + for<'de> DecodeProtocol<'de>
        + SerializeMessage
        + for<'de> DeserializeMessage<'de>
        + Clone
        + PartialEq
        + Debug
        + Send
        + 'static,
{
    if messages.is_empty() {
        return Err(CompareError::EmptySample {
            dataset: dataset.to_owned(),
        });
    }
    let failed = |format| {
        move |source: io::Error| CompareError::EndToEnd {
            dataset: dataset.to_owned(),
            format,
            source,
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(failed(Format::Wirewright))?;
    let binary = runtime
        .block_on(run::<P, BinaryPayload>(messages, workload))
        .map_err(failed(Format::Wirewright))?;
    let json = runtime
        .block_on(run::<P, JsonPayload>(messages, workload))
        .map_err(failed(Format::Json))?;
    Ok(EndToEnd {
        dataset: dataset.to_owned(),
        formats: vec![binary, json],
    })
}

/// One format: an echo server task, then the two phases of the client.
async fn run<P, F>(messages: &[P], workload: &Workload) -> io::Result<EndToEndStats>
where
    P: Protocol + Clone + PartialEq + Debug + Send + 'static,
    F: PayloadCodec + EncodePayload<P> + DecodePayload<P> + Send + 'static,
{
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await?;
        echo::<P, F>(stream).await
    });
    let stream = TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let mut client = Framed::new(stream, FrameCodec::<P, P, F>::new());
    let mut requests = messages.iter().cycle();

    let mut latencies = Vec::with_capacity(workload.round_trips);
    for correlation_id in 0..workload.round_trips as u32 {
        let message = requests.next().cloned().unwrap_or_else(|| unreachable!());
        let start = Instant::now();
        client
            .send(Correlated::new(correlation_id, message.clone()).into())
            .await
            .map_err(into_io)?;
        let echo = next_echo(&mut client).await?;
        latencies.push(start.elapsed());
        if echo.correlation_id != correlation_id || echo.message != message {
            return Err(io::Error::other(format!(
                "request {correlation_id} came back as {echo:?}"
            )));
        }
    }
    let frame_bytes = client.codec().metrics().bytes_out() as f64 / workload.round_trips as f64;

    let start = Instant::now();
    let mut sent = 0;
    while sent < workload.pipelined {
        let window = workload.window.min(workload.pipelined - sent);
        for _ in 0..window {
            let message = requests.next().cloned().unwrap_or_else(|| unreachable!());
            client
                .feed(Correlated::new(sent as u32, message).into())
                .await
                .map_err(into_io)?;
            sent += 1;
        }
        client.flush().await.map_err(into_io)?;
        for _ in 0..window {
            next_echo(&mut client).await?;
        }
    }
    let messages_per_second = workload.pipelined as f64 / start.elapsed().as_secs_f64();
    client.close().await.map_err(into_io)?;
    server.await.map_err(io::Error::other)??;

    latencies.sort_unstable();
    Ok(EndToEndStats {
        format: if F::FORMAT == wirewright::PayloadFormat::Json {
            Format::Json
        } else {
            Format::Wirewright
        },
        frame_bytes,
        messages_per_second,
        p50: percentile(&latencies, 50),
        p99: percentile(&latencies, 99),
    })
}

/// Echoes every request under its correlation id, flushing once per burst of requests
/// that arrived together, until the client closes.
async fn echo<P, F>(stream: TcpStream) -> io::Result<()>
where
    F: EncodePayload<P> + DecodePayload<P>,
{
    stream.set_nodelay(true)?;
    let mut framed = Framed::new(stream, FrameCodec::<P, P, F>::new());
    while let Some(item) = framed.next().await {
        let mut item = Some(item);
        // Answer everything already received before flushing.
        while let Some(incoming) = item.take() {
            if let Incoming::Message(received) = incoming.map_err(into_io)? {
                let correlation_id = received.correlation_id();
                let response: Outgoing<P> =
                    Correlated::new(correlation_id, received.message).into();
                framed.feed(response).await.map_err(into_io)?;
            }
            item = match framed.next().now_or_never() {
                Some(Some(next)) => Some(next),
                Some(None) => return framed.flush().await.map_err(into_io),
                None => None,
            };
        }
        framed.flush().await.map_err(into_io)?;
    }
    Ok(())
}

/// The next echoed message, as a correlated message.
async fn next_echo<P, F>(
    client: &mut Framed<TcpStream, FrameCodec<P, P, F>>,
) -> io::Result<Correlated<P>>
where
    F: EncodePayload<P> + DecodePayload<P>,
{
    loop {
        match client.next().await {
            Some(Ok(Incoming::Message(received))) => {
                return Ok(Correlated::new(received.correlation_id(), received.message));
            }
            Some(Ok(Incoming::Control(_))) => continue,
            Some(Err(err)) => return Err(into_io(err)),
            None => return Err(io::ErrorKind::UnexpectedEof.into()),
        }
    }
}

fn into_io(err: CodecError) -> io::Error {
    match err {
        CodecError::Io(err) => err,
        other => io::Error::new(io::ErrorKind::InvalidData, other),
    }
}

/// The `percent`th percentile of sorted `values` (nearest rank).
fn percentile(values: &[Duration], percent: usize) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let rank = (values.len() * percent).div_ceil(100).max(1);
    values[rank - 1]
}

/// The end-to-end table: one row per dataset and format.
pub(crate) fn markdown(results: &[EndToEnd]) -> String {
    let mut out = String::from(
        "| dataset | frames | bytes/frame | size vs binary | messages/s | throughput vs binary \
         | p50 µs | p99 µs |\n|---|---|--:|--:|--:|--:|--:|--:|\n",
    );
    for result in results {
        let binary = result
            .formats
            .iter()
            .find(|stats| stats.format == Format::Wirewright);
        for stats in &result.formats {
            let ratio = |value: fn(&EndToEndStats) -> f64| match binary {
                Some(base) => format!("{:.2}×", value(stats) / value(base)),
                None => "–".to_owned(),
            };
            let frames = match stats.format {
                Format::Wirewright => "binary",
                other => other.name(),
            };
            // Writing to a `String` cannot fail.
            let _ = writeln!(
                out,
                "| {} | {frames} | {:.1} | {} | {:.0} | {} | {:.1} | {:.1} |",
                result.dataset,
                stats.frame_bytes,
                ratio(|stats| stats.frame_bytes),
                stats.messages_per_second,
                ratio(|stats| stats.messages_per_second),
                stats.p50.as_secs_f64() * 1e6,
                stats.p99.as_secs_f64() * 1e6,
            );
        }
    }
    out
}
