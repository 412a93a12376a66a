#[wirewright::service]
pub trait Kv {
    #[wire(id = 1)]
    async fn get(&self, key: String) -> Result<Option<String>, String>;
    #[wire(id = 1)]
    async fn put(&self, key: String, value: String) -> Result<(), String>;
}

fn main() {}
