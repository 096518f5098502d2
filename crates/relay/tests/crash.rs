//! The relay binary killed with SIGKILL in the middle of a stream of appends: after a
//! restart on the same data directory, every acknowledged entry is there.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use landsbyplan_sync::{ClientFrame, RelayFrame, SpaceSecret};
use tokio_tungstenite::tungstenite::Message;

/// Starts the relay binary on a free port; returns it and its address.
fn start(data_dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_landsbyplan-relay"))
        .args(["--listen", "127.0.0.1:0", "--app-dir"])
        .arg(data_dir)
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let start = line
        .find("127.0.0.1:")
        .expect("the relay prints its address");
    let addr = line[start..].split('/').next().unwrap().to_owned();
    (child, addr)
}

#[tokio::test]
async fn no_acknowledged_append_is_lost_when_the_relay_is_killed_mid_write() {
    let dir = tempfile::tempdir().unwrap();
    let keys = SpaceSecret::from_random([4; 32]).keys();
    let doc = keys.doc_id();
    let (mut relay, addr) = start(dir.path());
    let (socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/sync"))
        .await
        .unwrap();
    let (mut sink, mut stream) = socket.split();

    // Send up to 400 appends without waiting; kill the relay after the 50th ack, while
    // the rest are in flight.
    let writer = tokio::spawn(async move {
        for n in 0..400u32 {
            let payload = n.to_be_bytes().to_vec();
            let frame = ClientFrame::Append {
                doc,
                writer: keys.read().writer.0,
                proof: keys.prove_append(&payload),
                payload,
            };
            if sink
                .send(Message::Binary(frame.encode().into()))
                .await
                .is_err()
            {
                break;
            }
        }
    });
    let mut acked = BTreeMap::new();
    let mut sent_order = 0u32;
    while let Ok(Some(Ok(Message::Binary(bytes)))) =
        tokio::time::timeout(Duration::from_secs(5), stream.next()).await
    {
        if let RelayFrame::Acked { seq, .. } = RelayFrame::decode(&bytes).unwrap() {
            // Appends are handled in order on one connection: the n-th ack is payload n.
            acked.insert(seq, sent_order.to_be_bytes().to_vec());
            sent_order += 1;
            if acked.len() == 50 {
                relay.kill().unwrap();
            }
        }
    }
    relay.wait().unwrap();
    writer.abort();
    assert!(
        acked.len() >= 50,
        "the relay acknowledged {} appends",
        acked.len()
    );

    let (mut relay, addr) = start(dir.path());
    let (mut reader, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/sync"))
        .await
        .unwrap();
    reader
        .send(Message::Binary(
            ClientFrame::Subscribe { doc, since: 0 }.encode().into(),
        ))
        .await
        .unwrap();
    let mut stored = BTreeMap::new();
    while let Ok(Some(Ok(Message::Binary(bytes)))) =
        tokio::time::timeout(Duration::from_millis(500), reader.next()).await
    {
        if let RelayFrame::Entry { seq, payload, .. } = RelayFrame::decode(&bytes).unwrap() {
            stored.insert(seq, payload);
        }
    }
    relay.kill().unwrap();
    relay.wait().unwrap();
    for (seq, payload) in &acked {
        assert_eq!(
            stored.get(seq),
            Some(payload),
            "acknowledged entry {seq} is kept"
        );
    }
}
