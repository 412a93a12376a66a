use wirewright::{Message, UnknownVariant};

#[derive(Message)]
#[wire(evolvable)]
enum Unit {
    Known,
    #[wire(other)]
    Unknown,
}

#[derive(Message)]
#[wire(evolvable)]
enum Named {
    Known,
    #[wire(other)]
    Unknown { tag: u32, bytes: Vec<u8> },
}

#[derive(Message)]
#[wire(evolvable)]
enum Two {
    Known,
    #[wire(other, tag = 9)]
    Unknown(UnknownVariant),
    #[wire(other)]
    Other(UnknownVariant),
}

#[derive(Message)]
#[wire(evolvable)]
enum WrongType {
    Known,
    #[wire(other)]
    Unknown(Vec<u8>),
}

fn main() {}
