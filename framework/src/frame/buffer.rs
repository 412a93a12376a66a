//! The buffers frames are written into.

use bytes::{BufMut, BytesMut};

/// A growable buffer that a frame is appended to: `Vec<u8>` or `BytesMut` (the write
/// buffer of a `tokio_util::codec::Framed`). The frame writer reserves the whole frame
/// once, then reads back the bytes it wrote to compute their CRC.
///
/// ```
/// use wirewright::FrameBuf;
/// let mut buf: Vec<u8> = Vec::new();
/// FrameBuf::reserve(&mut buf, 100);
/// assert!(buf.capacity() >= 100);
/// ```
pub trait FrameBuf: BufMut + AsRef<[u8]> + AsMut<[u8]> {
    /// Makes room for at least `additional` more bytes.
    fn reserve(&mut self, additional: usize);
}

impl FrameBuf for Vec<u8> {
    #[inline]
    fn reserve(&mut self, additional: usize) {
        Vec::reserve(self, additional);
    }
}

impl FrameBuf for BytesMut {
    #[inline]
    fn reserve(&mut self, additional: usize) {
        BytesMut::reserve(self, additional);
    }
}
