//! Log output of the example programs.

/// Prints tracing events to stderr, filtered by `RUST_LOG` when it is set and by
/// `default` (e.g. `"info"`) otherwise. Call it once, at the start of `main`.
///
/// ```
/// wirewright_examples::logging::init("warn");
/// ```
pub fn init(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).init();
}
