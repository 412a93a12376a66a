//! The echo protocol: one message type, sent back unchanged.

use wirewright::transport::{Connection, ConnectionError};
use wirewright::Message;

/// A line of text; the echo server sends it back with the same correlation id.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 1)]
pub struct Text {
    /// The line.
    pub text: String,
}

/// The echo server's connection handler: every message goes back, with its correlation
/// id, until the client closes.
///
/// # Errors
/// Why the connection ended, if not cleanly.
///
/// ```no_run
/// use wirewright::transport::{Server, ServerConfig};
/// # #[tokio::main] async fn main() -> std::io::Result<()> {
/// let server = Server::bind("127.0.0.1:7000", ServerConfig::new()).await?;
/// server.serve(wirewright_examples::echo::echo).await
/// # }
/// ```
pub async fn echo(mut connection: Connection<Text>) -> Result<(), ConnectionError> {
    while let Some(received) = connection.recv().await? {
        let correlation_id = received.correlation_id();
        connection
            .send_correlated(correlation_id, received.message)
            .await?;
    }
    Ok(())
}
