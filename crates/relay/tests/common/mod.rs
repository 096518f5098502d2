//! What the relay's tests share: a relay process started from its binary, and a device's
//! side of the protocol over a real WebSocket. Each test file uses part of it.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fmt::Display;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use landsbyplan_sync::{ClientFrame, DocId, ErrorCode, RelayFrame, SpaceKeys, SpaceSecret};
use tokio_tungstenite::tungstenite::Message;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a test waits for the relay's answer before it fails.
const ANSWER: Duration = Duration::from_secs(10);

/// A relay process started from the binary; killed when dropped, also when a test fails
/// half-way.
pub struct Relay {
    child: Child,
    pub addr: String,
}

impl Relay {
    /// Spawns `command` (the relay binary with its flags, `--listen 127.0.0.1:0`) and
    /// reads the address it prints. If it stops before printing one, the exit status.
    pub fn spawn(mut command: Command) -> Result<Self, std::process::ExitStatus> {
        let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        match line.find("127.0.0.1:") {
            Some(start) => Ok(Self {
                addr: line[start..].split('/').next().unwrap().to_owned(),
                child,
            }),
            None => Err(child.wait().unwrap()),
        }
    }

    /// The relay binary on `data_dir` with `flags`, serving that directory as the app.
    pub fn start(data_dir: &std::path::Path, flags: &[&str]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_landsbyplan-relay"));
        command
            .args(["--listen", "127.0.0.1:0"])
            .args(flags)
            .arg("--app-dir")
            .arg(data_dir)
            .arg("--data-dir")
            .arg(data_dir)
            .env("RUST_LOG", "warn");
        Self::spawn(command).expect("the relay starts")
    }

    /// Kills the process (SIGKILL) and waits for it.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn keys(n: u8) -> SpaceKeys {
    SpaceSecret::from_random([n; 32]).keys()
}

/// A connection to the relay at `addr`, past its greeting.
pub async fn connect(addr: impl Display) -> Socket {
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/sync"))
        .await
        .unwrap();
    assert!(matches!(
        receive(&mut socket).await,
        RelayFrame::Hello { .. }
    ));
    socket
}

pub async fn send(socket: &mut Socket, frame: ClientFrame) {
    socket
        .send(Message::Binary(frame.encode().into()))
        .await
        .unwrap();
}

/// The relay's next frame (WebSocket pings and pongs are passed over).
pub async fn receive(socket: &mut Socket) -> RelayFrame {
    loop {
        let message = tokio::time::timeout(ANSWER, socket.next())
            .await
            .expect("the relay answers within 10 s")
            .unwrap()
            .unwrap();
        match message {
            Message::Binary(bytes) => return RelayFrame::decode(&bytes).unwrap(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("expected a binary frame, got {other:?}"),
        }
    }
}

/// The append of `payload` to `keys`' document, proved as its writer.
pub fn append_frame(keys: &SpaceKeys, payload: &[u8]) -> ClientFrame {
    ClientFrame::Append {
        doc: keys.doc_id(),
        writer: keys.read().writer.0,
        payload: payload.to_vec(),
        proof: keys.prove_append(payload),
    }
}

/// Appends `payload` to `keys`' document and waits for the answer: its number, or the
/// refusal.
pub async fn append(
    socket: &mut Socket,
    keys: &SpaceKeys,
    payload: &[u8],
) -> Result<u64, (ErrorCode, String)> {
    send(socket, append_frame(keys, payload)).await;
    match receive(socket).await {
        RelayFrame::Acked { seq, .. } => Ok(seq),
        RelayFrame::Error { code, message, .. } => Err((code, message)),
        other => panic!("expected an answer to the append, got {other:?}"),
    }
}

/// Every entry of `doc` the relay at `addr` sends a new subscriber.
pub async fn stored(addr: impl Display, doc: DocId) -> BTreeMap<u64, Vec<u8>> {
    let mut reader = connect(addr).await;
    send(&mut reader, ClientFrame::Subscribe { doc, since: 0 }).await;
    let mut stored = BTreeMap::new();
    loop {
        match receive(&mut reader).await {
            RelayFrame::Entry { seq, payload, .. } => {
                stored.insert(seq, payload);
            }
            RelayFrame::Subscribed { .. } => return stored,
            other => panic!("expected the backlog, got {other:?}"),
        }
    }
}
