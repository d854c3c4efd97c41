//! The ledger's service operations, driven directly inside transactions (the workflow
//! calls the same functions): FIFO, expiry, deficits, reversals, races, replicas and
//! the never-skipping feed.

mod charges;
mod feed_property;
mod jobs_and_feed;
mod verify_catches;
