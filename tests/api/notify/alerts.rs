//! Time-driven alerts on the test clock, each exactly once: units expiring in 90 and
//! 30 days, a quote due in 7 days then lapsed, and a balance falling below the
//! customer's threshold.

use serde_json::json;

use crate::helpers::smtp::SmtpServer;
use crate::helpers::{active_sow, sell, spawn_app_with};
use crate::on_both_backends;

on_both_backends!(expiry_quote_and_balance_alerts_fire_once, |backend| {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = spawn_app_with(backend, move |s| {
        s.smtp_url = Some(url);
        s.notify_account_managers = vec!["am@provider.example".into()];
    })
    .await;
    let c = app.customer_with_contacts().await;
    // A pack received on 2026-03-01 expires at 2027-02-28T23:00Z: 89 days from now.
    sell(&app, &c, "10.00", Some("2026-03-01")).await;
    app.post(
        &format!("/v1/customers/{c}/quotes"),
        &app.am(),
        json!({"units": "10.00", "reason": "Top-up for Q1"}),
    )
    .await
    .expect(201);
    app.set_clock("2026-12-01T09:00:00Z").await;
    let mails = smtp
        .wait_for("the 90-day warning and the quote", |m| {
            m.iter().any(|m| m.subject.contains("90 jours"))
                && m.iter().any(|m| m.subject.contains("expire in 90 days"))
                && m.iter().any(|m| m.subject.contains("Devis de complément"))
        })
        .await;
    let warning = mails
        .iter()
        .find(|m| m.subject.contains("90 jours"))
        .expect("warning");
    assert_eq!(warning.to, ["fanny@acme.example"]);
    assert!(warning.text.contains("10.00 unités"), "{}", warning.text);
    assert!(
        warning
            .text
            .contains("utilisables jusqu'au dimanche 28 février 2027 (fin de journée, Europe/Paris), dans 90 jours ; elles expirent alors (2027-02-28 23:00 UTC)"),
        "{}",
        warning.text
    );
    assert!(
        mails
            .iter()
            .any(|m| m.to == ["am@provider.example"] && m.subject.contains("expire in 90 days"))
    );
    assert!(
        mails
            .iter()
            .any(|m| m.to == ["fanny@acme.example"] && m.subject.contains("Devis de complément"))
    );

    // Seven days before the order deadline (2026-12-31T08:00Z), the quote is announced.
    app.set_clock("2026-12-24T08:00:00Z").await;
    smtp.wait_for("quote due soon", |m| {
        m.iter().any(|m| m.subject.contains("Devis à commander"))
    })
    .await;
    app.set_clock("2027-01-01T00:00:00Z").await;
    smtp.wait_for("quote lapsed", |m| {
        m.iter().any(|m| m.subject.contains("Devis expiré"))
    })
    .await;
    // Thirty days before expiry.
    app.set_clock("2027-01-30T00:00:00Z").await;
    smtp.wait_for("the 30-day warning", |m| {
        m.iter().any(|m| m.subject.contains("30 jours"))
    })
    .await;
    app.set_clock("2027-02-10T00:00:00Z").await;
    app.quiesce().await;
    let fanny: Vec<String> = smtp
        .mails()
        .into_iter()
        .filter(|m| m.to == ["fanny@acme.example"])
        .map(|m| m.subject)
        .collect();
    for needle in ["90 jours", "30 jours", "Devis à commander", "Devis expiré"] {
        assert_eq!(
            fanny.iter().filter(|s| s.contains(needle)).count(),
            1,
            "{needle}: {fanny:#?}"
        );
    }
});

on_both_backends!(falling_below_the_threshold_tells_finance_once, |backend| {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = spawn_app_with(backend, move |s| s.smtp_url = Some(url)).await;
    let c = app.customer_with_contacts().await;
    app.patch(
        &format!("/v1/customers/{c}"),
        &app.am(),
        json!({"low_balance_threshold": "5.00"}),
    )
    .await
    .expect(200);
    sell(&app, &c, "6.00", None).await;
    // Reserving 2 units for a SoW leaves 4 available: below 5.
    active_sow(&app, &c, "2.00", 1, json!({})).await;
    let mails = smtp
        .wait_for("the low-balance mail", |m| {
            m.iter().any(|m| m.subject.contains("Solde bas"))
        })
        .await;
    let low = mails
        .iter()
        .find(|m| m.subject.contains("Solde bas"))
        .expect("mail");
    assert_eq!(low.to, ["fanny@acme.example"]);
    assert!(
        low.text.contains("4.00 unités") && low.text.contains("5.00 unités"),
        "{}",
        low.text
    );
    // Staying below does not repeat it.
    active_sow(&app, &c, "1.00", 1, json!({})).await;
    app.quiesce().await;
    assert_eq!(
        smtp.mails()
            .iter()
            .filter(|m| m.subject.contains("Solde bas"))
            .count(),
        1
    );
});
