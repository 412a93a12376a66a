/// Not a wire type: no Encode, no Decode.
#[derive(Debug, Clone)]
pub struct Lock;

#[wirewright::service]
pub trait Locks {
    #[wire(id = 1)]
    async fn take(&self, name: String, lock: Lock) -> Result<(), String>;
}

fn main() {}
