use wirewright::Protocol;

#[derive(Protocol)]
struct Chat {
    text: String,
}

fn main() {}
