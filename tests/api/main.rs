//! Black-box tests: the real application over HTTP, on SQLite always and on PostgreSQL
//! when SECUREHANDS_TEST_POSTGRES_URL is set.

mod helpers;

mod access;
mod access_matrix;
mod audit;
mod backup;
mod calendars_customers;
mod clients;
mod console;
mod conventions;
mod hardening;
mod idempotency;
mod identity;
mod ledger;
mod ledger_ops;
mod limits;
mod notify;
mod observability;
mod openapi;
mod pg_transport;
mod pool;
mod pool_refused;
mod shutdown;
mod startup;
mod uncovered;
mod upgrade;
mod workflow;
mod workflow_access;
