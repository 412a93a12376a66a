use wirewright::Message;

#[derive(Message)]
struct Reading {
    #[wire(fixed, skip)]
    value: u32,
}

fn main() {}
