//! Persistence: SQL and row mapping only, written once for both backends.
//!
//! Decisions are taken by the domain and sequenced by the services; functions here
//! read and write rows inside a transaction they are given.

pub mod accounts;
pub mod audit;
pub mod audit_log;
pub mod backup;
pub mod batch;
pub mod calendars;
pub mod column;
pub mod customers;
pub mod db;
pub mod deficits;
pub mod events;
pub mod feed;
pub mod idempotency;
pub mod identity;
pub mod ledger;
pub mod lots;
pub mod notifications;
pub mod quotes;
pub mod reports;
pub mod requests;
pub mod sessions;
pub mod signal;
pub mod sows;
pub mod sql;
pub mod timeline;
pub mod uncovered;
pub mod webhooks;
