//! What a SoW may change (SPEC §14): its own standard hours for pricing and its own
//! acceptance window, both part of the approved revision and shown in the completion
//! statement.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{active_sow, assert_verified, balance, deliver, schedule, sell, session};

both_backends!(a_sow_sets_its_standard_hours_and_acceptance_window, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "20.00", None).await;
    let own = active_sow(
        &app,
        &c,
        "8.00",
        3,
        json!({"standard_hours": {"from": "08:00", "to": "18:00"}, "acceptance_days": 5}),
    )
    .await;
    let plain = active_sow(&app, &c, "4.00", 1, json!({})).await;
    let shown = app
        .get(&format!("/v1/sows/{own}"), &app.customer(&c))
        .await
        .expect(200)
        .body;
    assert_eq!(
        shown["standard_hours"],
        json!({"from": "08:00", "to": "18:00"})
    );
    assert_eq!(shown["acceptance_days"], 5);
    let shown = app
        .get(&format!("/v1/sows/{plain}"), &app.lead())
        .await
        .expect(200)
        .body;
    assert_eq!(
        shown["standard_hours"],
        json!({"from": "09:00", "to": "17:00"})
    );
    assert_eq!(shown["acceptance_days"], 2);

    // Tue 1 Dec 16:00–18:00 Paris: standard hours under 08:00–18:00 (2.00), half out of
    // hours under the contract's 09:00–17:00 (2.50).
    let (start, end) = ("2026-12-01T15:00:00Z", "2026-12-01T17:00:00Z");
    let complained = schedule(&app, &own, start, end).await.expect(201).body;
    assert_eq!(complained["estimated_units"], "2.00");
    let complained = complained["id"].as_str().unwrap_or_default().to_string();
    let accepted = schedule(&app, &own, start, end).await.expect(201).str("id");
    let contract = schedule(&app, &plain, start, end).await.expect(201).body;
    assert_eq!(contract["estimated_units"], "2.50");
    let contract = contract["id"].as_str().unwrap_or_default().to_string();

    app.set_clock("2026-12-01T18:00:00Z").await;
    for sid in [&complained, &accepted] {
        let st = deliver(&app, sid, start, end).await.expect(200).body;
        assert_eq!(st["units"], "2.00");
        assert_eq!(
            st["standard_hours"],
            json!({"from": "08:00", "to": "18:00"})
        );
        assert_eq!(st["acceptance_days"], 5);
        // Five business days after Tue 1 Dec: the end of Tue 8 Dec.
        assert_eq!(st["acceptance_due"], "2026-12-08T23:00:00Z");
    }
    let st = deliver(&app, &contract, start, end).await.expect(200).body;
    assert_eq!(
        (st["units"].as_str(), st["acceptance_days"].as_i64()),
        (Some("2.50"), Some(2))
    );
    assert_eq!(st["acceptance_due"], "2026-12-03T23:00:00Z");
    let again = app
        .get(
            &format!("/v1/sessions/{accepted}/statement"),
            &app.customer(&c),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        (
            again["standard_hours"].clone(),
            again["acceptance_days"].clone()
        ),
        (json!({"from": "08:00", "to": "18:00"}), json!(5))
    );
    assert_eq!(balance(&app, &c).await["total"], "13.50");

    // After the contract's two days: the plain SoW's session is accepted and closed to
    // complaints; the SoW's own five days still run.
    app.set_clock("2026-12-07T09:00:00Z").await;
    assert_eq!(session(&app, &contract).await["status"], "accepted");
    app.post(
        &format!("/v1/sessions/{contract}/complaints"),
        &app.customer(&c),
        json!({"reason": "late"}),
    )
    .await
    .expect_problem(409, "complaint_window_closed");
    assert_eq!(session(&app, &accepted).await["status"], "delivered");
    let disputed = app
        .post(
            &format!("/v1/sessions/{complained}/complaints"),
            &app.customer(&c),
            json!({"reason": "Half of it was wasted"}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(disputed["status"], "disputed");
    app.set_clock("2026-12-08T22:59:59Z").await;
    assert_eq!(session(&app, &accepted).await["status"], "delivered");
    app.set_clock("2026-12-09T09:00:00Z").await;
    let s = session(&app, &accepted).await;
    assert_eq!(
        (
            s["status"].as_str(),
            s["acceptance"].as_str(),
            s["accepted_at"].as_str()
        ),
        (
            Some("accepted"),
            Some("automatic"),
            Some("2026-12-08T23:00:00Z")
        )
    );
    assert_eq!(session(&app, &complained).await["status"], "disputed");
    assert_verified(&app).await;
});

both_backends!(sow_terms_are_checked_and_fixed_at_approval, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "20.00", None).await;
    let base = json!({
        "customer_id": c, "title": "Audit", "activities": "Review",
        "planned_sessions": 1, "planned_units": "2.00", "acceptance_criteria": "Done",
    });
    let with = |extra: serde_json::Value| {
        let mut body = base.clone();
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        body
    };
    for (extra, field) in [
        (
            json!({"standard_hours": {"from": "18:00", "to": "08:00"}}),
            "standard_hours",
        ),
        (
            json!({"standard_hours": {"from": "9:00", "to": "17:00"}}),
            "standard_hours",
        ),
        (
            json!({"standard_hours": {"from": "09:00", "to": "24:00"}}),
            "standard_hours",
        ),
        (json!({"acceptance_days": 0}), "acceptance_days"),
        (json!({"acceptance_days": 11}), "acceptance_days"),
    ] {
        let r = app
            .post("/v1/sows", &app.lead(), with(extra.clone()))
            .await
            .expect_problem(422, "validation_failed");
        assert!(r.body["errors"][field].is_array(), "{extra}: {}", r.text);
    }
    assert!(
        app.get(&format!("/v1/sows?customer_id={c}"), &app.lead())
            .await
            .expect(200)
            .body["data"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "a refused SoW was stored"
    );
    // A draft's terms are revised like the rest of it, and refused edits change nothing.
    let draft = app
        .post("/v1/sows", &app.lead(), with(json!({})))
        .await
        .expect(201);
    let id = draft.str("id");
    let etag = draft.header("etag").unwrap_or_default().to_string();
    let patch = |etag: String, body: serde_json::Value| {
        let app = &app;
        let id = id.clone();
        async move {
            app.send(
                reqwest::Method::PATCH,
                &format!("/v1/sows/{id}"),
                Some(&app.lead()),
                Some(body),
                &[("if-match", etag.as_str())],
            )
            .await
        }
    };
    let r = patch(
        etag.clone(),
        json!({"standard_hours": {"from": "07:30", "to": "07:30"}}),
    )
    .await
    .expect_problem(422, "validation_failed");
    assert!(r.body["errors"]["standard_hours"].is_array(), "{}", r.text);
    let revised = patch(
        etag,
        json!({"standard_hours": {"from": "07:30", "to": "19:00"}, "acceptance_days": 10}),
    )
    .await
    .expect(200);
    assert_eq!(
        (
            revised.body["standard_hours"].clone(),
            revised.body["acceptance_days"].clone(),
            revised.body["revision"].clone()
        ),
        (json!({"from": "07:30", "to": "19:00"}), json!(10), json!(2))
    );
    let submitted = app
        .post(&format!("/v1/sows/{id}/submit"), &app.lead(), json!({}))
        .await
        .expect(200);
    let etag = submitted.header("etag").unwrap_or_default().to_string();
    // The approver sees the terms before approving.
    let console = app.console_session(&app.customer(&c)).await;
    let page = app
        .client
        .get(app.url(&format!("/console/sows/{id}")))
        .header("cookie", format!("sh_session={console}"))
        .send()
        .await
        .expect("console page");
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains(">07:30–19:00 (Europe&#x2f;Paris)<"), "{html}");
    assert!(html.contains(">10 business days<"), "{html}");
    // Approved, the terms are those of the approved revision and no longer change.
    crate::helpers::approve(&app, &c, &id, &etag)
        .await
        .expect(200);
    patch("*".into(), json!({"acceptance_days": 3}))
        .await
        .expect_problem(409, "sow_not_draft");
    let sow = app
        .get(&format!("/v1/sows/{id}"), &app.lead())
        .await
        .expect(200)
        .body;
    assert_eq!(
        (
            sow["approved_revision"].clone(),
            sow["acceptance_days"].clone()
        ),
        (submitted.body["revision"].clone(), json!(10))
    );
});
