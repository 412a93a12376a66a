use wirewright::Message;

struct Connection;

#[derive(Message)]
struct Session {
    id: u64,
    #[wire(skip)]
    connection: Connection,
}

fn main() {}
