//! How a relay hears of appends other relays made to the store they share: small hints
//! (a document and a sequence number, never a payload) on a bus; and how peer-to-peer
//! signaling reaches devices connected to other relays (sealed by the devices, so opaque
//! to the relays as it is to one relay). PostgreSQL's
//! `LISTEN`/`NOTIFY` is the one bus today ([`crate::store::postgres`]); another (a message
//! broker, say) would implement [`Hints`] the same way.
//!
//! A hint lost costs nothing but time: the relay reads rows by sequence number, so the
//! next hint for the document, or [`Heard::Reconnected`] after the bus came back, brings
//! everything since the last entry it passed on.

use landsbyplan_sync::DocId;
use tokio::sync::mpsc;

/// What the bus says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// `doc`'s log reached `seq` (in some relay's transaction, now committed).
    Appended {
        /// The document.
        doc: DocId,
        /// Its new last sequence number.
        seq: u64,
    },
    /// A device on another relay signaled to the devices following `doc` (or to one).
    Signal {
        /// The document.
        doc: DocId,
        /// The sending device's connection.
        from: u64,
        /// The connection it is for, if one.
        to: Option<u64>,
        /// The sealed signal.
        data: Vec<u8>,
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

    /// Sends a signal to the devices following `doc` on other relays, as it can (signals
    /// may be lost: a device sets up its peer-to-peer link again). False if it is too
    /// large for the bus, and reaches only the devices on this relay.
    fn signal(&self, doc: DocId, from: u64, to: Option<u64>, data: &[u8]) -> bool;
}
