use wirewright::Message;

#[derive(Message)]
struct Reading {
    #[wire(fixed)]
    value: f64,
}

fn main() {}
