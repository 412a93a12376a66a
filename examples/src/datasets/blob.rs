//! The blob dataset: 64 KiB byte payloads.

use serde::{Deserialize, Serialize};
use wirewright::bytes::Bytes;
use wirewright::Message;

use super::Generator;

/// Bytes in a blob's payload.
pub const BLOB_LEN: usize = 64 * 1024;

/// An opaque payload, owned. serde formats see the bytes as one byte string
/// (`serde_bytes`), as a user would write it, not as a sequence of numbers.
///
/// ```
/// use wirewright_examples::datasets::blob;
/// assert_eq!(blob::blobs(1)[0].data.len(), blob::BLOB_LEN);
/// ```
#[derive(
    Message,
    Serialize,
    Deserialize,
    bincode::Encode,
    bincode::Decode,
    bitcode::Encode,
    bitcode::Decode,
    wincode::SchemaWrite,
    wincode::SchemaRead,
    Debug,
    Clone,
    PartialEq,
)]
#[wire(id = 4)]
pub struct Blob {
    /// Which blob.
    pub id: u32,
    /// The payload.
    #[serde(with = "serde_bytes")]
    pub data: Vec<u8>,
}

/// [`Blob`] borrowing its payload from the buffer it was decoded from. (bitcode cannot
/// borrow a byte slice, so this form has no bitcode derive.)
///
/// ```
/// use wirewright::{Decode, Encode};
/// use wirewright_examples::datasets::blob::{self, BlobRef};
/// let blob = &blob::blobs(1)[0];
/// let bytes = blob.encode_to_vec();
/// assert_eq!(BlobRef::decode(&bytes)?.data, &blob.data[..]);
/// # Ok::<(), wirewright::DecodeError>(())
/// ```
#[derive(
    Message,
    Serialize,
    Deserialize,
    bincode::Encode,
    bincode::BorrowDecode,
    Debug,
    Clone,
    Copy,
    PartialEq,
)]
#[wire(id = 4)]
pub struct BlobRef<'a> {
    /// Which blob.
    pub id: u32,
    /// The payload.
    #[serde(with = "serde_bytes")]
    pub data: &'a [u8],
}

/// [`Blob`] holding its payload as [`Bytes`]: the same encoding, and a value that owns
/// its payload without copying it when decoded from a `Bytes` buffer (a frame the
/// transport received, or [`Decode::decode_bytes`](wirewright::Decode::decode_bytes)):
/// the payload shares the buffer's memory. wirewright only: the peers' derives do not
/// know `Bytes`.
///
/// ```
/// use wirewright::bytes::Bytes;
/// use wirewright::{Decode, Encode};
/// use wirewright_examples::datasets::blob::{self, SharedBlob};
///
/// let blob = &blob::blobs(1)[0];
/// let buffer = Bytes::from(blob.encode_to_vec());
/// let shared = SharedBlob::decode_bytes(&buffer)?;
/// assert_eq!(shared.data, blob.data);
/// assert!(buffer.as_ptr_range().contains(&shared.data.as_ptr())); // no copy
/// # Ok::<(), wirewright::DecodeError>(())
/// ```
#[derive(Message, Debug, Clone, PartialEq)]
#[wire(id = 4)]
pub struct SharedBlob {
    /// Which blob.
    pub id: u32,
    /// The payload.
    pub data: Bytes,
}

impl Blob {
    /// The borrowed form of this blob.
    ///
    /// ```
    /// use wirewright_examples::datasets::blob;
    /// let blob = &blob::blobs(1)[0];
    /// assert_eq!(blob.as_ref().data.len(), blob.data.len());
    /// ```
    pub fn as_ref(&self) -> BlobRef<'_> {
        BlobRef {
            id: self.id,
            data: &self.data,
        }
    }
}

/// `count` blobs of [`BLOB_LEN`] pseudo-random (incompressible) bytes, the same on every
/// call.
///
/// ```
/// use wirewright_examples::datasets::blob;
/// assert_eq!(blob::blobs(2), blob::blobs(2));
/// ```
pub fn blobs(count: usize) -> Vec<Blob> {
    let mut generator = Generator::new(0xb10b);
    (0..count as u32)
        .map(|id| Blob {
            id,
            data: (0..BLOB_LEN / 8)
                .flat_map(|_| generator.next_u64().to_le_bytes())
                .collect(),
        })
        .collect()
}
