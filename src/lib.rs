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
