//! The database pool hands a request only connections that answer: after a pause, a
//! connection the server has closed (a restart, an administrator, a firewall) is found
//! and replaced before a request uses it, while a connection that answered a moment ago
//! goes straight back to work without a round trip to check it — and a request that
//! meets a connection closed within that moment is told to retry (503), never 500.

use std::time::Duration;

use securehands::storage::db::PING_AFTER_IDLE;

use crate::helpers::{Backend, TestApp, balance, sell, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn connections_the_server_closed_during_a_pause_never_reach_a_request() {
    let (app, customer) = quiet_app_with_units().await;
    // Several connections in the pool, all idle afterwards.
    let warm: Vec<_> = (0..4).map(|_| balance(&app, &customer)).collect();
    futures::future::join_all(warm).await;

    close_server_side(&app).await;

    tokio::time::sleep(PING_AFTER_IDLE + Duration::from_millis(300)).await;
    for _ in 0..6 {
        let units = balance(&app, &customer).await;
        assert_eq!(units["available"], "12.50", "{units}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn a_request_on_a_connection_closed_a_moment_ago_is_told_to_retry() {
    let (app, customer) = quiet_app_with_units().await;
    balance(&app, &customer).await;
    close_server_side(&app).await;

    // Used a moment ago: handed out without a check, and found closed by the statement.
    let r = app
        .get(&format!("/v1/customers/{customer}/balance"), &app.finance())
        .await
        .expect_problem(503, "database_unavailable");
    assert_eq!(r.header("retry-after"), Some("1"));
    // The closed connection was dropped: the next request gets a working one.
    tokio::time::sleep(PING_AFTER_IDLE + Duration::from_millis(300)).await;
    assert_eq!(balance(&app, &customer).await["available"], "12.50");
}

/// An app on PostgreSQL whose background loops take no connection (only the test's
/// requests do), and a customer with 12.50 units.
async fn quiet_app_with_units() -> (TestApp, String) {
    let app = spawn_app_with(Backend::Postgres, |s| {
        s.notify_interval_ms = 3_600_000;
        s.job_interval_secs = 3_600;
    })
    .await;
    let customer = app.customer_paris().await;
    sell(&app, &customer, "12.50", None).await;
    (app, customer)
}

/// Closes every connection the app holds, from the server's side, and waits until the
/// server processes have gone (their sockets are closed).
async fn close_server_side(app: &TestApp) {
    let admin_url = std::env::var("SECUREHANDS_TEST_POSTGRES_URL").expect("postgres url");
    let admin = sqlx::PgPool::connect(&admin_url).await.expect("admin");
    let database = app
        .settings
        .database_url
        .rsplit('/')
        .next()
        .expect("database name")
        .to_string();
    let closed: Vec<i32> = sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&database)
    .fetch_all(&admin)
    .await
    .expect("the app's connections");
    assert!(!closed.is_empty(), "the app held no connection to close");
    sqlx::query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid")
        .bind(&closed)
        .execute(&admin)
        .await
        .expect("terminate");
    // The listener for key changes may reconnect at once: wait for these processes only.
    for _ in 0..100 {
        let left: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)")
                .bind(&closed)
                .fetch_one(&admin)
                .await
                .expect("count");
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    admin.close().await;
}
