//! Landsbyplan's web app: a client-side rendered Leptos app that keeps every space in an
//! Automerge document stored in the browser, usable with or without a connection.

pub mod app;
pub mod direct;
pub mod engine;
pub mod glimpse;
pub mod i18n;
pub mod journal;
pub mod library;
pub mod routes;
pub mod scan;
pub mod settings;
pub mod storage;
pub mod sync;

pub use app::App;

/// Marks a moment of the app's start on the page's performance timeline (`name` under
/// `landsbyplan:`), for the start-up benchmark (`bench/app-load.mjs`) to read; costs a
/// call, and nothing if the browser has no timeline.
pub fn mark(name: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
        let _ = performance.mark(&format!("landsbyplan:{name}"));
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = name;
}
