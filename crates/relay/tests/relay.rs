//! The relay over real WebSockets and HTTP on 127.0.0.1, with its real store (SQLite, or
//! PostgreSQL: see `common`).

#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use common::{Socket, append_frame, connect, keys, receive, send};
use futures_util::{SinkExt, StreamExt};
use landsbyplan_relay::{Config, Limits, app};
use landsbyplan_sync::{ClientFrame, ErrorCode, RelayFrame, Sealed, SpaceKeys};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;

/// A relay on a port of its own, with its admin listener on another.
struct Running {
    addr: SocketAddr,
    admin: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn start(data_dir: &Path, app_dir: &Path) -> Self {
        Self::with_limits(data_dir, app_dir, Limits::default()).await
    }

    async fn with_limits(data_dir: &Path, app_dir: &Path, limits: Limits) -> Self {
        Self::with_config(data_dir, app_dir, limits, None).await
    }

    async fn with_config(
        data_dir: &Path,
        app_dir: &Path,
        limits: Limits,
        client_address_header: Option<String>,
    ) -> Self {
        let store = common::store_for(data_dir).await;
        let routers = app(
            store,
            &Config {
                app_dir: app_dir.to_path_buf(),
                limits,
                client_address_header,
            },
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let admin_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let admin = admin_listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(admin_listener, routers.admin).await.unwrap();
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(
                listener,
                routers
                    .public
                    .into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Self {
            addr,
            admin,
            stop: Some(stop),
            task,
        }
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(5), &mut self.task)
            .await
            .unwrap()
            .unwrap();
    }

    async fn connect(&self) -> Socket {
        connect(self.addr).await
    }

    async fn get(&self, path: &str) -> String {
        self.request("GET", path, &[], b"").await
    }

    /// A calendar feed request signed as by the writer of `keys` with `proof`.
    async fn feed(
        &self,
        method: &str,
        path: &str,
        keys: &SpaceKeys,
        (version, proof): (u64, Vec<u8>),
        body: &[u8],
    ) -> String {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let headers = [
            (
                "x-landsbyplan-writer",
                URL_SAFE_NO_PAD.encode(keys.read().writer.0),
            ),
            ("x-landsbyplan-version", version.to_string()),
            ("x-landsbyplan-proof", URL_SAFE_NO_PAD.encode(proof)),
        ];
        self.request(method, path, &headers, body).await
    }

    /// A GET with the given `Accept-Encoding`: the response's headers (lower case) and its
    /// body as bytes.
    async fn get_encoded(&self, path: &str, accept: &str) -> (String, Vec<u8>) {
        let mut stream = TcpStream::connect(self.addr).await.unwrap();
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept-Encoding: {accept}\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response))
            .await
            .unwrap()
            .unwrap();
        let end = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a response has headers");
        let headers = String::from_utf8(response[..end].to_vec())
            .unwrap()
            .to_ascii_lowercase();
        (headers, response[end + 4..].to_vec())
    }

    /// One HTTP/1.1 request over a fresh connection; the whole response as text.
    /// A GET on the admin listener.
    async fn admin_get(&self, path: &str) -> String {
        request(self.admin, "GET", path, &[], b"").await
    }

    async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: &[u8],
    ) -> String {
        request(self.addr, method, path, headers, body).await
    }
}

async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    response
}

/// Nothing arrives within a short while.
async fn silent(socket: &mut Socket) {
    assert!(
        tokio::time::timeout(Duration::from_millis(200), socket.next())
            .await
            .is_err()
    );
}

/// The frame that ends a subscription's backlog: the relay holds entries through `latest`.
async fn caught_up(socket: &mut Socket, keys: &SpaceKeys, latest: u64) {
    assert_eq!(
        receive(socket).await,
        RelayFrame::Subscribed {
            doc: keys.doc_id(),
            latest
        }
    );
}

fn subscribe(keys: &SpaceKeys, since: u64) -> ClientFrame {
    ClientFrame::Subscribe {
        doc: keys.doc_id(),
        since,
    }
}

#[tokio::test]
async fn an_appended_frame_is_acknowledged_and_returned_to_a_second_connection() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let space = keys(1);
    let doc = space.doc_id();

    let mut writer = relay.connect().await;
    send(&mut writer, append_frame(&space, b"sealed bundle")).await;
    assert_eq!(
        receive(&mut writer).await,
        RelayFrame::Acked { doc, seq: 1 }
    );

    let mut reader = relay.connect().await;
    send(&mut reader, subscribe(&space, 0)).await;
    assert_eq!(
        receive(&mut reader).await,
        RelayFrame::Entry {
            doc,
            seq: 1,
            payload: b"sealed bundle".to_vec(),
            proof: space.prove_append(b"sealed bundle"),
        }
    );
    caught_up(&mut reader, &space, 1).await;
    relay.stop().await;
}

#[tokio::test]
async fn a_ping_is_answered_at_once_and_needs_no_document() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let mut device = relay.connect().await;
    send(&mut device, ClientFrame::Ping).await;
    assert_eq!(receive(&mut device).await, RelayFrame::Pong);
    // The connection goes on as before.
    let space = keys(2);
    send(&mut device, append_frame(&space, b"after the ping")).await;
    assert_eq!(
        receive(&mut device).await,
        RelayFrame::Acked {
            doc: space.doc_id(),
            seq: 1
        }
    );
    relay.stop().await;
}

#[tokio::test]
async fn several_clients_converge_and_each_gets_only_its_documents_live() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let (space, other) = (keys(1), keys(2));
    let mut readers = Vec::new();
    for _ in 0..3 {
        let mut reader = relay.connect().await;
        send(&mut reader, subscribe(&space, 0)).await;
        caught_up(&mut reader, &space, 0).await;
        send(&mut reader, append_frame(&other, b"elsewhere")).await;
        assert!(matches!(
            receive(&mut reader).await,
            RelayFrame::Acked { .. }
        ));
        readers.push(reader);
    }
    let mut writer = relay.connect().await;
    for n in 1..=5u8 {
        send(&mut writer, append_frame(&space, &[n])).await;
        assert_eq!(
            receive(&mut writer).await,
            RelayFrame::Acked {
                doc: space.doc_id(),
                seq: u64::from(n)
            }
        );
    }
    for reader in &mut readers {
        for n in 1..=5u8 {
            assert_eq!(
                receive(reader).await,
                RelayFrame::Entry {
                    doc: space.doc_id(),
                    seq: u64::from(n),
                    payload: vec![n],
                    proof: space.prove_append(&[n]),
                }
            );
        }
        silent(reader).await;
    }
    relay.stop().await;
}

#[tokio::test]
async fn a_client_that_was_away_catches_up_from_its_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let space = keys(1);
    let mut writer = relay.connect().await;
    for n in 1..=4u8 {
        send(&mut writer, append_frame(&space, &[n])).await;
        receive(&mut writer).await;
    }
    let mut returning = relay.connect().await;
    send(&mut returning, subscribe(&space, 2)).await;
    assert!(matches!(
        receive(&mut returning).await,
        RelayFrame::Entry { seq: 3, .. }
    ));
    assert!(matches!(
        receive(&mut returning).await,
        RelayFrame::Entry { seq: 4, .. }
    ));
    caught_up(&mut returning, &space, 4).await;
    silent(&mut returning).await;
    relay.stop().await;
}

#[tokio::test]
async fn resending_an_entry_after_a_lost_ack_stores_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let space = keys(1);
    let mut writer = relay.connect().await;
    for _ in 0..2 {
        send(&mut writer, append_frame(&space, b"same")).await;
        assert_eq!(
            receive(&mut writer).await,
            RelayFrame::Acked {
                doc: space.doc_id(),
                seq: 1
            }
        );
    }
    let mut reader = relay.connect().await;
    send(&mut reader, subscribe(&space, 0)).await;
    assert!(matches!(
        receive(&mut reader).await,
        RelayFrame::Entry { seq: 1, .. }
    ));
    caught_up(&mut reader, &space, 1).await;
    silent(&mut reader).await;
    relay.stop().await;
}

#[tokio::test]
async fn an_entry_sent_again_after_a_snapshot_covered_it_keeps_its_number_and_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let space = keys(1);
    let doc = space.doc_id();
    let mut writer = relay.connect().await;
    for n in 1..=2u8 {
        send(&mut writer, append_frame(&space, &[n])).await;
        receive(&mut writer).await;
    }
    let snapshot = ClientFrame::Snapshot {
        doc,
        writer: space.read().writer.0,
        covers: 2,
        payload: b"both".to_vec(),
        proof: space.prove_snapshot(2, b"both"),
    };
    send(&mut writer, snapshot).await;
    receive(&mut writer).await;
    // A device that never saw its entry 1 come back, and was given the snapshot instead,
    // sends the entry again: it keeps its number (a second number would look like a
    // replay to every device that read both), and comes back to the sender, whose
    // connection is past it.
    let mut again = relay.connect().await;
    send(&mut again, subscribe(&space, 0)).await;
    assert!(matches!(
        receive(&mut again).await,
        RelayFrame::Snapshot { covers: 2, .. }
    ));
    caught_up(&mut again, &space, 2).await;
    send(&mut again, append_frame(&space, &[1])).await;
    assert_eq!(
        receive(&mut again).await,
        RelayFrame::Entry {
            doc,
            seq: 1,
            payload: vec![1],
            proof: space.prove_append(&[1]),
        }
    );
    assert_eq!(receive(&mut again).await, RelayFrame::Acked { doc, seq: 1 });
    silent(&mut again).await;
    // Nobody else hears of it again, and the log has nothing new.
    send(&mut writer, append_frame(&space, &[3])).await;
    assert_eq!(
        receive(&mut writer).await,
        RelayFrame::Acked { doc, seq: 3 }
    );
    let mut fresh = relay.connect().await;
    send(&mut fresh, subscribe(&space, 2)).await;
    assert!(matches!(
        receive(&mut fresh).await,
        RelayFrame::Entry { seq: 3, .. }
    ));
    caught_up(&mut fresh, &space, 3).await;
    relay.stop().await;
}

#[tokio::test]
async fn acknowledged_entries_survive_a_restart_of_the_relay() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let space = keys(1);
    let mut writer = relay.connect().await;
    for n in 1..=3u64 {
        send(&mut writer, append_frame(&space, &[n as u8])).await;
        assert_eq!(
            receive(&mut writer).await,
            RelayFrame::Acked {
                doc: space.doc_id(),
                seq: n
            }
        );
    }
    drop(writer);
    relay.stop().await;

    let relay = Running::start(dir.path(), dir.path()).await;
    let mut reader = relay.connect().await;
    send(&mut reader, subscribe(&space, 1)).await;
    assert_eq!(
        receive(&mut reader).await,
        RelayFrame::Entry {
            doc: space.doc_id(),
            seq: 2,
            payload: vec![2],
            proof: space.prove_append(&[2]),
        }
    );
    assert_eq!(
        receive(&mut reader).await,
        RelayFrame::Entry {
            doc: space.doc_id(),
            seq: 3,
            payload: vec![3],
            proof: space.prove_append(&[3]),
        }
    );
    relay.stop().await;
}

#[tokio::test]
async fn someone_who_knows_only_the_document_id_cannot_append_and_reads_only_ciphertext() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let space = keys(1);
    let doc = space.doc_id();
    let mut owner = relay.connect().await;
    let sealed = space
        .read()
        .seal(Sealed::Entry, b"Vorbasse vil have en ny legeplads", [7; 24]);
    send(&mut owner, append_frame(&space, &sealed)).await;
    receive(&mut owner).await;

    let intruder_keys = keys(9);
    let mut intruder = relay.connect().await;
    // Its own key, signing for someone else's document id.
    let forged = ClientFrame::Append {
        doc,
        writer: intruder_keys.read().writer.0,
        payload: b"graffiti".to_vec(),
        proof: intruder_keys.prove_append(b"graffiti"),
    };
    send(&mut intruder, forged).await;
    assert!(matches!(
        receive(&mut intruder).await,
        RelayFrame::Error {
            doc: Some(refused),
            code: ErrorCode::Forbidden,
            ..
        } if refused == doc
    ));
    // The right writer key, but a proof it cannot make.
    let replayed = ClientFrame::Append {
        doc,
        writer: space.read().writer.0,
        payload: b"graffiti".to_vec(),
        proof: space.prove_append(b"something else"),
    };
    send(&mut intruder, replayed).await;
    assert!(matches!(
        receive(&mut intruder).await,
        RelayFrame::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    ));

    send(&mut intruder, ClientFrame::Subscribe { doc, since: 0 }).await;
    let RelayFrame::Entry {
        seq: 1, payload, ..
    } = receive(&mut intruder).await
    else {
        panic!("expected the one stored entry")
    };
    assert!(
        intruder_keys.read().open(Sealed::Entry, &payload).is_err(),
        "without the key, the entry is noise"
    );
    assert_eq!(
        space.read().open(Sealed::Entry, &payload).unwrap(),
        b"Vorbasse vil have en ny legeplads"
    );
    caught_up(&mut intruder, &space, 1).await;
    silent(&mut intruder).await;
    relay.stop().await;
}

#[tokio::test]
async fn the_relays_files_contain_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let space = keys(1);
    let mut writer = relay.connect().await;
    for n in 0..20u8 {
        let sealed = space.read().seal(
            Sealed::Entry,
            format!("CANARY-{n}-Sdr. Omme").as_bytes(),
            [n; 24],
        );
        send(&mut writer, append_frame(&space, &sealed)).await;
        receive(&mut writer).await;
    }
    drop(writer);
    relay.stop().await;
    let mut scanned = 0;
    for (place, bytes) in common::everything_stored(dir.path()).await {
        scanned += bytes.len();
        assert!(
            !bytes.windows(6).any(|w| w == b"CANARY"),
            "plaintext in {place}"
        );
    }
    assert!(
        scanned > 20 * 40,
        "the store's files were read ({scanned} bytes)"
    );
}

#[tokio::test]
async fn a_snapshot_replaces_the_log_it_covers_for_new_subscribers() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let space = keys(1);
    let doc = space.doc_id();
    let mut writer = relay.connect().await;
    for n in 1..=3u8 {
        send(&mut writer, append_frame(&space, &[n])).await;
        receive(&mut writer).await;
    }
    let snapshot = ClientFrame::Snapshot {
        doc,
        writer: space.read().writer.0,
        covers: 3,
        payload: b"all three".to_vec(),
        proof: space.prove_snapshot(3, b"all three"),
    };
    send(&mut writer, snapshot).await;
    assert_eq!(
        receive(&mut writer).await,
        RelayFrame::Acked { doc, seq: 3 }
    );
    send(&mut writer, append_frame(&space, &[4])).await;
    assert_eq!(
        receive(&mut writer).await,
        RelayFrame::Acked { doc, seq: 4 }
    );

    let mut fresh = relay.connect().await;
    send(&mut fresh, subscribe(&space, 0)).await;
    assert_eq!(
        receive(&mut fresh).await,
        RelayFrame::Snapshot {
            doc,
            covers: 3,
            payload: b"all three".to_vec(),
            proof: space.prove_snapshot(3, b"all three"),
        }
    );
    assert_eq!(
        receive(&mut fresh).await,
        RelayFrame::Entry {
            doc,
            seq: 4,
            payload: vec![4],
            proof: space.prove_append(&[4]),
        }
    );
    caught_up(&mut fresh, &space, 4).await;

    let forged = ClientFrame::Snapshot {
        doc,
        writer: space.read().writer.0,
        covers: 4,
        payload: b"fake".to_vec(),
        proof: space.prove_snapshot(3, b"fake"),
    };
    send(&mut fresh, forged).await;
    assert!(matches!(
        receive(&mut fresh).await,
        RelayFrame::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    ));
    relay.stop().await;
}

#[tokio::test]
async fn signaling_reaches_the_other_subscribers_of_the_document_only() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let space = keys(1);
    let doc = space.doc_id();
    let (mut a, mut b, mut stranger) = (
        relay.connect().await,
        relay.connect().await,
        relay.connect().await,
    );
    send(
        &mut a,
        ClientFrame::Signal {
            doc,
            to: None,
            data: b"offer".to_vec(),
        },
    )
    .await;
    assert!(matches!(
        receive(&mut a).await,
        RelayFrame::Error {
            code: ErrorCode::NotSubscribed,
            ..
        }
    ));
    for socket in [&mut a, &mut b] {
        send(socket, subscribe(&space, 0)).await;
        caught_up(socket, &space, 0).await;
    }
    send(&mut stranger, subscribe(&keys(2), 0)).await;
    caught_up(&mut stranger, &keys(2), 0).await;
    send(
        &mut a,
        ClientFrame::Signal {
            doc,
            to: None,
            data: b"offer".to_vec(),
        },
    )
    .await;
    let RelayFrame::Signal { from, data, .. } = receive(&mut b).await else {
        panic!("expected the offer")
    };
    assert_eq!(data, b"offer");
    send(
        &mut b,
        ClientFrame::Signal {
            doc,
            to: Some(from),
            data: b"answer".to_vec(),
        },
    )
    .await;
    assert!(matches!(receive(&mut a).await, RelayFrame::Signal { data, .. } if data == b"answer"));
    silent(&mut stranger).await;
    silent(&mut a).await;
    relay.stop().await;
}

#[tokio::test]
async fn a_bad_frame_gets_a_clear_error_and_the_connection_and_relay_stay_up() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let space = keys(1);
    let mut socket = relay.connect().await;

    socket
        .send(Message::Binary(
            vec![landsbyplan_sync::PROTOCOL_VERSION, 250, 250, 250].into(),
        ))
        .await
        .unwrap();
    assert!(matches!(
        receive(&mut socket).await,
        RelayFrame::Error {
            code: ErrorCode::Malformed,
            ..
        }
    ));
    socket
        .send(Message::Binary(vec![77, 0].into()))
        .await
        .unwrap();
    match receive(&mut socket).await {
        RelayFrame::Error {
            doc: None,
            code: ErrorCode::UnsupportedVersion,
            message,
        } => {
            assert!(message.contains("77"), "{message}");
        }
        other => panic!("expected an unsupported-version error, got {other:?}"),
    }
    socket.send(Message::Text("hello".into())).await.unwrap();
    assert!(matches!(
        receive(&mut socket).await,
        RelayFrame::Error {
            code: ErrorCode::Malformed,
            ..
        }
    ));

    send(&mut socket, append_frame(&space, b"ok")).await;
    assert_eq!(
        receive(&mut socket).await,
        RelayFrame::Acked {
            doc: space.doc_id(),
            seq: 1
        }
    );
    let mut other = relay.connect().await;
    send(&mut other, subscribe(&space, 0)).await;
    assert!(matches!(
        receive(&mut other).await,
        RelayFrame::Entry { seq: 1, .. }
    ));
    relay.stop().await;
}

#[tokio::test]
async fn each_limit_answers_with_its_own_error_and_the_connection_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_payload_bytes: 100,
        max_snapshot_bytes: 400,
        max_log_bytes: 150,
        frames_per_second: 1,
        burst: 8,
        ..Limits::default()
    };
    let relay = Running::with_limits(dir.path(), dir.path(), limits).await;
    let space = keys(1);
    let mut socket = relay.connect().await;
    send(&mut socket, append_frame(&space, &[0; 101])).await;
    assert!(matches!(
        receive(&mut socket).await,
        RelayFrame::Error {
            code: ErrorCode::TooLarge,
            ..
        }
    ));
    send(&mut socket, append_frame(&space, &[1; 100])).await;
    assert!(matches!(
        receive(&mut socket).await,
        RelayFrame::Acked { seq: 1, .. }
    ));
    send(&mut socket, append_frame(&space, &[2; 100])).await;
    assert!(matches!(
        receive(&mut socket).await,
        RelayFrame::Error {
            code: ErrorCode::LogFull,
            ..
        }
    ));
    // A full log is compacted by a snapshot larger than any entry may be, up to the
    // snapshot limit; then the log takes entries again.
    let snapshot = |size: usize| ClientFrame::Snapshot {
        doc: space.doc_id(),
        writer: space.read().writer.0,
        covers: 1,
        payload: vec![3; size],
        proof: space.prove_snapshot(1, &vec![3; size]),
    };
    send(&mut socket, snapshot(401)).await;
    assert!(matches!(
        receive(&mut socket).await,
        RelayFrame::Error {
            code: ErrorCode::TooLarge,
            ..
        }
    ));
    send(&mut socket, snapshot(400)).await;
    assert!(matches!(
        receive(&mut socket).await,
        RelayFrame::Acked { seq: 1, .. }
    ));
    send(&mut socket, append_frame(&space, &[2; 100])).await;
    assert!(matches!(
        receive(&mut socket).await,
        RelayFrame::Acked { seq: 2, .. }
    ));
    let mut limited = 0;
    for n in 0..6u8 {
        send(&mut socket, subscribe(&keys(10 + n), 0)).await;
        if let Ok(Some(Ok(Message::Binary(bytes)))) =
            tokio::time::timeout(Duration::from_millis(300), socket.next()).await
            && matches!(
                RelayFrame::decode(&bytes).unwrap(),
                RelayFrame::Error {
                    code: ErrorCode::RateLimited,
                    ..
                }
            )
        {
            limited += 1;
        }
    }
    assert!(
        limited >= 2,
        "a burst past the limit is refused ({limited} refusals)"
    );
    relay.stop().await;
}

#[tokio::test]
async fn frames_that_do_not_decode_text_and_pings_count_against_the_rate_limit() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        frames_per_second: 1,
        burst: 4,
        ..Limits::default()
    };
    let relay = Running::with_limits(dir.path(), dir.path(), limits).await;
    let honest = keys(1);
    let mut flooder = relay.connect().await;
    // The burst: four frames that do not decode, each refused as malformed.
    for _ in 0..4 {
        flooder
            .send(Message::Binary(
                vec![landsbyplan_sync::PROTOCOL_VERSION, 250].into(),
            ))
            .await
            .unwrap();
        assert!(matches!(
            receive(&mut flooder).await,
            RelayFrame::Error {
                code: ErrorCode::Malformed,
                ..
            }
        ));
    }
    // Past it, text and undecodable frames are refused as too many, and pings count.
    flooder.send(Message::Text("hello".into())).await.unwrap();
    assert!(matches!(
        receive(&mut flooder).await,
        RelayFrame::Error {
            code: ErrorCode::RateLimited,
            doc: None,
            ..
        }
    ));
    for _ in 0..2 {
        flooder.send(Message::Ping(vec![1].into())).await.unwrap();
    }
    // The text and the two pings were refusals 1 to 3 of a burst of 4: one more frame
    // is refused, and the next closes the connection.
    for _ in 0..2 {
        let _ = flooder
            .send(Message::Binary(
                vec![landsbyplan_sync::PROTOCOL_VERSION, 250].into(),
            ))
            .await;
    }
    let (mut refusals, mut closed) = (0, false);
    while !closed {
        match tokio::time::timeout(Duration::from_secs(5), flooder.next()).await {
            Ok(Some(Ok(Message::Binary(bytes)))) => {
                assert!(matches!(
                    RelayFrame::decode(&bytes).unwrap(),
                    RelayFrame::Error {
                        code: ErrorCode::RateLimited,
                        ..
                    }
                ));
                refusals += 1;
            }
            Ok(Some(Ok(Message::Pong(_)))) => {}
            Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) => closed = true,
            Ok(Some(Ok(other))) => panic!("unexpected {other:?}"),
            Err(_) => panic!("the flooding connection is never closed"),
        }
    }
    assert_eq!(refusals, 1, "the pings counted");
    assert!(closed, "the flooding connection is closed");
    // An honest device on another connection is served as ever.
    let mut socket = relay.connect().await;
    send(&mut socket, append_frame(&honest, b"ok")).await;
    assert_eq!(
        receive(&mut socket).await,
        RelayFrame::Acked {
            doc: honest.doc_id(),
            seq: 1
        }
    );
    relay.stop().await;
}

#[tokio::test]
async fn signaling_floods_are_refused_by_size_and_rate_while_others_signal_on() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_signal_bytes: 4096,
        signals_per_second: 2,
        ..Limits::default()
    };
    let relay = Running::with_limits(dir.path(), dir.path(), limits).await;
    let space = keys(1);
    let doc = space.doc_id();
    let (mut flooder, mut honest, mut peer) = (
        relay.connect().await,
        relay.connect().await,
        relay.connect().await,
    );
    for socket in [&mut flooder, &mut honest, &mut peer] {
        send(socket, subscribe(&space, 0)).await;
        caught_up(socket, &space, 0).await;
    }
    let signal = |size: usize| ClientFrame::Signal {
        doc,
        to: None,
        data: vec![7; size],
    };
    // A signal past the size limit is refused and reaches nobody.
    send(&mut flooder, signal(4097)).await;
    assert!(matches!(
        receive(&mut flooder).await,
        RelayFrame::Error {
            code: ErrorCode::TooLarge,
            ..
        }
    ));
    // A burst of twice the rate passes; the next is refused.
    for _ in 0..4 {
        send(&mut flooder, signal(4096)).await;
    }
    send(&mut flooder, signal(4096)).await;
    match receive(&mut flooder).await {
        RelayFrame::Error {
            code: ErrorCode::RateLimited,
            message,
            ..
        } => assert!(message.contains("2 signals a second"), "{message}"),
        other => panic!("expected a rate refusal, got {other:?}"),
    }
    let mut reached = 0;
    while let Ok(Some(Ok(Message::Binary(bytes)))) =
        tokio::time::timeout(Duration::from_millis(300), peer.next()).await
    {
        assert!(matches!(
            RelayFrame::decode(&bytes).unwrap(),
            RelayFrame::Signal { .. }
        ));
        reached += 1;
    }
    assert_eq!(
        reached, 4,
        "only the signals within the limits reach the others"
    );
    // Another device's signaling about the document goes on.
    send(
        &mut honest,
        ClientFrame::Signal {
            doc,
            to: None,
            data: b"offer".to_vec(),
        },
    )
    .await;
    assert!(
        matches!(receive(&mut peer).await, RelayFrame::Signal { data, .. } if data == b"offer")
    );
    relay.stop().await;
}

#[tokio::test]
async fn connections_past_the_limits_are_refused_and_their_places_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_connections: 5,
        max_connections_per_address: 3,
        ..Limits::default()
    };
    let relay = Running::with_limits(dir.path(), dir.path(), limits).await;
    let url = format!("ws://{}/sync", relay.addr);
    // Three from 127.0.0.1 are let in; the fourth is refused with a reason and a time to
    // come back.
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(relay.connect().await);
    }
    let refused = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap_err();
    match refused {
        tokio_tungstenite::tungstenite::Error::Http(response) => {
            assert_eq!(response.status(), 503);
            assert_eq!(response.headers()["retry-after"], "30");
            let body = String::from_utf8(response.body().clone().unwrap_or_default()).unwrap();
            assert!(
                body.contains("this address has 3 open connections, its limit"),
                "{body}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // The open ones are served as ever, and a closed one's place comes back.
    let space = keys(1);
    send(&mut open[0], append_frame(&space, b"ok")).await;
    assert!(matches!(
        receive(&mut open[0]).await,
        RelayFrame::Acked { seq: 1, .. }
    ));
    drop(open.pop());
    let mut again = None;
    for _ in 0..50 {
        if let Ok((socket, _)) = tokio_tungstenite::connect_async(url.as_str()).await {
            again = Some(socket);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(again.is_some(), "a place freed is given again");
    // And the limit holds again once it is taken.
    match tokio_tungstenite::connect_async(url.as_str()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    relay.stop().await;
}

#[tokio::test]
async fn behind_a_proxy_connections_count_by_the_address_it_names_and_in_all() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_connections: 4,
        max_connections_per_address: 2,
        ..Limits::default()
    };
    let header = Some("x-forwarded-for".to_string());
    let relay = Running::with_config(dir.path(), dir.path(), limits, header).await;
    let from = |address: &str| {
        let mut request = format!("ws://{}/sync", relay.addr)
            .into_client_request()
            .unwrap();
        // A client may put anything first; the proxy adds the address it saw last.
        request.headers_mut().insert(
            "x-forwarded-for",
            format!("10.9.9.9, {address}").parse().unwrap(),
        );
        tokio_tungstenite::connect_async(request)
    };
    let status = |result: Result<_, tokio_tungstenite::tungstenite::Error>| match result {
        Ok(_) => 101,
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("{other}"),
    };
    let mut open = Vec::new();
    for address in ["192.0.2.1", "192.0.2.1"] {
        open.push(from(address).await.unwrap());
    }
    assert_eq!(
        status(from("192.0.2.1").await),
        503,
        "a third from one address"
    );
    for address in ["192.0.2.2", "192.0.2.3"] {
        open.push(from(address).await.unwrap());
    }
    assert_eq!(status(from("192.0.2.4").await), 503, "a fifth in all");
    relay.stop().await;
}

/// Waits (at most 10 s) until the admin listener counts `open` connections.
async fn connections_come_to(relay: &Running, open: u64) {
    let line = format!("landsbyplan_connections {open}\n");
    for _ in 0..200 {
        if relay.admin_get("/metrics").await.contains(&line) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the relay never counted {open} open connections");
}

#[tokio::test]
async fn a_silent_connection_is_pinged_then_closed_and_one_that_answers_stays() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        idle_timeout_secs: 1,
        ..Limits::default()
    };
    let relay = Running::with_limits(dir.path(), dir.path(), limits).await;
    let space = keys(1);
    let _silent = relay.connect().await;
    let mut answering = relay.connect().await;
    connections_come_to(&relay, 2).await;
    // Reading answers the relay's pings (the WebSocket layer sends the pongs).
    let until = tokio::time::Instant::now() + Duration::from_millis(2_500);
    let mut pings = 0;
    while let Ok(Some(Ok(message))) = tokio::time::timeout_at(until, answering.next()).await {
        assert!(matches!(message, Message::Ping(_)), "{message:?}");
        pings += 1;
    }
    assert!(pings >= 1, "the quiet connection was pinged");
    connections_come_to(&relay, 1).await;
    send(&mut answering, append_frame(&space, b"still here")).await;
    // The acknowledgement, perhaps after another ping.
    let acked = receive(&mut answering).await;
    assert!(
        matches!(acked, RelayFrame::Acked { seq: 1, .. }),
        "{acked:?}"
    );
    relay.stop().await;
}

#[tokio::test]
async fn a_device_that_stops_reading_its_backlog_is_closed_and_the_relay_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    // A second for any frame, whatever its size.
    let limits = Limits {
        send_timeout_secs: 1,
        slowest_link_bytes_per_second: u64::MAX,
        ..Limits::default()
    };
    let relay = Running::with_limits(dir.path(), dir.path(), limits).await;
    let space = keys(1);
    let mut writer = relay.connect().await;
    // 24 MiB of backlog: more than the sockets between them hold.
    for n in 0..24u8 {
        send(&mut writer, append_frame(&space, &vec![n; 1 << 20])).await;
        assert!(matches!(
            receive(&mut writer).await,
            RelayFrame::Acked { .. }
        ));
    }
    let mut stalled = relay.connect().await;
    send(&mut stalled, subscribe(&space, 0)).await;
    connections_come_to(&relay, 2).await;
    // It never reads: the relay gives up on it and forgets what it had to send.
    connections_come_to(&relay, 1).await;
    send(&mut writer, append_frame(&space, b"and on")).await;
    assert!(matches!(
        receive(&mut writer).await,
        RelayFrame::Acked { seq: 25, .. }
    ));
    drop(stalled);
    relay.stop().await;
}

/// The refusal of an append to a new document, if any.
async fn start_document(socket: &mut Socket, space: &SpaceKeys) -> Option<(ErrorCode, String)> {
    send(socket, append_frame(space, b"first")).await;
    match receive(socket).await {
        RelayFrame::Acked { .. } => None,
        RelayFrame::Error { code, message, .. } => Some((code, message)),
        other => panic!("expected an answer to the append, got {other:?}"),
    }
}

#[tokio::test]
async fn an_address_starts_so_many_new_documents_an_hour_and_the_documents_held_go_on() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        new_documents_per_hour: 3,
        ..Limits::default()
    };
    let header = Some("x-forwarded-for".to_string());
    let relay = Running::with_config(dir.path(), dir.path(), limits, header).await;
    let from = |address: &str| {
        let mut request = format!("ws://{}/sync", relay.addr)
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("x-forwarded-for", address.parse().unwrap());
        async move {
            let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
            receive(&mut socket).await; // the greeting
            socket
        }
    };
    let mut spammer = from("192.0.2.1").await;
    for n in 1..=3 {
        assert_eq!(start_document(&mut spammer, &keys(n)).await, None);
    }
    let (code, message) = start_document(&mut spammer, &keys(4)).await.unwrap();
    assert_eq!(code, ErrorCode::LimitReached);
    assert!(
        message.contains("at most 3 new documents an hour"),
        "{message}"
    );
    // A new connection from the same address counts the same.
    let mut again = from("192.0.2.1").await;
    assert_eq!(
        start_document(&mut again, &keys(5))
            .await
            .map(|(code, _)| code),
        Some(ErrorCode::LimitReached)
    );
    // Its documents go on; another address starts its own.
    send(&mut again, append_frame(&keys(1), b"more")).await;
    assert!(matches!(
        receive(&mut again).await,
        RelayFrame::Acked { seq: 2, .. }
    ));
    let mut honest = from("192.0.2.2").await;
    assert_eq!(start_document(&mut honest, &keys(6)).await, None);
    relay.stop().await;
}

#[tokio::test]
async fn below_the_free_disk_or_over_the_store_quota_no_document_starts_and_held_ones_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let mut socket = relay.connect().await;
    assert_eq!(start_document(&mut socket, &keys(1)).await, None);
    relay.stop().await;

    let full_disk = Limits {
        min_free_disk_bytes: u64::MAX,
        ..Limits::default()
    };
    let over_quota = Limits {
        max_store_bytes: Some(5),
        ..Limits::default()
    };
    // A database server's disk is the database's to watch: the relay's free disk counts
    // only for SQLite.
    let refusing = if common::on_postgres_run() {
        vec![over_quota]
    } else {
        vec![full_disk, over_quota]
    };
    for limits in refusing {
        let relay = Running::with_limits(dir.path(), dir.path(), limits).await;
        let mut socket = relay.connect().await;
        let (code, message) = start_document(&mut socket, &keys(2)).await.unwrap();
        assert_eq!(code, ErrorCode::LimitReached);
        assert!(message.contains("starts no new documents"), "{message}");
        // Nor does a snapshot start one.
        let fresh = keys(3);
        send(
            &mut socket,
            ClientFrame::Snapshot {
                doc: fresh.doc_id(),
                writer: fresh.read().writer.0,
                covers: 0,
                payload: b"whole".to_vec(),
                proof: fresh.prove_snapshot(0, b"whole"),
            },
        )
        .await;
        assert!(matches!(
            receive(&mut socket).await,
            RelayFrame::Error {
                code: ErrorCode::LimitReached,
                ..
            }
        ));
        send(&mut socket, append_frame(&keys(1), b"held")).await;
        assert!(
            matches!(receive(&mut socket).await, RelayFrame::Acked { .. }),
            "a document the relay holds goes on"
        );
        relay.stop().await;
    }
    // With room under the quota and on the disk, a new document starts.
    let limits = Limits {
        max_store_bytes: Some(1 << 30),
        min_free_disk_bytes: 1,
        ..Limits::default()
    };
    let relay = Running::with_limits(dir.path(), dir.path(), limits).await;
    let mut socket = relay.connect().await;
    assert_eq!(start_document(&mut socket, &keys(2)).await, None);
    relay.stop().await;
}

#[tokio::test]
async fn a_connection_follows_so_many_documents_and_those_it_follows_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_subscriptions_per_connection: 3,
        ..Limits::default()
    };
    let relay = Running::with_limits(dir.path(), dir.path(), limits).await;
    let mut greedy = relay.connect().await;
    for n in 1..=3 {
        send(&mut greedy, subscribe(&keys(n), 0)).await;
        assert!(matches!(
            receive(&mut greedy).await,
            RelayFrame::Subscribed { latest: 0, .. }
        ));
    }
    // A fourth is refused, naming the limit; following one again is no new one.
    send(&mut greedy, subscribe(&keys(4), 0)).await;
    match receive(&mut greedy).await {
        RelayFrame::Error {
            doc,
            code: ErrorCode::LimitReached,
            message,
        } => {
            assert_eq!(doc, Some(keys(4).doc_id()));
            assert!(message.contains("at most 3 documents"), "{message}");
        }
        other => panic!("expected the subscription refused, got {other:?}"),
    }
    send(&mut greedy, subscribe(&keys(2), 0)).await;
    assert!(matches!(
        receive(&mut greedy).await,
        RelayFrame::Subscribed { latest: 0, .. }
    ));
    // What it follows still comes to it, and another connection follows the fourth.
    let mut honest = relay.connect().await;
    send(&mut honest, subscribe(&keys(4), 0)).await;
    assert!(matches!(
        receive(&mut honest).await,
        RelayFrame::Subscribed { latest: 0, .. }
    ));
    send(&mut honest, append_frame(&keys(1), b"for the greedy one")).await;
    assert!(matches!(
        receive(&mut honest).await,
        RelayFrame::Acked { seq: 1, .. }
    ));
    match receive(&mut greedy).await {
        RelayFrame::Entry { doc, seq: 1, .. } => assert_eq!(doc, keys(1).doc_id()),
        other => panic!("expected the entry, got {other:?}"),
    }
    // The refused subscription was not made: the fourth's entries do not come to it.
    send(
        &mut honest,
        append_frame(&keys(4), b"not for the greedy one"),
    )
    .await;
    assert!(matches!(
        receive(&mut honest).await,
        RelayFrame::Acked { seq: 1, .. }
    ));
    assert!(matches!(
        receive(&mut honest).await,
        RelayFrame::Entry { seq: 1, .. }
    ));
    silent(&mut greedy).await;
    relay.stop().await;
}

#[tokio::test]
async fn a_backlog_of_many_pages_comes_whole_and_in_order_while_others_append() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let space = keys(1);
    let mut writer = relay.connect().await;
    // Five pages of backlog.
    for n in 0..20u8 {
        send(&mut writer, append_frame(&space, &vec![n; 256 << 10])).await;
        assert!(matches!(
            receive(&mut writer).await,
            RelayFrame::Acked { .. }
        ));
    }
    let mut reader = relay.connect().await;
    send(&mut reader, subscribe(&space, 0)).await;
    // Appends go on while the pages go out.
    for n in 0..5u8 {
        send(&mut writer, append_frame(&space, &[n])).await;
    }
    let (mut seqs, mut latest) = (Vec::new(), None);
    while seqs.len() < 25 || latest.is_none() {
        match receive(&mut reader).await {
            RelayFrame::Entry { seq, .. } => {
                if let Some(latest) = latest {
                    assert!(seq > latest, "only entries past the latest come after it");
                }
                seqs.push(seq);
            }
            RelayFrame::Subscribed { latest: told, .. } => {
                assert!(
                    seqs.iter().all(|&seq| seq <= told),
                    "no entry before the answer is past the latest it names"
                );
                latest = Some(told);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(latest.is_some_and(|latest| latest >= 20));
    assert_eq!(
        seqs,
        (1..=25).collect::<Vec<_>>(),
        "every entry once, in order"
    );
    relay.stop().await;
}

#[tokio::test]
async fn metrics_count_connections_documents_and_appends() {
    let dir = tempfile::tempdir().unwrap();
    // With an app to serve, every unknown path would get its page.
    std::fs::write(dir.path().join("index.html"), "<html></html>").unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let space = keys(1);
    let mut socket = relay.connect().await;
    for n in 0..3u8 {
        send(&mut socket, append_frame(&space, &[n; 10])).await;
        receive(&mut socket).await;
    }
    let metrics = relay.admin_get("/metrics").await;
    for line in [
        "landsbyplan_connections 1",
        "landsbyplan_documents 1",
        "landsbyplan_entries 3",
        "landsbyplan_stored_bytes 30",
        "landsbyplan_appends_total 3",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
    }
    // The operator's listener says whether the relay is up and ready; the public one
    // tells a stranger nothing of its figures.
    assert!(relay.admin_get("/healthz").await.ends_with("ok"));
    let ready = relay.admin_get("/readyz").await;
    assert!(
        ready.starts_with("HTTP/1.1 200") && ready.ends_with("ready\n"),
        "{ready}"
    );
    for path in ["/metrics", "/readyz"] {
        let public = relay.get(path).await;
        assert!(!public.contains("landsbyplan_"), "{public}");
        assert!(public.starts_with("HTTP/1.1 404"), "{public}");
        assert!(public.contains("served on the admin listener"), "{public}");
    }
    relay.stop().await;
}

#[tokio::test]
async fn a_missing_file_gets_a_plain_404_a_screen_gets_the_app_and_files_have_their_types() {
    let data = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    std::fs::write(
        app_dir.path().join("index.html"),
        "<html><script type=\"module\">start()</script></html>",
    )
    .unwrap();
    std::fs::write(app_dir.path().join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(
        app_dir.path().join("app-0123456789abcdef_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .unwrap();
    let relay = Running::start(data.path(), app_dir.path()).await;

    let missing = relay.get("/no/such/file.js").await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    assert!(missing.contains("not found: /no/such/file.js"), "{missing}");

    // A link to one of the app's screens opens the app, under the same policy.
    let screen = relay.get("/space/0123abcd").await.to_ascii_lowercase();
    assert!(screen.starts_with("http/1.1 200"), "{screen}");
    assert!(screen.contains("content-type: text/html"), "{screen}");
    assert!(screen.contains("start()"), "{screen}");
    assert!(
        screen.contains("content-security-policy: default-src 'self'"),
        "{screen}"
    );

    let index = relay.get("/").await.to_ascii_lowercase();
    assert!(index.starts_with("http/1.1 200"), "{index}");
    assert!(
        index.contains("content-security-policy: default-src 'self'"),
        "{index}"
    );
    assert!(index.contains("'sha256-"), "{index}");

    assert!(index.contains("cache-control: no-cache"), "{index}");

    let wasm = relay.get("/app_bg.wasm").await.to_ascii_lowercase();
    assert!(wasm.contains("content-type: application/wasm"), "{wasm}");
    assert!(
        wasm.contains("cache-control: no-cache"),
        "an unhashed name is revalidated"
    );
    let hashed = relay
        .get("/app-0123456789abcdef_bg.wasm")
        .await
        .to_ascii_lowercase();
    assert!(
        hashed.contains("cache-control: public, max-age=31536000, immutable"),
        "{hashed}"
    );

    assert!(relay.get("/healthz").await.ends_with("ok"));
    relay.stop().await;
}

#[tokio::test]
async fn the_app_goes_out_as_the_build_compressed_it_and_decodes_to_the_same_bytes() {
    let data = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let index =
        "<html><script type=\"module\">start()</script><p>Landsbyplan</p></html>".repeat(20);
    std::fs::write(app_dir.path().join("index.html"), &index).unwrap();
    // Something like a wasm file: a header, then code that repeats with variations.
    let wasm: Vec<u8> = b"\0asm\x01\0\0\0"
        .iter()
        .copied()
        .chain((0..200_000u32).map(|i| (i % 251) as u8 ^ (i / 4096) as u8))
        .collect();
    let name = "app-0123456789abcdef_bg.wasm";
    std::fs::write(app_dir.path().join(name), &wasm).unwrap();
    // The build's own step makes the copies.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let made = std::process::Command::new("node")
        .arg(format!("{root}/scripts/precompress.mjs"))
        .arg(app_dir.path())
        .status()
        .expect("node runs the build's compression step");
    assert!(made.success());
    let relay = Running::start(data.path(), app_dir.path()).await;
    let path = format!("/{name}");

    let (headers, body) = relay.get_encoded(&path, "gzip, deflate, br, zstd").await;
    assert!(headers.starts_with("http/1.1 200"), "{headers}");
    assert!(headers.contains("content-encoding: br"), "{headers}");
    assert!(
        headers.contains("content-type: application/wasm"),
        "{headers}"
    );
    assert!(headers.contains("vary: accept-encoding"), "{headers}");
    assert!(
        body.len() < wasm.len() / 4,
        "{} bytes sent for {}",
        body.len(),
        wasm.len()
    );
    let mut decoded = Vec::new();
    brotli::BrotliDecompress(&mut body.as_slice(), &mut decoded).unwrap();
    assert_eq!(decoded, wasm, "brotli decodes to the built file");

    let (headers, body) = relay.get_encoded(&path, "gzip").await;
    assert!(headers.contains("content-encoding: gzip"), "{headers}");
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(body.as_slice()),
        &mut decoded,
    )
    .unwrap();
    assert_eq!(decoded, wasm, "gzip decodes to the built file");

    let (headers, body) = relay.get_encoded(&path, "identity").await;
    assert!(!headers.contains("content-encoding"), "{headers}");
    assert!(headers.contains("vary: accept-encoding"), "{headers}");
    assert_eq!(
        body, wasm,
        "a browser that accepts nothing else gets the file as built"
    );

    let (headers, body) = relay.get_encoded("/", "br").await;
    assert!(headers.contains("content-encoding: br"), "{headers}");
    assert!(
        headers.contains("content-security-policy: default-src 'self'"),
        "{headers}"
    );
    let mut decoded = Vec::new();
    brotli::BrotliDecompress(&mut body.as_slice(), &mut decoded).unwrap();
    assert_eq!(decoded, index.as_bytes());
    relay.stop().await;
}

#[tokio::test]
async fn a_writer_publishes_replaces_and_withdraws_a_calendar_and_nobody_else_can() {
    let data = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let relay = Running::start(data.path(), app_dir.path()).await;
    let owner = keys(41);
    let stranger = keys(42);
    let writer = owner.read().writer;
    let path = format!("/calendar/{}.ics", writer.feed_id());
    let first = b"BEGIN:VCALENDAR\r\nX-WR-CALNAME:Arshjul\r\nEND:VCALENDAR\r\n";
    let publish =
        |keys: &SpaceKeys, version, body: &[u8]| (version, keys.prove_publish(version, body));

    assert!(relay.get(&path).await.starts_with("HTTP/1.1 404"));
    let put = relay
        .feed("PUT", &path, &owner, publish(&owner, 10, first), first)
        .await;
    assert!(put.starts_with("HTTP/1.1 204"), "{put}");
    let got = relay.get(&path).await;
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    let lower = got.to_ascii_lowercase();
    assert!(lower.contains("content-type: text/calendar"), "{got}");
    assert!(lower.contains("x-content-type-options: nosniff"), "{got}");
    assert!(lower.contains("content-security-policy: sandbox"), "{got}");
    assert!(got.ends_with("END:VCALENDAR\r\n"), "{got}");

    // Someone else's key, a proof for other content or another version, or not a
    // calendar: refused.
    let forged = b"BEGIN:VCALENDAR\r\nX-WR-CALNAME:Falsk\r\nEND:VCALENDAR\r\n";
    let theirs = relay
        .feed(
            "PUT",
            &path,
            &stranger,
            publish(&stranger, 11, forged),
            forged,
        )
        .await;
    assert!(theirs.starts_with("HTTP/1.1 403"), "{theirs}");
    let other_body = relay
        .feed("PUT", &path, &owner, publish(&owner, 11, first), forged)
        .await;
    assert!(other_body.starts_with("HTTP/1.1 403"), "{other_body}");
    let other_version = relay
        .feed(
            "PUT",
            &path,
            &owner,
            (12, owner.prove_publish(11, forged)),
            forged,
        )
        .await;
    assert!(other_version.starts_with("HTTP/1.1 403"), "{other_version}");
    let html = b"<html>not a calendar</html>";
    let wrong = relay
        .feed("PUT", &path, &owner, publish(&owner, 11, html), html)
        .await;
    assert!(wrong.starts_with("HTTP/1.1 415"), "{wrong}");
    assert!(
        relay.get(&path).await.contains("Arshjul"),
        "unchanged by the refusals"
    );

    // A newer version replaces it; the older request, replayed, changes nothing.
    let second = b"BEGIN:VCALENDAR\r\nX-WR-CALNAME:Arshjul 2027\r\nEND:VCALENDAR\r\n";
    let newer = relay
        .feed("PUT", &path, &owner, publish(&owner, 20, second), second)
        .await;
    assert!(newer.starts_with("HTTP/1.1 204"), "{newer}");
    let replayed = relay
        .feed("PUT", &path, &owner, publish(&owner, 10, first), first)
        .await;
    assert!(replayed.starts_with("HTTP/1.1 409"), "{replayed}");
    assert!(
        replayed
            .to_ascii_lowercase()
            .contains("x-landsbyplan-version: 20\r\n"),
        "the refusal names the version held, for a writer whose clock is behind: {replayed}"
    );
    assert!(relay.get(&path).await.contains("Arshjul 2027"));

    // Withdrawn by the writer only; the tombstone keeps the version, so replaying an
    // earlier publish cannot bring the calendar back.
    let not_theirs = relay
        .feed(
            "DELETE",
            &path,
            &stranger,
            (21, stranger.prove_withdraw(21)),
            b"",
        )
        .await;
    assert!(not_theirs.starts_with("HTTP/1.1 403"), "{not_theirs}");
    let gone = relay
        .feed("DELETE", &path, &owner, (21, owner.prove_withdraw(21)), b"")
        .await;
    assert!(gone.starts_with("HTTP/1.1 204"), "{gone}");
    assert!(relay.get(&path).await.starts_with("HTTP/1.1 410"));
    let back = relay
        .feed("PUT", &path, &owner, publish(&owner, 20, second), second)
        .await;
    assert!(back.starts_with("HTTP/1.1 409"), "{back}");
    assert!(relay.get(&path).await.starts_with("HTTP/1.1 410"));
    let again = relay
        .feed("PUT", &path, &owner, publish(&owner, 30, second), second)
        .await;
    assert!(again.starts_with("HTTP/1.1 204"), "{again}");
    assert!(relay.get(&path).await.contains("Arshjul 2027"));
    // A version past what the store keeps exactly is refused, so none can block the feed.
    let huge = u64::MAX - 1;
    let too_far = relay
        .feed("PUT", &path, &owner, publish(&owner, huge, second), second)
        .await;
    assert!(too_far.starts_with("HTTP/1.1 400"), "{too_far}");
    relay.stop().await;
}

/// The epoch in the relay's greeting on a new connection to the relay at `addr`.
async fn epoch_of(relay: &Running) -> u64 {
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/sync", relay.addr))
        .await
        .unwrap();
    match receive(&mut socket).await {
        RelayFrame::Hello { epoch, .. } => epoch,
        other => panic!("expected the greeting, got {other:?}"),
    }
}

#[tokio::test]
async fn the_greeting_names_the_stores_epoch_which_outlives_a_restart_but_not_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let first = epoch_of(&relay).await;
    assert_ne!(first, 0, "0 means 'not known yet' to devices");
    relay.stop().await;

    let relay = Running::start(dir.path(), dir.path()).await;
    assert_eq!(
        epoch_of(&relay).await,
        first,
        "the same store after a restart"
    );
    relay.stop().await;

    let other = tempfile::tempdir().unwrap();
    let relay = Running::start(other.path(), dir.path()).await;
    assert_ne!(
        epoch_of(&relay).await,
        first,
        "a new store (the old one lost) has another epoch"
    );
    relay.stop().await;
}

// Several worker threads, as the relay binary runs: connections finish their appends in
// parallel, which is where an entry could reach subscribers after a later one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_subscriber_gets_every_entry_in_order_while_many_devices_append_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let space = keys(1);
    let mut reader = relay.connect().await;
    send(&mut reader, subscribe(&space, 0)).await;
    caught_up(&mut reader, &space, 0).await;
    const WRITERS: u8 = 8;
    const EACH: u8 = 25;
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let mut writer = relay.connect().await;
        let space = space.clone();
        tasks.push(tokio::spawn(async move {
            // Each device sends its appends without waiting, as a phone coming back
            // online does; they all land in the same few transactions.
            for n in 0..EACH {
                send(&mut writer, append_frame(&space, &[w, n])).await;
            }
            for _ in 0..EACH {
                assert!(matches!(
                    receive(&mut writer).await,
                    RelayFrame::Acked { .. }
                ));
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let total = u64::from(WRITERS) * u64::from(EACH);
    for expected in 1..=total {
        match receive(&mut reader).await {
            RelayFrame::Entry { seq, .. } => assert_eq!(seq, expected, "no entry skipped"),
            other => panic!("expected entry {expected}, got {other:?}"),
        }
    }
    silent(&mut reader).await;
    relay.stop().await;
}

/// A connection from `address` as a proxy names it (the relay reads `x-forwarded-for`),
/// past the greeting; or the HTTP status it was refused with.
async fn connect_from(relay: &Running, address: &str) -> Result<Socket, u16> {
    use tokio_tungstenite::tungstenite::{Error, client::IntoClientRequest};
    let mut request = format!("ws://{}/sync", relay.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("x-forwarded-for", address.parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Ok((mut socket, _)) => {
            assert!(matches!(
                receive(&mut socket).await,
                RelayFrame::Hello { .. }
            ));
            Ok(socket)
        }
        Err(Error::Http(response)) => Err(response.status().as_u16()),
        Err(other) => panic!("{other}"),
    }
}

/// The refusal the next frame on `socket` is: its code and message.
async fn refusal_of(socket: &mut Socket) -> (ErrorCode, String) {
    match receive(socket).await {
        RelayFrame::Error { code, message, .. } => (code, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// An honest device on a document of its own, from an address of its own: a writer and
/// a reader, and how many entries it has written, each acknowledged and delivered.
struct Honest {
    keys: SpaceKeys,
    writer: Socket,
    reader: Socket,
    written: u64,
}

impl Honest {
    async fn new(relay: &Running) -> Self {
        let keys = keys(100);
        let writer = connect_from(relay, "198.51.100.7").await.unwrap();
        let mut reader = connect_from(relay, "198.51.100.7").await.unwrap();
        send(&mut reader, subscribe(&keys, 0)).await;
        caught_up(&mut reader, &keys, 0).await;
        Self {
            keys,
            writer,
            reader,
            written: 0,
        }
    }

    /// Writes one entry: acknowledged under the next number and delivered to the reader.
    async fn write(&mut self) {
        let payload = format!("honest {}", self.written + 1).into_bytes();
        send(&mut self.writer, append_frame(&self.keys, &payload)).await;
        self.written += 1;
        assert_eq!(
            receive(&mut self.writer).await,
            RelayFrame::Acked {
                doc: self.keys.doc_id(),
                seq: self.written
            }
        );
        match receive(&mut self.reader).await {
            RelayFrame::Entry {
                seq, payload: got, ..
            } => assert_eq!((seq, got), (self.written, payload)),
            other => panic!("expected the honest entry, got {other:?}"),
        }
    }
}

/// The relay's count of refused frames and connections, from its /metrics.
async fn refused_total(relay: &Running) -> u64 {
    let metrics = relay.admin_get("/metrics").await;
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("landsbyplan_refused_total "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("{metrics}"))
}

/// The code and reason the relay closed `socket` with, or `None` if it is open after 5 s.
async fn close_reason(socket: &mut Socket) -> Option<(u16, String)> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
            Err(_) => return None,
            Ok(Some(Ok(Message::Close(Some(frame))))) => {
                return Some((frame.code.into(), frame.reason.to_string()));
            }
            Ok(other @ (None | Some(Err(_)) | Some(Ok(Message::Close(None))))) => {
                panic!("closed without a reason: {other:?}")
            }
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// Every attack on the relay's resources, one after another against one relay, with an
/// honest device writing on a document of its own before, between and after them: each
/// attacker is refused (or closed) and the honest device's every entry is acknowledged
/// under the next number and delivered. (Attacks that take seconds to play out have
/// their own tests: a silent connection, and a device that never reads its backlog.)
#[tokio::test]
async fn the_attack_catalogue_each_attacker_refused_while_an_honest_device_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_connections_per_address: 4,
        max_subscriptions_per_connection: 3,
        new_documents_per_hour: 3,
        max_payload_bytes: 64 << 10,
        max_signal_bytes: 1024,
        signals_per_second: 5,
        // Slow refill: the junk sender's refusals run a whole burst however the machine
        // schedules it; every other step stays within the burst.
        frames_per_second: 2,
        burst: 100,
        ..Limits::default()
    };
    let header = Some("x-forwarded-for".to_string());
    let relay = Running::with_config(dir.path(), dir.path(), limits, header).await;
    let mut honest = Honest::new(&relay).await;
    honest.write().await;
    let attacker = "203.0.113.66";
    let mut refused = 0;
    // Each step's refusals as the relay counts them (its /metrics).
    let mut counted = refused_total(&relay).await;
    let newly_counted = async |counted: &mut u64| {
        let now = refused_total(&relay).await;
        let new = now - *counted;
        *counted = now;
        new
    };

    // 1. Connections without end from one address: the fifth is turned away.
    let mut crowd = Vec::new();
    for _ in 0..4 {
        crowd.push(connect_from(&relay, attacker).await.unwrap());
    }
    assert_eq!(connect_from(&relay, attacker).await.err(), Some(503));
    refused += 1;
    honest.write().await;
    assert_eq!(newly_counted(&mut counted).await, 1);
    let mut attack = crowd.pop().unwrap();
    drop(crowd);

    // 2. Following documents without end on one connection.
    for n in 1..=3 {
        send(&mut attack, subscribe(&keys(n), 0)).await;
        caught_up(&mut attack, &keys(n), 0).await;
    }
    send(&mut attack, subscribe(&keys(4), 0)).await;
    assert_eq!(refusal_of(&mut attack).await.0, ErrorCode::LimitReached);
    refused += 1;
    honest.write().await;
    assert_eq!(newly_counted(&mut counted).await, 1);

    // 3. Starting documents without end.
    for n in 10..13 {
        send(&mut attack, append_frame(&keys(n), b"mine")).await;
        assert!(matches!(
            receive(&mut attack).await,
            RelayFrame::Acked { .. }
        ));
    }
    send(&mut attack, append_frame(&keys(13), b"mine")).await;
    let (code, message) = refusal_of(&mut attack).await;
    assert_eq!(code, ErrorCode::LimitReached);
    assert!(message.contains("new documents an hour"), "{message}");
    refused += 1;
    honest.write().await;
    assert_eq!(newly_counted(&mut counted).await, 1);

    // 4. An entry larger than the relay takes.
    send(&mut attack, append_frame(&keys(10), &vec![7; 65 << 10])).await;
    assert_eq!(refusal_of(&mut attack).await.0, ErrorCode::TooLarge);
    refused += 1;
    honest.write().await;
    assert_eq!(newly_counted(&mut counted).await, 1);

    // 5. Signaling: a message too large, then a flood of small ones.
    let signal = |data: Vec<u8>| ClientFrame::Signal {
        doc: keys(1).doc_id(),
        to: None,
        data,
    };
    send(&mut attack, signal(vec![1; 2048])).await;
    assert_eq!(refusal_of(&mut attack).await.0, ErrorCode::TooLarge);
    refused += 1;
    assert_eq!(newly_counted(&mut counted).await, 1);
    for _ in 0..40 {
        send(&mut attack, signal(vec![1; 16])).await;
    }
    // The honest device is served while the flood is on its way.
    honest.write().await;
    let mut limited = 0;
    while let Ok(Some(Ok(Message::Binary(bytes)))) =
        tokio::time::timeout(Duration::from_millis(500), attack.next()).await
    {
        if let RelayFrame::Error {
            code: ErrorCode::RateLimited,
            message,
            ..
        } = RelayFrame::decode(&bytes).unwrap()
        {
            assert!(message.contains("signals a second"), "{message}");
            limited += 1;
        }
    }
    assert!(limited > 0, "a flood of signals is rate limited");
    refused += 1;
    honest.write().await;
    assert_eq!(newly_counted(&mut counted).await, limited);

    // 6. Frames that do not decode, text and pings, to get past the rate limit: a
    // connection going a whole burst past it is closed.
    let mut junk = connect_from(&relay, attacker).await.unwrap();
    for n in 0..400u32 {
        let frame = match n % 3 {
            0 => Message::Binary(vec![0xff; 8].into()),
            1 => Message::Text("junk".into()),
            _ => Message::Binary(ClientFrame::Ping.encode().into()),
        };
        if junk.send(frame).await.is_err() {
            break;
        }
    }
    // The honest device is served while the junk is on its way.
    honest.write().await;
    assert_eq!(
        close_reason(&mut junk).await,
        Some((1008, "too many frames".into())),
        "the junk sender is closed with a reason"
    );
    refused += 1;
    honest.write().await;
    // The junk sender's refusals (about a burst's worth) before it was closed.
    let junk_refused = newly_counted(&mut counted).await;
    assert!(junk_refused >= 50, "{junk_refused} junk frames refused");

    // The honest device's log is whole on the relay: each entry once, in order.
    let held = common::stored(relay.addr, honest.keys.doc_id()).await;
    let expected: std::collections::BTreeMap<u64, Vec<u8>> = (1..=9)
        .map(|n| (n, format!("honest {n}").into_bytes()))
        .collect();
    assert_eq!(held, expected);
    println!(
        "attack catalogue: 6 attacks, {refused} kinds of refusal ({} refused frames and connections counted by the relay); the honest device's {} entries each acknowledged in order and delivered",
        counted, honest.written
    );
    relay.stop().await;
}

#[tokio::test]
async fn a_flood_of_signals_to_a_device_that_does_not_read_is_dropped_and_its_entries_still_come() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        signals_per_second: 1_000_000,
        frames_per_second: 1_000_000,
        burst: 1_000_000,
        ..Limits::default()
    };
    let relay = Running::with_limits(dir.path(), dir.path(), limits).await;
    let space = keys(1);
    let mut slow = relay.connect().await;
    send(&mut slow, subscribe(&space, 0)).await;
    caught_up(&mut slow, &space, 0).await;
    let mut flooder = relay.connect().await;
    send(&mut flooder, subscribe(&space, 0)).await;
    caught_up(&mut flooder, &space, 0).await;
    // 3,000 signals of 8 KiB (24 MiB) while the slow device reads nothing: more than the
    // sockets between them and its queue of entries (1,024) hold together.
    const FLOOD: usize = 3_000;
    for _ in 0..FLOOD {
        let signal = ClientFrame::Signal {
            doc: space.doc_id(),
            to: None,
            data: vec![7; 8 << 10],
        };
        send(&mut flooder, signal).await;
    }
    let mut writer = relay.connect().await;
    send(&mut writer, append_frame(&space, b"after the flood")).await;
    assert!(matches!(
        receive(&mut writer).await,
        RelayFrame::Acked { seq: 1, .. }
    ));
    // The slow device reads at last: signals, then the entry; its connection stayed open.
    let mut signals = 0;
    loop {
        match receive(&mut slow).await {
            RelayFrame::Signal { .. } => signals += 1,
            RelayFrame::Entry {
                seq: 1, payload, ..
            } => {
                assert_eq!(payload, b"after the flood");
                break;
            }
            other => panic!("expected signals, then the entry, got {other:?}"),
        }
    }
    // Whatever signals were still queued come after it; the rest were dropped.
    while let Ok(Some(Ok(Message::Binary(bytes)))) =
        tokio::time::timeout(Duration::from_millis(300), slow.next()).await
    {
        match RelayFrame::decode(&bytes).unwrap() {
            RelayFrame::Signal { .. } => signals += 1,
            other => panic!("expected signals, got {other:?}"),
        }
    }
    assert!(
        signals < FLOOD / 2,
        "signals past what its queue holds were dropped: {signals} came"
    );
    // Its connection is open and answers.
    send(&mut slow, ClientFrame::Ping).await;
    assert_eq!(receive(&mut slow).await, RelayFrame::Pong);
    println!(
        "a flood of {FLOOD} signals: {signals} reached the device that did not read, then the entry"
    );
    relay.stop().await;
}
