//! The relay over real WebSockets and HTTP on 127.0.0.1, with its real SQLite store.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use landsbyplan_relay::{Config, Store, app};
use landsbyplan_sync::{ClientFrame, DocId, ErrorCode, RelayFrame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// A relay on a port of its own; dropping it shuts the server down.
struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn start(data_dir: &Path, app_dir: &Path) -> Self {
        let store = Store::open(data_dir).unwrap();
        let router = app(
            store,
            &Config {
                app_dir: app_dir.to_path_buf(),
            },
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Self {
            addr,
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
        let (socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/sync", self.addr))
            .await
            .unwrap();
        socket
    }

    async fn get(&self, path: &str) -> String {
        let mut stream = TcpStream::connect(self.addr).await.unwrap();
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut response))
            .await
            .unwrap()
            .unwrap();
        response
    }
}

async fn send(socket: &mut Socket, frame: ClientFrame) {
    socket
        .send(Message::Binary(frame.encode().into()))
        .await
        .unwrap();
}

async fn receive(socket: &mut Socket) -> RelayFrame {
    let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("the relay answers within 5 s")
        .unwrap()
        .unwrap();
    match message {
        Message::Binary(bytes) => RelayFrame::decode(&bytes).unwrap(),
        other => panic!("expected a binary frame, got {other:?}"),
    }
}

const DOC: DocId = DocId([42; 32]);

#[tokio::test]
async fn an_appended_frame_is_acknowledged_and_returned_to_a_second_connection() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;

    let mut writer = relay.connect().await;
    send(
        &mut writer,
        ClientFrame::Append {
            doc: DOC,
            payload: b"sealed bundle".to_vec(),
        },
    )
    .await;
    assert_eq!(
        receive(&mut writer).await,
        RelayFrame::Acked { doc: DOC, seq: 1 }
    );

    let mut reader = relay.connect().await;
    send(&mut reader, ClientFrame::Subscribe { doc: DOC, since: 0 }).await;
    assert_eq!(
        receive(&mut reader).await,
        RelayFrame::Entry {
            doc: DOC,
            seq: 1,
            payload: b"sealed bundle".to_vec()
        }
    );
    relay.stop().await;
}

#[tokio::test]
async fn a_subscriber_receives_new_entries_live_and_only_of_its_documents() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let mut reader = relay.connect().await;
    send(&mut reader, ClientFrame::Subscribe { doc: DOC, since: 0 }).await;
    // A round trip on the reader's own connection proves the subscription is in place.
    send(
        &mut reader,
        ClientFrame::Append {
            doc: DocId([7; 32]),
            payload: b"x".to_vec(),
        },
    )
    .await;
    assert_eq!(
        receive(&mut reader).await,
        RelayFrame::Acked {
            doc: DocId([7; 32]),
            seq: 1
        }
    );

    let mut writer = relay.connect().await;
    send(
        &mut writer,
        ClientFrame::Append {
            doc: DOC,
            payload: b"live".to_vec(),
        },
    )
    .await;
    assert_eq!(
        receive(&mut writer).await,
        RelayFrame::Acked { doc: DOC, seq: 1 }
    );
    assert_eq!(
        receive(&mut reader).await,
        RelayFrame::Entry {
            doc: DOC,
            seq: 1,
            payload: b"live".to_vec()
        }
    );
    relay.stop().await;
}

#[tokio::test]
async fn acknowledged_entries_survive_a_restart_of_the_relay() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let mut writer = relay.connect().await;
    for n in 1..=3u64 {
        send(
            &mut writer,
            ClientFrame::Append {
                doc: DOC,
                payload: vec![n as u8],
            },
        )
        .await;
        assert_eq!(
            receive(&mut writer).await,
            RelayFrame::Acked { doc: DOC, seq: n }
        );
    }
    drop(writer);
    relay.stop().await;

    let relay = Running::start(dir.path(), dir.path()).await;
    let mut reader = relay.connect().await;
    send(&mut reader, ClientFrame::Subscribe { doc: DOC, since: 1 }).await;
    assert_eq!(
        receive(&mut reader).await,
        RelayFrame::Entry {
            doc: DOC,
            seq: 2,
            payload: vec![2]
        }
    );
    assert_eq!(
        receive(&mut reader).await,
        RelayFrame::Entry {
            doc: DOC,
            seq: 3,
            payload: vec![3]
        }
    );
    relay.stop().await;
}

#[tokio::test]
async fn a_bad_frame_gets_a_clear_error_and_the_connection_and_relay_stay_up() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Running::start(dir.path(), dir.path()).await;
    let mut socket = relay.connect().await;

    socket
        .send(Message::Binary(vec![1, 250, 250, 250].into()))
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

    // The same connection still works, and so does a new one.
    send(
        &mut socket,
        ClientFrame::Append {
            doc: DOC,
            payload: b"ok".to_vec(),
        },
    )
    .await;
    assert_eq!(
        receive(&mut socket).await,
        RelayFrame::Acked { doc: DOC, seq: 1 }
    );
    let mut other = relay.connect().await;
    send(&mut other, ClientFrame::Subscribe { doc: DOC, since: 0 }).await;
    assert!(matches!(
        receive(&mut other).await,
        RelayFrame::Entry { seq: 1, .. }
    ));
    relay.stop().await;
}

#[tokio::test]
async fn an_unknown_path_gets_a_plain_404_and_the_app_is_served_with_its_types() {
    let data = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    std::fs::write(
        app_dir.path().join("index.html"),
        "<html><script type=\"module\">start()</script></html>",
    )
    .unwrap();
    std::fs::write(app_dir.path().join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let relay = Running::start(data.path(), app_dir.path()).await;

    let missing = relay.get("/no/such/page").await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    assert!(missing.contains("not found: /no/such/page"), "{missing}");

    let index = relay.get("/").await.to_ascii_lowercase();
    assert!(index.starts_with("http/1.1 200"), "{index}");
    assert!(
        index.contains("content-security-policy: default-src 'self'"),
        "{index}"
    );
    assert!(index.contains("'sha256-"), "{index}");

    let wasm = relay.get("/app_bg.wasm").await.to_ascii_lowercase();
    assert!(wasm.contains("content-type: application/wasm"), "{wasm}");

    assert!(relay.get("/healthz").await.ends_with("ok"));
    relay.stop().await;
}
