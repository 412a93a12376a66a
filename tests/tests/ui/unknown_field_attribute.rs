use wirewright::Message;

#[derive(Message)]
struct Say {
    #[wire(fix)]
    at_ms: u64,
}

fn main() {}
