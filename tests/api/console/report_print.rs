//! The baseline assessment report in Chromium (tests/browser/report_page.py): written
//! and issued in the console by the SOC lead, read by the customer, checked in print
//! media and printed to an A4 PDF; screenshots in docs/screenshots.
//!
//! Runs when `SECUREHANDS_BROWSER_PYTHON` names a Python with Playwright; ignored
//! otherwise.

use securehands::domain::access::Role;
use serde_json::json;

use crate::helpers::{Backend, active_sow, sell, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "set SECUREHANDS_BROWSER_PYTHON to a Python with Playwright"
)]
async fn a_report_written_issued_and_printed_in_a_real_browser() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let c = app.customer_paris().await;
    app.patch(
        &format!("/v1/customers/{c}"),
        &app.am(),
        json!({"name": "Acme"}),
    )
    .await
    .expect(200);
    sell(&app, &c, "20.00", None).await;
    let sow = active_sow(
        &app,
        &c,
        "8.00",
        2,
        json!({"kind": "baseline_assessment", "title": "Baseline assessment 2027"}),
    )
    .await;
    let fixture = json!({
        "sow": sow,
        "tokens": {
            "soc_lead": app.token(&[Role::SocLead], None),
            "customer": app.token(&[Role::Customer], Some(&c)),
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture_path = dir.path().join("fixture.json");
    std::fs::write(&fixture_path, fixture.to_string()).expect("fixture");
    let root = env!("CARGO_MANIFEST_DIR");
    let python = std::env::var("SECUREHANDS_BROWSER_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = tokio::process::Command::new(python)
        .arg(format!("{root}/tests/browser/report_page.py"))
        .arg(format!("http://{}", app.addr))
        .arg(&fixture_path)
        .arg(format!("{root}/docs/screenshots"))
        .output()
        .await
        .expect("run the report page script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "report page failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("report page: ok"), "{stdout}");
}
