// A protocol with a type parameter: ids of its concrete message types are still checked
// by `cargo check`.
use wirewright::{Message, Protocol};

#[derive(Message)]
#[wire(id = 7)]
struct Put<V> {
    value: V,
}

#[derive(Message)]
#[wire(id = 8)]
struct Get {
    key: String,
}

#[derive(Message)]
#[wire(id = 8)]
struct Delete {
    key: String,
}

#[derive(Protocol)]
enum Store<V> {
    Put(Put<V>),
    Get(Get),
    Delete(Delete),
}

fn main() {}
