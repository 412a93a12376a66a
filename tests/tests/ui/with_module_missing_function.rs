use wirewright::Message;

mod half_done {
    pub fn encoded_len(_: &u32) -> usize {
        4
    }
}

#[derive(Message)]
struct Address {
    #[wire(with = "half_done")]
    ip: u32,
}

fn main() {}
