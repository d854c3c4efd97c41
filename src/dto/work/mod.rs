//! Requests, SoWs, sessions, completion statements and the SLA report on the wire.

mod reports;
mod requests;
mod sessions;
mod sows;

pub use reports::*;
pub use requests::*;
pub use sessions::*;
pub use sows::*;
