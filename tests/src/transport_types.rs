//! The message the transport tests send, implemented by hand against the public traits
//! (until `#[derive(Message)]` is available on this branch).

use wirewright::bytes::{BufMut, Bytes};
use wirewright::{Decode, DecodeError, Encode, Message, Reader};

/// A numbered message: which client sent it, its sequence number, and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub fn numbered(client: u32, seq: u32) -> Packet {
        Packet {
            client,
            seq,
            body: Bytes::from(format!("client {client} message {seq}")),
        }
    }
}

impl Encode for Packet {
    fn encoded_len(&self) -> usize {
        self.client.encoded_len() + self.seq.encoded_len() + self.body.encoded_len()
    }
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        self.client.encode_raw(buf);
        self.seq.encode_raw(buf);
        self.body.encode_raw(buf);
    }
}

impl<'de> Decode<'de> for Packet {
    const MIN_ENCODED_LEN: usize = 3;
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        reader.enter()?;
        let client = u32::decode_raw(reader).map_err(|e| e.in_field("client").in_type("Packet"))?;
        let seq = u32::decode_raw(reader).map_err(|e| e.in_field("seq").in_type("Packet"))?;
        let body = Bytes::decode_raw(reader).map_err(|e| e.in_field("body").in_type("Packet"))?;
        reader.leave();
        Ok(Packet { client, seq, body })
    }
}

impl Message for Packet {
    const ID: u16 = 20;
    const NAME: &'static str = "Packet";
}
