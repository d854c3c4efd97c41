//! Session pricing: across 17:00 and over a weekend, the minimum, fixed units per
//! session and custom rate cards, and the planned-session and cover limits.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{active_sow, assert_verified, balance, deliver, schedule, sell};

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

both_backends!(rates_above_100_are_refused_on_create_and_patch, |app| {
    let c = app.customer_paris().await;
    let body = json!({"customer_id": c, "title": "Baseline", "activities": "Assess",
        "planned_sessions": 1, "planned_units": "4.00", "acceptance_criteria": "Report",
        "rate_card": {"holiday": "100.01"}});
    let r = app
        .post("/v1/sows", &app.lead(), body)
        .await
        .expect_problem(422, "validation_failed");
    assert!(
        r.text.contains("rate_card.holiday") && r.text.contains("must not exceed 100.00"),
        "{}",
        r.text
    );
    let draft = app
        .post(
            "/v1/sows",
            &app.lead(),
            json!({"customer_id": c, "title": "Baseline", "activities": "Assess",
                "planned_sessions": 1, "planned_units": "4.00", "acceptance_criteria": "Report",
                "rate_card": {"holiday": "100.00"}}),
        )
        .await
        .expect(201);
    let id = draft.str("id");
    let etag = draft.header("etag").unwrap_or_default().to_string();
    let r = app
        .send(
            reqwest::Method::PATCH,
            &format!("/v1/sows/{id}"),
            Some(&app.lead()),
            Some(json!({"rate_card": {"weekend": "250"}})),
            &[("if-match", &etag)],
        )
        .await
        .expect_problem(422, "validation_failed");
    assert!(r.text.contains("rate_card.weekend"), "{}", r.text);
    let sow = app
        .get(&format!("/v1/sows/{id}"), &app.lead())
        .await
        .expect(200)
        .body;
    assert_eq!(sow["rate_card"]["weekend"], "2.00");
    assert_eq!(sow["rate_card"]["holiday"], "100.00");
});
