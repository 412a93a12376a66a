//! The buffers frames are written into.

use bytes::{BufMut, BytesMut};

/// A growable buffer that a frame is appended to: `Vec<u8>` or `BytesMut` (the write
/// buffer of a `tokio_util::codec::Framed`). The frame writer reserves the whole frame
/// once, then reads back the bytes it wrote to compute their CRC; a writer that fails
/// half way (a JSON payload that cannot be written) truncates what it wrote.
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

    /// Shortens the buffer to `len` bytes; does nothing when it is not longer.
    ///
    /// ```
    /// use wirewright::FrameBuf;
    /// let mut buf = vec![1, 2, 3];
    /// FrameBuf::truncate(&mut buf, 1);
    /// assert_eq!(buf, [1]);
    /// ```
    fn truncate(&mut self, len: usize);
}

impl FrameBuf for Vec<u8> {
    #[inline]
    fn reserve(&mut self, additional: usize) {
        Vec::reserve(self, additional);
    }
    #[inline]
    fn truncate(&mut self, len: usize) {
        Vec::truncate(self, len);
    }
}

impl FrameBuf for BytesMut {
    #[inline]
    fn reserve(&mut self, additional: usize) {
        BytesMut::reserve(self, additional);
    }
    #[inline]
    fn truncate(&mut self, len: usize) {
        BytesMut::truncate(self, len);
    }
}
