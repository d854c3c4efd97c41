//! Fresh identifiers: a type prefix and a UUIDv7, so ids sort by creation time and
//! keyset pagination on them follows creation order.

use crate::domain::ids::{CustomerId, LotId, QuoteId, RequestId, SessionId, SowId};

fn suffix() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// A new customer id.
pub fn customer() -> CustomerId {
    CustomerId::with_suffix(&suffix())
}
/// A new lot id.
pub fn lot() -> LotId {
    LotId::with_suffix(&suffix())
}
/// A new quote id.
pub fn quote() -> QuoteId {
    QuoteId::with_suffix(&suffix())
}
/// A new request id.
pub fn request() -> RequestId {
    RequestId::with_suffix(&suffix())
}
/// A new SoW id.
pub fn sow() -> SowId {
    SowId::with_suffix(&suffix())
}
/// A new session id.
pub fn session() -> SessionId {
    SessionId::with_suffix(&suffix())
}
