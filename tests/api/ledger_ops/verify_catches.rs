//! `verify` is shown to catch what it promises: each invariant of SPEC §4 is broken on
//! its own, behind the service's back, in a database holding a real history (a pack, a
//! delivered session, a partial reversal), and `verify` — the library call and the
//! `securehands verify` command — must name it.

use securehands::storage::db::Db;
use serde_json::json;

use crate::helpers::{
    TestApp, active_sow, assert_verified, deliver, entries, schedule, sell, spawn_app,
};
use crate::on_both_backends;

/// A customer with a pack, a delivered session and a partly reversed debit; returns
/// (customer, lot, session, id of the debit entry).
async fn history(app: &TestApp) -> (String, String, String, i64) {
    let c = app.customer_paris().await;
    let lot = sell(app, &c, "10.00", None).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let sow = active_sow(app, &c, "8.00", 3, json!({})).await;
    let sid = schedule(app, &sow, "2026-12-01T15:00:00Z", "2026-12-01T17:00:00Z")
        .await
        .expect(201)
        .str("id");
    app.set_clock("2026-12-01T18:00:00Z").await;
    deliver(app, &sid, "2026-12-01T15:00:00Z", "2026-12-01T17:00:00Z")
        .await
        .expect(200);
    app.post(
        &format!("/v1/sessions/{sid}/complaints"),
        &app.customer(&c),
        json!({"reason": "Half of it was wasted"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/v1/sessions/{sid}/complaints/decision"),
        &app.manager(),
        json!({"reverse_units": "1.00", "reason": "Agreed"}),
    )
    .await
    .expect(200);
    let debit = entries(app, &format!("customer_id={c}&kind=debit")).await;
    assert_eq!(debit.len(), 1);
    let seq = debit[0]["seq"].as_i64().expect("seq");
    let id = scalar(
        app,
        &format!("SELECT id FROM ledger_entries WHERE seq = {seq}"),
    )
    .await;
    assert_verified(app).await;
    (c, lot, sid, id)
}

/// Runs SQL behind the service's back (PostgreSQL: with triggers off, as a restore
/// tool or a careless operator could).
async fn corrupt(app: &TestApp, sql: &str) {
    match &app.state.db {
        Db::Sqlite(pool) => {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(pool)
                .await
                .expect("corrupt");
        }
        Db::Postgres(pg) => {
            let mut conn = pg.sqlx_pool().acquire().await.expect("conn");
            let script = format!(
                "SET session_replication_role = replica; {sql}; SET session_replication_role = origin;"
            );
            sqlx::raw_sql(sqlx::AssertSqlSafe(script))
                .execute(&mut *conn)
                .await
                .expect("corrupt");
        }
    }
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    match &app.state.db {
        Db::Sqlite(pool) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(pool)
            .await
            .expect("scalar"),
        Db::Postgres(pg) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(pg.sqlx_pool())
            .await
            .expect("scalar"),
    }
}

/// `verify` finds a violation containing every one of `words`; the command says the
/// same and exits non-zero.
async fn expect_named(app: &TestApp, words: &[&str]) {
    let found = securehands::service::verify::run(&app.state.db)
        .await
        .expect("verify");
    assert!(
        found.iter().any(|v| words.iter().all(|w| v.contains(w))),
        "verify did not name {words:?}: {found:#?}"
    );
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_securehands"))
        .arg("verify")
        .env("DATABASE_URL", &app.settings.database_url)
        .env("SECUREHANDS_JWT_SECRET", crate::helpers::SECRET)
        .output()
        .await
        .expect("run verify");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "securehands verify passed:\n{text}");
    assert!(
        text.lines().any(|l| words.iter().all(|w| l.contains(w))),
        "securehands verify did not name {words:?}:\n{text}"
    );
}

/// The columns of a ledger entry, to copy one.
const ENTRY_COLUMNS: &str = "customer_id, kind, lot_id, units, balance_after, actor, \
    effective_at, session_id, sow_id, quote_id, reverses_id, settles_id, note";

/// Inserts a copy of entry `id` with new ids and positions, changing some columns.
async fn copy_entry(app: &TestApp, id: i64, changes: &[(&str, &str)]) {
    let next_id = scalar(app, "SELECT MAX(id) + 1 FROM ledger_entries").await;
    let select: Vec<String> = ENTRY_COLUMNS
        .split(", ")
        .map(|c| {
            changes
                .iter()
                .find(|(name, _)| *name == c)
                .map_or_else(|| c.to_string(), |(_, v)| v.to_string())
        })
        .collect();
    corrupt(
        app,
        &format!(
            "INSERT INTO ledger_entries (id, seq, recorded_at, {ENTRY_COLUMNS}) \
             SELECT {next_id}, {next_id}, recorded_at + 1, {} FROM ledger_entries WHERE id = {id}; \
             UPDATE feed_counters SET ledger_last = {next_id}",
            select.join(", ")
        ),
    )
    .await;
}

on_both_backends!(verify_names_an_account_total_off_its_entries, |backend| {
    let app = spawn_app(backend).await;
    let (c, ..) = history(&app).await;
    corrupt(
        &app,
        &format!("UPDATE accounts SET total = total + 100 WHERE customer_id = '{c}'"),
    )
    .await;
    expect_named(&app, &[&c, "but its entries sum to"]).await;
});

on_both_backends!(verify_names_a_lot_remaining_off_its_entries, |backend| {
    let app = spawn_app(backend).await;
    let (_, lot, ..) = history(&app).await;
    corrupt(
        &app,
        &format!("UPDATE lots SET remaining = remaining - 50 WHERE id = '{lot}'"),
    )
    .await;
    expect_named(&app, &[&lot, "remaining", "but its entries sum to"]).await;
});

on_both_backends!(verify_names_reserved_above_the_total, |backend| {
    let app = spawn_app(backend).await;
    let (c, ..) = history(&app).await;
    corrupt(
        &app,
        &format!("UPDATE accounts SET reserved = total + 100 WHERE customer_id = '{c}'"),
    )
    .await;
    expect_named(&app, &[&c, "exceeds max(total, 0)"]).await;
});

on_both_backends!(verify_names_a_session_debited_twice, |backend| {
    let app = spawn_app(backend).await;
    let (_, _, sid, debit) = history(&app).await;
    copy_entry(&app, debit, &[]).await;
    expect_named(&app, &[&sid, "charged 2 times"]).await;
});

on_both_backends!(verify_names_reversals_above_their_debit, |backend| {
    let app = spawn_app(backend).await;
    let (.., debit) = history(&app).await;
    let reversal = scalar(
        &app,
        &format!("SELECT id FROM ledger_entries WHERE reverses_id = {debit}"),
    )
    .await;
    // A second reversal of 2.00 on a debit of 2.50 that already had 1.00 back.
    copy_entry(&app, reversal, &[("units", "200"), ("session_id", "NULL")]).await;
    expect_named(
        &app,
        &[&format!("entry {debit}"), "reversed 3.00 but took 2.50"],
    )
    .await;
});

on_both_backends!(verify_names_a_gap_in_feed_positions, |backend| {
    let app = spawn_app(backend).await;
    history(&app).await;
    corrupt(
        &app,
        "UPDATE feed_counters SET ledger_last = ledger_last + 1",
    )
    .await;
    expect_named(&app, &["ledger positions are not 1..="]).await;
});
