//! Quotes: raised, ordered by a pack, cancelled, lapsed at their due date, and who may
//! read or raise them.

use serde_json::json;

use crate::both_backends;
use crate::helpers::assert_verified;

both_backends!(quote_lifecycle, |app| {
    let c = app.customer_paris().await;
    let other = app.customer_paris().await;
    let am = app.am();
    let q = app
        .post(
            &format!("/v1/customers/{c}/quotes"),
            &am,
            json!({"units": "20.00", "reason": "Q1 window"}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(q["status"], "open");
    assert_eq!(q["origin"], "manual");
    assert_eq!(q["issued_at"], crate::helpers::START);
    assert_eq!(q["order_due"], "2026-12-31T08:00:00Z");
    let qid = q["id"].as_str().unwrap_or_default().to_string();
    // A quote of another customer cannot be ordered.
    app.post(
        &format!("/v1/customers/{other}/packs"),
        &am,
        json!({"units": "20.00", "order_reference": "PO", "quote_id": qid}),
    )
    .await
    .expect_problem(409, "quote_not_open");
    let pack = app
        .post(
            &format!("/v1/customers/{c}/packs"),
            &am,
            json!({"units": "20.00", "order_reference": "PO", "quote_id": qid}),
        )
        .await
        .expect(201)
        .body;
    let q = app
        .get(&format!("/v1/quotes/{qid}"), &am)
        .await
        .expect(200)
        .body;
    assert_eq!(q["status"], "ordered");
    assert_eq!(q["lot_id"], pack["id"]);
    // Ordered once only.
    app.post(
        &format!("/v1/customers/{c}/packs"),
        &am,
        json!({"units": "20.00", "order_reference": "PO", "quote_id": qid}),
    )
    .await
    .expect_problem(409, "quote_not_open");
    app.post(&format!("/v1/quotes/{qid}/cancel"), &am, json!({}))
        .await
        .expect_problem(409, "quote_not_open");
    // Cancel an open one.
    let q2 = app
        .post(
            &format!("/v1/customers/{c}/quotes"),
            &am,
            json!({"units": "1.00", "reason": "x"}),
        )
        .await
        .expect(201)
        .str("id");
    let r = app
        .post(&format!("/v1/quotes/{q2}/cancel"), &am, json!({}))
        .await
        .expect(200);
    assert_eq!(r.body["status"], "cancelled");
    // Lapse: open until order_due, lapsed at it.
    let q3 = app
        .post(
            &format!("/v1/customers/{c}/quotes"),
            &am,
            json!({"units": "3.00", "reason": "lapse me"}),
        )
        .await
        .expect(201)
        .str("id");
    app.set_clock("2026-12-31T07:59:59Z").await;
    assert_eq!(
        app.get(&format!("/v1/quotes/{q3}"), &am).await.body["status"],
        "open"
    );
    app.set_clock("2026-12-31T08:00:00Z").await;
    let r = app.get(&format!("/v1/quotes/{q3}"), &am).await.body;
    assert_eq!(r["status"], "lapsed");
    assert_eq!(r["closed_at"], "2026-12-31T08:00:00Z");
    let list = app
        .get(&format!("/v1/customers/{c}/quotes"), &am)
        .await
        .expect(200);
    assert_eq!(list.body["data"].as_array().map(Vec::len), Some(3));
    // Customers read their own quotes only.
    app.get(&format!("/v1/quotes/{q3}"), &app.customer(&c))
        .await
        .expect(200);
    app.get(&format!("/v1/quotes/{q3}"), &app.customer(&other))
        .await
        .expect_problem(404, "not_found");
    app.get(&format!("/v1/customers/{c}/quotes"), &app.customer(&other))
        .await
        .expect_problem(404, "not_found");
    // Validation.
    app.post(
        &format!("/v1/customers/{c}/quotes"),
        &am,
        json!({"units": 3, "reason": "x"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.post(
        &format!("/v1/customers/{c}/quotes"),
        &app.lead(),
        json!({"units": "3.00", "reason": "x"}),
    )
    .await
    .expect_problem(403, "forbidden");
    let kinds: Vec<String> = app
        .get(
            &format!("/v1/events?customer_id={c}&limit=1000"),
            &app.finance(),
        )
        .await
        .expect(200)
        .body["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default().to_string())
        .collect();
    for k in [
        "quote_raised",
        "quote_ordered",
        "quote_cancelled",
        "quote_lapsed",
        "pack_sold",
    ] {
        assert!(kinds.iter().any(|x| x == k), "missing event {k}: {kinds:?}");
    }
    assert_verified(&app).await;
});
