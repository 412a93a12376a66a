use wirewright::{Message, Protocol, UnknownFields, UnknownVariant};

// A frozen enum's variants have no length: nothing can be appended or kept.
#[derive(Message)]
enum Frozen {
    Created {
        by: String,
        #[wire(since = 2)]
        at: u64,
        #[wire(unknown)]
        rest: UnknownFields,
    },
    #[wire(other)]
    Unknown(UnknownVariant),
}

#[derive(Message)]
#[wire(id = 2)]
struct Fields {
    #[wire(since = 1)]
    first: u32,
    #[wire(default = "Default::default")]
    second: u32,
    #[wire(skip, since = 2)]
    third: u32,
    #[wire(unknown, fixed)]
    rest: UnknownFields,
    after_the_rest: u32,
}

#[derive(Message)]
#[wire(id = 3)]
struct Ping;

#[derive(Protocol)]
#[wire(evolvable)]
enum Chat {
    Ping(Ping),
    #[wire(other)]
    Unknown(Ping),
}

fn main() {}
