//! Packs, balances, quotes, statements and finance reads over HTTP.

mod packs;
mod quotes;
mod statements;
mod timeline;
mod timeline_property;
