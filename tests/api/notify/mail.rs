//! A delivered session produces the completion statement by mail, in each approver's
//! language, with the acceptance deadline in local time and UTC; a reminder follows
//! one business day before the deadline, once.

use serde_json::json;

use crate::helpers::smtp::SmtpServer;
use crate::helpers::{active_sow, deliver, schedule, sell, spawn_app_with};
use crate::on_both_backends;

on_both_backends!(statement_reminder_and_staff_mails, |backend| {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = spawn_app_with(backend, move |s| {
        s.smtp_url = Some(url);
        s.notify_account_managers = vec!["am@provider.example".into()];
        s.notify_soc = vec!["soc@provider.example".into()];
    })
    .await;
    let c = app.customer_with_contacts().await;
    sell(&app, &c, "20.00", None).await;
    let sow = active_sow(&app, &c, "8.00", 2, json!({})).await;

    // Submission and approval reach the approvers (and approval the account managers).
    let mails = smtp
        .wait_for("sow mails", |m| {
            m.iter()
                .filter(|m| m.subject.contains("approuvé") || m.subject.contains("approved"))
                .count()
                >= 3
                && m.iter()
                    .filter(|m| {
                        m.subject.contains("à approuver") || m.subject.contains("to approve")
                    })
                    .count()
                    >= 2
        })
        .await;
    let to_claire: Vec<_> = mails
        .iter()
        .filter(|m| m.to == ["claire@acme.example"])
        .collect();
    assert!(to_claire.iter().any(|m| {
        m.subject
            .starts_with("[SecureHands] Plan de travail à approuver")
    }));
    assert!(
        to_claire
            .iter()
            .any(|m| m.text.contains("réserve 8.00 unités")),
        "{to_claire:#?}"
    );
    assert!(
        mails
            .iter()
            .any(|m| m.to == ["am@provider.example"] && m.subject.contains("approved"))
    );
    assert!(
        !mails.iter().any(|m| m.to == ["fanny@acme.example"]),
        "finance is not told of SoWs"
    );

    let session = schedule(&app, &sow, "2026-12-02T09:00:00Z", "2026-12-02T11:00:00Z")
        .await
        .expect(201)
        .str("id");
    let scheduled = smtp
        .wait_for("scheduling mails", |m| {
            m.iter().any(|m| m.subject.contains("Session planifiée"))
                && m.iter().any(|m| m.subject.contains("Session scheduled"))
        })
        .await;
    let _ = scheduled;
    app.quiesce().await;
    // Bob is approver and technical contact: one mail, not two (counted as received,
    // so a double send shows).
    let to_bob = smtp
        .mails()
        .iter()
        .filter(|m| m.to == ["bob@acme.example"] && m.subject.contains("Session scheduled"))
        .count();
    assert_eq!(to_bob, 1);
    app.set_clock("2026-12-02T12:00:00Z").await;
    deliver(
        &app,
        &session,
        "2026-12-02T09:00:00Z",
        "2026-12-02T11:00:00Z",
    )
    .await
    .expect(200);
    let mails = smtp
        .wait_for("completion statements", |m| {
            m.iter()
                .filter(|m| {
                    m.subject.contains("Procès-verbal")
                        || m.subject.contains("Completion statement")
                })
                .count()
                >= 2
        })
        .await;
    let fr = mails
        .iter()
        .find(|m| m.to == ["claire@acme.example"] && m.subject.contains("Procès-verbal"))
        .expect("French statement");
    // The deadline is 00:00 on Saturday 5 December: people read the end of Friday 4.
    assert!(
        fr.subject
            .contains("d'ici le vendredi 4 décembre 2026 (fin de journée, Europe/Paris)"),
        "{}",
        fr.subject
    );
    assert!(
        fr.text.contains(
            "Date limite d'acceptation : vendredi 4 décembre 2026 (fin de journée, Europe/Paris) (2026-12-04 23:00 UTC)"
        ),
        "{}",
        fr.text
    );
    assert!(fr.text.contains("acceptée automatiquement"));
    assert!(
        fr.text.contains("unités : 2.00") && fr.text.contains("solde après : 18.00"),
        "{}",
        fr.text
    );
    assert!(
        fr.html.contains("<p>Sans réclamation avant cette date"),
        "{}",
        fr.html
    );
    let en = mails
        .iter()
        .find(|m| m.to == ["bob@acme.example"] && m.subject.contains("Completion statement"))
        .expect("English statement");
    assert!(
        en.text.contains(
            "Acceptance deadline: Friday 4 December 2026, end of day (Europe/Paris) (2026-12-04 23:00 UTC)"
        ),
        "{}",
        en.text
    );
    assert!(en.text.contains("accepted automatically"));

    // One business day before the deadline: a reminder, once.
    app.set_clock("2026-12-03T22:59:59Z").await;
    app.quiesce().await;
    assert!(
        !smtp
            .mails()
            .iter()
            .any(|m| m.subject.contains("Reminder") || m.subject.contains("Rappel"))
    );
    app.set_clock("2026-12-03T23:00:00Z").await;
    smtp.wait_for("reminders", |m| {
        m.iter()
            .filter(|m| m.subject.contains("Rappel") || m.subject.contains("Reminder"))
            .count()
            >= 2
    })
    .await;
    app.set_clock("2026-12-04T10:00:00Z").await;
    app.quiesce().await;
    let reminders: Vec<_> = smtp
        .mails()
        .into_iter()
        .filter(|m| m.subject.contains("Rappel") || m.subject.contains("Reminder"))
        .collect();
    assert_eq!(reminders.len(), 2, "{reminders:#?}");
    assert!(
        reminders
            .iter()
            .any(|m| m.to == ["claire@acme.example"]
                && m.subject.contains("vendredi 4 décembre 2026"))
    );

    // The outbox shows every mail, sent, with its attempt.
    let mut recorded = app.notifications(&c).await;
    for _ in 0..100 {
        if recorded.iter().all(|n| n["status"] == "sent") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        recorded = app.notifications(&c).await;
    }
    let delivered: Vec<_> = recorded
        .iter()
        .filter(|n| n["kind"] == "session_delivered")
        .collect();
    assert_eq!(delivered.len(), 2);
    for n in &delivered {
        assert_eq!(n["status"], "sent", "{n}");
        assert_eq!(n["attempts"][0]["outcome"], "sent");
    }
    assert!(
        recorded.iter().all(|n| n["status"] == "sent"),
        "{recorded:#?}"
    );
});

on_both_backends!(
    without_smtp_mails_are_recorded_as_not_configured,
    |backend| {
        let app = spawn_app_with(backend, |_| {}).await;
        let c = app.customer_with_contacts().await;
        sell(&app, &c, "20.00", None).await;
        active_sow(&app, &c, "8.00", 2, json!({})).await;
        let mut recorded = Vec::new();
        for _ in 0..100 {
            recorded = app.notifications(&c).await;
            if !recorded.is_empty() && recorded.iter().all(|n| n["status"] != "pending") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(!recorded.is_empty());
        assert!(
            recorded.iter().all(|n| n["status"] == "not_configured"),
            "{recorded:#?}"
        );
        let filtered = app
            .get(
                &format!("/v1/notifications?customer_id={c}&status=sent"),
                &app.am(),
            )
            .await
            .expect(200);
        assert_eq!(filtered.body["data"], json!([]));
        app.get("/v1/notifications?status=lost", &app.am())
            .await
            .expect_problem(422, "validation_failed");
        app.get("/v1/notifications", &app.lead())
            .await
            .expect_problem(403, "forbidden");
    }
);

on_both_backends!(a_german_contact_reads_german_mails, |backend| {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = spawn_app_with(backend, move |s| s.smtp_url = Some(url)).await;
    let c = app.customer_paris().await;
    app.patch(
        &format!("/v1/customers/{c}"),
        &app.am(),
        json!({"contacts": [{"name": "Jonas Weber", "email": "jonas@acme.example",
            "language": "de", "roles": ["approver", "technical"]}]}),
    )
    .await
    .expect(200);
    sell(&app, &c, "20.00", None).await;
    let sow = active_sow(&app, &c, "8.00", 2, json!({"acceptance_days": 3})).await;
    schedule(&app, &sow, "2026-12-08T09:00:00Z", "2026-12-08T11:00:00Z")
        .await
        .expect(201);
    let mails = smtp
        .wait_for("German mails", |m| {
            m.iter()
                .any(|m| m.subject.contains("Leistungsverzeichnis zur Genehmigung"))
                && m.iter().any(|m| m.subject.contains("Sitzung geplant"))
        })
        .await;
    let submitted = mails
        .iter()
        .find(|m| m.subject.contains("Leistungsverzeichnis zur Genehmigung"))
        .expect("submission");
    assert_eq!(submitted.to, ["jonas@acme.example"]);
    assert!(
        submitted.text.starts_with("Guten Tag Jonas Weber,"),
        "{}",
        submitted.text
    );
    // The SoW's terms, shown to the approver, with German plural rules.
    assert!(
        submitted
            .text
            .contains("Reguläre Servicezeiten 09:00–17:00 (Ortszeit); Abnahmefrist: 3 Werktage"),
        "{}",
        submitted.text
    );
    let scheduled = mails
        .iter()
        .find(|m| m.subject.contains("Sitzung geplant"))
        .expect("scheduling");
    assert!(
        scheduled
            .subject
            .contains("Di., 08.12.2026, 10:00 Uhr (Europe/Paris)"),
        "{}",
        scheduled.subject
    );
    assert!(
        scheduled.html.contains(r#"lang="de""#),
        "{}",
        scheduled.html
    );
    assert!(!scheduled.text.contains("mail-"), "{}", scheduled.text);
});
