//! Prints a frame as annotated hex: every header field with its offset and meaning.

use std::fmt::Write as _;

use wirewright::{Flags, Limits, RawFrame, HEADER_LEN};

/// One line per header field, then the payload and the CRC, for a buffer that holds
/// exactly one frame.
///
/// # Errors
/// The frame's [`wirewright::FrameError`] when `frame` is not one valid frame.
///
/// ```
/// let frame = b"WWRT\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x45\x7b\x46\x0c";
/// # let mut frame = frame.to_vec();
/// # let crc = wirewright::frame::frame_crc(&frame[..16]);
/// # frame[16..].copy_from_slice(&crc.to_le_bytes());
/// let text = wirewright_examples::annotate::annotate(&frame)?;
/// assert!(text.contains("magic"));
/// # Ok::<(), wirewright::FrameError>(())
/// ```
pub fn annotate(frame: &[u8]) -> Result<String, wirewright::FrameError> {
    let raw = RawFrame::parse(frame, &Limits::default())?;
    let header = raw.header;
    let mut out = String::new();
    let mut line = |range: std::ops::Range<usize>, name: &str, meaning: String| {
        let text = format!(
            "  {:>4}  {:<47}  {:<15} {}",
            range.start,
            hex(&frame[range.clone()]),
            name,
            meaning
        );
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(0..4, "magic", "\"WWRT\"".into());
    line(4..5, "version", format!("{}", frame[4]));
    let mut flags = Vec::new();
    flags.push(if header.flags.contains(Flags::JSON) {
        "JSON payload"
    } else {
        "binary payload"
    });
    if header.flags.contains(Flags::CONTROL) {
        flags.push("control frame");
    }
    line(5..6, "flags", flags.join(", "));
    line(6..8, "message type", format!("{}", header.message_type));
    line(
        8..12,
        "correlation id",
        format!("{}", header.correlation_id),
    );
    line(
        12..16,
        "payload length",
        format!("{} bytes", header.payload_len),
    );
    let payload_end = HEADER_LEN + raw.payload.len();
    for (index, chunk) in raw.payload.chunks(16).enumerate() {
        let start = HEADER_LEN + index * 16;
        let name = if index == 0 { "payload" } else { "" };
        let text = if header.flags.contains(Flags::JSON) {
            String::from_utf8_lossy(chunk).into_owned()
        } else {
            String::new()
        };
        line(start..start + chunk.len(), name, text);
    }
    line(
        payload_end..payload_end + 4,
        "CRC-32",
        format!(
            "{:#010x}",
            wirewright::frame::frame_crc(&frame[..payload_end])
        ),
    );
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
