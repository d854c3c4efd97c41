//! The whole story in headless Chromium (Debian's package) driven by Playwright for
//! Python: each role signs in and works through the console with JavaScript off;
//! screenshots of each main screen at desktop and phone widths go to
//! `docs/screenshots/`, and axe-core finds no serious accessibility violation.
//! Runs when `SECUREHANDS_BROWSER_PYTHON` names a Python with Playwright (CI installs
//! one); ignored otherwise.

use securehands::domain::access::Role;
use serde_json::json;

use crate::helpers::{Backend, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "set SECUREHANDS_BROWSER_PYTHON to a Python with Playwright"
)]
async fn the_whole_story_in_a_real_browser() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let c = app.customer_paris().await;
    let other = app.customer_paris().await;
    app.patch(
        &format!("/v1/customers/{c}"),
        &app.am(),
        json!({"name": "Acme"}),
    )
    .await
    .expect(200);
    app.patch(
        &format!("/v1/customers/{other}"),
        &app.am(),
        json!({"name": "Globex"}),
    )
    .await
    .expect(200);
    app.post(
        "/v1/requests",
        &app.customer(&c),
        json!({"customer_id": c, "kind": "change_execution", "channel": "portal",
               "summary": "Migrate the firewall rules", "identity_verified": true}),
    )
    .await
    .expect(201);
    let token = |roles: &[Role], customer: Option<&str>| app.token(roles, customer);
    // People sign in with their name in the token (the header shows it).
    let named =
        |name: &str, roles: &[Role], customer: Option<&str>| app.token_named(name, roles, customer);
    let fixture = json!({
        "customer": c,
        "other_customer": other,
        "tokens": {
            "account_manager": named("Alex Durand", &[Role::AccountManager], None),
            "soc_lead": named("Sam Leroy", &[Role::SocLead], None),
            "soc_manager": named("Morgan Petit", &[Role::SocManager], None),
            "customer": named("Claire Martin", &[Role::Customer], Some(&c)),
            "other_customer": token(&[Role::Customer], Some(&other)),
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture_path = dir.path().join("fixture.json");
    std::fs::write(&fixture_path, fixture.to_string()).expect("fixture");
    let root = env!("CARGO_MANIFEST_DIR");
    let python = std::env::var("SECUREHANDS_BROWSER_PYTHON").unwrap_or_else(|_| "python3".into());
    let base = format!("http://{}", app.addr);
    let out = tokio::process::Command::new(python)
        .arg(format!("{root}/tests/browser/console_story.py"))
        .arg(&base)
        .arg(&fixture_path)
        .arg(format!("{root}/docs/screenshots"))
        .output()
        .await
        .expect("run the browser story");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser story failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("console story: ok"), "{stdout}");
}
