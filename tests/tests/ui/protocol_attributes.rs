use wirewright::{Message, Protocol};

#[derive(Message)]
#[wire(id = 1)]
struct Join {
    room: String,
}

#[derive(Protocol)]
#[wire(id = 3)]
enum Chat {
    #[wire(tag = 1)]
    Join(#[wire(skip)] Join),
}

fn main() {}
