//! Sans-IO sync for Landsbyplan: the frames devices and the relay exchange.
//!
//! Nothing here touches a socket. The relay and the app each drive these types over their
//! own transport, so the protocol is tested natively.

mod frame;

pub use frame::{ClientFrame, DocId, ErrorCode, FrameError, PROTOCOL_VERSION, RelayFrame};
