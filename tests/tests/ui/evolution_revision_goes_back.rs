use wirewright::Message;

#[derive(Message)]
#[wire(id = 1)]
struct Order {
    id: u64,
    #[wire(since = 3)]
    priority: u32,
    #[wire(since = 2)]
    note: String,
    comment: String,
}

fn main() {}
