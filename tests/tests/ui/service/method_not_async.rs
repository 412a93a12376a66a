#[wirewright::service]
pub trait Kv {
    #[wire(id = 1)]
    fn get(&self, key: String) -> Result<Option<String>, String>;
}

fn main() {}
