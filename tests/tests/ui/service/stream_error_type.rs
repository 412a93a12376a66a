use wirewright::rpc::Streaming;

/// A stream's items fail with another error than the service's.
#[wirewright::service]
pub trait Feed {
    #[wire(id = 1)]
    async fn watch(&self, prefix: String) -> Result<Streaming<String, u32>, String>;
}

fn main() {}
