use wirewright::Message;

#[derive(Message)]
enum Level {
    Low = 1,
    High = 10,
}

fn main() {}
