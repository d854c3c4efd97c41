//! Calendars, holidays and customers end to end.

use serde_json::json;

use crate::both_backends;

both_backends!(calendars_are_created_replaced_and_carry_holidays, |app| {
    let admin = app.admin();
    let r = app
        .put(
            "/v1/calendars/uk",
            &admin,
            json!({"name": "UK", "timezone": "Europe/London"}),
        )
        .await
        .expect(201);
    assert_eq!(r.body["holidays"], json!([]));
    let r = app
        .put(
            "/v1/calendars/uk",
            &admin,
            json!({"name": "United Kingdom", "timezone": "Europe/London"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["name"], "United Kingdom");
    app.put("/v1/calendars/uk/holidays/2026-12-28", &admin, json!({}))
        .await
        .expect(200);
    app.put("/v1/calendars/uk/holidays/2026-12-25", &admin, json!({}))
        .await
        .expect(200);
    let r = app
        .put("/v1/calendars/uk/holidays/2026-12-25", &admin, json!({}))
        .await
        .expect(200);
    assert_eq!(r.body["holidays"], json!(["2026-12-25", "2026-12-28"]));
    let r = app
        .delete("/v1/calendars/uk/holidays/2026-12-28", &admin)
        .await
        .expect(200);
    assert_eq!(r.body["holidays"], json!(["2026-12-25"]));
    app.delete("/v1/calendars/uk/holidays/2026-12-28", &admin)
        .await
        .expect_problem(404, "not_found");
    app.put("/v1/calendars/uk/holidays/2026-02-30", &admin, json!({}))
        .await
        .expect_problem(422, "validation_failed");
    app.put(
        "/v1/calendars/missing/holidays/2026-12-25",
        &admin,
        json!({}),
    )
    .await
    .expect_problem(404, "not_found");
    let r = app.get("/v1/calendars/uk", &admin).await.expect(200);
    assert_eq!(r.body["timezone"], "Europe/London");
    // Validation: real IANA names only, non-blank names, id syntax.
    let r = app
        .put(
            "/v1/calendars/mars",
            &admin,
            json!({"name": "Mars", "timezone": "Mars/Olympus"}),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert!(r.body["errors"]["timezone"].is_array());
    app.put(
        "/v1/calendars/x",
        &admin,
        json!({"name": "", "timezone": "UTC"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.put(
        "/v1/calendars/Bad_Id",
        &admin,
        json!({"name": "x", "timezone": "UTC"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.get("/v1/calendars/mars", &admin)
        .await
        .expect_problem(404, "not_found");
});

both_backends!(customers_are_created_listed_and_patched, |app| {
    app.paris_calendar().await;
    let am = app.am();
    let mut ids = Vec::new();
    for i in 0..5 {
        let r = app
            .post(
                "/v1/customers",
                &am,
                json!({"name": format!("C{i}"), "calendar_id": "fr-paris", "standalone_agreed": i % 2 == 0}),
            )
            .await
            .expect(201);
        assert_eq!(r.body["securecall"], json!(null));
        ids.push(r.str("id"));
    }
    // Cursor pagination returns every customer once, in creation order.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/v1/customers?limit=2&after={a}"),
            None => "/v1/customers?limit=2".to_string(),
        };
        let page = app.get(&path, &am).await.expect(200);
        for c in page.body["data"].as_array().expect("data") {
            seen.push(c["id"].as_str().unwrap_or_default().to_string());
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => after = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    // Patch: merge semantics.
    let id = &ids[0];
    let r = app
        .patch(
            &format!("/v1/customers/{id}"),
            &am,
            json!({"securecall": {"reference": "SC-9", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["name"], "C0");
    assert_eq!(r.body["securecall"]["reference"], "SC-9");
    let r = app
        .patch(
            &format!("/v1/customers/{id}"),
            &am,
            json!({"securecall": null, "standalone_agreed": false}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["securecall"], json!(null));
    assert_eq!(r.body["standalone_agreed"], false);
    app.patch(
        &format!("/v1/customers/{id}"),
        &am,
        json!({"calendar_id": "nope"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.patch("/v1/customers/cus_missing", &am, json!({"name": "x"}))
        .await
        .expect_problem(404, "not_found");
    let r = app
        .get(&format!("/v1/customers/{id}"), &am)
        .await
        .expect(200);
    assert_eq!(r.body["calendar_id"], "fr-paris");
});

both_backends!(a_calendar_put_may_carry_its_holidays, |app| {
    let admin = app.admin();
    let r = app
        .put("/v1/calendars/ny", &admin, json!({"name": "NY", "timezone": "America/New_York", "holidays": ["2026-12-25", "2026-11-26"]}))
        .await
        .expect(201);
    assert_eq!(r.body["holidays"], json!(["2026-11-26", "2026-12-25"]));
    // Without holidays, a replacement keeps them; with them, it replaces them.
    let r = app
        .put(
            "/v1/calendars/ny",
            &admin,
            json!({"name": "New York", "timezone": "America/New_York"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["holidays"], json!(["2026-11-26", "2026-12-25"]));
    let r = app
        .put(
            "/v1/calendars/ny",
            &admin,
            json!({"name": "New York", "timezone": "America/New_York", "holidays": []}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["holidays"], json!([]));
    app.put(
        "/v1/calendars/ny",
        &admin,
        json!({"name": "x", "timezone": "UTC", "holidays": ["2026-02-30"]}),
    )
    .await
    .expect_problem(422, "validation_failed");
});
