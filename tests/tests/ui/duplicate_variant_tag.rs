use wirewright::Message;

#[derive(Message)]
enum Shape {
    Dot,
    #[wire(tag = 5)]
    Circle(u32),
    Square(u32),
    #[wire(tag = 5)]
    Line(u32),
}

fn main() {}
