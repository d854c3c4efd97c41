//! The outbox survives a sender that dies between commit and send, and two replicas
//! sending at once never send a mail twice.

use serde_json::json;

use crate::helpers::smtp::SmtpServer;
use crate::helpers::{TestApp, active_sow, sell, spawn_app_with};
use crate::on_both_backends;

/// An SMTP server, and a replica that records mails but runs no sender, with a
/// customer holding units.
async fn recording_only(backend: crate::helpers::Backend) -> (SmtpServer, TestApp, String) {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = spawn_app_with(backend, move |s| {
        s.smtp_url = Some(url);
        s.notify_interval_ms = 0;
        s.notify_account_managers = vec!["am@provider.example".into()];
    })
    .await;
    let c = app.customer_with_contacts().await;
    sell(&app, &c, "20.00", None).await;
    (smtp, app, c)
}

on_both_backends!(nothing_lost_nothing_doubled, |backend| {
    // This replica records mails but runs no sender: as if it died right after
    // committing.
    let (smtp, app, c) = recording_only(backend).await;
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

on_both_backends!(a_stopping_sender_hands_its_claims_back, |backend| {
    let (smtp, app, c) = recording_only(backend).await;
    active_sow(&app, &c, "2.00", 1, json!({})).await;
    let pending = app.notifications(&c).await.len();
    assert!(pending >= 2);

    // A sender whose replica is already stopping when its pass begins: it claims a
    // batch, sends nothing, and hands every claim back at once.
    let mut settings = app.settings.clone();
    settings.notify_interval_ms = 20;
    let sender = securehands::app::build(&settings)
        .await
        .expect("replica")
        .notifier;
    let (stop, stopping) = tokio::sync::watch::channel(true);
    drop(stop);
    sender.run(stopping).await;
    assert!(smtp.mails().is_empty());
    let mut tx = app.state.db.begin_read().await.expect("tx");
    let claimed = securehands::storage::notifications::claimed_count(&mut tx, chrono::Utc::now())
        .await
        .expect("count");
    tx.rollback().await.expect("rollback");
    assert_eq!(claimed, 0, "claims left behind by a stopped sender");
    let statuses: Vec<_> = app
        .notifications(&c)
        .await
        .iter()
        .map(|n| n["status"].clone())
        .collect();
    assert!(statuses.iter().all(|s| s == "pending"), "{statuses:?}");
    // Another sender takes them without waiting for the claims to expire.
    assert!(
        app.notifier
            .run_until_idle(std::time::Duration::from_secs(10))
            .await
            .expect("send")
    );
    assert!(smtp.mails().len() >= pending);
});
