//! The client's load, as tower's balancers read it.

use crate::rpc::RpcClient;

/// The calls waiting for replies on the client's connection
/// ([`RpcClient::pending_calls`]): tower's `p2c` balancer sends the next call to the
/// less loaded of two clients.
///
/// ```
/// use tower::load::Load;
/// use wirewright::rpc::{RpcClient, RpcClientConfig};
/// # #[derive(wirewright::Message, Debug, Clone)] #[wire(id = 1)] struct Ping;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let (io, _peer) = tokio::io::duplex(1024);
/// let client = RpcClient::<Ping, Ping, ()>::over(io, RpcClientConfig::new());
/// assert_eq!(client.load(), 0);
/// # }
/// ```
impl<Req, Resp, E> ::tower::load::Load for RpcClient<Req, Resp, E> {
    type Metric = usize;

    fn load(&self) -> usize {
        self.pending_calls()
    }
}
