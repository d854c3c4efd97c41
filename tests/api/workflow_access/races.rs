//! Races where exactly one request may win: two approvals, deliver against cancel, two
//! complaint decisions, and approvals competing for the same units; and deliveries of one
//! customer's sessions, which must each see what the one before them drew.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    active_sow, approve, assert_verified, balance, deliver, entries, race, schedule, sell,
};

both_backends!(two_approvals_of_one_sow_one_wins, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "10.00", None).await;
    let id = app
        .post("/v1/sows", &app.lead(), json!({"customer_id": c, "title": "t", "activities": "a", "planned_sessions": 1, "planned_units": "6.00", "acceptance_criteria": "c"}))
        .await
        .expect(201)
        .str("id");
    let tag = app
        .post(&format!("/v1/sows/{id}/submit"), &app.lead(), json!({}))
        .await
        .expect(200)
        .header("etag")
        .unwrap_or_default()
        .to_string();
    let app = Arc::new(app);
    let results = race(2, || {
        let (app, c, id, tag) = (app.clone(), c.clone(), id.clone(), tag.clone());
        async move { approve(&app, &c, &id, &tag).await }
    })
    .await;
    let wins = results.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(wins, 1, "{results:?}");
    assert!(
        results
            .iter()
            .any(|(s, b)| *s == 409 && b["code"] == "sow_not_submitted"),
        "{results:?}"
    );
    assert_eq!(balance(&app, &c).await["reserved"], "6.00");
    assert_verified(&app).await;
});

both_backends!(deliver_and_cancel_of_one_session_one_wins, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "10.00", None).await;
    let sow = active_sow(&app, &c, "6.00", 2, json!({})).await;
    let ses = schedule(&app, &sow, "2026-12-01T08:00:00Z", "2026-12-01T09:00:00Z")
        .await
        .expect(201)
        .str("id");
    app.set_clock("2026-12-01T09:30:00Z").await;
    let app = Arc::new(app);
    let d = {
        let (app, ses) = (app.clone(), ses.clone());
        tokio::spawn(async move {
            deliver(&app, &ses, "2026-12-01T08:00:00Z", "2026-12-01T09:00:00Z").await
        })
    };
    let x = {
        let (app, ses, c) = (app.clone(), ses.clone(), c.clone());
        tokio::spawn(async move {
            app.post(
                &format!("/v1/sessions/{ses}/cancel"),
                &app.customer(&c),
                json!({"reason": "customer_request"}),
            )
            .await
        })
    };
    let (d, x) = (d.await.expect("join"), x.await.expect("join"));
    let statuses = [d.status.as_u16(), x.status.as_u16()];
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{} / {}",
        d.text,
        x.text
    );
    assert!(statuses.contains(&409));
    // Either way the session was charged exactly once.
    let charges: Vec<Value> = entries(&app, &format!("session_id={ses}")).await;
    assert_eq!(charges.len(), 1, "{charges:?}");
    assert_verified(&app).await;
});

both_backends!(two_decisions_on_one_complaint_one_wins, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "10.00", None).await;
    let sow = active_sow(&app, &c, "6.00", 2, json!({})).await;
    let ses = schedule(&app, &sow, "2026-12-01T08:00:00Z", "2026-12-01T10:00:00Z")
        .await
        .expect(201)
        .str("id");
    app.set_clock("2026-12-01T10:30:00Z").await;
    deliver(&app, &ses, "2026-12-01T08:00:00Z", "2026-12-01T10:00:00Z")
        .await
        .expect(200);
    app.post(
        &format!("/v1/sessions/{ses}/complaints"),
        &app.customer(&c),
        json!({"reason": "bad"}),
    )
    .await
    .expect(200);
    let app = Arc::new(app);
    let results = race(2, || {
        let (app, ses) = (app.clone(), ses.clone());
        async move {
            app.post(
                &format!("/v1/sessions/{ses}/complaints/decision"),
                &app.manager(),
                json!({"reverse_units": "2.00", "reason": "refund"}),
            )
            .await
        }
    })
    .await;
    assert_eq!(
        results.iter().filter(|(s, _)| *s == 200).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .any(|(s, b)| *s == 409 && b["code"] == "already_decided"),
        "{results:?}"
    );
    assert_eq!(entries(&app, "kind=reversal").await.len(), 1);
    assert_eq!(balance(&app, &c).await["total"], "10.00");
    assert_verified(&app).await;
});

both_backends!(
    approvals_racing_for_the_same_units_never_overcommit,
    |app| {
        let c = app.customer_paris().await;
        sell(&app, &c, "10.00", None).await;
        let mut ids = Vec::new();
        for _ in 0..6 {
            let id = app
            .post("/v1/sows", &app.lead(), json!({"customer_id": c, "title": "t", "activities": "a", "planned_sessions": 1, "planned_units": "3.00", "acceptance_criteria": "c"}))
            .await
            .expect(201)
            .str("id");
            app.post(&format!("/v1/sows/{id}/submit"), &app.lead(), json!({}))
                .await
                .expect(200);
            ids.push(id);
        }
        let app = Arc::new(app);
        let handles: Vec<_> = ids
            .iter()
            .map(|id| {
                let (app, c, id) = (app.clone(), c.clone(), id.clone());
                tokio::spawn(async move { approve(&app, &c, &id, "*").await })
            })
            .collect();
        let mut active = 0;
        for h in handles {
            let r = h.await.expect("join").expect(200);
            if r.body["status"] == "active" {
                active += 1;
            } else {
                assert_eq!(r.body["status"], "awaiting_units");
            }
        }
        assert_eq!(active, 3);
        let b = balance(&app, &c).await;
        assert_eq!(
            (b["reserved"].as_str(), b["available"].as_str()),
            (Some("9.00"), Some("1.00"))
        );
        assert_verified(&app).await;
    }
);

both_backends!(
    deliveries_racing_on_one_customer_each_see_the_last_draw,
    |app| {
        // Two packs, so the debits cross from one lot to the next; each delivery reads the
        // lots, the SoW and its session after the account lock, and must find them as the
        // delivery before it left them.
        let c = app.customer_paris().await;
        sell(&app, &c, "2.00", None).await;
        sell(&app, &c, "5.00", None).await;
        let sow = active_sow(&app, &c, "6.00", 6, json!({})).await;
        let mut sessions = Vec::new();
        for hour in 8..14 {
            let (start, end) = (
                format!("2026-12-01T{hour:02}:00:00Z"),
                format!("2026-12-01T{:02}:00:00Z", hour + 1),
            );
            let id = schedule(&app, &sow, &start, &end)
                .await
                .expect(201)
                .str("id");
            sessions.push((id, start, end));
        }
        app.set_clock("2026-12-01T15:30:00Z").await;
        let app = Arc::new(app);
        let handles: Vec<_> = sessions
            .into_iter()
            .map(|(id, start, end)| {
                let app = app.clone();
                tokio::spawn(async move { deliver(&app, &id, &start, &end).await })
            })
            .collect();
        for h in handles {
            h.await.expect("join").expect(200);
        }
        let debits: Vec<Value> = entries(&app, "kind=debit").await;
        assert!(debits.len() >= 6, "{debits:?}");
        // Units in hundredths, so the sum is exact.
        let hundredths = |v: &Value| {
            v.as_str()
                .and_then(|t| t.replace('.', "").parse::<i64>().ok())
                .unwrap_or(i64::MIN)
        };
        let all: Vec<Value> = entries(&app, &format!("customer_id={c}")).await;
        let posted: i64 = all.iter().map(|e| hundredths(&e["units"])).sum();
        let b = balance(&app, &c).await;
        assert_eq!(hundredths(&b["total"]), posted, "{b} after {all:?}");
        assert!(posted < 700, "nothing was drawn: {all:?}");
        assert_verified(&app).await;
    }
);
