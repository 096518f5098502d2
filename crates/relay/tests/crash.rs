//! The relay binary killed with SIGKILL again and again in the middle of streams of
//! appends: after each restart on the same data directory, every acknowledged entry is
//! there.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Relay, append_frame, stored};
use futures_util::{SinkExt, StreamExt};
use landsbyplan_sync::{RelayFrame, SpaceSecret};
use tokio_tungstenite::tungstenite::Message;

/// A stream of appends from one connection to `doc`: each payload names its round,
/// connection and number, so an acknowledgement tells which one it was (a connection's
/// appends are handled in order).
async fn write_until_killed(
    addr: String,
    keys: landsbyplan_sync::SpaceKeys,
    label: String,
    acked: Arc<Mutex<BTreeMap<u64, Vec<u8>>>>,
    acks: Arc<AtomicUsize>,
) -> (u32, usize) {
    let (mut sink, mut stream) = common::connect(&addr).await.split();
    let payloads: Vec<Vec<u8>> = (0..300u32)
        .map(|n| format!("{label}-{n}").into_bytes())
        .collect();
    let sent = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (payloads, sent) = (payloads.clone(), Arc::clone(&sent));
        tokio::spawn(async move {
            for payload in payloads {
                let frame = append_frame(&keys, &payload);
                if sink
                    .send(Message::Binary(frame.encode().into()))
                    .await
                    .is_err()
                {
                    break;
                }
                sent.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let mut mine = 0u32;
    while let Ok(Some(Ok(Message::Binary(bytes)))) =
        tokio::time::timeout(Duration::from_secs(5), stream.next()).await
    {
        if let RelayFrame::Acked { seq, .. } = RelayFrame::decode(&bytes).unwrap() {
            let earlier = acked
                .lock()
                .unwrap()
                .insert(seq, payloads[mine as usize].clone());
            assert_eq!(earlier, None, "entry number {seq} acknowledged twice");
            mine += 1;
            acks.fetch_add(1, Ordering::Relaxed);
        }
    }
    writer.abort();
    (mine, sent.load(Ordering::Relaxed))
}

/// Killed 20 times at seeded random moments while three connections append to one
/// document without waiting: each time some appends were still unacknowledged, and after
/// each restart every entry ever acknowledged is there, under its number.
#[tokio::test]
async fn no_acknowledged_append_is_lost_when_the_relay_is_killed_mid_write() {
    const KILLS: u32 = 20;
    let run = async {
        let dir = tempfile::tempdir().unwrap();
        let keys = SpaceSecret::from_random([4; 32]).keys();
        let doc = keys.doc_id();
        let acked = Arc::new(Mutex::new(BTreeMap::new()));
        let mut seed: u64 = 0x5eed_1a4d_5b1a_4e00;
        let mut unacknowledged = 0;
        for round in 0..KILLS {
            let relay = Relay::start(dir.path(), &[]);
            let held = stored(&relay.addr, doc).await;
            for (seq, payload) in acked.lock().unwrap().iter() {
                assert_eq!(
                    held.get(seq),
                    Some(payload),
                    "acknowledged entry {seq} is kept"
                );
            }
            // Kill after 5 to 64 acknowledgements of this round.
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let kill_after = 5 + (seed % 60) as usize;
            let acks = Arc::new(AtomicUsize::new(0));
            let writers: Vec<_> = (0..3)
                .map(|conn| {
                    tokio::spawn(write_until_killed(
                        relay.addr.clone(),
                        keys.clone(),
                        format!("{round}-{conn}"),
                        Arc::clone(&acked),
                        Arc::clone(&acks),
                    ))
                })
                .collect();
            while acks.load(Ordering::Relaxed) < kill_after {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            relay.kill();
            let mut in_flight = 0;
            for writer in writers {
                let (mine, sent) = writer.await.unwrap();
                in_flight += sent.saturating_sub(mine as usize);
            }
            assert!(
                in_flight > 0,
                "round {round}: some appends were unacknowledged at the kill"
            );
            unacknowledged += in_flight;
        }
        let relay = Relay::start(dir.path(), &[]);
        let held = stored(&relay.addr, doc).await;
        relay.kill();
        let acked = acked.lock().unwrap();
        for (seq, payload) in acked.iter() {
            assert_eq!(
                held.get(seq),
                Some(payload),
                "acknowledged entry {seq} is kept"
            );
        }
        println!(
            "{KILLS} kills: {} appends acknowledged and kept, {unacknowledged} in flight at the kills",
            acked.len()
        );
    };
    tokio::time::timeout(Duration::from_secs(240), run)
        .await
        .expect("the kill test ends within 4 minutes");
}
