//! The outbox survives a sender that dies between commit and send, and two replicas
//! sending at once never send a mail twice.

use serde_json::json;

use crate::helpers::smtp::SmtpServer;
use crate::helpers::{active_sow, sell, spawn_app_with};
use crate::on_both_backends;

on_both_backends!(nothing_lost_nothing_doubled, |backend| {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    // This replica records mails but runs no sender: as if it died right after
    // committing.
    let app = spawn_app_with(backend, move |s| {
        s.smtp_url = Some(url);
        s.notify_interval_ms = 0;
        s.notify_account_managers = vec!["am@provider.example".into()];
    })
    .await;
    let c = app.customer_with_contacts().await;
    sell(&app, &c, "20.00", None).await;
    for _ in 0..3 {
        active_sow(&app, &c, "2.00", 1, json!({})).await;
    }
    let recorded = app.notifications(&c).await;
    assert!(recorded.len() >= 9, "{recorded:#?}");
    assert!(recorded.iter().all(|n| n["status"] == "pending"));
    assert!(smtp.mails().is_empty());

    // Two other replicas on the same database pick the mails up.
    let mut settings = app.settings.clone();
    settings.notify_interval_ms = 20;
    let mut replicas = Vec::new();
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    for _ in 0..2 {
        let replica = securehands::app::build(&settings).await.expect("replica");
        replica.spawn_background(stop_rx.clone());
        replicas.push(replica);
    }
    smtp.wait_for("every recorded mail", |m| m.len() >= recorded.len())
        .await;
    app.quiesce().await;
    let mails = smtp.mails();
    assert_eq!(mails.len(), recorded.len(), "each mail exactly once");
    let mut ids: Vec<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), mails.len());
    let _ = stop.send(true);
    for replica in replicas {
        replica.state.db.close().await;
    }
});
