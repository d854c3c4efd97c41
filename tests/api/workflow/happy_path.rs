//! The happy path from a request to an automatically accepted session and a completed
//! SoW, and automatic acceptance firing exactly at its deadline.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    active_sow, approve, assert_verified, balance, deliver, entries, schedule, sell, session,
};

both_backends!(happy_path_from_request_to_automatic_acceptance, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "20.00", None).await;
    // A request logged by the customer at Tue 09:00 Paris.
    let req = app
        .post(
            "/v1/requests",
            &app.customer(&c),
            json!({"customer_id": c, "kind": "change_execution", "channel": "portal", "summary": "Migrate the firewall", "identity_verified": true}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(req["initial_response_due"], "2026-12-01T16:00:00Z");
    assert_eq!(req["sow_due"], "2026-12-03T23:00:00Z");
    assert_eq!(req["status"], "open");
    let rid = req["id"].as_str().unwrap_or_default().to_string();
    app.set_clock("2026-12-01T10:00:00Z").await;
    let r = app
        .post(
            &format!("/v1/requests/{rid}/respond"),
            &app.lead(),
            json!({"note": "On it"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["initial_response_sla"], "met");
    // The SoW: drafted, edited (revision 2), submitted, approved.
    let sow = app
        .post(
            "/v1/sows",
            &app.lead(),
            json!({"customer_id": c, "request_id": rid, "title": "Firewall", "activities": "Migrate", "planned_sessions": 2,
                   "planned_units": "10.00", "acceptance_criteria": "Works"}),
        )
        .await
        .expect(201);
    assert_eq!(sow.body["status"], "draft");
    assert_eq!(sow.body["revision"], 1);
    let id = sow.str("id");
    let etag1 = sow.header("etag").unwrap_or_default().to_string();
    let edited = app
        .send(
            Method::PATCH,
            &format!("/v1/sows/{id}"),
            Some(&app.lead()),
            Some(json!({"title": "Firewall migration"})),
            &[("if-match", &etag1)],
        )
        .await
        .expect(200);
    assert_eq!(edited.body["revision"], 2);
    let etag2 = edited.header("etag").unwrap_or_default().to_string();
    assert_ne!(etag1, etag2);
    app.post(&format!("/v1/sows/{id}/submit"), &app.lead(), json!({}))
        .await
        .expect(200);
    let req = app
        .get(&format!("/v1/requests/{rid}"), &app.lead())
        .await
        .body;
    assert_eq!(req["sow_sla"], "met");
    // Approving the old revision is refused; the current one binds.
    approve(&app, &c, &id, &etag1)
        .await
        .expect_problem(412, "stale_revision");
    let approved = approve(&app, &c, &id, &etag2).await.expect(200);
    assert_eq!(approved.body["status"], "active");
    assert_eq!(approved.body["approved_revision"], 2);
    assert_eq!(approved.body["reserved_units"], "10.00");
    let b = balance(&app, &c).await;
    assert_eq!(
        (
            b["total"].as_str(),
            b["reserved"].as_str(),
            b["available"].as_str()
        ),
        (Some("20.00"), Some("10.00"), Some("10.00"))
    );
    // A session Tue 2026-12-08 10:00–12:20 Paris: 2.00 units.
    let s = schedule(&app, &id, "2026-12-08T09:00:00Z", "2026-12-08T11:20:00Z")
        .await
        .expect(201)
        .body;
    assert_eq!(s["estimated_units"], "2.00");
    assert_eq!(s["status"], "scheduled");
    assert_eq!(s["scheduling_due"], "2026-12-04T23:00:00Z");
    assert_eq!(s["scheduling_sla"], "met");
    let sid = s["id"].as_str().unwrap_or_default().to_string();
    app.set_clock("2026-12-08T12:00:00Z").await;
    let st = deliver(&app, &sid, "2026-12-08T09:00:00Z", "2026-12-08T11:20:00Z")
        .await
        .expect(200)
        .body;
    assert_eq!(st["session_id"], sid);
    assert_eq!(st["duration_minutes"], 140);
    assert_eq!(st["billable_hours"], 2);
    assert_eq!(st["units"], "2.00");
    assert_eq!(st["units_from_reservation"], "2.00");
    assert_eq!(st["balance_after"], "18.00");
    assert_eq!(st["acceptance_due"], "2026-12-10T23:00:00Z");
    assert!(
        st["evaluation_url"]
            .as_str()
            .unwrap_or_default()
            .ends_with(&format!("/v1/sessions/{sid}/evaluation"))
    );
    let b = balance(&app, &c).await;
    assert_eq!(
        (
            b["total"].as_str(),
            b["reserved"].as_str(),
            b["available"].as_str()
        ),
        (Some("18.00"), Some("8.00"), Some("10.00"))
    );
    let debit = entries(&app, "kind=debit").await;
    assert_eq!(debit.len(), 1);
    assert_eq!(debit[0]["session_id"], sid);
    assert_eq!(debit[0]["sow_id"], id);
    assert_eq!(debit[0]["effective_at"], "2026-12-08T11:20:00Z");
    // Evaluation, once.
    app.post(
        &format!("/v1/sessions/{sid}/evaluation"),
        &app.customer(&c),
        json!({"rating": 5, "comment": "Great"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/v1/sessions/{sid}/evaluation"),
        &app.customer(&c),
        json!({"rating": 4}),
    )
    .await
    .expect_problem(409, "already_evaluated");
    // Not accepted a second before the deadline, accepted at it, effective at it.
    app.set_clock("2026-12-10T22:59:59Z").await;
    assert_eq!(session(&app, &sid).await["status"], "delivered");
    app.set_clock("2026-12-11T09:00:00Z").await;
    let s = session(&app, &sid).await;
    assert_eq!(s["status"], "accepted");
    assert_eq!(s["acceptance"], "automatic");
    assert_eq!(s["accepted_at"], "2026-12-10T23:00:00Z");
    assert_eq!(s["evaluation"]["rating"], 5);
    // Completing the SoW releases what is left of its reservation.
    let done = app
        .post(&format!("/v1/sows/{id}/complete"), &app.lead(), json!({}))
        .await
        .expect(200);
    assert_eq!(done.body["status"], "completed");
    let b = balance(&app, &c).await;
    assert_eq!(
        (
            b["total"].as_str(),
            b["reserved"].as_str(),
            b["available"].as_str()
        ),
        (Some("18.00"), Some("0.00"), Some("18.00"))
    );
    // Once completed, nothing else can happen to it.
    app.post(&format!("/v1/sows/{id}/cancel"), &app.lead(), json!({}))
        .await
        .expect_problem(409, "sow_closed");
    assert_verified(&app).await;
});

both_backends!(acceptance_fires_exactly_at_the_deadline, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "10.00", None).await;
    let sow = active_sow(&app, &c, "5.00", 2, json!({})).await;
    let sid = schedule(&app, &sow, "2026-12-02T09:00:00Z", "2026-12-02T10:00:00Z")
        .await
        .expect(201)
        .str("id");
    let twin = schedule(&app, &sow, "2026-12-03T09:00:00Z", "2026-12-03T10:00:00Z")
        .await
        .expect(201)
        .str("id");
    app.set_clock("2026-12-04T14:00:00Z").await; // Fri 15:00 Paris
    let st = deliver(&app, &sid, "2026-12-02T09:00:00Z", "2026-12-02T10:00:00Z")
        .await
        .expect(200)
        .body;
    // 2 business days after Friday: end of Tuesday.
    assert_eq!(st["acceptance_due"], "2026-12-08T23:00:00Z");
    let st = deliver(&app, &twin, "2026-12-03T09:00:00Z", "2026-12-03T10:00:00Z")
        .await
        .expect(200)
        .body;
    assert_eq!(st["acceptance_due"], "2026-12-08T23:00:00Z");
    app.set_clock("2026-12-08T22:59:59Z").await;
    assert_eq!(session(&app, &sid).await["status"], "delivered");
    // A complaint a second before is still in time (on the twin, delivered alike).
    let c2 = app.customer(&c);
    let disputed = app
        .post(
            &format!("/v1/sessions/{twin}/complaints"),
            &c2,
            json!({"reason": "just in time"}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(disputed["status"], "disputed");
    app.set_clock("2026-12-08T23:00:00Z").await;
    let s = session(&app, &sid).await;
    assert_eq!(s["status"], "accepted");
    assert_eq!(s["accepted_at"], "2026-12-08T23:00:00Z");
    assert_eq!(session(&app, &twin).await["status"], "disputed");
    app.post(
        &format!("/v1/sessions/{sid}/complaints"),
        &c2,
        json!({"reason": "late"}),
    )
    .await
    .expect_problem(409, "complaint_window_closed");
    app.post(&format!("/v1/sessions/{sid}/accept"), &c2, json!({}))
        .await
        .expect_problem(409, "already_accepted");
    let events = app
        .get(
            &format!("/v1/events?customer_id={c}&limit=1000"),
            &app.finance(),
        )
        .await
        .body;
    let accepted: Vec<&Value> = events["data"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter(|e| e["kind"] == "session_accepted")
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0]["occurred_at"], "2026-12-08T23:00:00Z");
});
