use wirewright::{Message, Protocol};

#[derive(Message)]
#[wire(id = 1)]
struct Join {
    room: String,
}

#[derive(Message)]
#[wire(id = 2)]
struct Say<'a> {
    text: &'a str,
}

#[derive(Message)]
#[wire(id = 1)]
struct Kick {
    nick: String,
}

#[derive(Protocol)]
enum Chat<'a> {
    Join(Join),
    Say(Say<'a>),
    Kick(Kick),
}

fn main() {}
