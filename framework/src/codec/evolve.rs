//! Protocols that evolve (SPEC.md §12): blocks, and the unknown data a type can keep.
//!
//! A top-level message evolves at no cost: the frame says where its payload ends, so a
//! reader with an older definition skips the fields appended after the ones it knows,
//! and a reader with a newer definition fills the defaults of the appended fields a
//! shorter payload lacks. A type nested in another one (in a `Vec`, an `Option`, a
//! field) evolves when it is declared `#[wire(evolvable)]`: its encoding is then a
//! **block**, one varint byte length followed by the body, so an older reader knows
//! where the value ends.
//!
//! ```text
//!  frozen struct      | field 1 | field 2 |                 (no bytes of its own)
//!  evolvable struct   | len | field 1 | field 2 | appended… |  len = bytes after it
//!  evolvable enum     | tag | len | variant fields…         |
//! ```
//!
//! What an older reader skips it can also keep: a field
//! `#[wire(unknown)] rest: UnknownFields` holds the unknown tail of its block, and an
//! evolvable enum's `#[wire(other)] Unknown(UnknownVariant)` variant holds a variant it
//! does not know. Both re-encode byte for byte, so a proxy built against the older
//! definition forwards newer messages unchanged.
//!
//! The functions here are what derived code calls; hand-written impls can use them too.

use core::fmt;

use bytes::{BufMut, Bytes};

use crate::{varint, Encode, Reader};

/// The bytes of a block that a type's definition does not know: fields a newer
/// definition appended, kept so that encoding the value writes them back unchanged.
///
/// Declare it as the last field, `#[wire(unknown)] rest: UnknownFields`. A value built in
/// code has none (`UnknownFields::default()`); one decoded from a newer writer's block
/// holds that block's tail, a slice of the bytes received (it shares their memory when
/// decoded from [`Bytes`], and never holds more than they did).
///
/// ```
/// use wirewright::{Decode, Encode, Message, UnknownFields};
///
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(id = 1)]
/// struct Join { room: String, #[wire(unknown)] rest: UnknownFields }
///
/// // A newer peer appended a field (`nick: "ann"`) to Join.
/// let newer = b"\x05lobby\x03ann";
/// let (_, join): (_, Join) = wirewright::frame::decode_frame(&frame_of(1, newer))?;
/// assert_eq!(join.room, "lobby");
/// assert_eq!(join.rest.as_bytes(), b"\x03ann");
/// assert_eq!(join.encode_to_vec(), newer); // forwarded unchanged
/// # fn frame_of(id: u16, payload: &[u8]) -> Vec<u8> {
/// #     struct Raw<'a>(u16, &'a [u8]);
/// #     impl Encode for Raw<'_> {
/// #         fn encoded_len(&self) -> usize { self.1.len() }
/// #         fn encode_raw<B: bytes::BufMut + ?Sized>(&self, buf: &mut B) { buf.put_slice(self.1) }
/// #     }
/// #     impl wirewright::Protocol for Raw<'_> {
/// #         fn message_type(&self) -> u16 { self.0 }
/// #         fn message_name(&self) -> &'static str { "Raw" }
/// #     }
/// #     let mut buf = Vec::new();
/// #     wirewright::frame::encode_frame(&Raw(id, payload), 0, &mut buf).unwrap();
/// #     buf
/// # }
/// # Ok::<(), wirewright::FrameError>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownFields(Bytes);

impl UnknownFields {
    /// No unknown data.
    ///
    /// ```
    /// assert!(wirewright::UnknownFields::new().is_empty());
    /// ```
    pub const fn new() -> Self {
        UnknownFields(Bytes::new())
    }

    /// Unknown data holding `bytes`, which are written verbatim at the end of the block.
    /// They should be fields a newer definition appended; anything else makes the block
    /// unreadable for the newer definition.
    ///
    /// ```
    /// let rest = wirewright::UnknownFields::from_bytes(bytes::Bytes::from_static(b"\x03ann"));
    /// assert_eq!(rest.len(), 4);
    /// ```
    pub fn from_bytes(bytes: Bytes) -> Self {
        UnknownFields(bytes)
    }

    /// The bytes, as received.
    ///
    /// ```
    /// assert_eq!(wirewright::UnknownFields::new().as_bytes(), b"");
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, as a [`Bytes`] handle.
    ///
    /// ```
    /// assert!(wirewright::UnknownFields::new().into_bytes().is_empty());
    /// ```
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// How many bytes are held.
    ///
    /// ```
    /// assert_eq!(wirewright::UnknownFields::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether nothing is held (always so for a value from a writer with the same
    /// definition).
    ///
    /// ```
    /// assert!(wirewright::UnknownFields::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Takes every byte `reader` has left: the tail of a block, or of a top-level
    /// payload. Shares the memory of a reader made by [`Reader::from_bytes`].
    ///
    /// ```
    /// let mut reader = wirewright::Reader::new(b"ab");
    /// reader.read_u8()?;
    /// assert_eq!(wirewright::UnknownFields::read_rest(&mut reader).as_bytes(), b"b");
    /// # Ok::<(), wirewright::DecodeError>(())
    /// ```
    #[inline]
    pub fn read_rest(reader: &mut Reader<'_>) -> Self {
        let rest = reader.read_rest();
        UnknownFields(shared_or_copied(reader, rest))
    }
}

impl fmt::Debug for UnknownFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UnknownFields").field(&self.0).finish()
    }
}

/// Written verbatim, with no length: the block around it has one.
impl Encode for UnknownFields {
    #[inline]
    fn encoded_len(&self) -> usize {
        self.0.len()
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        buf.put_slice(&self.0);
    }
}

/// A variant of an evolvable enum that the reader's definition does not know: its tag and
/// the bytes of its block, kept so that it re-encodes byte for byte.
///
/// Hold it in the enum's catch-all variant, `#[wire(other)] Unknown(UnknownVariant)`.
///
/// ```
/// use wirewright::{Decode, Encode, Message, UnknownVariant};
///
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(evolvable)]
/// enum Shape {
///     Circle { radius: u32 },  // tag 0
///     #[wire(other)]
///     Unknown(UnknownVariant),
/// }
///
/// // tag 1 (a variant added later), block of 2 bytes
/// let shape = Shape::decode(&[1, 2, 3, 4])?;
/// let Shape::Unknown(unknown) = &shape else { panic!() };
/// assert_eq!((unknown.tag, unknown.body.as_bytes()), (1, &[3, 4][..]));
/// assert_eq!(shape.encode_to_vec(), [1, 2, 3, 4]);
/// # Ok::<(), wirewright::DecodeError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct UnknownVariant {
    /// The variant's tag, which the reader's definition does not name.
    pub tag: u32,
    /// The variant's block: its fields, as received.
    pub body: UnknownFields,
}

impl UnknownVariant {
    /// Takes the rest of `block` as the body of the variant tagged `tag`.
    ///
    /// ```
    /// let mut block = wirewright::Reader::new(&[5]);
    /// let unknown = wirewright::UnknownVariant::read_rest(9, &mut block);
    /// assert_eq!((unknown.tag, unknown.body.as_bytes()), (9, &[5][..]));
    /// ```
    #[inline]
    pub fn read_rest(tag: u32, block: &mut Reader<'_>) -> Self {
        UnknownVariant {
            tag,
            body: UnknownFields::read_rest(block),
        }
    }
}

/// The tag, the body's length, the body: the form of every evolvable enum variant.
impl Encode for UnknownVariant {
    #[inline]
    fn encoded_len(&self) -> usize {
        varint::encoded_len_u64(u64::from(self.tag)) + block_encoded_len(self.body.len())
    }
    #[inline]
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        varint::put_u64(buf, u64::from(self.tag));
        put_block_len(buf, self.body.len());
        self.body.encode_raw(buf);
    }
}

/// The encoded length of a block whose body is `body_len` bytes: the length varint plus
/// the body.
///
/// ```
/// assert_eq!(wirewright::evolve::block_encoded_len(3), 4);
/// assert_eq!(wirewright::evolve::block_encoded_len(200), 202);
/// ```
#[inline]
pub fn block_encoded_len(body_len: usize) -> usize {
    varint::encoded_len_u64(body_len as u64) + body_len
}

/// Writes the length varint that opens a block of `body_len` bytes; the body follows.
///
/// ```
/// let mut buf = Vec::new();
/// wirewright::evolve::put_block_len(&mut buf, 300);
/// assert_eq!(buf, [0xac, 0x02]);
/// ```
#[inline]
pub fn put_block_len<B: BufMut + ?Sized>(buf: &mut B, body_len: usize) {
    varint::put_u64(buf, body_len as u64);
}

fn shared_or_copied(reader: &Reader<'_>, slice: &[u8]) -> Bytes {
    match reader.source() {
        Some(source) if !slice.is_empty() => source.slice_ref(slice),
        _ => Bytes::copy_from_slice(slice),
    }
}
