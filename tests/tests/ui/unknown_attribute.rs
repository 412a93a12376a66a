use wirewright::Message;

#[derive(Message)]
#[wire(idd = 1)]
struct Join {
    room: String,
}

fn main() {}
