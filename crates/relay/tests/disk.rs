//! The relay binary on a disk that fills up, and on a data directory it cannot write.
//! Each test makes a small filesystem of its own (a tmpfs mounted in a user and mount
//! namespace of the test's own, through `unshare` and `nsenter` from util-linux), so no
//! real disk is ever filled and nothing outside the test is touched.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Relay, append, connect, keys, stored};
use landsbyplan_relay::store::sqlite::Db;
use landsbyplan_sync::{DocId, ErrorCode};

/// A filesystem of `size` (tmpfs) the test's relays keep their data in. It lives as long
/// as the namespace its holder process keeps; dropping it ends both.
struct Disk {
    holder: Child,
    dir: PathBuf,
    base: tempfile::TempDir,
}

impl Disk {
    fn new(size: &str) -> Self {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("data");
        std::fs::create_dir(&dir).unwrap();
        let errors = base.path().join("unshare.err");
        let mut holder = Command::new("unshare")
            .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
            .arg(r#"mount -t tmpfs -o "size=$1" tmpfs "$2" && echo ready && exec sleep 600"#)
            .args(["sh", size])
            .arg(&dir)
            .stdout(Stdio::piped())
            .stderr(File::create(&errors).unwrap())
            .spawn()
            .expect("unshare (util-linux) runs");
        let mut line = String::new();
        BufReader::new(holder.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(
            line.trim(),
            "ready",
            "the test could not make a small filesystem of its own (a tmpfs in a user and \
             mount namespace): {}",
            std::fs::read_to_string(&errors).unwrap_or_default()
        );
        Self { holder, dir, base }
    }

    /// `program` run inside the namespace, where the small filesystem is mounted.
    fn inside(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new("nsenter");
        command
            .args([
                "--target",
                &self.holder.id().to_string(),
                "--user",
                "--mount",
                "--",
            ])
            .arg(program);
        command
    }

    /// Runs a shell command inside the namespace (`$1` is the data directory).
    fn sh(&self, script: &str) {
        let status = self
            .inside("sh")
            .args(["-c", script, "sh"])
            .arg(&self.dir)
            .status()
            .unwrap();
        assert!(status.success(), "`{script}` failed: {status}");
    }

    /// Starts the relay on the small filesystem, or, if it stops at once, what it said
    /// on stderr.
    fn start_relay(&self) -> Result<Relay, String> {
        let errors = self.base.path().join("relay.err");
        let mut command = self.inside(env!("CARGO_BIN_EXE_landsbyplan-relay"));
        command
            .args(["--listen", "127.0.0.1:0", "--min-free-disk-bytes", "0"])
            .arg("--app-dir")
            .arg(&self.dir)
            .arg("--data-dir")
            .arg(&self.dir)
            .env("RUST_LOG", "warn")
            .stderr(File::create(&errors).unwrap());
        Relay::spawn(command).map_err(|status| {
            assert!(!status.success(), "a relay that did not start says so");
            std::fs::read_to_string(&errors).unwrap()
        })
    }

    /// A copy of the data directory, outside the namespace.
    fn copy_out(&self, to: &Path) {
        let status = self
            .inside("cp")
            .arg("-a")
            .arg(self.dir.join("."))
            .arg(to)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

/// The 16 KiB payload number `n`: no two alike.
fn payload(n: u32) -> Vec<u8> {
    let mut bytes = n.to_le_bytes().repeat(4096);
    bytes[..4].copy_from_slice(b"disk");
    bytes
}

/// What a copy of a relay's data directory holds of `doc`, after SQLite's own check.
fn kept_in(copy: &Path, doc: &DocId) -> BTreeMap<u64, Vec<u8>> {
    let check: String = rusqlite::Connection::open(copy.join("relay.sqlite3"))
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok", "the store is whole");
    let store = Db::open(copy).unwrap();
    store
        .backlog(doc, 0)
        .unwrap()
        .entries
        .into_iter()
        .map(|entry| (entry.seq, entry.payload))
        .collect()
}

#[tokio::test]
async fn a_full_disk_refuses_appends_plainly_loses_nothing_acknowledged_and_recovers() {
    let run = async {
        let disk = Disk::new("2m");
        let relay = disk.start_relay().unwrap();
        let space = keys(1);
        let mut writer = connect(&relay.addr).await;
        // Fill it: 16 KiB entries until the relay says it cannot store one (a 2 MiB disk
        // holds fewer than 128).
        let mut acked = BTreeMap::new();
        let mut refusal = None;
        for n in 0..128 {
            match append(&mut writer, &space, &payload(n)).await {
                Ok(seq) => {
                    acked.insert(seq, payload(n));
                }
                Err(refused) => {
                    refusal = Some(refused);
                    break;
                }
            }
        }
        let (code, message) = refusal.expect("the disk filled up");
        assert!(
            acked.len() > 10,
            "{} entries before it was full",
            acked.len()
        );
        assert_eq!(code, ErrorCode::StorageFailed);
        assert!(message.contains("could not store"), "{message}");
        // Full, it goes on answering: more appends are refused, and every acknowledged
        // entry is read back whole.
        for n in 1_000..1_003 {
            let refused = append(&mut writer, &space, &payload(n)).await;
            assert_eq!(
                refused.map_err(|(code, _)| code),
                Err(ErrorCode::StorageFailed)
            );
        }
        assert_eq!(stored(&relay.addr, space.doc_id()).await, acked);
        let full = acked.len();

        // Space returns: appends are taken again, on the same connection and relay.
        disk.sh(r#"mount -o remount,size=64m "$1""#);
        for n in 2_000..2_010 {
            let seq = append(&mut writer, &space, &payload(n)).await.unwrap();
            acked.insert(seq, payload(n));
        }
        assert_eq!(stored(&relay.addr, space.doc_id()).await, acked);
        drop(relay);

        // The store on disk is whole and holds every acknowledged entry.
        let copy = tempfile::tempdir().unwrap();
        disk.copy_out(copy.path());
        assert_eq!(kept_in(copy.path(), &space.doc_id()), acked);
        println!(
            "full disk: {full} entries of 16 KiB acknowledged before it was full, each kept; {} after space returned",
            acked.len() - full
        );
    };
    tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the full-disk test finishes within 120 s");
}

#[tokio::test]
async fn a_read_only_data_directory_is_reported_plainly_and_the_store_comes_back_whole() {
    let run = async {
        let disk = Disk::new("16m");
        let relay = disk.start_relay().unwrap();
        let space = keys(2);
        let mut writer = connect(&relay.addr).await;
        let mut acked = BTreeMap::new();
        for n in 0..5 {
            let seq = append(&mut writer, &space, &payload(n)).await.unwrap();
            acked.insert(seq, payload(n));
        }
        drop(relay);

        disk.sh(r#"mount -o remount,ro "$1""#);
        let stderr = disk.start_relay().map(drop).unwrap_err();
        // Its last words (warnings may come before them on stderr).
        let said = stderr.lines().last().unwrap_or_default().to_owned();
        assert!(
            said.starts_with("landsbyplan-relay: cannot open the store in "),
            "{said}"
        );
        assert!(
            said.contains("read-only") || said.contains("readonly"),
            "{said}"
        );
        println!(
            "on a read-only data directory the relay stops saying: {}",
            said.trim()
        );

        disk.sh(r#"mount -o remount,rw "$1""#);
        let relay = disk.start_relay().unwrap();
        assert_eq!(stored(&relay.addr, space.doc_id()).await, acked);
        let mut writer = connect(&relay.addr).await;
        assert!(append(&mut writer, &space, &payload(5)).await.is_ok());
        drop(relay);
    };
    tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the read-only test finishes within 120 s");
}
