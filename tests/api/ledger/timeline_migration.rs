//! Migration 0004 carries a database written by the 0003 schema onto the effective
//! timeline, on both backends: the fixture `tests/fixtures/timeline-0003.sql` is loaded
//! after migrations 0001–0003 only, then the service opens it (0004, then the checkpoint
//! backfill) and must read one consistent past.

use std::path::Path;

use serde_json::Value;

use crate::helpers::{
    Backend, TestApp, assert_verified, database_at, drop_database, spawn_app_with,
};
use crate::on_both_backends;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A database at schema 0003 holding the fixture; returns its URL (and, on PostgreSQL,
/// the admin URL and name to drop it with).
async fn old_database(backend: Backend, dir: &Path) -> (String, Option<(String, String)>) {
    let fixture = std::fs::read_to_string(format!("{ROOT}/tests/fixtures/timeline-0003.sql"))
        .expect("fixture");
    let script = match backend {
        Backend::Sqlite => fixture,
        Backend::Postgres => format!("{fixture}\nSELECT setval('ledger_entry_ids', 3, false);"),
    };
    database_at(backend, 3, &script, dir).await
}

async fn balance(app: &TestApp, at: &str) -> Value {
    app.get(
        &format!("/v1/customers/cus_old/balance?as_of={at}"),
        &app.finance(),
    )
    .await
    .expect(200)
    .body
}

on_both_backends!(
    a_0003_database_reads_one_timeline_after_migration,
    |backend| {
        let dir = tempfile::tempdir().expect("tempdir");
        let (url, drop_with) = old_database(backend, dir.path()).await;
        let opened = url.clone();
        let app = spawn_app_with(backend, move |s| s.database_url = opened).await;
        // Between the session's end and its recording, the debit and the reservation it
        // consumed are both in the past.
        let between = balance(&app, "2028-03-07T12:00:00Z").await;
        let f = |b: &Value, k: &str| b[k].as_str().unwrap_or("?").to_string();
        assert_eq!(
            (
                f(&between, "total"),
                f(&between, "reserved"),
                f(&between, "available")
            ),
            ("9.00".to_string(), "9.00".to_string(), "0.00".to_string()),
            "{between}"
        );
        let before = balance(&app, "2028-03-07T09:00:00Z").await;
        assert_eq!(
            (f(&before, "total"), f(&before, "reserved")),
            ("10.00".into(), "10.00".into())
        );
        // Entries written before actors existed keep their actor label, as an operator
        // token's (migration 0005).
        let old = crate::helpers::entries(&app, "customer_id=cus_old").await;
        assert_eq!(
            old[0]["actor"],
            serde_json::json!({"type": "operator_token", "id": "am", "name": "am"})
        );
        assert_eq!(old[1]["actor"]["id"], "lead");
        // Existing rows keep working: a new movement on top of them.
        app.set_clock("2028-03-09T08:00:00Z").await;
        app.post(
            "/v1/customers/cus_old/packs",
            &app.am(),
            serde_json::json!({"units": "2.00", "order_reference": "PO-NEW"}),
        )
        .await
        .expect(201);
        let now = balance(&app, "2028-03-09T08:00:00Z").await;
        assert_eq!(
            (f(&now, "total"), f(&now, "reserved")),
            ("11.00".into(), "9.00".into())
        );
        assert_verified(&app).await;
        app.state.db.close().await;
        drop_database(drop_with).await;
    }
);
