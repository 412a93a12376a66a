//! Every negative vector of SPEC.md §9.9: wirewright rejects the bytes with the error the
//! spec names, at the offset it names, and the error's class (connection or message,
//! SPEC.md §3.5) is the one the spec gives.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use tokio_util::codec::Decoder;
use wirewright::bytes::{Bytes, BytesMut};
use wirewright::frame::decode_frame;
use wirewright::rpc::Inbound;
use wirewright::transport::{CodecError, ControlError, FrameCodec, Hello};
use wirewright::{Decode, DecodeError, DecodeErrorKind, FrameError, HEADER_LEN};
use wirewright_tests::spec::{negatives, spec_text, Negative};
use wirewright_tests::spec_types::{Join, Shape, Tree};

/// The error's name in SPEC.md §9.0's vocabulary, and where it was found.
type Found = (&'static str, Option<usize>);

fn decode_error(err: &DecodeError) -> Found {
    let name = match err.kind() {
        DecodeErrorKind::UnexpectedEnd { .. } => "unexpected-end",
        DecodeErrorKind::VarintOverlong => "overlong-varint",
        DecodeErrorKind::VarintOverflow { .. } => "varint-overflow",
        DecodeErrorKind::IntegerOutOfRange { .. } => "integer-out-of-range",
        DecodeErrorKind::InvalidBool { .. } => "invalid-bool",
        DecodeErrorKind::InvalidOptionTag { .. } => "invalid-option-tag",
        DecodeErrorKind::UnknownVariant { .. } => "unknown-variant",
        DecodeErrorKind::InvalidUtf8 { .. } => "invalid-utf8",
        DecodeErrorKind::InvalidChar { .. } => "invalid-char",
        DecodeErrorKind::LengthExceedsInput { .. } => "length-exceeds-input",
        DecodeErrorKind::CountExceedsInput { .. } => "count-exceeds-input",
        DecodeErrorKind::ZeroSizedCountExceedsLimit { .. } => "zero-sized-count-exceeds-limit",
        DecodeErrorKind::DepthLimitExceeded { .. } => "depth-limit-exceeded",
        DecodeErrorKind::KeyOrder => "key-order",
        DecodeErrorKind::TrailingBytes { .. } => "trailing-bytes",
        other => panic!("no SPEC.md name for {other:?}"),
    };
    (name, Some(err.offset()))
}

fn frame_error(err: &FrameError, input_len: usize) -> Found {
    match err {
        FrameError::Truncated { available, .. } => ("truncated", Some(*available)),
        FrameError::BadMagic { offset, .. } => ("bad-magic", Some(*offset)),
        FrameError::UnsupportedVersion { .. } => ("unsupported-version", Some(4)),
        FrameError::ReservedFlags { .. } => ("reserved-flags", Some(5)),
        FrameError::InvalidFlags { .. } => ("invalid-flags", Some(5)),
        FrameError::FrameTooLarge { .. } => ("frame-too-large", Some(12)),
        FrameError::BadCrc { offset, .. } => ("bad-crc", Some(*offset)),
        FrameError::TrailingBytes { count } => ("trailing-bytes", Some(input_len - count)),
        FrameError::UnknownMessageType { .. } => ("unknown-message-type", Some(6)),
        FrameError::UnexpectedFormat { .. } => ("unexpected-format", Some(5)),
        FrameError::UnexpectedControlFrame { .. } | FrameError::UnexpectedKind { .. } => {
            ("unexpected-kind", Some(5))
        }
        FrameError::Payload { source, .. } => (
            "invalid-payload",
            Some(HEADER_LEN + decode_error(source).1.unwrap()),
        ),
        FrameError::Json { .. } => ("invalid-payload", None),
        other => panic!("no SPEC.md name for {other}"),
    }
}

fn codec_error(err: &CodecError, input_len: usize) -> Found {
    match err {
        CodecError::Frame(err) => frame_error(err, input_len),
        CodecError::Control(err) => (
            "malformed-control",
            Some(match err {
                ControlError::UnknownKind { .. } => 6,
                ControlError::JsonFlag { .. } => 5,
                ControlError::CorrelationId { .. } => 8,
                ControlError::Payload { source, .. } => HEADER_LEN + source.offset(),
                ControlError::UnexpectedHello => 6,
                ControlError::HelloTooLong { .. } => 12,
                other => panic!("no offset for {other}"),
            }),
        ),
        other => panic!("no SPEC.md name for {other}"),
    }
}

/// SPEC.md §3.5's class of a frame error, as wirewright decides it.
fn class_of_frame_error(err: &FrameError) -> &'static str {
    if err.is_connection_error() {
        "connection"
    } else {
        "message"
    }
}

/// A control frame that breaks §7 is always a connection error.
fn class_of_codec_error(err: &CodecError) -> &'static str {
    match err {
        CodecError::Frame(err) => class_of_frame_error(err),
        _ => "connection",
    }
}

/// A stream receiver whose protocol is `{Join}` and that takes part in HELLO (SPEC.md
/// §13.6): a HELLO as the first frame is the handshake's, then frames until the error,
/// then the end of the stream. Offsets count from the first byte of `bytes`.
fn stream_error(bytes: &[u8]) -> (Found, &'static str) {
    let offset_by = |start: usize, ((name, offset), class): (Found, &'static str)| {
        ((name, offset.map(|offset| offset + start)), class)
    };
    let start = match Hello::read_frame(bytes, &wirewright::Limits::default()) {
        Ok(Some((_, len))) => len,
        Ok(None) => 0,
        Err(err) => return (codec_error(&err, bytes.len()), class_of_codec_error(&err)),
    };
    let mut codec = FrameCodec::<Join>::new();
    let mut src = BytesMut::from(&bytes[start..]);
    loop {
        // The frame being read starts where the bytes consumed so far end.
        let frame_start = bytes.len() - src.len();
        let failed = |err: CodecError| {
            let found = (codec_error(&err, bytes.len()), class_of_codec_error(&err));
            match &err {
                // A frame error's offset is within the frame, except trailing bytes and
                // truncation, which count from the input's start already.
                CodecError::Frame(FrameError::TrailingBytes { .. })
                | CodecError::Frame(FrameError::Truncated { .. }) => found,
                _ => offset_by(frame_start, found),
            }
        };
        match codec.decode(&mut src) {
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(err) => return failed(err),
        }
        match codec.decode_eof(&mut src) {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the stream receiver accepted every frame"),
            Err(err) => return failed(err),
        }
    }
}

fn payload_error(vector: &Negative) -> Found {
    fn rejected<'a, T: Decode<'a> + std::fmt::Debug>(bytes: &'a [u8]) -> Found {
        match T::decode(bytes) {
            Ok(value) => panic!("accepted as {value:?}"),
            Err(err) => decode_error(&err),
        }
    }
    let bytes = &vector.bytes;
    match vector.ty.to_string().as_str() {
        "bool" => rejected::<bool>(bytes),
        "u16" => rejected::<u16>(bytes),
        "u32" => rejected::<u32>(bytes),
        "u64" => rejected::<u64>(bytes),
        "f64" => rejected::<f64>(bytes),
        "char" => rejected::<char>(bytes),
        "String" => rejected::<String>(bytes),
        "Bytes" => rejected::<Bytes>(bytes),
        "Option<u32>" => rejected::<Option<u32>>(bytes),
        "Vec<u8>" => rejected::<Vec<u8>>(bytes),
        "Vec<u32>" => rejected::<Vec<u32>>(bytes),
        "Vec<f64>" => rejected::<Vec<f64>>(bytes),
        "Vec<()>" => rejected::<Vec<()>>(bytes),
        "Map<String, u8>" => rejected::<BTreeMap<String, u8>>(bytes),
        "Map<u16, u8>" => rejected::<BTreeMap<u16, u8>>(bytes),
        "Set<u16>" => rejected::<BTreeSet<u16>>(bytes),
        "(u8, bool)" => rejected::<(u8, bool)>(bytes),
        "Shape" => rejected::<Shape>(bytes),
        "Join" => rejected::<Join>(bytes),
        "Tree" => rejected::<Tree>(bytes),
        other => panic!("{}: type {other} is not in the test registry", vector.name),
    }
}

/// A frame vector: the stream receiver and the one-frame-buffer receiver report the
/// same error (the buffer receiver alone for trailing bytes, the stream receiver alone
/// for control frames, which only a connection takes).
fn frame_vector_error(vector: &Negative) -> (Found, &'static str) {
    let bytes = &vector.bytes;
    let buffer = || match decode_frame::<Join>(bytes) {
        Ok((_, join)) => panic!("{}: accepted {join:?}", vector.name),
        Err(err) => (frame_error(&err, bytes.len()), class_of_frame_error(&err)),
    };
    match vector.error.as_str() {
        "trailing-bytes" => buffer(),
        "malformed-control" => stream_error(bytes),
        _ => {
            let found = stream_error(bytes);
            assert_eq!(
                buffer(),
                found,
                "{}: the two receivers disagree",
                vector.name
            );
            found
        }
    }
}

#[test]
fn every_negative_spec_vector_is_rejected_with_the_named_error_and_offset() {
    let vectors = negatives(&spec_text());
    assert!(
        vectors.len() >= 30,
        "only {} negative vectors",
        vectors.len()
    );
    let mut wrong = Vec::new();
    for vector in &vectors {
        let is_frame = vector.ty.names().first() == Some(&"Frame");
        // A payload's error is an invalid payload (§3.5): a message error.
        let ((error, offset), class) = if is_frame {
            assert_eq!(vector.ty.to_string(), "Frame<Join>", "{}", vector.name);
            frame_vector_error(vector)
        } else {
            (payload_error(vector), "message")
        };
        let offset_matches = vector.offset.is_none() || offset == vector.offset;
        if error != vector.error || !offset_matches || class != vector.class {
            wrong.push(format!(
                "{}: wirewright reports {error} at {offset:?} ({class}), SPEC.md says {} at {:?} ({})",
                vector.name, vector.error, vector.offset, vector.class
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `frame` with correlation id `id` (and its CRC recomputed).
fn with_correlation_id(frame: &[u8], id: u32) -> Vec<u8> {
    let mut frame = frame.to_vec();
    frame[8..12].copy_from_slice(&id.to_le_bytes());
    let body = frame.len() - 4;
    let crc = wirewright::frame::frame_crc(&frame[..body]);
    frame[body..].copy_from_slice(&crc.to_le_bytes());
    frame
}

#[test]
fn message_class_frames_are_answerable_by_a_request_server() {
    // A request/response server decodes requests as `Inbound`: a message-class error
    // on a request (correlation id not 0) leaves the frame in hand (to answer with code
    // 1 or 2, SPEC.md §11.4) instead of failing the connection; on a frame with
    // correlation id 0, which cannot be answered, it fails the connection (§3.5, §11.1).
    let vectors = negatives(&spec_text());
    let mut checked = 0;
    for vector in vectors.iter().filter(|v| v.class == "message") {
        if !matches!(
            vector.error.as_str(),
            "unknown-message-type" | "invalid-payload"
        ) {
            continue;
        }
        let unanswerable = with_correlation_id(&vector.bytes, 0);
        assert!(
            decode_frame::<Inbound<Join>>(&unanswerable).is_err(),
            "{}: not a request, yet tolerated",
            vector.name
        );
        let request = with_correlation_id(&vector.bytes, 7);
        let (_, inbound) = decode_frame::<Inbound<Join>>(&request)
            .unwrap_or_else(|err| panic!("{}: the framing failed: {err}", vector.name));
        let Inbound::Undecodable { error } = inbound else {
            panic!("{}: decoded", vector.name);
        };
        let (name, _) = frame_error(&error, vector.bytes.len());
        assert_eq!(name, vector.error, "{}", vector.name);
        checked += 1;
    }
    assert!(checked >= 2, "only {checked} message-class frame vectors");
}

#[test]
fn the_depth_limit_vectors_sit_exactly_at_the_default_limit() {
    let vectors = negatives(&spec_text());
    let deep = vectors.iter().find(|v| v.name == "tree-depth-129").unwrap();
    // 65 chained trees, each two levels: the 65th tree's struct is level 129.
    assert_eq!(deep.bytes.len(), 65);
    let err = Tree::decode(&deep.bytes).unwrap_err();
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::DepthLimitExceeded { limit: 128 }
    );
    assert!(
        Tree::decode(&deep.bytes[1..]).is_ok(),
        "64 trees (128 levels) decode"
    );
}

/// The error names of SPEC.md §9.0's vocabulary table (both columns).
fn vocabulary(spec: &str) -> Vec<String> {
    let start = spec
        .find("| error | section | | error | section |")
        .unwrap();
    spec[start..]
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .flat_map(|line| {
            line.split('|')
                .filter_map(|cell| cell.trim().strip_prefix('`')?.strip_suffix('`'))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_negative_vector_names_an_error_of_the_fixed_vocabulary() {
    let spec = spec_text();
    let vocabulary = vocabulary(&spec);
    assert_eq!(vocabulary.len(), 27, "{vocabulary:?}");
    for vector in negatives(&spec) {
        assert!(
            vocabulary.contains(&vector.error),
            "{}: {} is not in SPEC.md §9.0's error table",
            vector.name,
            vector.error
        );
    }
}
