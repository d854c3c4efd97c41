//! Entries and events still waiting for their feed position are found through the
//! unique indexes on `seq` (a B-tree keeps the nulls together), so no index exists for
//! them alone: every delivery used to write one entry into each of two such indexes
//! and leave it dead once the row had its position. For the same reason the
//! per-customer and per-kind indexes the feed pages use hold positioned rows only, and
//! the deficit settlements a page of packs sums have an index of their own.

use securehands::storage::db::{Backend as StoreBackend, Tx};
use securehands::storage::sql::Sql;

use crate::helpers::{Backend, balance, entries, sell, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn rows_waiting_for_a_position_are_found_through_the_seq_index() {
    let app = spawn_app(Backend::Postgres).await;
    let mut tx = app.state.db.begin_read().await.expect("begin");
    for (table, index) in [
        ("ledger_entries", "ledger_by_seq"),
        ("events", "events_by_seq"),
    ] {
        let plan = plan_of(
            &mut tx,
            &format!("SELECT id FROM {table} WHERE seq IS NULL ORDER BY id"),
        )
        .await;
        assert!(
            plan.contains(index),
            "the waiting {table} rows should be read through {index}, not: {plan}"
        );
    }
    tx.rollback().await.expect("rollback");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn the_ledger_stays_append_only_once_its_entries_have_positions() {
    let app = spawn_app(Backend::Postgres).await;
    let customer = app.customer_paris().await;
    sell(&app, &customer, "10.00", None).await;
    // Reading the ledger gives the sale's entry its position.
    let before = entries(&app, &format!("customer_id={customer}")).await;
    assert_eq!(before.len(), 1, "{before:?}");
    assert!(before[0]["seq"].is_u64(), "{before:?}");

    for change in [
        "UPDATE ledger_entries SET units = units + 100",
        "UPDATE ledger_entries SET note = 'edited'",
        "UPDATE ledger_entries SET seq = seq + 1000",
        "DELETE FROM ledger_entries",
    ] {
        let mut tx = app.state.db.begin_write().await.expect("begin");
        let refused = tx.execute(Sql::new(change)).await;
        assert!(refused.is_err(), "`{change}` should be refused");
        tx.rollback().await.expect("rollback");
    }
    let after = balance(&app, &customer).await;
    assert_eq!(after["total"], "10.00", "{after}");
    assert_eq!(
        entries(&app, &format!("customer_id={customer}")).await,
        before,
        "no entry changed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn giving_entries_their_positions_locks_no_row_first() {
    let app = spawn_app(Backend::Postgres).await;
    let mut tx = app.state.db.begin_read().await.expect("begin");
    // A BEFORE UPDATE row trigger makes PostgreSQL lock every row the sequencer updates
    // (a WAL record each) before the update itself; tgtype bits: 1 row, 2 before,
    // 16 update.
    let (before_update,): (i64,) = tx
        .fetch_one(Sql::new(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM pg_trigger \
             WHERE tgrelid = CAST('ledger_entries' AS regclass) AND NOT tgisinternal \
             AND (tgtype & 19) = 19",
        ))
        .await
        .expect("triggers");
    tx.rollback().await.expect("rollback");
    assert_eq!(
        before_update, 0,
        "no BEFORE UPDATE row trigger should sit on the ledger"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn a_customers_pages_are_read_through_indexes_of_positioned_rows_only() {
    let app = spawn_app(Backend::Postgres).await;
    let customer = app.customer_paris().await;
    sell(&app, &customer, "10.00", None).await;
    let mut tx = app.state.db.begin_read().await.expect("begin");
    for (table, index) in [
        ("ledger_entries", "ledger_by_customer_positioned"),
        ("events", "events_by_customer_positioned"),
    ] {
        // The page a finance system polls, as the storage layer words it.
        let page = format!(
            "SELECT id FROM {table} WHERE seq > 0 \
             AND ('{customer}' IS NULL OR customer_id = '{customer}') ORDER BY seq LIMIT 50"
        );
        assert_positioned_only_and_read_by(&mut tx, index, &page).await;
    }
    tx.rollback().await.expect("rollback");
    // And the page itself still holds the sale, positioned by the read.
    let page = entries(&app, &format!("customer_id={customer}")).await;
    assert_eq!(page.len(), 1, "{page:?}");
    assert!(page[0]["seq"].is_u64(), "{page:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn a_kinds_pages_are_read_through_an_index_of_positioned_rows_only() {
    let app = spawn_app(Backend::Postgres).await;
    let customer = app.customer_paris().await;
    sell(&app, &customer, "10.00", None).await;
    let mut tx = app.state.db.begin_read().await.expect("begin");
    // The ledger feed filtered by kind, as the storage layer words it.
    assert_positioned_only_and_read_by(
        &mut tx,
        "ledger_by_kind_positioned",
        "SELECT id FROM ledger_entries WHERE seq > 0 AND ('reversal' IS NULL OR kind = 'reversal') \
         ORDER BY seq LIMIT 50",
    )
    .await;
    tx.rollback().await.expect("rollback");
    let page = entries(&app, "kind=grant").await;
    assert_eq!(page.len(), 1, "{page:?}");
}

/// A page of packs shows what each pack paid towards deficits: on both engines those
/// settlements are read through an index holding settlements only, not by reading every
/// settlement of every customer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_packs_reads_only_its_own_settlements_on_sqlite() {
    packs_read_their_settlements_through_their_index(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn a_page_of_packs_reads_only_its_own_settlements_on_postgres() {
    packs_read_their_settlements_through_their_index(Backend::Postgres).await;
}

async fn packs_read_their_settlements_through_their_index(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut tx = app.state.db.begin_read().await.expect("begin");
    let plan = plan_of(
        &mut tx,
        "SELECT lot_id, SUM(units) FROM ledger_entries WHERE kind = 'deficit_settlement' \
         AND lot_id IN ('lot_a', 'lot_b') GROUP BY lot_id",
    )
    .await;
    tx.rollback().await.expect("rollback");
    assert!(
        plan.contains("ledger_settlements_by_lot"),
        "settlements of a page of packs should be read through ledger_settlements_by_lot, \
         not: {plan}"
    );
}

/// Asserts that `index` holds positioned rows only — a row waiting for its position has
/// no entry in it: written once, at the stamp, instead of also when the row is — and
/// that `page` is planned through it.
async fn assert_positioned_only_and_read_by(tx: &mut Tx, index: &str, page: &str) {
    let predicate = predicate_of(tx, index).await;
    assert_eq!(predicate.as_deref(), Some("(seq IS NOT NULL)"), "{index}");
    let plan = plan_of(tx, page).await;
    assert!(
        plan.contains(index),
        "{page} should be read through {index}, not: {plan}"
    );
}

/// The predicate of a partial index on PostgreSQL (`None` for a whole one); panics when
/// the index does not exist.
async fn predicate_of(tx: &mut Tx, index: &str) -> Option<String> {
    let (predicate,): (Option<String>,) = tx
        .fetch_one(
            Sql::new(
                "SELECT CAST(pg_get_expr(i.indpred, i.indrelid) AS TEXT) FROM pg_index i \
                 WHERE i.indexrelid = CAST(CAST($1 AS TEXT) AS regclass)",
            )
            .bind(index),
        )
        .await
        .unwrap_or_else(|e| panic!("{index} should exist: {e}"));
    predicate
}

/// The plan the database chooses for `query`, one line per node. The tables of a fresh
/// database are tiny; with sequential scans allowed PostgreSQL would read them whole,
/// whatever indexes exist.
async fn plan_of(tx: &mut Tx, query: &str) -> String {
    let lines: Vec<String> = match tx.backend() {
        StoreBackend::Postgres => {
            tx.execute(Sql::new("SET LOCAL enable_seqscan = off"))
                .await
                .expect("planner setting");
            let lines: Vec<(String,)> = tx
                .fetch_all(Sql::new(format!("EXPLAIN (COSTS OFF) {query}")))
                .await
                .expect("plan");
            lines.into_iter().map(|(line,)| line).collect()
        }
        StoreBackend::Sqlite => {
            let lines: Vec<(i64, i64, i64, String)> = tx
                .fetch_all(Sql::new(format!("EXPLAIN QUERY PLAN {query}")))
                .await
                .expect("plan");
            lines.into_iter().map(|(.., detail)| detail).collect()
        }
    };
    lines.join("\n")
}
