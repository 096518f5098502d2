//! Several relay processes on one PostgreSQL database (`LANDSBYPLAN_TEST_POSTGRES`, which
//! `scripts/test` starts on 127.0.0.1; ignored by a plain `cargo test`, run by `cargo test
//! -- --include-ignored` with the variable set): devices spread over three relays, writing at once
//! to two shared documents, all converge on the same logs, while one relay is killed
//! with SIGKILL mid-write and started again and another's listening connection is ended
//! from the database. No acknowledged append is lost. A relay's readiness follows its
//! database: false while the database refuses it, true when it is back. And phones on
//! different relays signal to each other to set up a direct link.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use landsbyplan_sync::{ClientFrame, DocId, RelayFrame, SpaceKeys};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use common::{Relay, Socket, append_frame, keys, send};

/// How long the whole walk may take before the test fails (it stops by itself).
const WALK: Duration = Duration::from_secs(120);

/// Entries each writer appends.
const EACH: u64 = 40;

/// The relay binary on the database at `url`, its admin listener on `admin` if given.
fn start_relay(url: &str, data_dir: &std::path::Path, admin: Option<u16>) -> Relay {
    start_relay_with(url, data_dir, admin, &[])
}

/// [`start_relay`] with more flags.
fn start_relay_with(
    url: &str,
    data_dir: &std::path::Path,
    admin: Option<u16>,
    flags: &[&str],
) -> Relay {
    let mut command = Relay::command(data_dir, flags);
    command
        .env("LANDSBYPLAN_POSTGRES", url)
        .env("RUST_LOG", "error");
    if let Some(port) = admin {
        command.args(["--admin-listen", &format!("127.0.0.1:{port}")]);
    }
    Relay::spawn(command).expect("the relay starts")
}

/// A connection to the relay at `addr`, past its greeting; `None` if it cannot be made.
async fn try_connect(addr: &str) -> Option<Socket> {
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/sync"))
        .await
        .ok()?;
    matches!(next(&mut socket).await?, RelayFrame::Hello { .. }).then_some(socket)
}

/// A connection to whichever address `relay` names now, tried until it is made.
async fn reach(relay: &watch::Receiver<String>) -> Socket {
    loop {
        let addr = relay.borrow().clone();
        if let Some(socket) = try_connect(&addr).await {
            return socket;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The next frame, or `None` when the connection ends (or says nothing for 30 s; a
/// relay killed closes its connections at once).
async fn next(socket: &mut Socket) -> Option<RelayFrame> {
    loop {
        match tokio::time::timeout(Duration::from_secs(30), socket.next()).await {
            Ok(Some(Ok(Message::Binary(bytes)))) => return RelayFrame::decode(&bytes).ok(),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
            _ => return None,
        }
    }
}

/// Appends acknowledged to the writers: document, number, payload.
type Acked = Arc<Mutex<Vec<(DocId, u64, Vec<u8>)>>>;

/// A device appending `EACH` entries to `space` through `relay`; when the connection
/// breaks it connects again (to the relay's new address after a restart) and sends the
/// unanswered entry again, as the app does. `unanswered` counts its appends sent and not
/// yet answered (with the other writers' on the same relay).
async fn write(
    relay: watch::Receiver<String>,
    space: SpaceKeys,
    name: String,
    acked: Acked,
    unanswered: Arc<AtomicUsize>,
) -> u32 {
    let mut socket = reach(&relay).await;
    let mut connected = 1;
    for n in 0..EACH {
        let payload = format!("{name} entry {n}").into_bytes();
        loop {
            unanswered.fetch_add(1, Ordering::SeqCst);
            send_or_not(&mut socket, append_frame(&space, &payload)).await;
            let answer = loop {
                match next(&mut socket).await {
                    Some(RelayFrame::Acked { seq, .. }) => break Some(seq),
                    Some(RelayFrame::Error { code, message, .. }) => {
                        panic!("{name}: the append was refused: {code:?} {message}")
                    }
                    Some(_) => {}
                    None => break None,
                }
            };
            unanswered.fetch_sub(1, Ordering::SeqCst);
            match answer {
                Some(seq) => {
                    acked
                        .lock()
                        .unwrap()
                        .push((space.doc_id(), seq, payload.clone()));
                    break;
                }
                None => {
                    socket = reach(&relay).await;
                    connected += 1;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    connected
}

async fn send_or_not(socket: &mut Socket, frame: ClientFrame) {
    use futures_util::SinkExt;
    let _ = socket.send(Message::Binary(frame.encode().into())).await;
}

/// What one follower was sent, per document: number to payload.
type Seen = Arc<Mutex<HashMap<DocId, BTreeMap<u64, Vec<u8>>>>>;

/// The last number through which `seen` has every entry of `doc`.
fn through(seen: &BTreeMap<u64, Vec<u8>>) -> u64 {
    let mut at = 0;
    while seen.contains_key(&(at + 1)) {
        at += 1;
    }
    at
}

/// A device following `docs` through `relay` until `stop`, resuming from what it has
/// whole when the connection breaks. An entry sent twice must be the same. Returns how
/// many times it connected.
async fn follow(
    relay: watch::Receiver<String>,
    docs: Vec<DocId>,
    seen: Seen,
    mut stop: watch::Receiver<bool>,
) -> u32 {
    let mut connected = 0;
    loop {
        let mut socket = reach(&relay).await;
        connected += 1;
        for doc in &docs {
            let since = seen.lock().unwrap().get(doc).map_or(0, through);
            send(&mut socket, ClientFrame::Subscribe { doc: *doc, since }).await;
        }
        loop {
            let frame = tokio::select! {
                message = socket.next() => match message {
                    Some(Ok(Message::Binary(bytes))) => RelayFrame::decode(&bytes).ok(),
                    Some(Ok(_)) => continue,
                    _ => None,
                },
                _ = stop.changed() => return connected,
            };
            match frame {
                Some(RelayFrame::Entry {
                    doc, seq, payload, ..
                }) => {
                    let mut seen = seen.lock().unwrap();
                    let had = seen.entry(doc).or_default().insert(seq, payload.clone());
                    assert!(
                        had.is_none_or(|had| had == payload),
                        "entry {seq} came with two payloads"
                    );
                }
                Some(RelayFrame::Snapshot { .. }) => panic!("no snapshot was sent to the relays"),
                Some(_) => {}
                None => break,
            }
        }
    }
}

/// Ends the listening connection of the relay with process id `pid` from the database,
/// waiting (up to 5 s) until it is gone; how many it ended.
async fn end_listener_of(url: &str, pid: u32) -> i64 {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .query_one(
            "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity
             WHERE application_name = $1) AS ended",
            &[&format!("landsbyplan-relay listening (pid {pid})")],
        )
        .await
        .unwrap()
        .get(0)
}

/// Waits (up to 30 s) until the relay with process id `pid` listens again.
async fn listening_again(url: &str, pid: u32) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let name = format!("landsbyplan-relay listening (pid {pid})");
    for _ in 0..300 {
        let count: i64 = client
            .query_one(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1",
                &[&name],
            )
            .await
            .unwrap()
            .get(0);
        if count == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("relay {pid} does not listen again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs a PostgreSQL server (LANDSBYPLAN_TEST_POSTGRES); scripts/test starts one and runs it"]
async fn devices_on_three_relays_converge_through_a_killed_relay_and_a_cut_listener() {
    let url = common::database(&common::unique_name("several"));
    let dir = tempfile::tempdir().unwrap();
    let mut relays: Vec<Relay> = (0..3)
        .map(|_| start_relay(&url, dir.path(), None))
        .collect();
    let addresses: Vec<watch::Sender<String>> = relays
        .iter()
        .map(|relay| watch::channel(relay.addr.clone()).0)
        .collect();
    let spaces = [keys(1), keys(2)];
    let docs: Vec<DocId> = spaces.iter().map(SpaceKeys::doc_id).collect();
    let acked: Acked = Arc::default();
    let (stop, stopped) = watch::channel(false);

    // Two writers and one follower on each relay; writers alternate the documents.
    let unanswered: Vec<Arc<AtomicUsize>> = (0..3).map(|_| Arc::default()).collect();
    let mut writers = Vec::new();
    for j in 0..6 {
        writers.push(tokio::spawn(write(
            addresses[j % 3].subscribe(),
            spaces[j % 2].clone(),
            format!("writer {j} on relay {}", j % 3),
            Arc::clone(&acked),
            Arc::clone(&unanswered[j % 3]),
        )));
    }
    let followers: Vec<Seen> = (0..3).map(|_| Seen::default()).collect();
    let mut following = Vec::new();
    for (i, seen) in followers.iter().enumerate() {
        following.push(tokio::spawn(follow(
            addresses[i].subscribe(),
            docs.clone(),
            Arc::clone(seen),
            stopped.clone(),
        )));
    }

    let walk = async {
        let total = 6 * EACH as usize;
        let acked_now = || acked.lock().unwrap().len();
        while acked_now() < total / 4 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Relay 1 killed mid-write (an append of its devices sent and not answered), and
        // started again (at another port, as behind a load balancer); its devices come
        // back to it and send that append again.
        while unanswered[1].load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let killed = relays.remove(1);
        killed.kill();
        let again = start_relay(&url, dir.path(), None);
        addresses[1].send(again.addr.clone()).unwrap();
        relays.insert(1, again);
        while acked_now() < total / 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Relay 2's listening connection ended by the database: it must hear of the
        // others' appends again (and catch up on those it missed).
        assert_eq!(end_listener_of(&url, relays[2].pid()).await, 1);
        listening_again(&url, relays[2].pid()).await;
        let mut connected = Vec::new();
        for writer in writers {
            connected.push(writer.await.unwrap());
        }
        // The writers on relay 1 were cut off mid-write and came back; the others never.
        assert_eq!(connected[0], 1);
        assert!(connected[1] > 1 || connected[4] > 1, "{connected:?}");
        assert_eq!(connected[2], 1);
        // Every follower comes to hold every acknowledged entry.
        loop {
            let acked = acked.lock().unwrap().clone();
            let done = followers.iter().all(|seen| {
                let seen = seen.lock().unwrap();
                acked
                    .iter()
                    .all(|(doc, seq, _)| seen.get(doc).is_some_and(|log| log.contains_key(seq)))
            });
            if done {
                return acked;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let acked = tokio::time::timeout(WALK, walk)
        .await
        .expect("every device converges within two minutes");
    stop.send(true).unwrap();
    let mut connected = Vec::new();
    for follower in following {
        connected.push(follower.await.unwrap());
    }
    // The followers on relays 0 and 2 were never cut off: every entry written through
    // another relay came to them live, on the hints (relay 2's after its listener was
    // ended too). The one on relay 1 came back after the kill.
    assert_eq!(connected, [1, 2, 1], "connections made by each follower");

    assert_eq!(
        acked.len(),
        6 * EACH as usize,
        "every append was acknowledged"
    );
    // The logs the relays hold: per document, numbers 1, 2, … without a gap, each
    // payload once, and every acknowledged entry under its number.
    let mut logs: HashMap<DocId, BTreeMap<u64, Vec<u8>>> = HashMap::new();
    for (doc, seq, payload) in &acked {
        let had = logs.entry(*doc).or_default().insert(*seq, payload.clone());
        assert!(
            had.is_none_or(|had| &had == payload),
            "two payloads acknowledged under number {seq}"
        );
    }
    for doc in &docs {
        let log = &logs[doc];
        assert_eq!(through(log), log.len() as u64, "numbers without a gap");
        assert_eq!(log.len() as u64, 3 * EACH, "each entry once");
        for relay in &relays {
            assert_eq!(&common::stored(&relay.addr, *doc).await, log);
        }
        for seen in &followers {
            assert_eq!(&seen.lock().unwrap()[doc], log, "a follower holds the log");
        }
    }
}

/// The status line and body of a GET of `path` on 127.0.0.1:`port`.
async fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .ok()?;
    let mut response = String::new();
    tokio::time::timeout(
        Duration::from_secs(15),
        stream.read_to_string(&mut response),
    )
    .await
    .ok()?
    .ok()?;
    Some(response)
}

/// Asks `/readyz` until it answers `status` (at most 30 s); the last answer.
async fn readiness_comes_to(port: u16, status: &str) -> String {
    let mut last = String::new();
    for _ in 0..60 {
        if let Some(answer) = get(port, "/readyz").await {
            if answer.starts_with(&format!("HTTP/1.1 {status}")) {
                return answer;
            }
            last = answer;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("/readyz did not come to {status}; it said: {last}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
#[ignore = "needs a PostgreSQL server (LANDSBYPLAN_TEST_POSTGRES); scripts/test starts one and runs it"]
async fn readiness_is_false_while_the_database_refuses_the_relay_and_true_when_it_is_back() {
    let name = common::unique_name("readiness");
    let url = common::database(&name);
    let dir = tempfile::tempdir().unwrap();
    let admin = free_port();
    let relay = start_relay(&url, dir.path(), Some(admin));
    readiness_comes_to(admin, "200").await;
    let space = keys(3);
    let mut socket = common::connect(&relay.addr).await;
    assert_eq!(common::append(&mut socket, &space, b"before").await, Ok(1));

    // The database stops taking the relay's connections and ends those it has.
    let (client, connection) =
        tokio_postgres::connect(&common::postgres_server().unwrap(), tokio_postgres::NoTls)
            .await
            .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(&format!(
            "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false;
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
        ))
        .await
        .unwrap();
    // (The first answers may name a connection the database just closed; then the
    // refusal of new ones.)
    let mut answer = readiness_comes_to(admin, "503").await;
    for _ in 0..60 {
        if answer.contains("not currently accepting connections") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        answer = readiness_comes_to(admin, "503").await;
    }
    // The store's own check says why (the listener is down too, but is asked after).
    assert!(
        answer.contains("store: PostgreSQL: no connection to the database")
            && answer.contains("not currently accepting connections"),
        "{answer}"
    );
    // An append meanwhile is refused plainly, and nothing is acknowledged.
    let refused = common::append(&mut socket, &space, b"during").await;
    let (code, message) = refused.unwrap_err();
    assert_eq!(code, landsbyplan_sync::ErrorCode::StorageFailed);
    assert!(message.contains("try again later"), "{message}");
    // The operator still reads the relay's counters (the refusal among them), and that
    // the store does not answer; its totals are left out rather than made up.
    let metrics = get(admin, "/metrics").await.unwrap();
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    assert!(metrics.contains("\nlandsbyplan_store_up 0\n"), "{metrics}");
    assert!(
        metrics.contains("\nlandsbyplan_refused_total 1\n"),
        "{metrics}"
    );
    assert!(!metrics.contains("landsbyplan_stored_bytes"), "{metrics}");

    // Back: ready again by itself, and the append sent again goes in.
    client
        .batch_execute(&format!(
            "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true"
        ))
        .await
        .unwrap();
    readiness_comes_to(admin, "200").await;
    assert_eq!(common::append(&mut socket, &space, b"during").await, Ok(2));
    let metrics = get(admin, "/metrics").await.unwrap();
    assert!(metrics.contains("\nlandsbyplan_store_up 1\n"), "{metrics}");
    assert!(
        metrics.contains("\nlandsbyplan_stored_bytes 12\n"),
        "{metrics}"
    );
    assert_eq!(
        common::stored(&relay.addr, space.doc_id())
            .await
            .into_values()
            .collect::<Vec<_>>(),
        vec![b"before".to_vec(), b"during".to_vec()]
    );
}

/// A connection to the relay at `addr`, past its greeting, and the connection's number.
async fn greeted(addr: &str) -> (Socket, u64) {
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/sync"))
        .await
        .unwrap();
    match next(&mut socket).await {
        Some(RelayFrame::Hello { peer, .. }) => (socket, peer),
        other => panic!("expected the greeting, got {other:?}"),
    }
}

/// The next signal `socket` is sent, passing over entries and the end of backlogs.
async fn signal_to(socket: &mut Socket) -> (u64, Vec<u8>) {
    loop {
        match next(socket).await {
            Some(RelayFrame::Signal { from, data, .. }) => return (from, data),
            Some(RelayFrame::Entry { .. } | RelayFrame::Subscribed { .. }) => {}
            other => panic!("expected a signal, got {other:?}"),
        }
    }
}

/// Nothing but entries and the end of backlogs comes within half a second.
async fn no_signal(socket: &mut Socket) {
    let quiet = tokio::time::timeout(Duration::from_millis(500), signal_to(socket)).await;
    assert!(quiet.is_err(), "an unexpected signal: {quiet:?}");
}

#[tokio::test]
#[ignore = "needs a PostgreSQL server (LANDSBYPLAN_TEST_POSTGRES); scripts/test starts one and runs it"]
async fn signals_reach_the_devices_of_a_document_on_other_relays_and_only_the_one_addressed() {
    let url = common::database(&common::unique_name("signals"));
    let dir = tempfile::tempdir().unwrap();
    let relays: Vec<Relay> = (0..3)
        .map(|_| start_relay(&url, dir.path(), None))
        .collect();
    let space = keys(7);
    let doc = space.doc_id();
    // Phones a and d on relay 0, b on relay 1, c on relay 2, all following the document.
    let (mut a, a_peer) = greeted(&relays[0].addr).await;
    let (mut b, b_peer) = greeted(&relays[1].addr).await;
    let (mut c, c_peer) = greeted(&relays[2].addr).await;
    let (mut d, d_peer) = greeted(&relays[0].addr).await;
    let peers = [a_peer, b_peer, c_peer, d_peer];
    for (i, one) in peers.iter().enumerate() {
        assert!(
            !peers[i + 1..].contains(one),
            "connection numbers {peers:?} are one each"
        );
    }
    for socket in [&mut a, &mut b, &mut c, &mut d] {
        send(socket, ClientFrame::Subscribe { doc, since: 0 }).await;
    }
    // Once b and c hear of an entry appended through relay 0, their relays listen.
    let mut writer = common::connect(&relays[0].addr).await;
    assert_eq!(common::append(&mut writer, &space, b"first").await, Ok(1));
    for socket in [&mut b, &mut c] {
        loop {
            match next(socket).await {
                Some(RelayFrame::Entry { seq: 1, .. }) => break,
                Some(_) => {}
                None => panic!("entry 1 did not come through the other relay"),
            }
        }
    }

    // a offers to everyone: b and c on the other relays hear it from a, d beside it too.
    send(
        &mut a,
        ClientFrame::Signal {
            doc,
            to: None,
            data: b"sealed offer".to_vec(),
        },
    )
    .await;
    for socket in [&mut b, &mut c, &mut d] {
        assert_eq!(signal_to(socket).await, (a_peer, b"sealed offer".to_vec()));
    }
    // b answers a alone: a hears it, c and d do not.
    send(
        &mut b,
        ClientFrame::Signal {
            doc,
            to: Some(a_peer),
            data: b"sealed answer".to_vec(),
        },
    )
    .await;
    assert_eq!(signal_to(&mut a).await, (b_peer, b"sealed answer".to_vec()));
    no_signal(&mut c).await;
    no_signal(&mut d).await;
    // The largest signal the bus carries crosses; one byte more reaches only the devices
    // on the sender's relay: b's and c's next signal after it is the small one sent after.
    let most = landsbyplan_relay::store::postgres::MAX_SIGNAL_ON_BUS;
    for (size, marker) in [(most, false), (most + 1, false), (5, true)] {
        send(
            &mut a,
            ClientFrame::Signal {
                doc,
                to: None,
                data: vec![u8::from(marker); size],
            },
        )
        .await;
    }
    assert_eq!(signal_to(&mut d).await, (a_peer, vec![0; most]));
    assert_eq!(signal_to(&mut d).await, (a_peer, vec![0; most + 1]));
    assert_eq!(signal_to(&mut d).await, (a_peer, vec![1; 5]));
    for socket in [&mut b, &mut c] {
        assert_eq!(signal_to(socket).await, (a_peer, vec![0; most]));
        assert_eq!(
            signal_to(socket).await,
            (a_peer, vec![1; 5]),
            "the larger one stayed on its relay"
        );
    }
}

#[tokio::test]
#[ignore = "needs a PostgreSQL server (LANDSBYPLAN_TEST_POSTGRES); scripts/test starts one and runs it"]
async fn an_entry_appended_while_a_relay_was_not_listening_reaches_its_devices_when_it_listens_again()
 {
    let url = common::database(&common::unique_name("relisten"));
    let dir = tempfile::tempdir().unwrap();
    let relays: Vec<Relay> = (0..2)
        .map(|_| start_relay(&url, dir.path(), None))
        .collect();
    let space = keys(8);
    let (mut follower, mut writer) = heard_once(&relays[1], &relays[0], &space).await;
    // Relay 1 stops hearing (its listening connection ended, and every attempt to come
    // back refused for a while); one entry is appended meanwhile, and nothing after it.
    let admin = stop_hearing(&url, &relays[1]).await;
    assert_eq!(common::append(&mut writer, &space, b"missed").await, Ok(2));
    hear_again(&admin, &url).await;
    // The hint of entry 2 went out while relay 1 was not listening; when it listens again
    // it reads on from entry 1 and its device gets entry 2 without any other append.
    // (`next` waits 30 s; the listener tries again within 5 s.)
    match next(&mut follower).await {
        Some(RelayFrame::Entry {
            seq: 2, payload, ..
        }) => assert_eq!(payload, b"missed"),
        other => panic!("expected entry 2 once relay 1 listens again, got {other:?}"),
    }
}

#[tokio::test]
#[ignore = "needs a PostgreSQL server (LANDSBYPLAN_TEST_POSTGRES); scripts/test starts one and runs it"]
async fn a_device_whose_relay_missed_entries_a_snapshot_let_go_is_sent_the_snapshot() {
    let url = common::database(&common::unique_name("behind"));
    let dir = tempfile::tempdir().unwrap();
    // Relay 0 keeps at most 1,000 bytes of a document's log, and as many of the entries a
    // snapshot covers: past them, covered entries go at once.
    let writes = start_relay_with(&url, dir.path(), None, &["--max-log-bytes", "1000"]);
    let follows = start_relay(&url, dir.path(), None);
    let space = keys(9);
    let doc = space.doc_id();
    let (mut follower, mut writer) = heard_once(&follows, &writes, &space).await;
    // Relay 1 stops hearing; meanwhile two rounds of four entries, each round covered by
    // a snapshot, and the second lets entries 2 to 4 go.
    let admin = stop_hearing(&url, &follows).await;
    for round in 0..2u8 {
        for k in 0..4u8 {
            let seq = common::append(&mut writer, &space, &[round * 4 + k; 200]).await;
            assert_eq!(seq, Ok(u64::from(round * 4 + k + 2)));
        }
        let covers = u64::from(round * 4 + 5);
        let whole = format!("the space through entry {covers}").into_bytes();
        send(
            &mut writer,
            ClientFrame::Snapshot {
                doc,
                writer: space.read().writer.0,
                covers,
                proof: space.prove_snapshot(covers, &whole),
                payload: whole,
            },
        )
        .await;
        assert!(matches!(
            next(&mut writer).await,
            Some(RelayFrame::Acked { seq, .. }) if seq == covers
        ));
    }
    hear_again(&admin, &url).await;
    // Listening again, relay 1 finds entries 2 to 4 gone: it cannot pass the device the
    // entries in order, so it closes the connection rather than skip them ...
    let closed = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match follower.next().await {
                Some(Ok(Message::Binary(bytes))) => {
                    if let Ok(RelayFrame::Entry { seq, .. }) = RelayFrame::decode(&bytes) {
                        panic!("entry {seq} was passed on past a gap");
                    }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the relay closes the device's connection");
    // ... and the device, subscribing again from entry 1, is sent the snapshot.
    let mut again = common::connect(&follows.addr).await;
    send(&mut again, ClientFrame::Subscribe { doc, since: 1 }).await;
    match next(&mut again).await {
        Some(RelayFrame::Snapshot { covers, .. }) => assert_eq!(covers, 9),
        other => panic!("expected the snapshot, got {other:?}"),
    }
}

/// A device following `space`'s document through `follows`, and one writing to it
/// through `writes`, once the follower got the first entry (so `follows` hears `writes`).
async fn heard_once(follows: &Relay, writes: &Relay, space: &SpaceKeys) -> (Socket, Socket) {
    let doc = space.doc_id();
    let mut follower = common::connect(&follows.addr).await;
    send(&mut follower, ClientFrame::Subscribe { doc, since: 0 }).await;
    assert!(matches!(
        next(&mut follower).await,
        Some(RelayFrame::Subscribed { latest: 0, .. })
    ));
    let mut writer = common::connect(&writes.addr).await;
    assert_eq!(common::append(&mut writer, space, b"heard").await, Ok(1));
    assert!(matches!(
        next(&mut follower).await,
        Some(RelayFrame::Entry { seq: 1, .. })
    ));
    (follower, writer)
}

/// Stops `relay` hearing the others on the database at `url`: the database refuses new
/// connections, and the relay's listening connection is ended. The server's admin
/// connection, for [`hear_again`].
async fn stop_hearing(url: &str, relay: &Relay) -> tokio_postgres::Client {
    let server = common::postgres_server().unwrap();
    let (admin, connection) = tokio_postgres::connect(&server, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let name = url.rsplit_once('/').unwrap().1;
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"
        ))
        .await
        .unwrap();
    assert_eq!(end_listener_of(&server, relay.pid()).await, 1);
    admin
}

/// The database at `url` takes connections again.
async fn hear_again(admin: &tokio_postgres::Client, url: &str) {
    let name = url.rsplit_once('/').unwrap().1;
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true"
        ))
        .await
        .unwrap();
}
