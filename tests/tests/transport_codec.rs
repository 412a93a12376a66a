//! The frame codec on its own: frames split anywhere, hostile headers, CRC failures,
//! linear decoding work, bounded buffers, and one write per flushed burst.
#![allow(clippy::unwrap_used)]

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio_util::codec::{Decoder, Encoder, Framed};
use wirewright::bytes::{BufMut, Bytes, BytesMut};
use wirewright::transport::{
    CodecError, Control, ControlError, Correlated, FrameCodec, Goodbye, GoodbyeReason, Incoming,
};
use wirewright::{Flags, FrameError, Limits, PayloadFormat, RawFrame};
use wirewright_tests::transport_types::Packet;

type Codec = FrameCodec<Packet>;

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

/// The frames of a short conversation, as items and as bytes.
fn conversation() -> (Vec<Incoming<Packet>>, BytesMut) {
    let mut codec = Codec::new();
    let mut bytes = BytesMut::new();
    codec
        .encode(Packet::numbered(1, 1).into(), &mut bytes)
        .unwrap();
    codec
        .encode(
            Correlated::new(7, Packet::numbered(1, 2)).into(),
            &mut bytes,
        )
        .unwrap();
    codec
        .encode(Control::Ping { nonce: 99 }.into(), &mut bytes)
        .unwrap();
    let goodbye = Control::Goodbye(Goodbye::new(GoodbyeReason::ShuttingDown, "bye"));
    codec.encode(goodbye.into(), &mut bytes).unwrap();
    let mut decoder = Codec::new();
    let mut copy = bytes.clone();
    let mut items = Vec::new();
    while let Some(item) = decoder.decode(&mut copy).unwrap() {
        items.push(item);
    }
    assert!(copy.is_empty());
    (items, bytes)
}

fn decode_all(codec: &mut Codec, chunks: &[&[u8]]) -> Result<Vec<Incoming<Packet>>, CodecError> {
    let mut buf = BytesMut::new();
    let mut items = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let Some(item) = codec.decode(&mut buf)? {
            items.push(item);
        }
    }
    if let Some(item) = codec.decode_eof(&mut buf)? {
        items.push(item);
    }
    Ok(items)
}

#[test]
fn conversation_decodes_to_messages_with_headers_and_control_frames() {
    let (items, _) = conversation();
    assert_eq!(items.len(), 4);
    let Incoming::Message(first) = &items[0] else {
        panic!("{:?}", items[0])
    };
    assert_eq!(first.message, Packet::numbered(1, 1));
    assert_eq!((first.header.message_type, first.correlation_id()), (20, 0));
    let Incoming::Message(second) = &items[1] else {
        panic!("{:?}", items[1])
    };
    assert_eq!(second.correlation_id(), 7);
    assert_eq!(items[2], Incoming::Control(Control::Ping { nonce: 99 }));
    let Incoming::Control(Control::Goodbye(goodbye)) = &items[3] else {
        panic!("{:?}", items[3])
    };
    assert_eq!(
        (goodbye.reason, goodbye.message.as_str()),
        (GoodbyeReason::ShuttingDown, "bye")
    );
}

#[test]
fn frames_split_at_every_byte_boundary_decode_the_same() {
    let (expected, bytes) = conversation();
    for split in 0..=bytes.len() {
        let (head, tail) = bytes.split_at(split);
        let items = decode_all(&mut Codec::new(), &[head, tail]).unwrap();
        assert_eq!(items, expected, "split at byte {split}");
    }
    let one_by_one: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(
        decode_all(&mut Codec::new(), &one_by_one).unwrap(),
        expected
    );
}

#[tokio::test]
async fn frames_delivered_one_byte_per_read_decode_correctly() {
    let (expected, bytes) = conversation();
    // A duplex pipe that holds one byte: every read the decoder sees is one byte long.
    let (mut writer, reader) = tokio::io::duplex(1);
    let feeding = tokio::spawn(async move {
        writer.write_all(&bytes).await.unwrap();
    });
    let mut framed = Framed::new(reader, Codec::new());
    let mut items = Vec::new();
    while let Some(item) = framed.next().await {
        items.push(item.unwrap());
    }
    feeding.await.unwrap();
    assert_eq!(items, expected);
}

#[test]
fn eight_mib_frame_fed_byte_by_byte_costs_linear_work() {
    let body = Bytes::from(vec![0xa5; 8 * 1024 * 1024 - 16]);
    let packet = Packet {
        client: 1,
        seq: 2,
        body: body.clone(),
    };
    let mut encoder = Codec::new();
    let mut frame = BytesMut::new();
    encoder.encode(packet.into(), &mut frame).unwrap();
    let frame_len = frame.len();
    assert!(frame_len > 8 * 1024 * 1024 - 16);

    let mut codec = Codec::new();
    let mut buf = BytesMut::new();
    let mut decoded = None;
    let mut largest_capacity = 0;
    for (i, &byte) in frame.iter().enumerate() {
        buf.put_u8(byte);
        largest_capacity = largest_capacity.max(buf.capacity());
        if let Some(item) = codec.decode(&mut buf).unwrap() {
            assert_eq!(i, frame_len - 1, "decoded before the last byte");
            decoded = Some(item);
        }
    }
    let Some(Incoming::Message(received)) = decoded else {
        panic!("no message")
    };
    assert_eq!(received.message.body, body);

    // 8,388,6xx calls to `decode`, yet the bytes examined are the frame once (CRC) plus
    // the header's 16 bytes re-checked while it arrived (1 + 2 + ... + 16).
    let scanned = codec.metrics().bytes_scanned();
    let expected = (frame_len - 4) as u64 + (1..=16).sum::<u64>();
    assert_eq!(
        scanned, expected,
        "bytes examined for a {frame_len}-byte frame"
    );
    // The buffer grew with the bytes received, never far beyond the frame.
    assert!(
        largest_capacity <= 2 * frame_len + FrameCodec::<Packet>::READ_AHEAD,
        "{largest_capacity}"
    );
}

#[test]
fn header_claiming_4_gib_is_rejected_before_any_payload() {
    let header = b"WWRT\x01\x00\x14\x00\x00\x00\x00\x00\xff\xff\xff\xff";
    let mut buf = BytesMut::from(&header[..]);
    let capacity_before = buf.capacity();
    let err = Codec::new().decode(&mut buf).unwrap_err();
    assert!(
        matches!(
            err,
            CodecError::Frame(FrameError::FrameTooLarge {
                declared: 4_294_967_295,
                max: 8_388_608
            })
        ),
        "{err}"
    );
    assert_eq!(buf.capacity(), capacity_before, "nothing reserved");
}

#[test]
fn stalled_frame_reserves_only_the_read_ahead() {
    // A valid header for the largest allowed frame, then 100 bytes, then nothing.
    let mut buf = BytesMut::new();
    buf.extend_from_slice(b"WWRT\x01\x00\x14\x00\x00\x00\x00\x00");
    buf.put_u32_le(8 * 1024 * 1024);
    buf.extend_from_slice(&[0; 100]);
    let mut codec = Codec::new();
    assert!(codec.decode(&mut buf).unwrap().is_none());
    assert!(codec.decode(&mut buf).unwrap().is_none());
    let bound = 2 * (FrameCodec::<Packet>::READ_AHEAD + 116);
    assert!(
        buf.capacity() <= bound,
        "{} bytes reserved for 116 received",
        buf.capacity()
    );
}

#[tokio::test(start_paused = true)]
async fn stalled_8_mib_frame_keeps_the_framed_read_buffer_small() {
    let (mut peer, ours) = tokio::io::duplex(64 * 1024);
    let mut header = BytesMut::new();
    header.extend_from_slice(b"WWRT\x01\x00\x14\x00\x00\x00\x00\x00");
    header.put_u32_le(8 * 1024 * 1024);
    peer.write_all(&header).await.unwrap();
    peer.write_all(&[7; 1000]).await.unwrap(); // then nothing more
    let mut framed = Framed::new(ours, Codec::new());
    let next = tokio::time::timeout(std::time::Duration::from_secs(1), framed.next()).await;
    assert!(next.is_err(), "still waiting for the rest of the frame");
    assert_eq!(framed.read_buffer().len(), 1016);
    let capacity = framed.read_buffer().capacity();
    assert!(
        capacity <= 2 * FrameCodec::<Packet>::READ_AHEAD,
        "{capacity} bytes for 1,016 received"
    );
}

#[test]
fn bad_magic_version_and_flags_fail_at_the_first_bad_byte() {
    type Check = fn(&CodecError) -> bool;
    let cases: [(&[u8], Check); 5] = [
        (b"GET / HTTP/1.1\r\n", |e| {
            matches!(e, CodecError::Frame(FrameError::BadMagic { offset: 0, .. }))
        }),
        (b"WWX", |e| {
            matches!(e, CodecError::Frame(FrameError::BadMagic { offset: 2, .. }))
        }),
        (b"WWRT\x02", |e| {
            matches!(
                e,
                CodecError::Frame(FrameError::UnsupportedVersion {
                    found: 2,
                    supported: 1
                })
            )
        }),
        (b"WWRT\x01\x10", |e| {
            matches!(
                e,
                CodecError::Frame(FrameError::ReservedFlags {
                    flags: 0x10,
                    reserved: 0x10
                })
            )
        }),
        (b"WWRT\x01\x08", |e| {
            matches!(e, CodecError::Frame(FrameError::InvalidFlags { flags: 8 }))
        }),
    ];
    for (bytes, check) in cases {
        let err = Codec::new().decode(&mut BytesMut::from(bytes)).unwrap_err();
        assert!(check(&err), "{bytes:?}: {err}");
    }
}

#[test]
fn bad_crc_is_a_typed_error_and_counted() {
    let mut frame = BytesMut::new();
    Codec::new()
        .encode(Packet::numbered(3, 4).into(), &mut frame)
        .unwrap();
    let last = frame.len() - 5;
    frame[last] ^= 0x01; // one flipped payload bit
    let mut codec = Codec::new();
    let err = codec.decode(&mut frame).unwrap_err();
    assert!(
        matches!(err, CodecError::Frame(FrameError::BadCrc { offset, .. }) if offset == last + 1),
        "{err}"
    );
    assert_eq!(codec.metrics().crc_failures(), 1);
    assert_eq!(codec.metrics().frames_in(), 0);
}

#[test]
fn stream_ending_inside_a_frame_is_truncated() {
    let mut frame = BytesMut::new();
    Codec::new()
        .encode(Packet::numbered(1, 1).into(), &mut frame)
        .unwrap();
    let total = frame.len();
    let mut cut = frame.split_to(total - 3);
    let mut codec = Codec::new();
    assert!(codec.decode(&mut cut).unwrap().is_none());
    let err = codec.decode_eof(&mut cut).unwrap_err();
    assert!(
        matches!(err, CodecError::Frame(FrameError::Truncated { needed, available })
            if needed == total && available == total - 3),
        "{err}"
    );
}

#[tokio::test]
async fn feed_then_flush_burst_is_one_write() {
    let writer = CountingWriter::default();
    let writes = Arc::clone(&writer.writes);
    let mut framed = Framed::new(writer, Codec::new());
    for seq in 0..100 {
        framed.feed(Packet::numbered(1, seq).into()).await.unwrap();
    }
    framed
        .feed(Control::Ping { nonce: 1 }.into())
        .await
        .unwrap();
    assert_eq!(writes.load(Ordering::SeqCst), 0);
    framed.flush().await.unwrap();
    assert_eq!(framed.get_ref().write_calls(), 1, "one write for the burst");
    assert_eq!(framed.codec().metrics().frames_out(), 101);

    let mut written = BytesMut::from(&framed.get_ref().written[..]);
    let items = decode_all(&mut Codec::new(), &[&written.split()]).unwrap();
    assert_eq!(items.len(), 101);
    for (seq, item) in items.into_iter().take(100).enumerate() {
        let received = item.into_message().unwrap();
        assert_eq!(received.message, Packet::numbered(1, seq as u32));
    }
}

#[test]
fn bytes_fields_share_the_read_buffer() {
    let mut buf = BytesMut::new();
    Codec::new()
        .encode(Packet::numbered(1, 1).into(), &mut buf)
        .unwrap();
    let start = buf.as_ptr() as usize;
    let end = start + buf.len();
    let item = Codec::new().decode(&mut buf).unwrap().unwrap();
    let body = item.into_message().unwrap().message.body;
    let at = body.as_ptr() as usize;
    assert!(
        (start..end).contains(&at),
        "the body was copied out of the frame"
    );
}

#[test]
fn malformed_control_frames_are_rejected() {
    fn decode_raw_frame(
        flags: Flags,
        kind: u16,
        correlation_id: u32,
        payload: &[u8],
    ) -> CodecError {
        let mut buf = BytesMut::new();
        RawFrame::write(flags, kind, correlation_id, payload, &mut buf).unwrap();
        Codec::new().decode(&mut buf).unwrap_err()
    }
    let json = Flags::CONTROL | Flags::JSON;
    let nonce = [1, 0, 0, 0, 0, 0, 0, 0];
    let cases = [
        (decode_raw_frame(Flags::CONTROL, 9, 0, &[]), "unknown kind"),
        (decode_raw_frame(json, 1, 0, &nonce), "JSON flag"),
        (
            decode_raw_frame(Flags::CONTROL, 1, 5, &nonce),
            "correlation id",
        ),
        (
            decode_raw_frame(Flags::CONTROL, 1, 0, &nonce[..7]),
            "short PING",
        ),
        (decode_raw_frame(Flags::CONTROL, 2, 0, &[0; 9]), "long PONG"),
        (
            decode_raw_frame(Flags::CONTROL, 3, 0, &[0, 1, 0xff]),
            "bad UTF-8",
        ),
    ];
    let [unknown, json_flag, correlation, short, long, utf8] = cases.map(|(err, _)| err);
    assert!(matches!(
        unknown,
        CodecError::Control(ControlError::UnknownKind { kind: 9 })
    ));
    assert!(matches!(
        json_flag,
        CodecError::Control(ControlError::JsonFlag { kind: 1 })
    ));
    assert!(matches!(
        correlation,
        CodecError::Control(ControlError::CorrelationId {
            kind: 1,
            correlation_id: 5
        })
    ));
    for err in [short, long, utf8] {
        assert!(
            matches!(err, CodecError::Control(ControlError::Payload { .. })),
            "{err}"
        );
        assert!(err.is_protocol_error());
    }
}

#[test]
fn json_and_unknown_message_frames_are_typed_errors() {
    let mut buf = BytesMut::new();
    RawFrame::write(Flags::JSON, 20, 0, b"{}", &mut buf).unwrap();
    let err = Codec::new().decode(&mut buf).unwrap_err();
    assert!(matches!(
        err,
        CodecError::Frame(FrameError::UnexpectedFormat {
            found: PayloadFormat::Json,
            ..
        })
    ));
    let mut buf = BytesMut::new();
    RawFrame::write(Flags::EMPTY, 21, 0, &[], &mut buf).unwrap();
    let err = Codec::new().decode(&mut buf).unwrap_err();
    assert!(matches!(
        err,
        CodecError::Frame(FrameError::UnknownMessageType {
            message_type: 21,
            protocol: "Packet"
        })
    ));
}

#[test]
fn encoding_a_message_over_the_limit_writes_nothing() {
    let mut codec = FrameCodec::<Packet>::with_limits(Limits::new().with_max_frame_len(8));
    let mut buf = BytesMut::new();
    let err = codec
        .encode(Packet::numbered(1, 1).into(), &mut buf)
        .unwrap_err();
    assert!(matches!(
        err,
        CodecError::Frame(FrameError::FrameTooLarge { max: 8, .. })
    ));
    assert!(buf.is_empty());
}
