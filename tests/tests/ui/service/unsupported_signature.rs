#[wirewright::service]
pub trait Kv {
    #[wire(id = 1)]
    async fn get(&mut self, key: String) -> Result<Option<String>, String>;
    #[wire(id = 2)]
    async fn put(&self, key: &str, value: String) -> Result<(), String>;
    #[wire(id = 3)]
    async fn len(&self) -> u64;
}

fn main() {}
