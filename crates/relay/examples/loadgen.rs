//! Load generator for the relay: starts the release relay binary on a free 127.0.0.1
//! port, drives N simulated typists over M documents for a bounded time, and prints
//! appends per second, fan-out latency (p50/p99), the relay's CPU and memory, memory per
//! idle connection, and the bytes one single-field edit puts on the wire.
//!
//! ```text
//! cargo build --profile relay -p landsbyplan-relay --bins --examples
//! target/relay/examples/loadgen --clients 100 --docs 20 --seconds 10
//! ```
//!
//! Every client connects and subscribes before any types; the figures are measured from
//! then on (the time all took to come in is printed apart).
//!
//! A soak is a long run (`--seconds 600`): it also prints the relay's memory every
//! 30 seconds and every refusal or lost connection.
//!
//! With `--postgres URL` (a server's URL, e.g. one `scripts/postgres` started) the relay
//! keeps its documents in a new database there, and `--relays N` starts N relay
//! processes on it, the clients spread over them in turn (client i on relay i mod N), so
//! most entries reach their subscribers through another relay. CPU and memory are then
//! the relays' together (the database's own are not counted).
//!
//! Traffic goes to 127.0.0.1 only; every loop is bounded by `--seconds` (at most 600) and
//! `--clients` (at most 2000), and the relay it started is stopped at the end.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use landsbyplan_model::{Space, SpaceId, Stamp};
use landsbyplan_sync::{ClientFrame, RelayFrame, Sealed, SpaceKeys, SpaceSecret};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;

struct Args {
    /// `relay` (the Landsbyplan relay) or `echo` (the reference, examples/echo.rs).
    relay: String,
    clients: usize,
    docs: usize,
    seconds: u64,
    edits_per_second: f64,
    idle: usize,
    relays: usize,
    postgres: Option<String>,
}

fn args() -> Args {
    let mut args = Args {
        relay: "relay".into(),
        clients: 10,
        docs: 5,
        seconds: 10,
        edits_per_second: 2.0,
        idle: 1000,
        relays: 1,
        postgres: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--relay" => args.relay = value,
            "--clients" => args.clients = value.parse().unwrap(),
            "--docs" => args.docs = value.parse().unwrap(),
            "--seconds" => args.seconds = value.parse().unwrap(),
            "--rate" => args.edits_per_second = value.parse().unwrap(),
            "--idle" => args.idle = value.parse().unwrap(),
            "--relays" => args.relays = value.parse().unwrap(),
            "--postgres" => args.postgres = Some(value),
            other => panic!("unknown flag {other}"),
        }
    }
    args.clients = args.clients.clamp(1, 2000);
    args.docs = args.docs.clamp(1, args.clients);
    args.seconds = args.seconds.clamp(1, 600);
    args.idle = args.idle.min(5000);
    args.relays = args.relays.clamp(1, 8);
    assert!(
        args.relays == 1 || args.postgres.is_some(),
        "several relays share a store only in PostgreSQL: give --postgres"
    );
    args
}

/// A new database on the server at `server` (its admin URL) for this run; its URL.
async fn new_database(server: &str) -> String {
    let (client, connection) = tokio_postgres::connect(server, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("loadgen_{}_{nanos}", std::process::id());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (base, _) = server.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// The relay binary built with this example (`target/relay/examples/..`), or with
/// `which` = `echo` the echo relay example beside it.
fn start_relay(data: &std::path::Path, which: &str, postgres: Option<&str>) -> (Child, String) {
    let exe = std::env::current_exe().unwrap();
    let examples = exe.parent().unwrap();
    let relay = match which {
        "echo" => examples.join("echo"),
        "relay" => examples.parent().unwrap().join("landsbyplan-relay"),
        other => panic!("--relay is relay or echo, not {other}"),
    };
    assert!(
        relay.exists(),
        "build it first: cargo build --profile relay -p landsbyplan-relay --bins --examples"
    );
    let mut child = Command::new(relay)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--frames-per-second",
            "1000",
            "--burst",
            "2000",
            // Every simulated device connects from 127.0.0.1.
            "--max-connections-per-address",
            "4000",
            "--new-documents-per-hour",
            "100000",
        ])
        .arg("--data-dir")
        .arg(data)
        .arg("--app-dir")
        .arg(data)
        .envs(postgres.map(|url| ("LANDSBYPLAN_POSTGRES", url)))
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let start = line.find("127.0.0.1:").unwrap();
    (child, line[start..].split('/').next().unwrap().to_owned())
}

/// CPU seconds used and resident memory (KiB) of a process, from /proc.
fn usage(pid: u32) -> (f64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, r)| r)
        .split_whitespace()
        .collect();
    let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (ticks as f64 / 100.0, rss)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// The bytes one single-field edit costs: the change, the sealed change, the frames.
fn edit_on_the_wire() -> (usize, usize, usize, usize) {
    let stamp = Stamp::new("Anna", 1_780_000_000);
    let mut space = Space::create_council(SpaceId::from_random(1), "Vorbasse", &stamp).unwrap();
    space.save();
    space.rename("Vorbasse Lokalråd", &stamp).unwrap();
    let change = space.save_incremental();
    let keys = SpaceSecret::from_random([1; 32]).keys();
    let sealed = keys.read().seal(Sealed::Entry, &change, [0; 24]);
    let append = append_frame(&keys, sealed.clone()).encode();
    let entry = RelayFrame::Entry {
        doc: keys.doc_id(),
        seq: 1000,
        proof: keys.prove_append(&sealed),
        payload: sealed.clone(),
    }
    .encode();
    (change.len(), sealed.len(), append.len(), entry.len())
}

fn append_frame(keys: &SpaceKeys, payload: Vec<u8>) -> ClientFrame {
    ClientFrame::Append {
        doc: keys.doc_id(),
        writer: keys.read().writer.0,
        proof: keys.prove_append(&payload),
        payload,
    }
}

#[tokio::main]
async fn main() {
    let args = args();
    let data = tempfile::tempdir().unwrap();
    let database = match &args.postgres {
        Some(server) => Some(new_database(server).await),
        None => None,
    };
    let mut relays = Vec::new();
    let mut urls = Vec::new();
    for _ in 0..args.relays {
        let (relay, addr) = start_relay(data.path(), &args.relay, database.as_deref());
        relays.push(relay);
        urls.push(format!("ws://{addr}/sync"));
    }
    let pids: Vec<u32> = relays.iter().map(Child::id).collect();
    let usage_all = move || {
        pids.iter()
            .map(|pid| usage(*pid))
            .fold((0.0, 0), |(cpu, rss), (c, r)| (cpu + c, rss + r))
    };
    let label = match (args.relays, &args.postgres) {
        (1, None) => args.relay.clone(),
        (1, Some(_)) => format!("{} on PostgreSQL", args.relay),
        (n, _) => format!("{n} × {} on PostgreSQL", args.relay),
    };
    let keys: Vec<SpaceKeys> = (0..args.docs)
        .map(|d| SpaceSecret::from_random([d as u8 + 1; 32]).keys())
        .collect();
    let started = Instant::now();
    let latencies = Arc::new(Mutex::new(Vec::<u64>::new()));
    let acked = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let lost = Arc::new(AtomicU64::new(0));
    // Every client connects and subscribes first; the typing (and what is measured)
    // starts when all are in, so the figures are those of a relay serving them all.
    let all_in = Arc::new(tokio::sync::Barrier::new(args.clients + 1));
    let ramp_limit = Duration::from_secs(60);

    let mut tasks = Vec::new();
    for client in 0..args.clients {
        let keys = keys[client % args.docs].clone();
        let url = urls[client % urls.len()].clone();
        let (latencies, acked) = (Arc::clone(&latencies), Arc::clone(&acked));
        let (refused, lost) = (Arc::clone(&refused), Arc::clone(&lost));
        let all_in = Arc::clone(&all_in);
        let period = Duration::from_secs_f64(1.0 / args.edits_per_second);
        let seconds = args.seconds;
        tasks.push(tokio::spawn(async move {
            let joined = tokio::time::timeout(ramp_limit, async {
                let (socket, _) = tokio_tungstenite::connect_async(&url).await.ok()?;
                let (mut sink, mut stream) = socket.split();
                let subscribe = ClientFrame::Subscribe {
                    doc: keys.doc_id(),
                    since: 0,
                };
                sink.send(Message::Binary(subscribe.encode().into()))
                    .await
                    .ok()?;
                // Past the greeting, to the answer that ends the subscription's backlog.
                loop {
                    if let Message::Binary(bytes) = stream.next().await?.ok()?
                        && let Ok(RelayFrame::Subscribed { .. }) = RelayFrame::decode(&bytes)
                    {
                        break;
                    }
                }
                Some((sink, stream))
            })
            .await
            .ok()
            .flatten();
            all_in.wait().await;
            let Some((mut sink, mut stream)) = joined else {
                lost.fetch_add(1, Ordering::Relaxed);
                return;
            };
            let deadline =
                Instant::now() + Duration::from_secs(seconds) + Duration::from_millis(500);
            let me = client as u64;
            let writer = tokio::spawn(async move {
                // Start typists at spread-out moments, as people would.
                tokio::time::sleep(period.mul_f64((client % 97) as f64 / 97.0)).await;
                let mut ticker = tokio::time::interval(period);
                let end = Instant::now() + Duration::from_secs(seconds);
                let mut n = 0u64;
                while Instant::now() < end {
                    ticker.tick().await;
                    n += 1;
                    // A realistic sealed edit is ~200 bytes: who, when, and padding.
                    let mut payload = vec![0u8; 200];
                    payload[..8].copy_from_slice(&me.to_be_bytes());
                    payload[8..16]
                        .copy_from_slice(&(started.elapsed().as_micros() as u64).to_be_bytes());
                    payload[16..24].copy_from_slice(&n.to_be_bytes());
                    let frame = append_frame(&keys, payload);
                    if sink
                        .send(Message::Binary(frame.encode().into()))
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
                sink
            });
            let mut mine = Vec::new();
            loop {
                let message = match tokio::time::timeout_at(deadline.into(), stream.next()).await {
                    Ok(Some(Ok(message))) => message,
                    // The run is over.
                    Err(_) => break,
                    // The relay closed the connection, or it broke, before the end.
                    Ok(_) => {
                        lost.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                };
                let Message::Binary(bytes) = message else {
                    continue;
                };
                match RelayFrame::decode(&bytes) {
                    Ok(RelayFrame::Acked { .. }) => {
                        acked.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(RelayFrame::Error { .. }) => {
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(RelayFrame::Entry { payload, .. }) if payload.len() >= 24 => {
                        let from = u64::from_be_bytes(payload[..8].try_into().unwrap());
                        if from != me {
                            let sent = u64::from_be_bytes(payload[8..16].try_into().unwrap());
                            mine.push((started.elapsed().as_micros() as u64).saturating_sub(sent));
                        }
                    }
                    _ => {}
                }
            }
            let _ = writer.await;
            latencies.lock().await.extend(mine);
        }));
    }
    all_in.wait().await;
    let ramp = started.elapsed();
    let (cpu_before, rss_at_start) = usage_all();
    let deadline = Instant::now() + Duration::from_secs(args.seconds) + Duration::from_millis(500);
    // The relay's memory through the run: every 30 s (or a tenth of a short run).
    let every = Duration::from_secs((args.seconds / 10).clamp(1, 30));
    let sample = usage_all.clone();
    let sampler = tokio::spawn(async move {
        let mut samples = vec![rss_at_start];
        let mut ticker = tokio::time::interval_at((Instant::now() + every).into(), every);
        while Instant::now() + every <= deadline {
            ticker.tick().await;
            samples.push(sample().1);
        }
        samples
    });
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = args.seconds as f64;
    let samples = sampler.await.unwrap();
    let (cpu_after, rss_busy) = usage_all();
    let mut lat = std::mem::take(&mut *latencies.lock().await);
    lat.sort_unstable();

    // Memory per idle connection: open many connections that only subscribe.
    let (_, rss_before_idle) = usage_all();
    let mut idle = Vec::new();
    for n in 0..args.idle {
        let (mut socket, _) = tokio_tungstenite::connect_async(&urls[n % urls.len()])
            .await
            .unwrap();
        // A document of its own, so the subscription sends no backlog.
        let doc = SpaceSecret::from_random([200; 32]).keys().doc_id();
        socket
            .send(Message::Binary(
                ClientFrame::Subscribe { doc, since: 0 }.encode().into(),
            ))
            .await
            .unwrap();
        idle.push(socket);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, rss_idle) = usage_all();
    drop(idle);

    let (change, sealed, append, entry) = edit_on_the_wire();
    println!(
        "| relay | clients | docs | appends/s | fan-out p50 ms | fan-out p99 ms | deliveries | relay CPU % | relay RSS MiB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {} | {:.0} | {:.1} |",
        label,
        args.clients,
        args.docs,
        acked.load(Ordering::Relaxed) as f64 / elapsed,
        percentile(&lat, 0.50),
        percentile(&lat, 0.99),
        lat.len(),
        (cpu_after - cpu_before) / elapsed * 100.0,
        rss_busy as f64 / 1024.0,
    );
    println!();
    if args.idle > 0 {
        println!(
            "idle connections: {} added {:.1} MiB of RSS, {:.1} KiB each",
            args.idle,
            rss_idle.saturating_sub(rss_before_idle) as f64 / 1024.0,
            rss_idle.saturating_sub(rss_before_idle) as f64 / args.idle as f64,
        );
    }
    println!(
        "{} clients connected and subscribed in {} ms, before the measured {} s",
        args.clients,
        ramp.as_millis(),
        args.seconds
    );
    println!(
        "refused frames: {}, connections lost before the end: {}",
        refused.load(Ordering::Relaxed),
        lost.load(Ordering::Relaxed)
    );
    let mib: Vec<String> = samples
        .iter()
        .map(|kib| format!("{:.1}", *kib as f64 / 1024.0))
        .collect();
    println!(
        "relay RSS MiB every {} s from the start: {}",
        every.as_secs(),
        mib.join(", ")
    );
    println!(
        "one single-field edit: change {change} B, sealed {sealed} B, append frame {append} B, entry frame {entry} B"
    );
    for mut relay in relays {
        relay.kill().unwrap();
        relay.wait().unwrap();
    }
    // The run's database goes with it.
    if let (Some(server), Some(database)) = (&args.postgres, &database) {
        let (client, connection) = tokio_postgres::connect(server, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        let (_, name) = database.rsplit_once('/').unwrap();
        client
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await
            .unwrap();
    }
}
