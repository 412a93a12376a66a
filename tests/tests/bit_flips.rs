//! The CRC-32 trailer (with the header checks) detects every single-bit error in frames
//! of 0 to 1 KiB of payload and every two-bit error in frames of up to 64 bytes, header
//! and trailer included.
#![allow(clippy::unwrap_used)]

use wirewright::{Flags, Limits, RawFrame};

/// A frame around `payload_len` bytes of deterministic, varied payload.
fn frame(payload_len: usize, correlation_id: u32) -> Vec<u8> {
    let payload: Vec<u8> = (0..payload_len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_left(7) as u8)
        .collect();
    let mut buf = Vec::new();
    RawFrame::write(Flags::EMPTY, 0x0102, correlation_id, &payload, &mut buf).unwrap();
    buf
}

fn flip(frame: &mut [u8], bit: usize) {
    frame[bit / 8] ^= 1 << (bit % 8);
}

fn assert_rejected(frame: &[u8], what: &str) {
    let limits = Limits::default();
    assert!(
        RawFrame::parse(frame, &limits).is_err(),
        "undetected: {what}"
    );
}

#[test]
fn every_single_bit_flip_is_detected_for_payloads_up_to_1_kib() {
    let mut sizes: Vec<usize> = (0..=64).collect();
    for edge in [128usize, 256, 512, 1024] {
        sizes.extend([edge - 1, edge, edge + 1]);
    }
    sizes.retain(|&size| size <= 1024);
    for size in sizes {
        let original = frame(size, 0xdead_beef);
        assert!(RawFrame::parse(&original, &Limits::default()).is_ok());
        let mut corrupted = original.clone();
        for bit in 0..original.len() * 8 {
            flip(&mut corrupted, bit);
            assert_rejected(&corrupted, &format!("bit {bit} of a {size}-byte payload"));
            flip(&mut corrupted, bit);
        }
    }
}

#[test]
fn every_two_bit_flip_is_detected_in_frames_up_to_64_bytes() {
    // Frames are 20 bytes plus the payload: every length from 20 to 64 bytes.
    for size in 0..=44 {
        let original = frame(size, 7);
        assert_eq!(original.len(), size + 20);
        let bits = original.len() * 8;
        let mut corrupted = original.clone();
        for first in 0..bits {
            flip(&mut corrupted, first);
            for second in first + 1..bits {
                flip(&mut corrupted, second);
                assert_rejected(
                    &corrupted,
                    &format!("bits {first} and {second}, {} bytes", original.len()),
                );
                flip(&mut corrupted, second);
            }
            flip(&mut corrupted, first);
        }
    }
}
