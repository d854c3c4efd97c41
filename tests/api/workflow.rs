//! The SoW and session workflow end to end over HTTP, driven by the test clock.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Resp, TestApp};
use crate::ledger::{assert_verified, balance, entries, sell};

/// Drafts, submits and approves a SoW; returns its id.
pub async fn active_sow(
    app: &TestApp,
    customer: &str,
    planned_units: &str,
    planned_sessions: i64,
    extra: Value,
) -> String {
    let mut body = json!({
        "customer_id": customer,
        "title": "Firewall migration",
        "activities": "Migrate the rule base",
        "planned_sessions": planned_sessions,
        "planned_units": planned_units,
        "acceptance_criteria": "Rules active and tested",
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    let sow = app.post("/v1/sows", &app.lead(), body).await.expect(201);
    let id = sow.str("id");
    let submitted = app
        .post(&format!("/v1/sows/{id}/submit"), &app.lead(), json!({}))
        .await
        .expect(200);
    approve(
        app,
        customer,
        &id,
        submitted.header("etag").unwrap_or_default(),
    )
    .await;
    id
}

pub async fn approve(app: &TestApp, customer: &str, id: &str, etag: &str) -> Resp {
    app.send(
        Method::POST,
        &format!("/v1/sows/{id}/approve"),
        Some(&app.customer(customer)),
        Some(json!({})),
        &[("if-match", etag)],
    )
    .await
}

pub async fn schedule(app: &TestApp, sow: &str, starts: &str, ends: &str) -> Resp {
    app.post(
        &format!("/v1/sows/{sow}/sessions"),
        &app.lead(),
        json!({"starts_at": starts, "ends_at": ends}),
    )
    .await
}

pub async fn deliver(app: &TestApp, session: &str, started: &str, ended: &str) -> Resp {
    app.post(
        &format!("/v1/sessions/{session}/deliver"),
        &app.lead(),
        json!({"started_at": started, "ended_at": ended, "notes": "done"}),
    )
    .await
}

async fn session(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/v1/sessions/{id}"), &app.lead())
        .await
        .expect(200)
        .body
}

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
    app.set_clock("2026-12-04T14:00:00Z").await; // Fri 15:00 Paris
    let st = deliver(&app, &sid, "2026-12-02T09:00:00Z", "2026-12-02T10:00:00Z")
        .await
        .expect(200)
        .body;
    // 2 business days after Friday: end of Tuesday.
    assert_eq!(st["acceptance_due"], "2026-12-08T23:00:00Z");
    app.set_clock("2026-12-08T22:59:59Z").await;
    assert_eq!(session(&app, &sid).await["status"], "delivered");
    // A complaint a second before is still in time.
    let c2 = app.customer(&c);
    app.set_clock("2026-12-08T23:00:00Z").await;
    let s = session(&app, &sid).await;
    assert_eq!(s["status"], "accepted");
    assert_eq!(s["accepted_at"], "2026-12-08T23:00:00Z");
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

both_backends!(complaints_inside_the_window_and_partial_reversal, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "10.00", None).await;
    let sow = active_sow(&app, &c, "8.00", 3, json!({})).await;
    // Tue 16:00–18:00 Paris: 2.50.
    let sid = schedule(&app, &sow, "2026-12-01T15:00:00Z", "2026-12-01T17:00:00Z")
        .await
        .expect(201)
        .str("id");
    app.set_clock("2026-12-01T18:00:00Z").await;
    let st = deliver(&app, &sid, "2026-12-01T15:00:00Z", "2026-12-01T17:00:00Z")
        .await
        .expect(200)
        .body;
    assert_eq!(st["units"], "2.50");
    let cust = app.customer(&c);
    // Only the customer complains; a decision needs a complaint.
    app.post(
        &format!("/v1/sessions/{sid}/complaints"),
        &app.lead(),
        json!({"reason": "x"}),
    )
    .await
    .expect_problem(403, "forbidden");
    app.post(
        &format!("/v1/sessions/{sid}/complaints/decision"),
        &app.manager(),
        json!({"reverse_units": "1.00", "reason": "x"}),
    )
    .await
    .expect_problem(409, "no_complaint");
    app.set_clock("2026-12-02T09:00:00Z").await;
    let s = app
        .post(
            &format!("/v1/sessions/{sid}/complaints"),
            &cust,
            json!({"reason": "Half of it was wasted"}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(s["status"], "disputed");
    assert_eq!(s["complaint"]["review_due"], "2026-12-09T23:00:00Z");
    app.post(
        &format!("/v1/sessions/{sid}/complaints"),
        &cust,
        json!({"reason": "again"}),
    )
    .await
    .expect_problem(409, "complaint_exists");
    // Disputed sessions are not auto-accepted.
    app.set_clock("2026-12-05T09:00:00Z").await;
    assert_eq!(session(&app, &sid).await["status"], "disputed");
    // Only a SOC manager decides; never more than was charged.
    app.post(
        &format!("/v1/sessions/{sid}/complaints/decision"),
        &app.lead(),
        json!({"reverse_units": "1.00", "reason": "x"}),
    )
    .await
    .expect_problem(403, "forbidden");
    app.post(
        &format!("/v1/sessions/{sid}/complaints/decision"),
        &app.manager(),
        json!({"reverse_units": "2.51", "reason": "x"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.post(
        &format!("/v1/sessions/{sid}/complaints/decision"),
        &app.manager(),
        json!({"reverse_units": 1, "reason": "x"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    let s = app
        .post(
            &format!("/v1/sessions/{sid}/complaints/decision"),
            &app.manager(),
            json!({"reverse_units": "1.25", "reason": "Half wasted"}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(s["status"], "resolved");
    assert_eq!(s["complaint"]["reversed_units"], "1.25");
    assert_eq!(s["complaint"]["review_sla"], "met");
    app.post(
        &format!("/v1/sessions/{sid}/complaints/decision"),
        &app.manager(),
        json!({"reverse_units": "1.25", "reason": "again"}),
    )
    .await
    .expect_problem(409, "already_decided");
    let rev = entries(&app, "kind=reversal").await;
    assert_eq!(rev.len(), 1);
    assert_eq!(rev[0]["units"], "1.25");
    assert_eq!(rev[0]["session_id"], sid);
    let b = balance(&app, &c).await;
    assert_eq!(b["total"], "8.75");
    assert_verified(&app).await;
});

both_backends!(
    late_and_free_cancellation_around_a_weekend_and_a_holiday,
    |app| {
        let c = app.customer_paris().await;
        sell(&app, &c, "40.00", None).await;
        let sow = active_sow(&app, &c, "30.00", 10, json!({})).await;
        let cust = app.customer(&c);
        // Monday 2026-12-14 09:00–11:00 Paris; threshold: Thu 10 00:00 Paris = 2026-12-09T23:00Z.
        let free = schedule(&app, &sow, "2026-12-14T08:00:00Z", "2026-12-14T10:00:00Z")
            .await
            .expect(201)
            .body;
        assert_eq!(free["late_cancellation_threshold"], "2026-12-09T23:00:00Z");
        let late = schedule(&app, &sow, "2026-12-14T08:00:00Z", "2026-12-14T10:00:00Z")
            .await
            .expect(201)
            .str("id");
        app.set_clock("2026-12-09T22:59:59Z").await;
        let r = app
            .post(
                &format!(
                    "/v1/sessions/{}/cancel",
                    free["id"].as_str().unwrap_or_default()
                ),
                &cust,
                json!({"reason": "customer_request"}),
            )
            .await
            .expect(200);
        assert_eq!(r.body["status"], "cancelled");
        app.set_clock("2026-12-09T23:00:00Z").await;
        let r = app
            .post(
                &format!("/v1/sessions/{late}/cancel"),
                &cust,
                json!({"reason": "customer_request"}),
            )
            .await
            .expect(200);
        assert_eq!(r.body["status"], "cancelled_late");
        assert_eq!(r.body["units_debited"], "2.00");
        let cd = entries(&app, "kind=cancellation_debit").await;
        assert_eq!(cd.len(), 1);
        assert_eq!(cd[0]["units"], "-2.00");
        assert_eq!(cd[0]["effective_at"], "2026-12-09T23:00:00Z");
        // Over the Christmas holiday: Monday 2026-12-28 10:00 Paris; threshold Wed 23 00:00 Paris.
        let x = schedule(&app, &sow, "2026-12-28T09:00:00Z", "2026-12-28T10:00:00Z")
            .await
            .expect(201)
            .body;
        assert_eq!(x["late_cancellation_threshold"], "2026-12-22T23:00:00Z");
        let y = schedule(&app, &sow, "2026-12-28T09:00:00Z", "2026-12-28T10:00:00Z")
            .await
            .expect(201)
            .str("id");
        app.set_clock("2026-12-22T22:59:59Z").await;
        let r = app
            .post(
                &format!(
                    "/v1/sessions/{}/cancel",
                    x["id"].as_str().unwrap_or_default()
                ),
                &app.lead(),
                json!({"reason": "customer_request"}),
            )
            .await
            .expect(200);
        assert_eq!(r.body["status"], "cancelled");
        app.set_clock("2026-12-22T23:00:00Z").await;
        let r = app
            .post(
                &format!("/v1/sessions/{y}/cancel"),
                &cust,
                json!({"reason": "customer_request"}),
            )
            .await
            .expect(200);
        assert_eq!(r.body["status"], "cancelled_late");
        assert_eq!(r.body["units_debited"], "1.00");
        // Cancelled sessions cannot be cancelled again.
        app.post(
            &format!("/v1/sessions/{y}/cancel"),
            &cust,
            json!({"reason": "customer_request"}),
        )
        .await
        .expect_problem(409, "session_not_scheduled");
        app.post(
            &format!("/v1/sessions/{y}/cancel"),
            &cust,
            json!({"reason": "whatever"}),
        )
        .await
        .expect_problem(422, "validation_failed");
        let b = balance(&app, &c).await;
        assert_eq!(b["total"], "37.00");
        assert_eq!(b["reserved"], "27.00");
        assert_verified(&app).await;
    }
);

both_backends!(no_show_force_majeure_and_reschedule, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "20.00", None).await;
    let sow = active_sow(&app, &c, "10.00", 3, json!({})).await;
    let a = schedule(&app, &sow, "2026-12-02T09:00:00Z", "2026-12-02T12:00:00Z")
        .await
        .expect(201)
        .str("id");
    let b = schedule(&app, &sow, "2026-12-03T09:00:00Z", "2026-12-03T10:00:00Z")
        .await
        .expect(201)
        .str("id");
    // No-show only once the session has started.
    app.post(&format!("/v1/sessions/{a}/no-show"), &app.lead(), json!({}))
        .await
        .expect_problem(409, "session_not_started");
    app.set_clock("2026-12-02T09:30:00Z").await;
    let r = app
        .post(&format!("/v1/sessions/{a}/no-show"), &app.lead(), json!({}))
        .await
        .expect(200);
    assert_eq!(r.body["status"], "no_show");
    assert_eq!(r.body["units_debited"], "3.00");
    let cd = entries(&app, "kind=cancellation_debit").await;
    assert_eq!(cd.len(), 1);
    assert_eq!(cd[0]["effective_at"], "2026-12-02T09:00:00Z");
    // Force majeure, late or not: free, to be rescheduled.
    let r = app
        .post(
            &format!("/v1/sessions/{b}/cancel"),
            &app.customer(&c),
            json!({"reason": "force_majeure"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "to_reschedule");
    app.post(
        &format!("/v1/sessions/{b}/deliver"),
        &app.lead(),
        json!({"started_at": "2026-12-02T09:00:00Z", "ended_at": "2026-12-02T09:10:00Z"}),
    )
    .await
    .expect_problem(409, "session_not_scheduled");
    let r = app
        .post(
            &format!("/v1/sessions/{b}/reschedule"),
            &app.lead(),
            json!({"starts_at": "2026-12-07T13:00:00Z", "ends_at": "2026-12-07T15:00:00Z"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "scheduled");
    assert_eq!(r.body["estimated_units"], "2.00");
    // The SOC cancels: free, to be rescheduled.
    let r = app
        .post(
            &format!("/v1/sessions/{b}/cancel"),
            &app.lead(),
            json!({"reason": "soc"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "to_reschedule");
    app.post(
        &format!("/v1/sessions/{b}/cancel"),
        &app.customer(&c),
        json!({"reason": "soc"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    let bal = balance(&app, &c).await;
    assert_eq!(bal["total"], "17.00");
    assert_eq!(bal["reserved"], "7.00");
    // The SoW cannot close while a session waits to be rescheduled.
    app.post(&format!("/v1/sows/{sow}/complete"), &app.lead(), json!({}))
        .await
        .expect_problem(409, "sessions_pending");
    assert_verified(&app).await;
});

both_backends!(sessions_are_priced_across_17h_and_over_a_weekend, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "50.00", None).await;
    let sow = active_sow(&app, &c, "40.00", 5, json!({})).await;
    app.set_clock("2026-12-20T00:00:00Z").await;
    let cases = [
        // Tue 16:20–18:40 Paris → 2.71.
        ("2026-12-08T15:20:00Z", "2026-12-08T17:40:00Z", "2.71", 2),
        // Fri 16:00 – Sat 01:00 Paris → 13.50.
        ("2026-12-11T15:00:00Z", "2026-12-12T00:00:00Z", "13.50", 9),
        // Sat 10:00–13:00 → 6.00.
        ("2026-12-12T09:00:00Z", "2026-12-12T12:00:00Z", "6.00", 3),
        // Tue 10:00–10:20 → minimum 1.00.
        ("2026-12-15T09:00:00Z", "2026-12-15T09:20:00Z", "1.00", 1),
    ];
    for (start, end, units, hours) in cases {
        let sid = schedule(&app, &sow, start, end).await.expect(201).str("id");
        let st = deliver(&app, &sid, start, end).await.expect(200).body;
        assert_eq!(st["units"], units, "{start}–{end}");
        assert_eq!(st["billable_hours"], hours, "{start}–{end}");
    }
    assert_eq!(balance(&app, &c).await["total"], "26.79");
    // The planned count is enforced.
    let last = schedule(&app, &sow, "2026-12-21T09:00:00Z", "2026-12-21T10:00:00Z")
        .await
        .expect(201)
        .str("id");
    schedule(&app, &sow, "2026-12-21T09:00:00Z", "2026-12-21T10:00:00Z")
        .await
        .expect_problem(409, "planned_sessions_exceeded");
    let _ = last;
    assert_verified(&app).await;
});

both_backends!(fixed_price_and_custom_rates, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "50.00", None).await;
    let fixed = active_sow(&app, &c, "10.00", 3, json!({"units_per_session": "3.00"})).await;
    let s = schedule(&app, &fixed, "2026-12-05T09:00:00Z", "2026-12-05T17:00:00Z")
        .await
        .expect(201)
        .body;
    assert_eq!(s["estimated_units"], "3.00");
    let rates = active_sow(
        &app,
        &c,
        "10.00",
        3,
        json!({"rate_card": {"weekend": "3.00"}, "minimum_billable_hours": 2}),
    )
    .await;
    let s = schedule(&app, &rates, "2026-12-05T09:00:00Z", "2026-12-05T09:30:00Z")
        .await
        .expect(201)
        .body;
    assert_eq!(s["estimated_units"], "6.00");
    let sow = app
        .get(&format!("/v1/sows/{rates}"), &app.lead())
        .await
        .body;
    assert_eq!(
        sow["rate_card"],
        json!({"standard": "1.00", "out_of_hours": "1.50", "weekend": "3.00", "holiday": "2.00"})
    );
    // Scheduling beyond the SoW's unused reservation is refused.
    schedule(&app, &rates, "2026-12-06T09:00:00Z", "2026-12-06T11:00:00Z")
        .await
        .expect_problem(409, "insufficient_cover");
});

both_backends!(
    shortfall_raises_a_quote_and_a_pack_activates_waiting_sows_in_order,
    |app| {
        let c = app.customer_paris().await;
        sell(&app, &c, "5.00", None).await;
        let first = app.post("/v1/sows", &app.lead(), json!({"customer_id": c, "title": "A", "activities": "a", "planned_sessions": 1, "planned_units": "8.00", "acceptance_criteria": "ok"})).await.expect(201).str("id");
        let second = app.post("/v1/sows", &app.lead(), json!({"customer_id": c, "title": "B", "activities": "b", "planned_sessions": 1, "planned_units": "2.00", "acceptance_criteria": "ok"})).await.expect(201).str("id");
        for id in [&first, &second] {
            let s = app
                .post(&format!("/v1/sows/{id}/submit"), &app.lead(), json!({}))
                .await
                .expect(200);
            let tag = s.header("etag").unwrap_or_default().to_string();
            let _ = tag;
        }
        let a = approve(&app, &c, &first, "*").await.expect(200);
        assert_eq!(a.body["status"], "awaiting_units");
        assert_eq!(a.body["reserved_units"], "0.00");
        let quotes = app
            .get(&format!("/v1/customers/{c}/quotes"), &app.am())
            .await
            .body;
        assert_eq!(quotes["data"][0]["origin"], "sow_shortfall");
        assert_eq!(quotes["data"][0]["units"], "3.00");
        assert_eq!(quotes["data"][0]["sow_id"], first);
        // Sessions only on active SoWs.
        schedule(&app, &first, "2026-12-08T09:00:00Z", "2026-12-08T10:00:00Z")
            .await
            .expect_problem(409, "sow_not_active");
        // The second one would fit in what is available, but waits its turn behind
        // the first: SoWs are covered strictly in approval order.
        let b = approve(&app, &c, &second, "*").await.expect(200);
        assert_eq!(b.body["status"], "awaiting_units");
        // A pack ordering the quote covers the first SoW.
        let qid = quotes["data"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        app.post(
            &format!("/v1/customers/{c}/packs"),
            &app.am(),
            json!({"units": "6.00", "order_reference": "PO-9", "quote_id": qid}),
        )
        .await
        .expect(201);
        let b = app
            .get(&format!("/v1/sows/{second}"), &app.lead())
            .await
            .body;
        assert_eq!(b["status"], "active");
        let a = app
            .get(&format!("/v1/sows/{first}"), &app.lead())
            .await
            .body;
        assert_eq!(a["status"], "active");
        assert_eq!(a["reserved_units"], "8.00");
        let bal = balance(&app, &c).await;
        assert_eq!(
            (
                bal["total"].as_str(),
                bal["reserved"].as_str(),
                bal["available"].as_str()
            ),
            (Some("11.00"), Some("10.00"), Some("1.00"))
        );
        assert_verified(&app).await;
    }
);

both_backends!(expiry_takes_coverage_from_the_most_recent_approval, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "6.00", Some("2025-12-15")).await; // expires 2026-12-14T23:00Z
    sell(&app, &c, "4.00", None).await;
    let older = active_sow(&app, &c, "4.00", 1, json!({})).await;
    let newer = active_sow(&app, &c, "5.00", 1, json!({})).await;
    assert_eq!(balance(&app, &c).await["reserved"], "9.00");
    app.set_clock("2026-12-15T08:00:00Z").await;
    let n = app
        .get(&format!("/v1/sows/{newer}"), &app.lead())
        .await
        .body;
    assert_eq!(n["status"], "awaiting_units");
    assert_eq!(n["reserved_units"], "0.00");
    let o = app
        .get(&format!("/v1/sows/{older}"), &app.lead())
        .await
        .body;
    assert_eq!(o["status"], "active");
    let bal = balance(&app, &c).await;
    assert_eq!(
        (bal["total"].as_str(), bal["reserved"].as_str()),
        (Some("4.00"), Some("4.00"))
    );
    let quotes = app
        .get(&format!("/v1/customers/{c}/quotes"), &app.am())
        .await
        .body;
    let lost: Vec<&Value> = quotes["data"]
        .as_array()
        .map(|q| {
            q.iter()
                .filter(|q| q["origin"] == "coverage_lost")
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0]["units"], "5.00");
    assert_eq!(lost[0]["sow_id"], newer);
    assert_verified(&app).await;
});

both_backends!(
    drafts_need_if_match_and_approved_sows_are_immutable,
    |app| {
        let c = app.customer_paris().await;
        sell(&app, &c, "10.00", None).await;
        let sow = app.post("/v1/sows", &app.lead(), json!({"customer_id": c, "title": "A", "activities": "a", "planned_sessions": 1, "planned_units": "2.00", "acceptance_criteria": "ok"})).await.expect(201);
        let id = sow.str("id");
        let tag = sow.header("etag").unwrap_or_default().to_string();
        let g = app
            .get(&format!("/v1/sows/{id}"), &app.customer(&c))
            .await
            .expect(200);
        assert_eq!(g.header("etag"), Some(tag.as_str()));
        app.patch(
            &format!("/v1/sows/{id}"),
            &app.lead(),
            json!({"title": "B"}),
        )
        .await
        .expect_problem(428, "if_match_required");
        app.send(
            Method::PATCH,
            &format!("/v1/sows/{id}"),
            Some(&app.lead()),
            Some(json!({"title": "B"})),
            &[("if-match", "\"nope\"")],
        )
        .await
        .expect_problem(412, "stale_revision");
        app.send(
            Method::PATCH,
            &format!("/v1/sows/{id}"),
            Some(&app.lead()),
            Some(json!({"planned_units": "-2"})),
            &[("if-match", &tag)],
        )
        .await
        .expect_problem(422, "validation_failed");
        let e = app
            .send(
                Method::PATCH,
                &format!("/v1/sows/{id}"),
                Some(&app.lead()),
                Some(json!({"planned_units": "3.00"})),
                &[("if-match", &tag)],
            )
            .await
            .expect(200);
        let tag2 = e.header("etag").unwrap_or_default().to_string();
        // A submitted SoW can be rejected back to draft with a comment.
        app.post(&format!("/v1/sows/{id}/submit"), &app.lead(), json!({}))
            .await
            .expect(200);
        app.send(
            Method::PATCH,
            &format!("/v1/sows/{id}"),
            Some(&app.lead()),
            Some(json!({"title": "C"})),
            &[("if-match", &tag2)],
        )
        .await
        .expect_problem(409, "sow_not_draft");
        app.post(
            &format!("/v1/sows/{id}/reject"),
            &app.customer(&c),
            json!({"comment": ""}),
        )
        .await
        .expect_problem(422, "validation_failed");
        let r = app
            .post(
                &format!("/v1/sows/{id}/reject"),
                &app.customer(&c),
                json!({"comment": "Too expensive"}),
            )
            .await
            .expect(200);
        assert_eq!(r.body["status"], "draft");
        assert_eq!(r.body["rejection_comment"], "Too expensive");
        approve(&app, &c, &id, &tag2)
            .await
            .expect_problem(409, "sow_not_submitted");
        app.post(&format!("/v1/sows/{id}/submit"), &app.lead(), json!({}))
            .await
            .expect(200);
        approve(&app, &c, &id, "")
            .await
            .expect_problem(412, "stale_revision");
        app.post(
            &format!("/v1/sows/{id}/approve"),
            &app.customer(&c),
            json!({}),
        )
        .await
        .expect_problem(428, "if_match_required");
        let a = approve(&app, &c, &id, &tag2).await.expect(200);
        assert_eq!(a.body["reserved_units"], "3.00");
        app.send(
            Method::PATCH,
            &format!("/v1/sows/{id}"),
            Some(&app.lead()),
            Some(json!({"title": "C"})),
            &[("if-match", &tag2)],
        )
        .await
        .expect_problem(409, "sow_not_draft");
        // Supersede: a new draft; the old one is superseded when the new one is approved.
        let n = app
            .post(&format!("/v1/sows/{id}/supersede"), &app.lead(), json!({}))
            .await
            .expect(200);
        let nid = n.str("id");
        assert_eq!(n.body["supersedes_id"], id);
        assert_eq!(n.body["status"], "draft");
        let sub = app
            .post(&format!("/v1/sows/{nid}/submit"), &app.lead(), json!({}))
            .await
            .expect(200);
        approve(&app, &c, &nid, sub.header("etag").unwrap_or_default())
            .await
            .expect(200);
        let old = app.get(&format!("/v1/sows/{id}"), &app.lead()).await.body;
        assert_eq!(old["status"], "superseded");
        assert_eq!(old["superseded_by_id"], nid);
        assert_eq!(balance(&app, &c).await["reserved"], "3.00");
        assert_verified(&app).await;
    }
);

both_backends!(request_sla_clocks_and_closures, |app| {
    let c = app.customer_paris().await;
    let lead = app.lead();
    // Received Friday 16:00 Paris: response due Monday 16:00 Paris.
    let r = app
        .post("/v1/requests", &lead, json!({"customer_id": c, "kind": "training", "channel": "phone", "summary": "s", "identity_verified": false, "received_at": "2026-11-27T15:00:00Z"}))
        .await
        .expect(201)
        .body;
    assert_eq!(r["initial_response_due"], "2026-11-30T15:00:00Z");
    // Already past due when logged.
    assert_eq!(r["initial_response_sla"], "breached");
    let ok = app
        .post("/v1/requests", &lead, json!({"customer_id": c, "kind": "custom", "channel": "email", "summary": "s", "identity_verified": true}))
        .await
        .expect(201)
        .str("id");
    let decl = app
        .post("/v1/requests", &lead, json!({"customer_id": c, "kind": "custom", "channel": "email", "summary": "s", "identity_verified": true}))
        .await
        .expect(201)
        .str("id");
    app.post(
        &format!("/v1/requests/{decl}/decline"),
        &lead,
        json!({"reason": ""}),
    )
    .await
    .expect_problem(422, "validation_failed");
    let d = app
        .post(
            &format!("/v1/requests/{decl}/decline"),
            &lead,
            json!({"reason": "No skills"}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(d["status"], "declined");
    assert_eq!(d["sow_sla"], "not_applicable");
    app.post(&format!("/v1/requests/{decl}/respond"), &lead, json!({}))
        .await
        .expect_problem(409, "request_not_open");
    app.post(
        &format!("/v1/requests/{decl}/redirect"),
        &lead,
        json!({"reason": "PS"}),
    )
    .await
    .expect_problem(409, "request_not_open");
    // Validation and scope.
    app.post("/v1/requests", &lead, json!({"customer_id": c, "kind": "magic", "channel": "fax", "summary": "s", "identity_verified": true}))
        .await
        .expect_problem(422, "validation_failed");
    app.post("/v1/requests", &app.customer("cus_other"), json!({"customer_id": c, "kind": "custom", "channel": "email", "summary": "s", "identity_verified": true}))
        .await
        .expect_problem(404, "not_found");
    // Deadlines pass: breached when the clock passes them.
    app.set_clock("2026-12-02T09:00:00Z").await;
    let o = app.get(&format!("/v1/requests/{ok}"), &lead).await.body;
    assert_eq!(o["initial_response_sla"], "breached");
    assert_eq!(o["sow_sla"], "pending");
    let report = app
        .get(
            "/v1/reports/sla?from=2026-11-01T00:00:00Z&to=2027-01-01T00:00:00Z",
            &app.manager(),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        report["initial_response"],
        json!({"total": 3, "met": 1, "breached": 2, "open": 2, "overdue": 2})
    );
    assert_eq!(report["sow_delivery"]["total"], 2);
    app.get(
        "/v1/reports/sla?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z",
        &app.manager(),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.get(
        "/v1/reports/sla?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z",
        &app.customer(&c),
    )
    .await
    .expect_problem(403, "forbidden");
});

both_backends!(the_sla_report_defaults_to_the_last_30_days, |app| {
    let c = app.customer_paris().await;
    app.post("/v1/requests", &app.lead(), json!({"customer_id": c, "kind": "custom", "channel": "email", "summary": "s", "identity_verified": true}))
        .await
        .expect(201);
    let r = app
        .get("/v1/reports/sla", &app.manager())
        .await
        .expect(200)
        .body;
    assert_eq!(r["to"], crate::helpers::START);
    assert_eq!(r["from"], "2026-11-01T08:00:00Z");
    // The request was received at the window's end: outside [from, to).
    assert_eq!(r["initial_response"]["total"], 0);
    let r = app
        .get("/v1/reports/sla?to=2026-12-02T00:00:00Z", &app.manager())
        .await
        .expect(200)
        .body;
    assert_eq!(r["initial_response"]["total"], 1);
    assert_eq!(r["initial_response"]["open"], 1);
});
