//! The database pool hands a request only connections that answer: after a pause, a
//! connection the server has closed (a restart, an administrator, a firewall) is found
//! and replaced before a request uses it, while a connection that answered a moment ago
//! goes straight back to work without a round trip to check it — and a request that
//! meets a connection closed within that moment is told to retry (503), never 500.
//! Giving a connection back costs no round trip either, and a transaction cut off half-way
//! (a cancelled request) gives back its locks and its connection clean.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use securehands::service::timeline::CHECKPOINT_EVERY;
use securehands::storage::db::PING_AFTER_IDLE;
use securehands::storage::sql::Sql;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::postgres_server::{test_server_address, with_address};
use crate::helpers::{
    Backend, TestApp, active_sow, balance, deliver, schedule, sell, spawn_app_with,
};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn a_connection_goes_back_to_the_pool_without_a_round_trip() {
    let proxy = CountingProxy::start().await;
    let through = proxy.addr.to_string();
    let app = quiet_app(|s| s.database_url = through_proxy(&s.database_url, &through)).await;
    let customer = app.customer_paris().await;
    sell(&app, &customer, "12.50", None).await;
    // Statements prepared on the connections the reads will use.
    for _ in 0..3 {
        balance(&app, &customer).await;
    }

    let before = proxy.counts();
    for _ in 0..20 {
        assert_eq!(balance(&app, &customer).await["available"], "12.50");
    }
    let after = proxy.counts();
    let sent = |kind: u8| after.get(&kind).unwrap_or(&0) - before.get(&kind).unwrap_or(&0);
    // Each statement is Bind, Execute and Sync; a ping is a Sync alone.
    let (executes, syncs) = (sent(b'E'), sent(b'S'));
    assert!(executes >= 20, "{executes} statements for 20 reads");
    assert_eq!(
        syncs, executes,
        "every Sync sent should close a statement ({executes} statements, {syncs} Syncs)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn a_delivery_is_five_round_trips_to_the_database() {
    let (queries, executes, syncs) = second_delivery_round_trips(0).await;
    // A round trip ends with a Sync (a prepared statement) or is a simple query (BEGIN,
    // COMMIT). The bound is six; five is the plan: BEGIN, the account lock, one
    // read of the session, its SoW and the lots, one statement for every write, COMMIT.
    assert_eq!(
        syncs, executes,
        "a Sync without a statement: a ping ({executes} statements)"
    );
    assert_eq!(
        queries + syncs,
        5,
        "round trips for one delivery: {queries} simple queries, {syncs} statements"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn a_delivery_recorded_after_a_checkpoint_is_five_round_trips_too() {
    // Enough pack sales for a timeline checkpoint dated after the sessions ended: their
    // deliveries are recorded late and correct it, with the other writes.
    let (queries, executes, syncs) = second_delivery_round_trips(CHECKPOINT_EVERY).await;
    assert_eq!(
        syncs, executes,
        "a Sync without a statement: a ping ({executes} statements)"
    );
    assert_eq!(
        queries + syncs,
        5,
        "round trips for one late delivery: {queries} simple queries, {syncs} statements"
    );
}

/// Delivers two sessions, after `sales` pack sales recorded once they had ended, and
/// counts what the app sent the database for the second delivery (the first prepared
/// the statements on the connection): simple queries, `Execute`s and `Sync`s.
async fn second_delivery_round_trips(sales: i64) -> (u64, u64, u64) {
    let proxy = CountingProxy::start().await;
    let through = proxy.addr.to_string();
    let app = quiet_app(|s| {
        s.database_url = through_proxy(&s.database_url, &through);
        s.rate_limit_per_second = 0;
    })
    .await;
    let customer = app.customer_paris().await;
    sell(&app, &customer, "10.00", None).await;
    let sow = active_sow(&app, &customer, "8.00", 3, serde_json::json!({})).await;
    let mut sessions = Vec::new();
    for (starts, ends) in [
        ("2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z"),
        ("2026-12-01T11:00:00Z", "2026-12-01T12:00:00Z"),
    ] {
        sessions.push((
            schedule(&app, &sow, starts, ends)
                .await
                .expect(201)
                .str("id"),
            starts,
            ends,
        ));
    }
    app.set_clock("2026-12-01T13:00:00Z").await;
    for _ in 0..sales {
        sell(&app, &customer, "0.01", None).await;
    }
    let (first, starts, ends) = &sessions[0];
    deliver(&app, first, starts, ends).await.expect(200);

    let before = proxy.counts();
    let (second, starts, ends) = &sessions[1];
    deliver(&app, second, starts, ends).await.expect(200);
    let after = proxy.counts();
    let sent = |kind: u8| after.get(&kind).unwrap_or(&0) - before.get(&kind).unwrap_or(&0);
    (sent(b'Q'), sent(b'E'), sent(b'S'))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn a_transaction_cut_off_half_way_gives_back_its_locks_and_a_clean_connection() {
    let app = quiet_app(|s| s.db_max_connections = 1).await;
    let customer = app.customer_paris().await;
    sell(&app, &customer, "12.50", None).await;
    let db = &app.state.db;

    // A unit of work locks the accounts, then is cancelled in the middle of a statement
    // (as when its request goes away) and dropped without COMMIT or ROLLBACK.
    let mut tx = db.begin_write().await.expect("begin");
    let locked: Vec<(String,)> = tx
        .fetch_all(Sql::new("SELECT customer_id FROM accounts FOR UPDATE"))
        .await
        .expect("lock");
    assert_eq!(locked.len(), 1);
    let cut = tokio::time::timeout(
        Duration::from_millis(50),
        tx.fetch_all::<(i64,)>(Sql::new("SELECT CAST(1 AS BIGINT) FROM pg_sleep(0.3)")),
    )
    .await;
    assert!(cut.is_err(), "the statement should have been cut off");
    drop(tx);

    // The pool's one connection answers the next statement with its own answer, not the
    // cut-off one's.
    let answer: Vec<(i64,)> = db
        .fetch_all(Sql::new("SELECT CAST(7 AS BIGINT)"))
        .await
        .expect("next statement");
    assert_eq!(answer, vec![(7,)]);
    // And the lock is gone: another session takes it without waiting.
    let admin_url = std::env::var("SECUREHANDS_TEST_POSTGRES_URL").expect("postgres url");
    let url = crate::helpers::replace_db_name(
        &admin_url,
        app.settings.database_url.rsplit('/').next().expect("name"),
    );
    let other = sqlx::PgPool::connect(&url).await.expect("other session");
    let in_transaction: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
    )
    .fetch_one(&other)
    .await
    .expect("sessions");
    assert_eq!(
        in_transaction, 0,
        "a connection stayed inside its transaction"
    );
    let mut other_tx = other.begin().await.expect("begin");
    let taken: Vec<(String,)> =
        sqlx::query_as("SELECT customer_id FROM accounts FOR UPDATE NOWAIT")
            .fetch_all(&mut *other_tx)
            .await
            .expect("the cut-off transaction still holds its lock");
    assert_eq!(taken.len(), 1);
    other_tx.rollback().await.expect("rollback");
    other.close().await;
    // The app goes on: a sale locks the same account.
    sell(&app, &customer, "1.00", None).await;
    assert_eq!(balance(&app, &customer).await["available"], "13.50");
}

/// `url` with its host and port replaced by `addr`, without TLS (so that a proxy can read
/// the messages).
fn through_proxy(url: &str, addr: &str) -> String {
    let mut parsed = url::Url::parse(&with_address(url, addr)).expect("database url");
    parsed.query_pairs_mut().append_pair("sslmode", "disable");
    parsed.to_string()
}

/// A TCP proxy to the test PostgreSQL server that counts the messages clients send, by
/// kind (`E` Execute, `S` Sync, `Q` simple query…), over all connections.
struct CountingProxy {
    addr: std::net::SocketAddr,
    counts: Arc<Mutex<HashMap<u8, u64>>>,
}

impl CountingProxy {
    async fn start() -> CountingProxy {
        let upstream = test_server_address();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let counts = Arc::new(Mutex::new(HashMap::new()));
        let shared = counts.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                    continue;
                };
                let (mut from_client, mut to_client) = client.into_split();
                let (mut from_server, mut to_server) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
                });
                let counts = shared.clone();
                tokio::spawn(async move {
                    let mut messages = FrontendMessages::default();
                    let mut buf = vec![0u8; 16 * 1024];
                    while let Ok(n) = from_client.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        messages.feed(&buf[..n], &counts);
                        if to_server.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        CountingProxy { addr, counts }
    }

    fn counts(&self) -> HashMap<u8, u64> {
        self.counts.lock().expect("counts").clone()
    }
}

/// Splits what a PostgreSQL client sends into messages: an untyped start-up message first
/// (length, then body), then a kind byte, a length and a body each.
#[derive(Default)]
struct FrontendMessages {
    started: bool,
    pending: Vec<u8>,
}

impl FrontendMessages {
    fn feed(&mut self, bytes: &[u8], counts: &Mutex<HashMap<u8, u64>>) {
        self.pending.extend_from_slice(bytes);
        loop {
            let header = usize::from(self.started);
            if self.pending.len() < header + 4 {
                return;
            }
            let len_bytes: [u8; 4] = self.pending[header..header + 4]
                .try_into()
                .expect("four bytes");
            let total = header + u32::from_be_bytes(len_bytes) as usize;
            if self.pending.len() < total {
                return;
            }
            if self.started {
                *counts
                    .lock()
                    .expect("counts")
                    .entry(self.pending[0])
                    .or_default() += 1;
            } else {
                self.started = true;
            }
            self.pending.drain(..total);
        }
    }
}

/// An app on PostgreSQL whose background loops take no connection (only the test's
/// requests do), with `tweak` applied to its settings.
async fn quiet_app(tweak: impl FnOnce(&mut securehands::config::Settings)) -> TestApp {
    spawn_app_with(Backend::Postgres, |s| {
        s.notify_interval_ms = 3_600_000;
        s.job_interval_secs = 3_600;
        tweak(s);
    })
    .await
}

/// [`quiet_app`] with its settings as they are, and a customer with 12.50 units.
pub(crate) async fn quiet_app_with_units() -> (TestApp, String) {
    let app = quiet_app(|_| {}).await;
    let customer = app.customer_paris().await;
    sell(&app, &customer, "12.50", None).await;
    (app, customer)
}

/// A connection to the test server's administrative database, and the name of the app's
/// own database on it.
pub(crate) async fn admin_of(app: &TestApp) -> (sqlx::PgPool, String) {
    let admin_url = std::env::var("SECUREHANDS_TEST_POSTGRES_URL").expect("postgres url");
    let admin = sqlx::PgPool::connect(&admin_url).await.expect("admin");
    let database = app
        .settings
        .database_url
        .rsplit('/')
        .next()
        .expect("database name")
        .to_string();
    (admin, database)
}

/// Closes every connection the app holds, from the server's side, and waits until the
/// server processes have gone (their sockets are closed).
pub(crate) async fn close_server_side(app: &TestApp) {
    let (admin, database) = admin_of(app).await;
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
