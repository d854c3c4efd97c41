//! When the server refuses to open a new connection while the service runs (credentials
//! changed, the database closed to connections by an administrator), a request is told
//! the database cannot be reached and to retry (503 with `Retry-After`), never 500; and
//! it is served again as soon as connections are accepted.

use std::time::Duration;

use securehands::storage::db::PING_AFTER_IDLE;

use crate::helpers::{TestApp, balance};
use crate::pool::{admin_of, close_server_side, quiet_app_with_units};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn a_connection_the_server_refuses_to_open_is_a_retry_not_an_internal_error() {
    let (app, customer) = quiet_app_with_units().await;
    balance(&app, &customer).await;

    allow_connections(&app, false).await;
    close_server_side(&app).await;
    // Past the idle time the pool checks its connections, finds them closed and opens new
    // ones: the server refuses them.
    tokio::time::sleep(PING_AFTER_IDLE + Duration::from_millis(300)).await;
    for _ in 0..3 {
        let r = app
            .get(&format!("/v1/customers/{customer}/balance"), &app.finance())
            .await
            .expect_problem(503, "database_unavailable");
        assert_eq!(r.header("retry-after"), Some("1"));
    }

    allow_connections(&app, true).await;
    assert_eq!(balance(&app, &customer).await["available"], "12.50");
}

/// Opens or closes the app's database to new connections, as an administrator would
/// (`ALTER DATABASE … ALLOW_CONNECTIONS`); connections already open are not touched.
async fn allow_connections(app: &TestApp, allow: bool) {
    let (admin, database) = admin_of(app).await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS {allow}"
    )))
    .execute(&admin)
    .await
    .expect("alter database");
    admin.close().await;
}
