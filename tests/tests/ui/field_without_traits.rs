use wirewright::Message;

struct Opaque;

#[derive(Message)]
struct Envelope {
    id: u64,
    payload: Opaque,
}

fn main() {}
