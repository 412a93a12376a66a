use wirewright::Message;

#[derive(Message)]
#[wire(id = "one")]
struct Join {
    room: String,
}

fn main() {}
