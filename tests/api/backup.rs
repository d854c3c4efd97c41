//! Backup and restore (SQLite): a backup taken while writes go on restores into a
//! database whose invariants hold and whose ledger is exactly the live ledger up to the
//! backup's position, with the balances of that position; nothing is overwritten
//! without the operator's word; PostgreSQL gets its own tools' procedure.

use serde_json::Value;

use crate::helpers::binary::{BIN, serve};
use crate::helpers::{Backend, entries, sell, spawn_app};

async fn run(args: &[&str], database_url: &str) -> (bool, String) {
    let out = tokio::process::Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("SECUREHANDS_JWT_SECRET", crate::helpers::SECRET)
        .output()
        .await
        .expect("run securehands");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn a_backup_under_writes_restores_the_ledger_up_to_its_position() {
    let app = spawn_app(Backend::Sqlite).await;
    let customer = app.customer_paris().await;
    for _ in 0..5 {
        sell(&app, &customer, "1.00", None).await;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("backup.db");
    let file = file.to_str().expect("path").to_string();
    let live_url = app.settings.database_url.clone();

    // Writes keep going while the backup is taken.
    let writer = {
        let app_url = app.url("");
        let token = app.am();
        let customer = customer.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            for i in 0..60 {
                let r = client
                    .post(format!("{app_url}/v1/customers/{customer}/packs"))
                    .bearer_auth(&token)
                    .json(
                        &serde_json::json!({"units": "2.00", "order_reference": format!("W-{i}")}),
                    )
                    .send()
                    .await
                    .expect("sell");
                assert_eq!(r.status(), 201);
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let (ok, said) = run(&["backup", "--output", &file], &live_url).await;
    assert!(ok, "{said}");
    assert!(said.contains("backup written"), "{said}");
    writer.await.expect("writer");
    // A backup never overwrites.
    let (ok, said) = run(&["backup", "--output", &file], &live_url).await;
    assert!(!ok && said.contains("exists already"), "{said}");

    let restored_url = format!("sqlite://{}/restored/r.db", dir.path().display());
    let (ok, said) = run(&["restore", "--input", &file], &restored_url).await;
    assert!(ok, "{said}");
    let (ok, said) = run(&["verify"], &restored_url).await;
    assert!(ok, "the restored database verifies: {said}");
    // Replacing a database needs --force; a file that is not a backup is refused.
    let (ok, said) = run(&["restore", "--input", &file], &restored_url).await;
    assert!(!ok && said.contains("--force"), "{said}");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").expect("junk");
    let junk_target = format!("sqlite://{}/other.db", dir.path().display());
    let (ok, said) = run(
        &["restore", "--input", junk.to_str().expect("path")],
        &junk_target,
    )
    .await;
    assert!(!ok && said.contains("not a securehands backup"), "{said}");

    // The restored ledger is the live one up to the backup's position.
    let live = entries(&app, "").await;
    let restored = serve(&[("DATABASE_URL", &restored_url)]).await;
    let finance = restored.token("finance").await;
    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        let finance = finance.clone();
        let base = restored.base.clone();
        async move {
            client
                .get(format!("{base}{path}"))
                .bearer_auth(finance)
                .send()
                .await
                .expect("get")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let page = get("/v1/ledger?limit=1000".into()).await;
    let restored_entries = page["data"].as_array().cloned().expect("entries");
    assert!(restored_entries.len() >= 5, "{page}");
    assert!(restored_entries.len() <= live.len());
    assert_eq!(restored_entries[..], live[..restored_entries.len()]);
    let last = restored_entries.last().expect("an entry");
    let balance = get(format!("/v1/customers/{customer}/balance")).await;
    assert_eq!(balance["total"], last["balance_after"], "{balance}");

    // PostgreSQL: the procedure, nothing done.
    let (ok, said) = run(
        &["backup", "--output", "/tmp/never.dump"],
        "postgres://app:s3cret@127.0.0.1:1/ledger",
    )
    .await;
    assert!(
        !ok && said.contains("pg_dump") && said.contains("pg_restore"),
        "{said}"
    );
    assert!(!said.contains("s3cret"), "{said}");
    assert!(!std::path::Path::new("/tmp/never.dump").exists());
}
