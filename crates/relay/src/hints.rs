//! How a relay hears of appends other relays made to the store they share: small hints
//! (a document and a sequence number, never a payload) on a bus. PostgreSQL's
//! `LISTEN`/`NOTIFY` is the one bus today ([`crate::store::postgres`]); another (a message
//! broker, say) would implement [`Hints`] the same way.
//!
//! A hint lost costs nothing but time: the relay reads rows by sequence number, so the
//! next hint for the document, or [`Heard::Reconnected`] after the bus came back, brings
//! everything since the last entry it passed on.

use landsbyplan_sync::DocId;
use tokio::sync::mpsc;

/// What the bus says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// `doc`'s log reached `seq` (in some relay's transaction, now committed).
    Appended {
        /// The document.
        doc: DocId,
        /// Its new last sequence number.
        seq: u64,
    },
    /// The bus (re)connected: hints may have been missed before it.
    Reconnected,
}

/// A bus of hints.
pub trait Hints: Send + Sync {
    /// Starts listening, passing what is heard to `heard`, and goes on (reconnecting
    /// after a failure) until `heard` is closed.
    fn start(&self, heard: mpsc::UnboundedSender<Heard>);

    /// Whether the bus is connected now (the relay is not ready without it: it would
    /// not pass on other relays' appends).
    fn listening(&self) -> bool;
}
