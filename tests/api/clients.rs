//! Clients generated from the committed document, the way finance and ticketing systems
//! integrate: `tests/clients/generate.py` validates the document and runs
//! openapi-python-client and openapi-typescript at their default settings (failing on an
//! error, a warning or a missing operation); the generated Python client then runs a
//! finance system's loop against the real service on both backends. Runs when
//! `SECUREHANDS_CLIENTS_DIR` names the folder `tests/clients/setup.sh` prepared (CI
//! does); ignored otherwise.

use securehands::domain::access::Role;
use serde_json::json;

use crate::helpers::{Backend, spawn_app};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn tools_python() -> String {
    let dir = std::env::var("SECUREHANDS_CLIENTS_DIR").unwrap_or_default();
    format!("{dir}/venv/bin/python")
}

/// Runs a script of `tests/clients/` with the tools' Python; returns its output.
async fn run(script: &str, args: &[&str]) -> String {
    let out = tokio::process::Command::new(tools_python())
        .arg(format!("{ROOT}/tests/clients/{script}"))
        .args(args)
        .output()
        .await
        .expect("run the client tools");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{script} failed:\n{text}");
    text
}

/// How many operations the document declares (what each generated client must hold).
fn documented_operations(spec: &str) -> usize {
    let text = std::fs::read_to_string(spec).expect("read the document");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("the document is JSON");
    let methods = [
        "get", "put", "post", "delete", "patch", "head", "options", "trace",
    ];
    doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| methods.iter().filter(move |m| item.get(**m).is_some()))
        .count()
}

/// Generates both clients from the committed document into `dir`; returns the
/// Python package's folder.
async fn generate(dir: &std::path::Path, python_only: bool) -> String {
    let spec = format!("{ROOT}/openapi/openapi.json");
    let out = dir.display().to_string();
    let mut args = vec![spec.as_str(), out.as_str()];
    if python_only {
        args.push("--python-only");
    }
    let text = run("generate.py", &args).await;
    let line = text
        .lines()
        .find(|l| l.starts_with("clients: ok"))
        .unwrap_or_else(|| panic!("no summary:\n{text}"));
    let expected = format!("operations={}", documented_operations(&spec));
    assert!(
        line.contains(&expected),
        "{line} (the document has {expected})"
    );
    line.split_whitespace()
        .find_map(|w| w.strip_prefix("python="))
        .expect("package path")
        .to_string()
}

#[tokio::test]
#[cfg_attr(
    not(client_tests),
    ignore = "set SECUREHANDS_CLIENTS_DIR (tests/clients/setup.sh) to generate clients"
)]
async fn both_generators_produce_every_operation() {
    let dir = tempfile::tempdir().expect("tempdir");
    generate(dir.path(), false).await;
}

async fn finance_loop(backend: Backend) {
    let app = spawn_app(backend).await;
    let customer = app.customer_paris().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let package = generate(dir.path(), true).await;
    let fixture = json!({
        "customer": customer,
        "month": "2026-12",
        "tokens": {
            "account_manager": app.token(&[Role::AccountManager], None),
            "finance": app.token(&[Role::Finance], None),
        }
    });
    let path = dir.path().join("fixture.json");
    std::fs::write(&path, fixture.to_string()).expect("fixture");
    let base = format!("http://{}", app.addr);
    let text = run(
        "finance_loop.py",
        &[&base, &path.display().to_string(), &package],
    )
    .await;
    assert!(text.contains("finance loop: ok"), "{text}");
    crate::helpers::assert_verified(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(client_tests),
    ignore = "set SECUREHANDS_CLIENTS_DIR (tests/clients/setup.sh) to generate clients"
)]
async fn generated_python_client_runs_the_finance_loop_sqlite() {
    finance_loop(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    any(not(client_tests), not(postgres_tests)),
    ignore = "set SECUREHANDS_CLIENTS_DIR and SECUREHANDS_TEST_POSTGRES_URL"
)]
async fn generated_python_client_runs_the_finance_loop_postgres() {
    finance_loop(Backend::Postgres).await;
}
