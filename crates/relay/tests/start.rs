//! The relay binary's start: limits under which it would serve nobody are refused before
//! it listens, naming the flag.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn the_binary_refuses_a_limit_that_serves_nobody_and_names_its_flag() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value) in [("--burst", "0"), ("--max-snapshot-bytes", "10")] {
        let mut relay = Command::new(env!("CARGO_BIN_EXE_landsbyplan-relay"))
            .args(["--listen", "127.0.0.1:0", flag, value])
            .arg("--data-dir")
            .arg(dir.path())
            .arg("--app-dir")
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let status = loop {
            if let Some(status) = relay.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(10) {
                relay.kill().unwrap();
                panic!("the relay started with {flag} {value}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let output = relay.wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(!status.success());
        assert!(
            said.contains(&format!("landsbyplan-relay: {flag}")),
            "{said}"
        );
        assert!(
            !String::from_utf8_lossy(&output.stdout).contains("running at"),
            "it never said it runs"
        );
    }
}
