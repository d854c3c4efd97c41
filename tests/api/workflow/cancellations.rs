//! Session cancellations: free and late around a weekend and a holiday, no-show, force
//! majeure, SOC cancellation and rescheduling.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{active_sow, assert_verified, balance, entries, schedule, sell};

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

both_backends!(
    a_booked_session_moved_does_not_count_against_itself,
    |app| {
        let c = app.customer_paris().await;
        sell(&app, &c, "20.00", None).await;
        let sow = active_sow(&app, &c, "10.00", 2, json!({})).await;
        let a = schedule(&app, &sow, "2026-12-02T09:00:00Z", "2026-12-02T15:00:00Z")
            .await
            .expect(201)
            .str("id");
        // Six of the ten reserved units are held by the booking itself: moving it needs
        // only its own six, not six more.
        let r = app
            .post(
                &format!("/v1/sessions/{a}/reschedule"),
                &app.lead(),
                json!({"starts_at": "2026-12-03T09:00:00Z", "ends_at": "2026-12-03T15:00:00Z"}),
            )
            .await
            .expect(200);
        assert_eq!(r.body["estimated_units"], "6.00");
        // A second booking sees what the moved one holds.
        schedule(&app, &sow, "2026-12-04T09:00:00Z", "2026-12-04T14:00:00Z")
            .await
            .expect_problem(409, "insufficient_cover");
        assert_verified(&app).await;
    }
);
