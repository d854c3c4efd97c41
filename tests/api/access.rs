//! The access matrix of SPEC §7 for calendars and customers, and token verification.

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use securehands::domain::access::Role;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{SECRET, TestApp};

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn sign(alg: Algorithm, secret: &str, claims: serde_json::Value) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()).expect("key"),
    )
    .expect("sign")
}

fn b64(v: &serde_json::Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

async fn expect_401(app: &TestApp, token: Option<&str>) {
    app.send(Method::GET, "/v1/customers", token, None, &[])
        .await
        .expect_problem(401, "unauthorized");
}

both_backends!(bad_tokens_are_refused, |app| {
    let claims = |exp: u64| json!({"sub": "x", "roles": ["admin"], "exp": exp});
    // No token, garbage, wrong scheme.
    expect_401(&app, None).await;
    expect_401(&app, Some("not-a-jwt")).await;
    let resp = app
        .send(
            Method::GET,
            "/v1/customers",
            None,
            None,
            &[("authorization", "Basic YWRtaW46YWRtaW4=")],
        )
        .await;
    resp.expect_problem(401, "unauthorized");
    // Expired (beyond the leeway).
    expect_401(
        &app,
        Some(&sign(Algorithm::HS256, SECRET, claims(now_secs() - 3600))),
    )
    .await;
    // No exp at all.
    expect_401(
        &app,
        Some(&sign(
            Algorithm::HS256,
            SECRET,
            json!({"sub": "x", "roles": ["admin"]}),
        )),
    )
    .await;
    // Bad signature.
    expect_401(
        &app,
        Some(&sign(
            Algorithm::HS256,
            "another-secret-another-secret-another",
            claims(now_secs() + 3600),
        )),
    )
    .await;
    // Another algorithm with the right secret: the algorithm is pinned.
    expect_401(
        &app,
        Some(&sign(Algorithm::HS512, SECRET, claims(now_secs() + 3600))),
    )
    .await;
    // alg: none.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims(now_secs() + 3600))
    );
    expect_401(&app, Some(&none)).await;
    // Unknown roles only.
    expect_401(
        &app,
        Some(&sign(
            Algorithm::HS256,
            SECRET,
            json!({"sub": "x", "roles": ["root"], "exp": now_secs() + 3600}),
        )),
    )
    .await;
    // A customer token without customer_id.
    expect_401(
        &app,
        Some(&sign(
            Algorithm::HS256,
            SECRET,
            json!({"sub": "x", "roles": ["customer"], "exp": now_secs() + 3600}),
        )),
    )
    .await;
    // Lenient on shape: a single role as a string, no `sub`.
    app.get(
        "/v1/customers",
        &sign(
            Algorithm::HS256,
            SECRET,
            json!({"roles": "admin", "exp": now_secs() + 3600}),
        ),
    )
    .await
    .expect(200);
    // And the good one works.
    app.get(
        "/v1/customers",
        &sign(Algorithm::HS256, SECRET, claims(now_secs() + 3600)),
    )
    .await
    .expect(200);
});

both_backends!(reference_data_is_for_admins_and_account_managers, |app| {
    let customer_id = app.customer_paris().await;
    let other = app
        .post(
            "/v1/customers",
            &app.am(),
            json!({"name": "Other", "calendar_id": "fr-paris", "standalone_agreed": true}),
        )
        .await
        .expect(201)
        .str("id");
    for role in Role::ALL {
        let token = app.token(
            &[role],
            (role == Role::Customer).then_some(customer_id.as_str()),
        );
        let allowed = matches!(role, Role::Admin | Role::AccountManager);
        let expect = |status: u16| if allowed { status } else { 403 };
        let r = app.get("/v1/calendars/fr-paris", &token).await;
        assert_eq!(
            r.status.as_u16(),
            expect(200),
            "{role} GET calendar: {}",
            r.text
        );
        let r = app
            .put(
                "/v1/calendars/cal-x",
                &token,
                json!({"name": "X", "timezone": "Europe/London"}),
            )
            .await;
        // Created by the first allowed role, replaced by the next: 201 or 200.
        assert!(
            if allowed {
                r.status.is_success()
            } else {
                r.status.as_u16() == 403
            },
            "{role} PUT calendar: {}",
            r.text
        );
        let r = app
            .put(
                "/v1/calendars/fr-paris/holidays/2026-11-11",
                &token,
                json!({}),
            )
            .await;
        assert_eq!(
            r.status.as_u16(),
            expect(200),
            "{role} PUT holiday: {}",
            r.text
        );
        let r = app.get("/v1/customers", &token).await;
        assert_eq!(
            r.status.as_u16(),
            expect(200),
            "{role} list customers: {}",
            r.text
        );
        let r = app
            .get(&format!("/v1/customers/{customer_id}"), &token)
            .await;
        assert_eq!(
            r.status.as_u16(),
            expect(200),
            "{role} GET customer: {}",
            r.text
        );
        let r = app
            .patch(
                &format!("/v1/customers/{customer_id}"),
                &token,
                json!({"name": "Acme SA"}),
            )
            .await;
        assert_eq!(
            r.status.as_u16(),
            expect(200),
            "{role} PATCH customer: {}",
            r.text
        );
        let r = app
            .post(
                "/v1/customers",
                &token,
                json!({"name": "New", "calendar_id": "fr-paris"}),
            )
            .await;
        assert_eq!(
            r.status.as_u16(),
            expect(201),
            "{role} POST customer: {}",
            r.text
        );
        if r.status.as_u16() == 403 {
            assert_eq!(r.body["code"], "forbidden");
        }
    }
    // Every refused attempt wrote nothing: only the customers staff created exist.
    let list = app
        .get("/v1/customers?limit=500", &app.admin())
        .await
        .expect(200);
    assert_eq!(list.body["data"].as_array().map(Vec::len), Some(4));
    let _ = other;
});
