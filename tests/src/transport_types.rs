//! The message the transport tests send.

use wirewright::bytes::Bytes;
use wirewright::Message;

/// A numbered message: which client sent it, its sequence number, and a body.
///
/// ```
/// use wirewright::Encode;
/// let packet = wirewright_tests::transport_types::Packet::numbered(1, 2);
/// assert_eq!(packet.encode_to_vec()[..2], [1, 2]);
/// ```
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 20)]
pub struct Packet {
    /// The sending client.
    pub client: u32,
    /// Sequence number within the client's connection.
    pub seq: u32,
    /// Payload; decoded zero-copy from the frame.
    pub body: Bytes,
}

impl Packet {
    /// A packet with a short body naming it.
    ///
    /// ```
    /// let packet = wirewright_tests::transport_types::Packet::numbered(3, 4);
    /// assert_eq!(&packet.body[..], b"client 3 message 4");
    /// ```
    pub fn numbered(client: u32, seq: u32) -> Packet {
        Packet {
            client,
            seq,
            body: Bytes::from(format!("client {client} message {seq}")),
        }
    }
}
