//! The Landsbyplan document model: each *space* (a council, a project group, the network)
//! is one Automerge document, read and written only through the typed API here.
//!
//! The model knows nothing of browsers, sockets or clocks: callers pass the author and the
//! time of every edit in a [`Stamp`], and fresh ids in as random numbers.

mod error;
mod id;
mod space;
mod stamp;

pub use error::Error;
pub use id::{ParseIdError, SpaceId};
pub use space::{SCHEMA_VERSION, Space, SpaceKind};
pub use stamp::Stamp;

/// The model's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
