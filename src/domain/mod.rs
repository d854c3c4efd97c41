//! The business rules of SecureHands, as plain types and functions.
//!
//! Nothing in this module tree performs I/O or reads the clock: time arrives as an
//! argument, storage and HTTP live elsewhere. Every rule of the contract (deadlines,
//! pricing, allocation of units, state transitions, permissions) is implemented once,
//! here, and tested exhaustively.

pub mod access;
pub mod actor;
pub mod allocation;
pub mod audit;
pub mod calendar;
pub mod deadline;
pub mod identity;
pub mod ids;
pub mod ledger;
pub mod notification;
pub mod pack;
pub mod pricing;
pub mod quote;
pub mod report;
pub mod request;
pub mod session;
pub mod sla;
pub mod sow;
pub mod spelling;
pub mod timeline;
pub mod uncovered;
pub mod units;
pub mod webhook;
