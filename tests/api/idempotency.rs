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

/// The stored answer to `key` of the admin test caller, as the replay would read it.
async fn stored_body(app: &crate::helpers::TestApp, key: &str) -> String {
    let mut tx = app.state.db.begin_read().await.expect("tx");
    let record = securehands::storage::idempotency::find(&mut tx, "admin-staff", key)
        .await
        .expect("find")
        .expect("a record");
    tx.rollback().await.expect("rollback");
    record.body
}

both_backends!(secrets_shown_once_are_never_replayed_nor_kept, |app| {
    let admin = app.admin();
    let post = |path: String, body: serde_json::Value, key: &'static str| {
        let admin = admin.clone();
        let app = &app;
        async move {
            app.send(
                Method::POST,
                &path,
                Some(&admin),
                Some(body),
                &[("idempotency-key", key)],
            )
            .await
        }
    };
    let key_body = json!({"name": "erp", "roles": ["finance"]});
    let created = post("/v1/api-keys".into(), key_body.clone(), "key-1")
        .await
        .expect(201);
    let secret = created.str("secret");
    let id = created.str("id");
    // A retry does not hand the secret out again: it names the key instead.
    let again = post("/v1/api-keys".into(), key_body, "key-1")
        .await
        .expect_problem(409, "secret_already_shown");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert!(again.text.contains(&id), "{}", again.text);
    assert!(!again.text.contains(&secret), "{}", again.text);
    assert!(!stored_body(&app, "key-1").await.contains("shk_"));
    // Nor does a roll's retry, nor a webhook endpoint's.
    let roll = format!("/v1/api-keys/{id}/roll");
    let rolled = post(roll.clone(), json!({"grace_hours": 0}), "roll-1")
        .await
        .expect(200);
    let new_secret = rolled.str("secret");
    let again = post(roll.clone(), json!({"grace_hours": 0}), "roll-1")
        .await
        .expect_problem(409, "secret_already_shown");
    assert!(!again.text.contains(&new_secret), "{}", again.text);
    assert!(!stored_body(&app, "roll-1").await.contains("shk_"));
    let hook = json!({"url": "http://127.0.0.1:9/hook", "events": ["quote_raised"]});
    let registered = post("/v1/webhook-endpoints".into(), hook.clone(), "hook-1")
        .await
        .expect(201);
    assert!(registered.str("secret").starts_with("whsec_"));
    post("/v1/webhook-endpoints".into(), hook, "hook-1")
        .await
        .expect_problem(409, "secret_already_shown");
    assert!(!stored_body(&app, "hook-1").await.contains("whsec_"));
    // The retried creations made nothing twice, and the key works with its secret.
    let keys = app.get("/v1/api-keys", &admin).await.expect(200);
    assert_eq!(keys.body["data"].as_array().map(Vec::len), Some(1));
    app.get("/v1/ledger", &new_secret).await.expect(200);
});
