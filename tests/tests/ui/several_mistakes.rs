// Every mistake is reported in one compile, each at its own span, and the type still
// gets stub impls: the uses in `main` add no errors of their own.
use wirewright::{Encode, Message};

#[derive(Message)]
#[wire(id = -1, colour = "blue")]
struct Join {
    #[wire(fixed = true)]
    at_ms: u64,
    #[wire(with = "not a path", skip)]
    room: String,
    #[wire(skip, skip)]
    cache: u8,
}

fn main() {
    let join = Join { at_ms: 0, room: String::new(), cache: 0 };
    let _ = join.encode_to_vec();
    let _ = Join::ID;
}
