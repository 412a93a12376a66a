//! The frame codec: a `tokio_util::codec` [`Decoder`] and [`Encoder`] for wirewright
//! frames, so that `Framed<T, FrameCodec<In, Out>>` is a `Stream` of decoded frames of
//! protocol `In` and a `Sink` of messages of protocol `Out` over any
//! `AsyncRead + AsyncWrite`.
//!
//! # Decoding
//!
//! The decoder is a two-state machine, like `tokio_util::codec::LengthDelimitedCodec`:
//!
//! ```text
//!            16 header bytes, each checked as it arrives
//!   +------+ (magic, version, flags, length <= limit)    +--------------+
//!   | Head | -----------------------------------------> | Data(header) |
//!   +------+ <----------------------------------------- +--------------+
//!       ^      whole frame present: split it off, check       |
//!       |      the CRC, decode the payload from `Bytes`       |
//!       '---------------- error: the stream is done ----------'
//! ```
//!
//! - A bad magic, version or flags byte fails as soon as that byte is present; a
//!   declared length over [`Limits::max_frame_len`] fails from the header alone.
//! - In `Data` the decoder only compares the buffered length with the frame's length, so
//!   a frame that arrives one byte per read costs constant work per read and one CRC pass
//!   at the end: receiving is linear in the bytes received
//!   ([`Metrics::bytes_scanned`] counts it).
//! - The buffer is never grown to the declared length up front: it grows with the bytes
//!   that arrive, reading ahead at most [`FrameCodec::READ_AHEAD`] bytes, so a header
//!   that claims 8 MiB and then stalls costs about 64 KiB, not 8 MiB.
//! - A complete frame is split off the buffer (`split_to(len).freeze()`), so `Bytes`
//!   fields of the decoded message share the read buffer instead of copying.
//!
//! # Encoding
//!
//! The encoder's item is [`Outgoing<Out>`]: a message (`message.into()`, correlation id
//! 0), a [`Correlated`] message or a [`Control`] frame. It is written straight into the
//! write buffer, which grows once to the frame's size. With `Framed`, `feed` several
//! messages then `flush` once to write them with a single write call.

use std::marker::PhantomData;

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use crate::frame::{check_trailer, HEADER_LEN, TRAILER_LEN};
use crate::{Flags, FrameError, FrameHeader, Limits, PayloadFormat};

use super::{
    BinaryPayload, CodecError, Control, Correlated, DecodePayload, EncodePayload, Incoming,
    Metrics, Outgoing, PayloadCodec, Received,
};

/// Where the decoder is in the current frame.
#[derive(Debug, Clone, Copy)]
enum DecodeState {
    /// Waiting for (the rest of) a header.
    Head,
    /// The header is valid; waiting for the payload and trailer.
    Data(FrameHeader),
}

/// Decodes frames into [`Incoming`] items of protocol `In`, and encodes [`Outgoing`]
/// items of protocol `Out` (by default the same protocol) into frames, with payloads in
/// the format `F`: [`BinaryPayload`] by default, `JsonPayload` in a `JsonCodec`
/// (feature `json`). A message frame in the other format is refused with
/// [`FrameError::UnexpectedFormat`]; control frames are the same in both.
///
/// ```
/// use futures_util::{SinkExt, StreamExt};
/// use tokio_util::codec::Framed;
/// use wirewright::Message;
/// use wirewright::transport::{Control, FrameCodec, Incoming};
///
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(id = 1)]
/// struct Note(u32);
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), wirewright::transport::CodecError> {
/// let (a, b) = tokio::io::duplex(1024);
/// let mut a = Framed::new(a, FrameCodec::<Note>::new());
/// let mut b = Framed::new(b, FrameCodec::<Note>::new());
///
/// a.send(Note(300).into()).await?;
/// a.send(Control::Ping { nonce: 9 }.into()).await?;
/// let Some(Incoming::Message(received)) = b.next().await.transpose()? else { panic!() };
/// assert_eq!(received.message, Note(300));
/// assert_eq!(b.next().await.transpose()?, Some(Incoming::Control(Control::Ping { nonce: 9 })));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FrameCodec<In, Out = In, F = BinaryPayload> {
    limits: Limits,
    state: DecodeState,
    metrics: Metrics,
    protocols: PhantomData<fn(Out, F) -> In>,
}

impl<In, Out, F> FrameCodec<In, Out, F> {
    /// The most the decoder reserves beyond the bytes it has while a frame is incomplete:
    /// 64 KiB.
    ///
    /// ```
    /// assert_eq!(wirewright::transport::FrameCodec::<()>::READ_AHEAD, 65_536);
    /// ```
    pub const READ_AHEAD: usize = 64 * 1024;

    /// A codec with the default [`Limits`] and its own [`Metrics`].
    ///
    /// ```
    /// let codec = wirewright::transport::FrameCodec::<()>::new();
    /// assert_eq!(codec.limits().max_frame_len(), 8 << 20);
    /// ```
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A codec that enforces `limits` (the maximum frame length when decoding and when
    /// encoding, and the payload limits when decoding).
    ///
    /// ```
    /// use wirewright::Limits;
    /// let codec = wirewright::transport::FrameCodec::<()>::with_limits(Limits::new().with_max_frame_len(1024));
    /// assert_eq!(codec.limits().max_frame_len(), 1024);
    /// ```
    pub fn with_limits(limits: Limits) -> Self {
        FrameCodec {
            limits,
            state: DecodeState::Head,
            metrics: Metrics::new(),
            protocols: PhantomData,
        }
    }

    /// Counts into `metrics` instead of the codec's own counters.
    ///
    /// ```
    /// use wirewright::transport::{FrameCodec, Metrics};
    /// let shared = Metrics::new();
    /// let codec = FrameCodec::<()>::new().with_metrics(shared.clone());
    /// assert!(codec.metrics().same_as(&shared));
    /// ```
    #[must_use]
    pub fn with_metrics(mut self, metrics: impl Into<Metrics>) -> Self {
        self.metrics = metrics.into();
        self
    }

    /// The limits in force.
    ///
    /// ```
    /// assert_eq!(*wirewright::transport::FrameCodec::<()>::new().limits(), wirewright::Limits::new());
    /// ```
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The counters this codec adds to.
    ///
    /// ```
    /// assert_eq!(wirewright::transport::FrameCodec::<()>::new().metrics().frames_in(), 0);
    /// ```
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The payload format this codec writes and accepts.
    ///
    /// ```
    /// use wirewright::PayloadFormat;
    /// # #[derive(wirewright::Message)]
    /// # #[wire(id = 1)]
    /// # struct Note(u8);
    /// assert_eq!(wirewright::transport::FrameCodec::<Note>::new().format(), PayloadFormat::Binary);
    /// ```
    pub fn format(&self) -> PayloadFormat
    where
        F: PayloadCodec,
    {
        F::FORMAT
    }

    /// Parses the header at the front of `src`, checking each byte present.
    fn decode_head(&self, src: &BytesMut) -> Result<Option<FrameHeader>, FrameError> {
        let present = src.len().min(HEADER_LEN);
        self.metrics.add_bytes_scanned(present as u64);
        FrameHeader::parse(&src[..present], &self.limits)
    }

    /// Checks the CRC of a complete frame and decodes it.
    fn decode_frame(
        &self,
        header: FrameHeader,
        frame: bytes::Bytes,
    ) -> Result<Incoming<In>, CodecError>
    where
        F: DecodePayload<In>,
    {
        self.metrics
            .add_bytes_scanned((frame.len() - TRAILER_LEN) as u64);
        let crc_offset = check_trailer(&frame).inspect_err(|_| self.metrics.add_crc_failures(1))?;
        self.metrics.add_frames_in(1);
        self.metrics.add_bytes_in(frame.len() as u64);
        let payload = frame.slice(HEADER_LEN..crc_offset);
        if header.flags.contains(Flags::CONTROL) {
            // A kind the protocol reads itself (a call's DEADLINE or CANCEL, SPEC.md §11.7)
            // reaches it in order with the messages.
            if let Some(message) = F::decode_control(&header, &payload, &self.limits) {
                return Ok(Incoming::Message(Received {
                    header,
                    message: message?,
                }));
            }
            return Ok(Incoming::Control(Control::parse(
                &header,
                &payload,
                &self.limits,
            )?));
        }
        let message = F::decode_payload(&header, &payload, &self.limits)?;
        Ok(Incoming::Message(Received { header, message }))
    }
}

impl<In, Out, F> Default for FrameCodec<In, Out, F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<In, Out, F> Clone for FrameCodec<In, Out, F> {
    /// A codec with the same limits and metrics, at the start of a frame.
    fn clone(&self) -> Self {
        FrameCodec {
            limits: self.limits,
            state: DecodeState::Head,
            metrics: self.metrics.clone(),
            protocols: PhantomData,
        }
    }
}

impl<In, Out, F> Decoder for FrameCodec<In, Out, F>
where
    F: DecodePayload<In>,
{
    type Item = Incoming<In>;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Incoming<In>>, CodecError> {
        let header = match self.state {
            DecodeState::Data(header) => header,
            DecodeState::Head => match self.decode_head(src)? {
                Some(header) => {
                    self.state = DecodeState::Data(header);
                    header
                }
                None => return Ok(None),
            },
        };
        let frame_len = header.frame_len();
        if src.len() < frame_len {
            // Read ahead a bounded amount: memory follows the bytes received, not the
            // length the header claims.
            src.reserve((frame_len - src.len()).min(Self::READ_AHEAD));
            return Ok(None);
        }
        self.state = DecodeState::Head;
        let frame = src.split_to(frame_len).freeze();
        self.decode_frame(header, frame).map(Some)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Incoming<In>>, CodecError> {
        match self.decode(src)? {
            Some(item) => Ok(Some(item)),
            None if src.is_empty() => Ok(None),
            None => {
                let needed = match self.state {
                    DecodeState::Head => HEADER_LEN,
                    DecodeState::Data(header) => header.frame_len(),
                };
                Err(FrameError::Truncated {
                    needed,
                    available: src.len(),
                }
                .into())
            }
        }
    }
}

impl<In, Out, F> Encoder<Outgoing<Out>> for FrameCodec<In, Out, F>
where
    F: EncodePayload<Out>,
{
    type Error = CodecError;

    fn encode(&mut self, item: Outgoing<Out>, dst: &mut BytesMut) -> Result<(), CodecError> {
        let len = match item {
            Outgoing::Message(Correlated {
                correlation_id,
                message,
            }) => F::encode_frame(&message, correlation_id, &self.limits, dst)?,
            Outgoing::Control(control) => control.write(dst),
        };
        self.metrics.add_frames_out(1);
        self.metrics.add_bytes_out(len as u64);
        Ok(())
    }
}
