use wirewright::{frame::encode_frame_json, Message, Protocol};

#[derive(Message)]
#[wire(id = 1)]
struct Join {
    room: String,
}

#[derive(Protocol)]
enum Chat {
    Join(Join),
}

fn main() {
    let mut buf = Vec::new();
    let _ = encode_frame_json(&Chat::Join(Join { room: String::new() }), 0, &mut buf);
}
