//! Units no SoW covers (SPEC §14): whom to contact to schedule sessions, the soonest
//! expiry first; the account manager's console list; the monthly digest, once a month.

use serde_json::{Value, json};

use crate::helpers::smtp::SmtpServer;
use crate::helpers::{TestApp, active_sow, sell, spawn_app_with};
use crate::on_both_backends;

async fn customer(app: &TestApp, name: &str) -> String {
    app.post(
        "/v1/customers",
        &app.am(),
        json!({"name": name, "calendar_id": "fr-paris",
               "securecall": {"reference": format!("SC-{name}"), "starts_on": "2025-01-01", "ends_on": "2028-12-31"}}),
    )
    .await
    .expect(201)
    .str("id")
}

fn digests(smtp: &SmtpServer) -> Vec<crate::helpers::smtp::Mail> {
    smtp.mails()
        .into_iter()
        .filter(|m| m.subject.contains("Units no SoW covers"))
        .collect()
}

on_both_backends!(customers_with_units_no_sow_covers, |backend| {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = spawn_app_with(backend, move |s| {
        s.smtp_url = Some(url);
        s.notify_account_managers = vec!["am@provider.example".into()];
    })
    .await;
    app.paris_calendar().await;
    // Acme: 10.00 sold now and 3.00 sold in January; a SoW reserves 5.00, drawn from
    // the January pack first: 8.00 uncovered, the first expiring with the later pack.
    let acme = customer(&app, "Acme").await;
    sell(&app, &acme, "10.00", None).await;
    sell(&app, &acme, "3.00", Some("2026-01-10")).await;
    active_sow(&app, &acme, "5.00", 1, json!({})).await;
    // Bolt: everything reserved. Cyan: 4.00 sold in June, no SoW.
    let bolt = customer(&app, "Bolt").await;
    sell(&app, &bolt, "5.00", None).await;
    active_sow(&app, &bolt, "5.00", 1, json!({})).await;
    let cyan = customer(&app, "Cyan").await;
    sell(&app, &cyan, "4.00", Some("2026-06-01")).await;

    let report = app
        .get("/v1/reports/uncovered-units", &app.finance())
        .await
        .expect(200);
    let rows = report.body["data"].as_array().cloned().unwrap_or_default();
    let seen: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["customer_name"].as_str().unwrap_or("?"),
                r["uncovered_units"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [("Cyan", "4.00"), ("Acme", "8.00")],
        "{}",
        report.text
    );
    let acme_row: &Value = &rows[1];
    assert_eq!(acme_row["customer_id"], acme.as_str());
    assert!(
        acme_row["earliest_expiry"]
            .as_str()
            .unwrap_or("")
            .starts_with("2027-11-30"),
        "{acme_row}"
    );
    assert!(acme_row["last_sow_at"].is_string());
    assert!(rows[0]["last_sow_at"].is_null());
    assert!(
        rows[0]["earliest_expiry"]
            .as_str()
            .unwrap_or("")
            .starts_with("2027-05-31"),
        "{}",
        rows[0]
    );
    app.get("/v1/reports/uncovered-units", &app.lead())
        .await
        .expect_problem(403, "forbidden");

    // The account manager's overview lists them.
    let session = app.console_session(&app.am()).await;
    let page = reqwest::Client::new()
        .get(app.url("/console"))
        .header("cookie", format!("sh_session={session}"))
        .send()
        .await
        .expect("console")
        .text()
        .await
        .expect("html");
    let section = page
        .split_once("Contact to schedule")
        .map(|(_, rest)| rest)
        .and_then(|rest| rest.split("</section>").next())
        .expect("the 'Contact to schedule' section");
    assert!(!section.contains("Bolt"), "{section}");
    let (c, a) = (
        section.find("Cyan").expect("Cyan"),
        section.find(">Acme<").expect("Acme"),
    );
    assert!(c < a, "soonest expiry first");

    // The monthly digest: once for December (the 1st at 06:00 UTC is past), once for
    // January, never twice.
    app.set_clock("2026-12-20T08:00:00Z").await;
    app.quiesce().await;
    let outbox = app.get("/v1/notifications?limit=100", &app.am()).await;
    assert_eq!(digests(&smtp).len(), 1, "{}", outbox.text);
    app.set_clock("2027-01-01T05:59:00Z").await;
    app.quiesce().await;
    assert_eq!(digests(&smtp).len(), 1);
    app.set_clock("2027-01-01T06:00:00Z").await;
    app.quiesce().await;
    app.set_clock("2027-01-15T06:00:00Z").await;
    app.quiesce().await;
    let sent = digests(&smtp);
    assert_eq!(
        sent.len(),
        2,
        "{:?}",
        sent.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    let january = &sent[1];
    assert!(january.subject.contains("2027-01"), "{}", january.subject);
    assert!(january.to.iter().any(|t| t == "am@provider.example"));
    let (c, a) = (
        january.text.find("Cyan").expect("Cyan"),
        january.text.find("Acme").expect("Acme"),
    );
    assert!(c < a, "{}", january.text);
    assert!(!january.text.contains("Bolt"), "{}", january.text);
});
