//! Packs, balances, quotes, statements and finance reads over HTTP.

mod feed_stamps;
mod lot_updates;
mod packs;
mod quotes;
mod statements;
mod timeline;
mod timeline_migration;
mod timeline_property;
