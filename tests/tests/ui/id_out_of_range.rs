use wirewright::Message;

#[derive(Message)]
#[wire(id = 70000)]
struct Join {
    room: String,
}

fn main() {}
