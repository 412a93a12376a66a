//! Graceful shutdown on Ctrl-C (SIGINT) or SIGTERM.

use wirewright::transport::CancellationToken;

/// Cancels `token` when the process receives SIGINT or SIGTERM (on Unix; Ctrl-C
/// elsewhere). Call it from inside a tokio runtime.
///
/// ```no_run
/// # #[tokio::main] async fn main() {
/// let token = wirewright::transport::CancellationToken::new();
/// wirewright_examples::shutdown::cancel_on_signal(token.clone());
/// token.cancelled().await; // until Ctrl-C
/// # }
/// ```
pub fn cancel_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        wait_for_signal().await;
        eprintln!("signal received: shutting down gracefully");
        token.cancel();
    });
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
