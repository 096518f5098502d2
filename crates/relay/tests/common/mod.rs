//! What the relay's tests share: the store a test's relay keeps its documents in, a relay
//! process started from its binary, and a device's side of the protocol over a real
//! WebSocket. Each test file uses part of it.
//!
//! The store: SQLite in the test's data directory, or with `LANDSBYPLAN_TEST_STORE=
//! postgres` a database of its own (named after the data directory, so a relay started
//! again on it finds its documents) on the PostgreSQL server at `LANDSBYPLAN_TEST_POSTGRES`
//! (`scripts/test` starts a throwaway one on 127.0.0.1 and runs the suites on both).

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fmt::Display;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
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

    /// The command for the relay binary on `data_dir` with `flags`, serving that directory
    /// as the app, on a port of its own on 127.0.0.1 (its store not chosen yet).
    pub fn command(data_dir: &std::path::Path, flags: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_landsbyplan-relay"));
        command
            .args(["--listen", "127.0.0.1:0"])
            .args(flags)
            .arg("--app-dir")
            .arg(data_dir)
            .arg("--data-dir")
            .arg(data_dir)
            .env("RUST_LOG", "warn");
        command
    }

    /// The relay binary on `data_dir` with `flags`, serving that directory as the app.
    pub fn start(data_dir: &std::path::Path, flags: &[&str]) -> Self {
        let mut command = Self::command(data_dir, flags);
        let postgres = on_postgres(data_dir);
        match &postgres {
            Some(url) => command.env("LANDSBYPLAN_POSTGRES", url),
            None => command.env_remove("LANDSBYPLAN_POSTGRES"),
        };
        let relay = Self::spawn(command).expect("the relay starts");
        // The store is where this run says: a SQLite file in the data directory or none.
        assert_eq!(
            data_dir.join("relay.sqlite3").exists(),
            postgres.is_none(),
            "the relay keeps its documents in {}",
            if postgres.is_some() {
                "PostgreSQL"
            } else {
                "SQLite"
            }
        );
        relay
    }

    /// The relay's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
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

/// The admin URL of the PostgreSQL server for tests, if there is one.
pub fn postgres_server() -> Option<String> {
    std::env::var("LANDSBYPLAN_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty())
}

/// Whether this run's relays keep their documents in PostgreSQL.
pub fn on_postgres_run() -> bool {
    std::env::var("LANDSBYPLAN_TEST_STORE").is_ok_and(|store| store == "postgres")
}

/// A name no earlier run on the same server used: `prefix`, this process and the time.
pub fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// The URL of the database for a relay on `data_dir`, made if missing, when this run's
/// relays keep their documents in PostgreSQL.
pub fn on_postgres(data_dir: &std::path::Path) -> Option<String> {
    if !on_postgres_run() {
        return None;
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(data_dir.as_os_str().as_encoded_bytes());
    let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    Some(database(&format!("relay_{name}")))
}

/// The URL of database `name` on the test server, made if missing.
pub fn database(name: &str) -> String {
    let server = postgres_server().expect(
        "LANDSBYPLAN_TEST_POSTGRES names the PostgreSQL server for tests (scripts/test starts one)",
    );
    let admin = server.clone();
    let create = format!("CREATE DATABASE {name}");
    // On a thread of its own: callers may be inside a runtime or not.
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                if let Err(err) = client.batch_execute(&create).await {
                    let exists =
                        err.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE);
                    assert!(exists, "{err}");
                }
            });
    })
    .join()
    .unwrap();
    let (base, _) = server.rsplit_once('/').expect("a URL ending in /database");
    format!("{base}/{name}")
}

/// The store a relay on `data_dir` keeps its documents in (see the module's words).
pub async fn store_for(data_dir: &std::path::Path) -> Arc<dyn landsbyplan_relay::Store> {
    match on_postgres(data_dir) {
        Some(url) => Arc::new(
            landsbyplan_relay::PgStore::connect(&landsbyplan_relay::PgConfig { url, pool_size: 8 })
                .await
                .unwrap(),
        ),
        None => Arc::new(landsbyplan_relay::SqliteStore::open(data_dir).unwrap()),
    }
}

/// Every byte the store of a relay on `data_dir` keeps, by where: SQLite's files, or every
/// row of every table of its PostgreSQL database (as text, bytes in hex and escaped).
pub async fn everything_stored(data_dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let Some(url) = on_postgres(data_dir) else {
        return std::fs::read_dir(data_dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| {
                path.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("relay.sqlite3")
            })
            .map(|path| (path.display().to_string(), std::fs::read(&path).unwrap()))
            .collect();
    };
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let tables = client
        .query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .await
        .unwrap();
    let mut found = Vec::new();
    for table in tables {
        let name: String = table.get(0);
        // Each bytea column raw, and the row as text besides.
        let columns = client
            .query(
                "SELECT column_name FROM information_schema.columns
                 WHERE table_name = $1 AND data_type = 'bytea'",
                &[&name],
            )
            .await
            .unwrap();
        for column in columns {
            let column: String = column.get(0);
            for row in client
                .query(&format!("SELECT {column} FROM {name}"), &[])
                .await
                .unwrap()
            {
                found.push((format!("{name}.{column}"), row.get::<_, Vec<u8>>(0)));
            }
        }
        for row in client
            .query(&format!("SELECT CAST({name} AS text) FROM {name}"), &[])
            .await
            .unwrap()
        {
            found.push((name.clone(), row.get::<_, String>(0).into_bytes()));
        }
    }
    found
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
