use wirewright::{Message, Protocol};

#[derive(Message)]
#[wire(id = 1)]
struct Join {
    room: String,
}

#[derive(Protocol)]
enum Chat {
    Join(Join),
    Ping,
    Pair(Join, Join),
    Named { join: Join },
}

fn main() {}
