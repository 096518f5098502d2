//! The relay binary: flags and environment in, a served relay out, until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use std::sync::Arc;

use landsbyplan_relay::{Config, Limits, PgConfig, PgStore, SqliteStore, Store, app};
use tracing_subscriber::EnvFilter;

/// Landsbyplan's relay: stores and forwards encrypted entries, serves the app.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on. Keep 127.0.0.1 unless a reverse proxy with TLS stands in front.
    #[arg(long, env = "LANDSBYPLAN_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Logs as JSON lines (for a log collector) instead of text.
    #[arg(long, env = "LANDSBYPLAN_LOG_JSON", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new())]
    log_json: bool,
    /// Address of the operator's listener (`/metrics`, `/healthz`, `/readyz`); none if
    /// unset. Keep it on 127.0.0.1 or a private network.
    #[arg(long, env = "LANDSBYPLAN_ADMIN_LISTEN")]
    admin_listen: Option<SocketAddr>,
    /// Folder for the relay's SQLite store (unless --postgres is set).
    #[arg(long, env = "LANDSBYPLAN_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Keep the documents in PostgreSQL instead, at this connection URL
    /// (postgres://user:password@host:port/database): for several relays serving the
    /// same documents. Prefer the environment variable, which keeps the password out of
    /// the process list. The relay does not start while the database cannot be reached.
    #[arg(long, env = "LANDSBYPLAN_POSTGRES", hide_env_values = true)]
    postgres: Option<String>,
    /// The most connections to PostgreSQL the relay opens for its work (one more listens
    /// for the other relays' appends).
    #[arg(long, env = "LANDSBYPLAN_POSTGRES_POOL_SIZE", default_value_t = 16)]
    postgres_pool_size: usize,
    /// Folder of the built app to serve (trunk's output).
    #[arg(long, env = "LANDSBYPLAN_APP_DIR", default_value = "dist")]
    app_dir: PathBuf,
    /// Largest payload of one frame, in bytes.
    #[arg(long, env = "LANDSBYPLAN_MAX_PAYLOAD_BYTES", default_value_t = Limits::default().max_payload_bytes)]
    max_payload_bytes: usize,
    /// Largest snapshot, in bytes (above one frame's payload, so any space can compact).
    #[arg(long, env = "LANDSBYPLAN_MAX_SNAPSHOT_BYTES", default_value_t = Limits::default().max_snapshot_bytes)]
    max_snapshot_bytes: usize,
    /// Most bytes one document's log may hold before a snapshot must make room.
    #[arg(long, env = "LANDSBYPLAN_MAX_LOG_BYTES", default_value_t = Limits::default().max_log_bytes)]
    max_log_bytes: u64,
    /// Frames per second one connection may send, on average.
    #[arg(long, env = "LANDSBYPLAN_FRAMES_PER_SECOND", default_value_t = Limits::default().frames_per_second)]
    frames_per_second: u32,
    /// Frames one connection may send in a burst above that rate.
    #[arg(long, env = "LANDSBYPLAN_BURST", default_value_t = Limits::default().burst)]
    burst: u32,
    /// Largest signaling message (peer-to-peer setup), in bytes.
    #[arg(long, env = "LANDSBYPLAN_MAX_SIGNAL_BYTES", default_value_t = Limits::default().max_signal_bytes)]
    max_signal_bytes: usize,
    /// Signaling messages per second one connection may send about one document.
    #[arg(long, env = "LANDSBYPLAN_SIGNALS_PER_SECOND", default_value_t = Limits::default().signals_per_second)]
    signals_per_second: u32,
    /// Open connections in all.
    #[arg(long, env = "LANDSBYPLAN_MAX_CONNECTIONS", default_value_t = Limits::default().max_connections)]
    max_connections: u64,
    /// Open connections from one client address.
    #[arg(long, env = "LANDSBYPLAN_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = Limits::default().max_connections_per_address)]
    max_connections_per_address: u32,
    /// Documents one connection may follow at once.
    #[arg(long, env = "LANDSBYPLAN_MAX_SUBSCRIPTIONS_PER_CONNECTION", default_value_t = Limits::default().max_subscriptions_per_connection)]
    max_subscriptions_per_connection: usize,
    /// Seconds a connection may stay silent before it is closed (pinged at half).
    #[arg(long, env = "LANDSBYPLAN_IDLE_TIMEOUT_SECS", default_value_t = Limits::default().idle_timeout_secs)]
    idle_timeout_secs: u64,
    /// Seconds a frame to a device may take to go out before its connection is closed.
    #[arg(long, env = "LANDSBYPLAN_SEND_TIMEOUT_SECS", default_value_t = Limits::default().send_timeout_secs)]
    send_timeout_secs: u64,
    /// Bytes a second of the slowest link a large frame is given time for.
    #[arg(long, env = "LANDSBYPLAN_SLOWEST_LINK_BYTES_PER_SECOND", default_value_t = Limits::default().slowest_link_bytes_per_second)]
    slowest_link_bytes_per_second: u64,
    /// New documents one client address may start in an hour.
    #[arg(long, env = "LANDSBYPLAN_NEW_DOCUMENTS_PER_HOUR", default_value_t = Limits::default().new_documents_per_hour)]
    new_documents_per_hour: u32,
    /// Below this many free bytes on the data directory's disk, no new document starts.
    #[arg(long, env = "LANDSBYPLAN_MIN_FREE_DISK_BYTES", default_value_t = Limits::default().min_free_disk_bytes)]
    min_free_disk_bytes: u64,
    /// The most bytes the store may hold before no new document starts (none if unset).
    #[arg(long, env = "LANDSBYPLAN_MAX_STORE_BYTES")]
    max_store_bytes: Option<u64>,
    /// Behind a reverse proxy: the header naming the client's address (e.g.
    /// X-Forwarded-For; the last address in it counts). Set it only behind a proxy that
    /// sets it, or clients choose their own address.
    #[arg(long, env = "LANDSBYPLAN_CLIENT_ADDRESS_HEADER")]
    client_address_header: Option<String>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Logs name events, addresses and document-free figures, never a payload. They go to
    // stderr, in colour only on a terminal; stdout says where the relay runs.
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    if args.log_json {
        logs.json().init();
    } else {
        logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
    match run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("landsbyplan-relay: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let limits = Limits {
        max_payload_bytes: args.max_payload_bytes,
        max_snapshot_bytes: args.max_snapshot_bytes,
        max_log_bytes: args.max_log_bytes,
        frames_per_second: args.frames_per_second,
        burst: args.burst,
        max_signal_bytes: args.max_signal_bytes,
        signals_per_second: args.signals_per_second,
        max_connections: args.max_connections,
        max_connections_per_address: args.max_connections_per_address,
        max_subscriptions_per_connection: args.max_subscriptions_per_connection,
        idle_timeout_secs: args.idle_timeout_secs,
        send_timeout_secs: args.send_timeout_secs,
        slowest_link_bytes_per_second: args.slowest_link_bytes_per_second,
        new_documents_per_hour: args.new_documents_per_hour,
        min_free_disk_bytes: args.min_free_disk_bytes,
        max_store_bytes: args.max_store_bytes,
    };
    limits.check()?;
    if args.postgres_pool_size == 0 {
        return Err("--postgres-pool-size must be at least 1: with 0 nothing is stored".into());
    }
    if !args.app_dir.join("index.html").is_file() {
        tracing::warn!(app_dir = %args.app_dir.display(), "no index.html in the app directory (--app-dir): the relay syncs, but serves no app");
    }
    let store: Arc<dyn Store> = match &args.postgres {
        Some(url) => Arc::new(
            PgStore::connect(&PgConfig {
                url: url.clone(),
                pool_size: args.postgres_pool_size,
            })
            .await
            .map_err(|err| format!("cannot open the store in PostgreSQL (--postgres): {err}"))?,
        ),
        None => Arc::new(SqliteStore::open(&args.data_dir).map_err(|err| {
            format!(
                "cannot open the store in {} (the data directory must be writable, with room \
                 to grow): {err}",
                args.data_dir.display()
            )
        })?),
    };
    let routers = app(
        store,
        &Config {
            app_dir: args.app_dir.clone(),
            limits,
            client_address_header: args.client_address_header.clone(),
        },
    );
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr()?;
    let admin_listener = match args.admin_listen {
        Some(admin) => Some(
            tokio::net::TcpListener::bind(admin)
                .await
                .map_err(|e| format!("cannot listen on {admin} (--admin-listen): {e}"))?,
        ),
        None => None,
    };
    println!("Landsbyplan is running at http://{addr}/  (Ctrl-C stops it)");
    let kept_in = if args.postgres.is_some() {
        "PostgreSQL".to_owned()
    } else {
        args.data_dir.display().to_string()
    };
    tracing::info!(%addr, store = %kept_in, app_dir = %args.app_dir.display(), "relay started");
    if let Some(admin_listener) = admin_listener {
        let admin = admin_listener.local_addr()?;
        tracing::info!(%admin, "admin listener started (/metrics, /healthz, /readyz)");
        tokio::spawn(async move {
            if let Err(err) = axum::serve(admin_listener, routers.admin).await {
                tracing::error!(%err, "the admin listener stopped");
            }
        });
    }
    axum::serve(
        listener,
        routers
            .public
            .into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("relay stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
