//! Upgrades without loss: a database written by the previous release (its data, as SQL
//! under `tests/fixtures/upgrade/`, one file per backend and schema) is loaded at that
//! release's schema, then this release opens it: the remaining migrations apply, the
//! invariants hold, and the ledger, balances and past balances read exactly what the
//! previous release read (recorded beside the data when it was written).
//!
//! A new release's fixtures are written by the ignored test `make_upgrade_fixtures`
//! (`cargo test --test api upgrade::make -- --ignored`, with
//! `SECUREHANDS_TEST_POSTGRES_URL` set), committed, and kept: each release adds its own.

use serde_json::{Value, json};

use crate::helpers::{
    Backend, TestApp, active_sow, assert_verified, database_at, deliver, drop_database, entries,
    schedule, sell, spawn_app, spawn_app_with,
};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The schemas whose databases this release must open (one per earlier release).
const RELEASES: &[i64] = &[6];

fn name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

fn fixture(backend: Backend, schema: i64, ext: &str) -> std::path::PathBuf {
    std::path::Path::new(ROOT).join(format!(
        "tests/fixtures/upgrade/{}-{schema:04}.{ext}",
        name(backend)
    ))
}

/// What a reader sees: every ledger entry, each customer's balance now and at a past
/// instant.
async fn reading(app: &TestApp) -> Value {
    let ledger = entries(app, "").await;
    let mut balances = serde_json::Map::new();
    let customers = app
        .get("/v1/customers?limit=100", &app.am())
        .await
        .expect(200);
    for c in customers.body["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let id = c["id"].as_str().unwrap_or_default().to_string();
        let now = app
            .get(&format!("/v1/customers/{id}/balance"), &app.finance())
            .await
            .expect(200)
            .body;
        let past = app
            .get(
                &format!("/v1/customers/{id}/balance?as_of=2026-12-03T12:00:00Z"),
                &app.finance(),
            )
            .await
            .expect(200)
            .body;
        balances.insert(id, json!({"now": now, "past": past}));
    }
    let clock = app
        .get("/v1/test-clock", &app.admin())
        .await
        .expect(200)
        .body["now"]
        .clone();
    json!({"clock": clock, "ledger": ledger, "balances": balances})
}

/// `expected` is contained in `actual`: every field the previous release showed reads
/// the same (a new release may add fields).
fn contained(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e.iter().try_for_each(|(k, v)| {
            let at = format!("{path}.{k}");
            let got = a
                .get(k)
                .ok_or_else(|| format!("{at}: missing (expected {v})"))?;
            contained(v, got, &at)
        }),
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => e
            .iter()
            .zip(a)
            .enumerate()
            .try_for_each(|(i, (e, a))| contained(e, a, &format!("{path}[{i}]"))),
        _ if expected == actual => Ok(()),
        _ => Err(format!("{path}: expected {expected}, read {actual}")),
    }
}

async fn opens_and_reads_the_same(backend: Backend) {
    for &schema in RELEASES {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = std::fs::read_to_string(fixture(backend, schema, "sql")).expect("fixture");
        let (url, drop_with) = database_at(backend, schema, &data, dir.path()).await;
        let opened = url.clone();
        let app = spawn_app_with(backend, move |s| s.database_url = opened).await;
        assert_verified(&app).await;
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(fixture(backend, schema, "json")).expect("expected"),
        )
        .expect("json");
        // The release's "now" (its rules have run up to it: moving there changes nothing).
        app.set_clock(expected["clock"].as_str().expect("clock"))
            .await;
        if let Err(diff) = contained(&expected, &reading(&app).await, "") {
            panic!("schema {schema} on {}: {diff}", name(backend));
        }
        // And it goes on: a new movement on top of the old ones.
        let customer = expected["balances"]
            .as_object()
            .and_then(|b| b.keys().next().cloned())
            .expect("a customer");
        sell(&app, &customer, "1.00", None).await;
        assert_verified(&app).await;
        app.state.db.close().await;
        drop_database(drop_with).await;
    }
}

crate::on_both_backends!(
    databases_of_earlier_releases_open_and_read_the_same,
    |backend| { opens_and_reads_the_same(backend).await }
);

/// Writes this release's fixtures: a history touching every kind of record (packs on
/// two dates, an approved SoW, sessions delivered and accepted, an expiry, an API key,
/// a webhook endpoint, mails), dumped as data-only SQL with what a reader sees.
#[tokio::test]
#[ignore = "writes tests/fixtures/upgrade/ for a new release"]
async fn make_upgrade_fixtures() {
    let schema = securehands::storage::backup::latest_sqlite_migration();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app(backend).await;
        let customer = app.customer_paris().await;
        sell(&app, &customer, "10.00", None).await;
        sell(&app, &customer, "3.00", Some("2025-12-05")).await;
        let sow = active_sow(&app, &customer, "6.00", 2, json!({})).await;
        let first = schedule(&app, &sow, "2026-12-02T09:00:00Z", "2026-12-02T11:00:00Z")
            .await
            .expect(201)
            .str("id");
        app.set_clock("2026-12-02T12:00:00Z").await;
        deliver(&app, &first, "2026-12-02T09:00:00Z", "2026-12-02T11:00:00Z")
            .await
            .expect(200);
        app.set_clock("2026-12-08T08:00:00Z").await;
        app.post(
            "/v1/api-keys",
            &app.admin(),
            json!({"name": "erp", "roles": ["finance"]}),
        )
        .await
        .expect(201);
        app.post(
            "/v1/webhook-endpoints",
            &app.admin(),
            json!({"url": "http://127.0.0.1:9/hook", "events": ["session_delivered"]}),
        )
        .await
        .expect(201);
        let seen = reading(&app).await;
        let sql = dump(backend, &app).await;
        std::fs::create_dir_all(fixture(backend, schema, "sql").parent().expect("dir"))
            .expect("mkdir");
        std::fs::write(fixture(backend, schema, "sql"), sql).expect("write sql");
        std::fs::write(
            fixture(backend, schema, "json"),
            serde_json::to_string_pretty(&seen).expect("json") + "\n",
        )
        .expect("write json");
    }
}

/// The data of `app`'s database as SQL statements (no schema, no migration records).
async fn dump(backend: Backend, app: &TestApp) -> String {
    let url = app.settings.database_url.clone();
    app.state.db.close().await;
    let (program, args): (&str, Vec<String>) = match backend {
        Backend::Sqlite => (
            "sqlite3",
            vec![
                url.trim_start_matches("sqlite://").to_string(),
                ".dump --data-only".into(),
            ],
        ),
        Backend::Postgres => (
            "pg_dump",
            vec![
                "--data-only".into(),
                "--inserts".into(),
                "--no-owner".into(),
                "--no-privileges".into(),
                "--exclude-table=_sqlx_migrations".into(),
                url,
            ],
        ),
    };
    let out = std::process::Command::new(program)
        .args(&args)
        .output()
        .expect("dump");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut sql = format!(
        "-- The data of a database written by the release at schema {:04} ({}), loaded \
         by tests/api/upgrade.rs after that schema's migrations. Written by \
         make_upgrade_fixtures.\n",
        securehands::storage::backup::latest_sqlite_migration(),
        name(backend)
    );
    // Rows the migrations seed (counters) are replaced by the release's own.
    let mut tables: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("INSERT INTO "))
        .filter_map(|rest| rest.split([' ', '(']).next())
        .filter(|t| !t.contains("_sqlx_migrations") && !t.contains("sqlite_sequence"))
        .collect();
    tables.dedup();
    for table in tables {
        sql.push_str(&format!("DELETE FROM {table};\n"));
    }
    for line in text.lines() {
        let keep = !line.starts_with('\\')
            && !line.starts_with("--")
            && !line.contains("_sqlx_migrations")
            && !line.contains("sqlite_sequence")
            && !line.starts_with("SET ")
            && !line.starts_with("SELECT pg_catalog.set_config");
        if keep {
            sql.push_str(line);
            sql.push('\n');
        }
    }
    sql
}

/// What a newer release's expand-only migration does to the database: a new column, a
/// new table, and its record among the applied migrations.
async fn apply_a_newer_release(app: &TestApp) {
    let statements = [
        "ALTER TABLE ledger_entries ADD COLUMN memo TEXT",
        "CREATE TABLE future_notes (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
        "INSERT INTO future_notes (id, body) VALUES ('n1', 'written by the newer release')",
    ];
    let record = "INSERT INTO _sqlx_migrations \
         (version, description, success, checksum, execution_time) \
         VALUES (99990001, 'a newer release', TRUE, $1, 1)";
    match &app.state.db {
        securehands::storage::db::Db::Sqlite(pool) => {
            for s in statements {
                sqlx::raw_sql(s).execute(pool).await.expect(s);
            }
            sqlx::query(record)
                .bind(vec![0u8; 48])
                .execute(pool)
                .await
                .expect("record");
        }
        securehands::storage::db::Db::Postgres(pg) => {
            let pool = pg.sqlx_pool();
            for s in statements {
                sqlx::raw_sql(s).execute(pool).await.expect(s);
            }
            sqlx::query(record)
                .bind(vec![0u8; 48])
                .execute(pool)
                .await
                .expect("record");
        }
    }
}

crate::on_both_backends!(
    this_release_runs_beside_a_database_a_newer_release_migrated,
    |backend| {
        // A rolling upgrade seen from the previous release: the newer release has
        // migrated the shared database (expand only); a replica of this release still
        // starts on it, reads and writes, and the ledger holds.
        let app = spawn_app(backend).await;
        let customer = app.customer_paris().await;
        sell(&app, &customer, "5.00", None).await;
        apply_a_newer_release(&app).await;
        let older = app.replica().await;
        sell(&older, &customer, "2.00", None).await;
        let balance = older
            .get(
                &format!("/v1/customers/{customer}/balance"),
                &older.finance(),
            )
            .await
            .expect(200);
        assert_eq!(balance.body["total"], "7.00", "{}", balance.text);
        assert_eq!(entries(&older, "").await.len(), 2);
        assert_verified(&older).await;
    }
);
