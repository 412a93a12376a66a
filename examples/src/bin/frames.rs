//! Builds a few frames and prints them as annotated hex, field by field.
//!
//! Run: `cargo run -p wirewright-examples --bin frames`

use wirewright::frame::{decode_frame, encode_frame};
use wirewright::{Flags, FrameHeader, Message, RawFrame};
use wirewright_examples::annotate::annotate;

/// A chat message, as SPEC.md §9.4 defines it.
#[derive(Message, Debug, PartialEq)]
#[wire(id = 1)]
struct Join {
    room: String,
    nick: String,
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
