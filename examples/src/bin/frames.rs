//! Builds a few frames and prints them as annotated hex, field by field.
//!
//! Run: `cargo run -p wirewright-examples --bin frames`

use wirewright::bytes::BufMut;
use wirewright::{
    decode_frame, encode_frame, Decode, DecodeError, Encode, Flags, FrameHeader, Message, RawFrame,
    Reader,
};
use wirewright_examples::annotate::annotate;

/// A chat message, as SPEC.md §9.4 defines it.
#[derive(Debug, PartialEq)]
struct Join {
    room: String,
    nick: String,
}

impl Encode for Join {
    fn encoded_len(&self) -> usize {
        self.room.encoded_len() + self.nick.encoded_len()
    }
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        self.room.encode_raw(buf);
        self.nick.encode_raw(buf);
    }
}

impl<'de> Decode<'de> for Join {
    const MIN_ENCODED_LEN: usize = 2;
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        Ok(Join {
            room: String::decode_raw(reader).map_err(|e| e.in_field("room").in_type("Join"))?,
            nick: String::decode_raw(reader).map_err(|e| e.in_field("nick").in_type("Join"))?,
        })
    }
}

impl Message for Join {
    const ID: u16 = 1;
    const NAME: &'static str = "Join";
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let join = Join {
        room: "lobby".into(),
        nick: "ann".into(),
    };

    let mut frame = Vec::new();
    encode_frame(&join, 0, &mut frame)?;
    println!("{join:?} as a binary frame ({} bytes):", frame.len());
    print!("{}", annotate(&frame)?);
    let (header, decoded): (FrameHeader, Join) = decode_frame(&frame)?;
    println!(
        "  decodes back to {decoded:?} (message type {})\n",
        header.message_type
    );

    let mut frame = Vec::new();
    encode_frame(&join, 7, &mut frame)?;
    println!("the same message as request 7:");
    println!("{}", annotate(&frame)?);

    let json = br#"{"room":"lobby","nick":"ann"}"#;
    let mut frame = Vec::new();
    RawFrame::write(Flags::JSON, Join::ID, 0, json, &mut frame)?;
    println!(
        "the same message with a JSON payload ({} bytes):",
        frame.len()
    );
    print!("{}", annotate(&frame)?);

    frame[20] ^= 0x01;
    if let Err(err) = decode_frame::<Join>(&frame) {
        println!("\nwith one payload bit flipped: {err}");
    }
    Ok(())
}
