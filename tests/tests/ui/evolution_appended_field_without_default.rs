use wirewright::Message;

#[derive(Message)]
struct Colour(u8);

#[derive(Message)]
#[wire(id = 1)]
struct Paint {
    litres: u32,
    #[wire(since = 2)]
    colour: Colour,
}

fn main() {}
