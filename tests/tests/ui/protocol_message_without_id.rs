use wirewright::{Message, Protocol};

// Derives `Encode` and `Decode`, but without an id it is not a `Message`.
#[derive(Message)]
struct Join {
    room: String,
}

#[derive(Protocol)]
enum Chat {
    Join(Join),
}

fn main() {}
