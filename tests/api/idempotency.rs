//! Idempotency-Key: replay, different body, concurrent same key (SPEC §8).

use reqwest::Method;
use serde_json::json;

use crate::both_backends;

both_backends!(same_key_same_request_replays, |app| {
    app.paris_calendar().await;
    let am = app.am();
    let body = json!({"name": "Acme", "calendar_id": "fr-paris", "standalone_agreed": true});
    let first = app
        .send(
            Method::POST,
            "/v1/customers",
            Some(&am),
            Some(body.clone()),
            &[("idempotency-key", "k-1")],
        )
        .await
        .expect(201);
    assert!(first.header("idempotent-replayed").is_none());
    let second = app
        .send(
            Method::POST,
            "/v1/customers",
            Some(&am),
            Some(body.clone()),
            &[("idempotency-key", "k-1")],
        )
        .await
        .expect(201);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.body, second.body);
    // Different body, same key → 422, nothing written.
    let other = json!({"name": "Other", "calendar_id": "fr-paris"});
    app.send(
        Method::POST,
        "/v1/customers",
        Some(&am),
        Some(other.clone()),
        &[("idempotency-key", "k-1")],
    )
    .await
    .expect_problem(422, "idempotency_key_reused");
    // Keys are scoped to the caller: another caller may use the same key.
    let admin = app.admin();
    app.send(
        Method::POST,
        "/v1/customers",
        Some(&admin),
        Some(other),
        &[("idempotency-key", "k-1")],
    )
    .await
    .expect(201);
    let list = app.get("/v1/customers", &am).await.expect(200);
    assert_eq!(list.body["data"].as_array().map(Vec::len), Some(2));
    // Refusals are remembered too: the same refused request replays its problem.
    let bad = json!({"name": "X", "calendar_id": "missing"});
    let refused = app
        .send(
            Method::POST,
            "/v1/customers",
            Some(&am),
            Some(bad.clone()),
            &[("idempotency-key", "k-2")],
        )
        .await
        .expect_problem(422, "validation_failed");
    assert!(refused.header("idempotent-replayed").is_none());
    // The calendar appears meanwhile: the same key still replays the first answer.
    app.put(
        "/v1/calendars/missing",
        &admin,
        json!({"name": "Now there", "timezone": "Europe/Paris"}),
    )
    .await
    .expect(201);
    let replayed = app
        .send(
            Method::POST,
            "/v1/customers",
            Some(&am),
            Some(bad.clone()),
            &[("idempotency-key", "k-2")],
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.body, refused.body);
    let list = app.get("/v1/customers", &am).await.expect(200);
    assert_eq!(list.body["data"].as_array().map(Vec::len), Some(2));
    // An invalid key is refused.
    app.send(
        Method::POST,
        "/v1/customers",
        Some(&am),
        Some(body),
        &[("idempotency-key", "has space")],
    )
    .await
    .expect_problem(400, "invalid_idempotency_key");
});

both_backends!(concurrent_requests_with_one_key_do_the_work_once, |app| {
    app.paris_calendar().await;
    let am = app.am();
    let body = json!({"name": "Racer", "calendar_id": "fr-paris", "standalone_agreed": true});
    let mut handles = Vec::new();
    for _ in 0..8 {
        let client = app.client.clone();
        let url = app.url("/v1/customers");
        let (am, body) = (am.clone(), body.clone());
        handles.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(am)
                .header("idempotency-key", "race-1")
                .json(&body)
                .send()
                .await
                .expect("send");
            let replayed = r.headers().get("idempotent-replayed").is_some();
            let status = r.status().as_u16();
            let json: serde_json::Value = r.json().await.expect("json");
            (status, replayed, json)
        }));
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut fresh = 0;
    for h in handles {
        let (status, replayed, json) = h.await.expect("join");
        match status {
            201 => {
                ids.insert(json["id"].as_str().unwrap_or_default().to_string());
                if !replayed {
                    fresh += 1;
                }
            }
            409 => assert_eq!(json["code"], "idempotency_in_flight"),
            other => panic!("unexpected {other}: {json}"),
        }
    }
    assert_eq!(fresh, 1, "exactly one request did the work");
    assert_eq!(ids.len(), 1, "every success names the same customer");
    let list = app.get("/v1/customers", &am).await.expect(200);
    assert_eq!(list.body["data"].as_array().map(Vec::len), Some(1));
});
