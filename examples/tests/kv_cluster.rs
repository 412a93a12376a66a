//! `kv cluster`: three servers and a balanced client; each phase's calls are all accounted
//! for, and every server takes calls again after the stopped one is restarted.
#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The "calls taken" column of the three server rows after `title`.
fn taken_after(output: &str, title: &str) -> Vec<u64> {
    let start = output
        .find(title)
        .unwrap_or_else(|| panic!("no {title:?} in {output}"));
    output[start..]
        .lines()
        .skip(2)
        .take(3)
        .map(|row| row.split_whitespace().nth(1).unwrap().parse().unwrap())
        .collect()
}

/// "N answered, M puts with an unknown outcome" of the phase `title`: N + M.
fn accounted(output: &str, title: &str) -> u64 {
    let start = output.find(title).unwrap();
    let line = output[start..].lines().next().unwrap();
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|word| word.parse().ok())
        .collect();
    numbers.iter().rev().take(2).sum()
}

#[test]
fn kv_cluster_spreads_calls_over_three_servers_and_takes_the_restarted_one_back() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kv"))
        .args(["cluster", "3000"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("kv cluster starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("kv cluster did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut output = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut output)
        .unwrap();
    assert!(status.success(), "{status}: {output}");

    let titles = ["all three up", "server 2 stopped", "server 2 restarted"];
    for title in titles {
        assert_eq!(accounted(&output, title), 3000, "{output}");
    }
    let first = taken_after(&output, titles[0]);
    assert!(first.iter().all(|&calls| calls > 0), "{first:?}\n{output}");
    let last = taken_after(&output, titles[2]);
    assert!(last.iter().all(|&calls| calls > 0), "{last:?}\n{output}");
}
