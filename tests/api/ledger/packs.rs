//! Selling packs: expiry dates, bad input, the SecureCall gate, and lots expiring at
//! their expiry instant (balances as of a past instant, the expiring report).

use serde_json::json;

use crate::both_backends;
use crate::helpers::{assert_verified, balance, entries, sell};

both_backends!(
    a_pack_is_sold_with_its_expiry_and_shows_in_the_balance,
    |app| {
        let c = app.customer_paris().await;
        let pack = sell(&app, &c, "40.00", Some("2026-12-01")).await;
        assert_eq!(pack["units"], "40.00");
        assert_eq!(pack["remaining"], "40.00");
        assert_eq!(pack["received_on"], "2026-12-01");
        // 00:00 Paris on 2027-12-01.
        assert_eq!(pack["expires_at"], "2027-11-30T23:00:00Z");
        // Default received_on: today in the customer's calendar.
        let pack2 = sell(&app, &c, "2.5", None).await;
        assert_eq!(pack2["received_on"], "2026-12-01");
        assert_eq!(pack2["units"], "2.50");
        let b = balance(&app, &c).await;
        assert_eq!(b["total"], "42.50");
        assert_eq!(b["reserved"], "0.00");
        assert_eq!(b["available"], "42.50");
        assert_eq!(b["deficit"], "0.00");
        assert_eq!(b["lots"].as_array().map(Vec::len), Some(2));
        let es = entries(&app, &format!("customer_id={c}")).await;
        assert_eq!(es.len(), 2);
        assert_eq!(es[0]["kind"], "grant");
        assert_eq!(es[0]["units"], "40.00");
        assert_eq!(es[1]["balance_after"], "42.50");
        let list = app
            .get(&format!("/v1/customers/{c}/packs"), &app.am())
            .await
            .expect(200);
        assert_eq!(list.body["data"].as_array().map(Vec::len), Some(2));
        assert_verified(&app).await;
    }
);

both_backends!(lot_expiry_clamps_at_month_end, |app| {
    let c = app.customer_paris().await;
    // The clock is at 2026-12-01; a pack received on 2026-02-28 expires 2027-02-28 (Paris, winter time).
    let pack = sell(&app, &c, "1.00", Some("2026-02-28")).await;
    assert_eq!(pack["expires_at"], "2027-02-27T23:00:00Z");
    let pack = sell(&app, &c, "1.00", Some("2026-05-31")).await;
    assert_eq!(pack["expires_at"], "2027-05-30T22:00:00Z");
});

both_backends!(bad_pack_input_is_refused_and_writes_nothing, |app| {
    let c = app.customer_paris().await;
    let path = format!("/v1/customers/{c}/packs");
    let am = app.am();
    for (units, why) in [
        (json!("1.234"), "three decimals"),
        (json!(5), "a JSON number"),
        (json!(5.5), "a JSON float"),
        (json!("-1.00"), "negative"),
        (json!("0"), "zero"),
        (json!("0.00"), "zero"),
        (json!("1000000.01"), "over the limit"),
        (json!("abc"), "not a number"),
        (json!(null), "null"),
    ] {
        let r = app
            .post(&path, &am, json!({"units": units, "order_reference": "PO"}))
            .await;
        assert_eq!(r.status.as_u16(), 422, "{why}: {}", r.text);
        assert!(r.body["errors"]["units"].is_array(), "{why}: {}", r.text);
    }
    for (received_on, why) in [
        ("2026-13-01", "malformed"),
        ("01/12/2026", "not ISO"),
        ("2027-01-01", "future"),
        ("2025-11-30", "already expired"),
    ] {
        let r = app
            .post(
                &path,
                &am,
                json!({"units": "1.00", "order_reference": "PO", "received_on": received_on}),
            )
            .await;
        assert_eq!(r.status.as_u16(), 422, "{why}: {}", r.text);
        assert!(
            r.body["errors"]["received_on"].is_array(),
            "{why}: {}",
            r.text
        );
    }
    app.post(&path, &am, json!({"units": "1.00"}))
        .await
        .expect_problem(422, "validation_failed");
    app.post(&path, &am, json!({"units": "1.00", "order_reference": "PO", "price": {"amount": "12.345", "currency": "EUR"}}))
        .await
        .expect_problem(422, "validation_failed");
    app.post(
        "/v1/customers/cus_nope/packs",
        &am,
        json!({"units": "1.00", "order_reference": "PO"}),
    )
    .await
    .expect_problem(404, "not_found");
    // Roles: only admin and account managers sell.
    for token in [app.lead(), app.finance(), app.manager(), app.customer(&c)] {
        app.post(
            &path,
            &token,
            json!({"units": "1.00", "order_reference": "PO"}),
        )
        .await
        .expect_problem(403, "forbidden");
    }
    assert!(entries(&app, "").await.is_empty());
    assert_eq!(balance(&app, &c).await["total"], "0.00");
});

both_backends!(securecall_gates_pack_sales, |app| {
    app.paris_calendar().await;
    let am = app.am();
    let c = app
        .post(
            "/v1/customers",
            &am,
            json!({"name": "Lapsed", "calendar_id": "fr-paris", "securecall": {"reference": "SC", "starts_on": "2025-01-01", "ends_on": "2026-06-30"}}),
        )
        .await
        .expect(201)
        .str("id");
    let path = format!("/v1/customers/{c}/packs");
    app.post(
        &path,
        &am,
        json!({"units": "5.00", "order_reference": "PO"}),
    )
    .await
    .expect_problem(409, "no_active_securecall");
    // Received while the contract was active: allowed.
    app.post(
        &path,
        &am,
        json!({"units": "5.00", "order_reference": "PO", "received_on": "2026-06-30"}),
    )
    .await
    .expect(201);
    let none = app
        .post(
            "/v1/customers",
            &am,
            json!({"name": "None", "calendar_id": "fr-paris"}),
        )
        .await
        .expect(201)
        .str("id");
    app.post(
        &format!("/v1/customers/{none}/packs"),
        &am,
        json!({"units": "5.00", "order_reference": "PO"}),
    )
    .await
    .expect_problem(409, "no_active_securecall");
    app.patch(
        &format!("/v1/customers/{none}"),
        &am,
        json!({"standalone_agreed": true}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/v1/customers/{none}/packs"),
        &am,
        json!({"units": "5.00", "order_reference": "PO"}),
    )
    .await
    .expect(201);
});

both_backends!(expiry_runs_at_the_expiry_instant_and_once, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "7.00", Some("2025-12-10")).await; // expires 2026-12-09T23:00Z
    sell(&app, &c, "3.00", Some("2026-12-01")).await;
    app.set_clock("2026-12-09T22:59:59Z").await;
    assert_eq!(balance(&app, &c).await["total"], "10.00");
    app.set_clock("2026-12-10T10:00:00Z").await;
    let b = balance(&app, &c).await;
    assert_eq!(b["total"], "3.00");
    assert_eq!(b["lots"].as_array().map(Vec::len), Some(1));
    let exp = entries(&app, "kind=expiry").await;
    assert_eq!(exp.len(), 1);
    assert_eq!(exp[0]["units"], "-7.00");
    assert_eq!(exp[0]["effective_at"], "2026-12-09T23:00:00Z");
    // Catch-up: running again changes nothing.
    app.set_clock("2026-12-11T10:00:00Z").await;
    assert_eq!(entries(&app, "kind=expiry").await.len(), 1);
    // as_of a past instant recomputes from the ledger.
    let past = app
        .get(
            &format!("/v1/customers/{c}/balance?as_of=2026-12-09T22:00:00Z"),
            &app.am(),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(past["total"], "10.00");
    assert_eq!(past["lots"].as_array().map(Vec::len), Some(2));
    let at = app
        .get(
            &format!("/v1/customers/{c}/balance?as_of=2026-12-09T23:00:00Z"),
            &app.am(),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(at["total"], "3.00");
    app.get(
        &format!("/v1/customers/{c}/balance?as_of=yesterday"),
        &app.am(),
    )
    .await
    .expect_problem(422, "validation_failed");
    // Report of what expires soon.
    let r = app
        .get("/v1/reports/expiring?within_days=366", &app.am())
        .await
        .expect(200)
        .body;
    assert_eq!(r["total_units"], "3.00");
    app.get("/v1/reports/expiring?within_days=0", &app.am())
        .await
        .expect_problem(422, "validation_failed");
    assert_verified(&app).await;
});
