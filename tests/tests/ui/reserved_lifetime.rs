use wirewright::Message;

#[derive(Message)]
struct Say<'de> {
    text: &'de str,
}

fn main() {}
