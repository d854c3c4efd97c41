//! A debit changes a lot's `remaining` and nothing an index of the lot depends on, so
//! PostgreSQL updates the row in place (a heap-only tuple): no new entry in any of the
//! lot's indexes and none left dead for vacuum, on the row a busy customer's every
//! delivery updates.

use securehands::domain::ids::LotId;
use securehands::domain::units::Units;
use securehands::storage::lots;
use securehands::storage::sql::Sql;

use crate::helpers::{Backend, balance, sell, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn a_debit_updates_its_lot_without_touching_its_indexes() {
    let app = spawn_app(Backend::Postgres).await;
    let customer = app.customer_paris().await;
    sell(&app, &customer, "10.00", None).await;
    let lot = balance(&app, &customer).await["lots"][0]["id"]
        .as_str()
        .map(LotId::from_raw)
        .expect("a lot");

    let mut tx = app.state.db.begin_write().await.expect("begin");
    for _ in 0..3 {
        lots::adjust(&mut tx, &lot, -Units::from_hundredths(100))
            .await
            .expect("debit");
    }
    let (updated, in_place): (i64, i64) = tx
        .fetch_one(Sql::new(
            "SELECT pg_stat_get_xact_tuples_updated(CAST('lots' AS regclass)), \
             pg_stat_get_xact_tuples_hot_updated(CAST('lots' AS regclass))",
        ))
        .await
        .expect("this transaction's counts");
    tx.rollback().await.expect("rollback");
    assert_eq!(updated, 3, "three debits of the lot");
    assert_eq!(
        in_place, 3,
        "every debit should update the lot in place ({in_place} of {updated} did)"
    );
}
