use wirewright::Message;

#[derive(Message)]
enum Shape {
    #[wire(tag = 1)]
    Circle,
    #[wire(tag = 0)]
    Dot,
    // Takes tag 1, like `Circle`.
    Square,
}

fn main() {}
