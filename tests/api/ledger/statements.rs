//! Finance reads: monthly statements reconciling to the ledger, who may read balances,
//! the ledger and events, and the CSV/NDJSON exports and cursor paging.

use reqwest::Method;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{entries, sell};

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
            // The actor object is spread over three columns.
            let field = match name {
                "actor" => &entry["actor"]["name"],
                "actor_type" => &entry["actor"]["type"],
                "actor_id" => &entry["actor"]["id"],
                other => &entry[other],
            };
            let expected = match field {
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
