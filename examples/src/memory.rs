//! The process's memory, as Linux reports it in `/proc/self/status`.

/// A field of `/proc/self/status` in KiB, such as `"VmHWM"` (peak resident memory) or
/// `"VmRSS"` (resident memory now); `None` where there is no such file (not Linux).
///
/// ```
/// if let Some(peak) = wirewright_examples::memory::status_kib("VmHWM") {
///     assert!(peak > 0);
/// }
/// ```
pub fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

/// KiB as MiB with one decimal.
///
/// ```
/// assert_eq!(wirewright_examples::memory::mib(1536), "1.5 MiB");
/// ```
pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}
