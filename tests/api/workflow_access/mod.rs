//! The permission table of SPEC §7 for every workflow endpoint, and the races where
//! exactly one request may win.

mod permissions;
mod races;
