//! Request SLA clocks: initial response and SoW deadlines, declines and redirects, and
//! the SLA report (explicit window and the default last 30 days).

use serde_json::json;

use crate::both_backends;

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
