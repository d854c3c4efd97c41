//! Packs, balances, quotes, statements and finance reads over HTTP.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

pub async fn sell(app: &TestApp, customer: &str, units: &str, received_on: Option<&str>) -> Value {
    let mut body = json!({"units": units, "order_reference": format!("PO-{units}")});
    if let Some(d) = received_on {
        body["received_on"] = json!(d);
    }
    app.post(&format!("/v1/customers/{customer}/packs"), &app.am(), body)
        .await
        .expect(201)
        .body
}

pub async fn balance(app: &TestApp, customer: &str) -> Value {
    app.get(&format!("/v1/customers/{customer}/balance"), &app.finance())
        .await
        .expect(200)
        .body
}

pub async fn entries(app: &TestApp, query: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/v1/ledger?limit=1000&{query}"), &app.finance())
        .await
        .expect(200);
    r.body["data"].as_array().cloned().unwrap_or_default()
}

pub async fn assert_verified(app: &TestApp) {
    let violations = securehands::service::verify::run(&app.state.db)
        .await
        .expect("verify");
    assert!(violations.is_empty(), "invariants broken: {violations:#?}");
}

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

both_backends!(statements_reconcile_to_the_ledger, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "7.00", Some("2025-12-31")).await; // expires 2026-12-30T23:00Z = 00:00 Paris on Dec 31
    sell(&app, &c, "5.00", Some("2026-12-01")).await;
    app.set_clock("2027-01-02T00:00:00Z").await;
    let s = app
        .get(
            &format!("/v1/customers/{c}/statements/2026-12"),
            &app.finance(),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(s["opening"], "0.00");
    assert_eq!(s["grants"], "12.00");
    assert_eq!(s["expiries"], "-7.00");
    assert_eq!(s["closing"], "5.00");
    assert_eq!(s["period_start"], "2026-11-30T23:00:00Z");
    assert_eq!(s["period_end"], "2026-12-31T23:00:00Z");
    let asof = app
        .get(
            &format!("/v1/customers/{c}/balance?as_of=2026-12-31T23:00:00Z"),
            &app.finance(),
        )
        .await
        .body;
    assert_eq!(asof["total"], s["closing"]);
    let jan = app
        .get(
            &format!("/v1/customers/{c}/statements/2027-01"),
            &app.finance(),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(jan["opening"], "5.00");
    assert_eq!(jan["closing"], "5.00");
    app.get(
        &format!("/v1/customers/{c}/statements/2026-13"),
        &app.finance(),
    )
    .await
    .expect_problem(422, "validation_failed");
    app.get(
        &format!("/v1/customers/{c}/statements/2026-12"),
        &app.customer("cus_other"),
    )
    .await
    .expect_problem(404, "not_found");
    app.get(
        &format!("/v1/customers/{c}/statements/2026-12"),
        &app.customer(&c),
    )
    .await
    .expect(200);
});

both_backends!(finance_reads_follow_the_access_table, |app| {
    let c = app.customer_paris().await;
    let other = app.customer_paris().await;
    sell(&app, &c, "4.00", None).await;
    sell(&app, &other, "6.00", None).await;
    // Balances: all staff and the customer itself; another customer gets a 404.
    for token in [
        app.admin(),
        app.am(),
        app.lead(),
        app.manager(),
        app.finance(),
        app.customer(&c),
    ] {
        app.get(&format!("/v1/customers/{c}/balance"), &token)
            .await
            .expect(200);
        app.get(&format!("/v1/customers/{c}/packs"), &token)
            .await
            .expect(200);
    }
    app.get(&format!("/v1/customers/{c}/balance"), &app.customer(&other))
        .await
        .expect_problem(404, "not_found");
    app.get("/v1/customers/cus_missing/balance", &app.am())
        .await
        .expect_problem(404, "not_found");
    // The JSON ledger: staff see everything, a customer only itself.
    let own = app
        .get("/v1/ledger", &app.customer(&c))
        .await
        .expect(200)
        .body;
    assert_eq!(own["data"].as_array().map(Vec::len), Some(1));
    app.get(
        &format!("/v1/ledger?customer_id={other}"),
        &app.customer(&c),
    )
    .await
    .expect_problem(404, "not_found");
    assert_eq!(entries(&app, "").await.len(), 2);
    app.get("/v1/ledger?kind=nonsense", &app.finance())
        .await
        .expect_problem(422, "validation_failed");
    app.get("/v1/ledger?after=-3", &app.finance())
        .await
        .expect_problem(422, "validation_failed");
    app.get("/v1/ledger?limit=5000", &app.finance())
        .await
        .expect_problem(422, "validation_failed");
    // Exports and events: admin, finance, account managers.
    for token in [app.admin(), app.am(), app.finance()] {
        let r = app
            .send(
                Method::GET,
                "/v1/ledger",
                Some(&token),
                None,
                &[("accept", "text/csv")],
            )
            .await
            .expect(200);
        assert!(r.text.starts_with("seq,kind"));
        app.get("/v1/events", &token).await.expect(200);
    }
    for token in [app.lead(), app.manager(), app.customer(&c)] {
        app.send(
            Method::GET,
            "/v1/ledger",
            Some(&token),
            None,
            &[("accept", "text/csv")],
        )
        .await
        .expect_problem(403, "forbidden");
        app.get("/v1/events", &token)
            .await
            .expect_problem(403, "forbidden");
    }
});

both_backends!(csv_and_ndjson_parse_back_to_the_json_entries, |app| {
    let c = app.customer_paris().await;
    for u in ["1.00", "2.50", "0.01", "1000000.00", "3.33"] {
        sell(&app, &c, u, None).await;
    }
    let json_entries = entries(&app, "").await;
    assert_eq!(json_entries.len(), 5);
    let fin = app.finance();
    let nd = app
        .send(
            Method::GET,
            "/v1/ledger",
            Some(&fin),
            None,
            &[("accept", "application/x-ndjson")],
        )
        .await
        .expect(200);
    assert_eq!(nd.header("content-type"), Some("application/x-ndjson"));
    let from_nd: Vec<Value> = nd
        .text
        .lines()
        .map(|l| serde_json::from_str(l).expect("ndjson line"))
        .collect();
    assert_eq!(from_nd, json_entries);
    let csv = app
        .send(
            Method::GET,
            "/v1/ledger",
            Some(&fin),
            None,
            &[("accept", "text/csv")],
        )
        .await
        .expect(200);
    let mut reader = csv::Reader::from_reader(csv.text.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), json_entries.len());
    for (row, entry) in rows.iter().zip(&json_entries) {
        for (name, value) in headers.iter().zip(row.iter()) {
            let expected = match &entry[name] {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(value, expected, "column {name}");
        }
    }
    // Paging with the cursor yields the same entries.
    let mut after = String::new();
    let mut paged = Vec::new();
    loop {
        let r = app
            .get(&format!("/v1/ledger?limit=2&after={after}"), &fin)
            .await
            .expect(200)
            .body;
        let data = r["data"].as_array().cloned().unwrap_or_default();
        if data.is_empty() {
            break;
        }
        paged.extend(data);
        after = r["next_cursor"].as_str().unwrap_or_default().to_string();
    }
    assert_eq!(paged, json_entries);
    // A capped export.
    let capped = app
        .send(
            Method::GET,
            "/v1/ledger?limit=2",
            Some(&fin),
            None,
            &[("accept", "application/x-ndjson")],
        )
        .await;
    assert_eq!(capped.text.lines().count(), 2);
});
