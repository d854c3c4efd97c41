//! Complaints inside the acceptance window and the SOC manager's partial reversal.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{
    active_sow, assert_verified, balance, deliver, entries, schedule, sell, session,
};

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
