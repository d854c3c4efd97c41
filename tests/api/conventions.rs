//! Problem responses for each error class (SPEC §8), health endpoints and metrics.

use reqwest::Method;
use serde_json::json;

use crate::both_backends;

both_backends!(every_error_class_is_a_problem_document, |app| {
    app.paris_calendar().await;
    let am = app.am();
    // Malformed JSON → 400.
    let r = app
        .send(
            Method::POST,
            "/v1/customers",
            Some(&am),
            None,
            &[("content-type", "application/json")],
        )
        .await;
    // An empty body is read as {} → missing fields → 422.
    r.expect_problem(422, "validation_failed");
    let r = app
        .client
        .post(app.url("/v1/customers"))
        .bearer_auth(&am)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["code"], "malformed_json");
    // Wrong content type → 415.
    let r = app
        .client
        .post(app.url("/v1/customers"))
        .bearer_auth(&am)
        .header("content-type", "text/plain")
        .body("{\"name\": \"x\", \"calendar_id\": \"fr-paris\"}")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 415);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    // Body over 64 KiB → 413.
    let big = json!({"name": "x".repeat(70 * 1024), "calendar_id": "fr-paris"});
    app.post("/v1/customers", &am, big)
        .await
        .expect_problem(413, "payload_too_large");
    // Validation → 422 with per-field errors, all at once.
    let r = app
        .post(
            "/v1/customers",
            &am,
            json!({"name": "  ", "calendar_id": "nope", "securecall": {"reference": "R", "starts_on": "2027-01-01", "ends_on": "2026-01-01"}}),
        )
        .await
        .expect_problem(422, "validation_failed");
    for field in ["name", "calendar_id", "securecall.ends_on"] {
        assert!(
            r.body["errors"][field].is_array(),
            "missing error for {field}: {}",
            r.text
        );
    }
    // A field of the wrong JSON type → 422 naming the field.
    let r = app
        .post(
            "/v1/customers",
            &am,
            json!({"name": 5, "calendar_id": "fr-paris"}),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert!(r.body["errors"]["name"].is_array(), "{}", r.text);
    // Malformed date → 422.
    let r = app
        .post(
            "/v1/customers",
            &am,
            json!({"name": "x", "calendar_id": "fr-paris", "securecall": {"reference": "R", "starts_on": "2026-13-01", "ends_on": "2027-01-01"}}),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert!(
        r.body["errors"]["securecall.starts_on"].is_array(),
        "{}",
        r.text
    );
    // Unknown route → 404 problem; wrong method → 405 problem.
    app.get("/v1/nothing-here", &am)
        .await
        .expect_problem(404, "not_found");
    app.send(Method::DELETE, "/v1/customers", Some(&am), None, &[])
        .await
        .expect_problem(405, "method_not_allowed");
    // Unknown resource → 404.
    app.get("/v1/customers/cus_missing", &am)
        .await
        .expect_problem(404, "not_found");
    app.get("/v1/calendars/NOT_VALID", &am)
        .await
        .expect_problem(404, "not_found");
    // Bad query parameter → 422.
    app.get("/v1/customers?limit=0", &am)
        .await
        .expect_problem(422, "validation_failed");
    app.get("/v1/customers?limit=abc", &am)
        .await
        .expect_problem(422, "validation_failed");
    // Nothing was written by any of the refused requests.
    let list = app.get("/v1/customers", &am).await.expect(200);
    assert_eq!(list.body["data"], json!([]));
});

both_backends!(health_readiness_and_metrics, |app| {
    let r = app
        .send(Method::GET, "/healthz", None, None, &[])
        .await
        .expect(200);
    assert_eq!(r.body["status"], "ok");
    app.send(Method::GET, "/readyz", None, None, &[])
        .await
        .expect(200);
    assert!(r.header("x-request-id").is_some());
    app.get("/v1/customers", &app.am()).await.expect(200);
    let m = app
        .send(Method::GET, "/metrics", None, None, &[])
        .await
        .expect(200);
    assert!(m.text.contains("http_requests_total"), "{}", m.text);
    assert!(m.text.contains("route=\"/v1/customers\""), "{}", m.text);
    assert!(
        m.text.contains("http_request_duration_seconds_bucket"),
        "{}",
        m.text
    );
    let docs = app
        .send(Method::GET, "/docs/", None, None, &[])
        .await
        .expect(200);
    assert!(
        docs.text.contains("swagger"),
        "docs page: {}",
        &docs.text[..docs.text.len().min(200)]
    );
    let spec = app
        .send(Method::GET, "/openapi.json", None, None, &[])
        .await
        .expect(200);
    assert!(spec.body["paths"]["/v1/customers"].is_object());
});

both_backends!(test_clock_moves_forward_only_for_admins, |app| {
    let r = app.get("/v1/test-clock", &app.admin()).await.expect(200);
    assert_eq!(r.body["now"], crate::helpers::START);
    app.get("/v1/test-clock", &app.am())
        .await
        .expect_problem(403, "forbidden");
    app.post(
        "/v1/test-clock",
        &app.admin(),
        json!({"now": "2026-12-02T10:00:00+01:00"}),
    )
    .await
    .expect(200);
    let r = app.get("/v1/test-clock", &app.admin()).await;
    assert_eq!(r.body["now"], "2026-12-02T09:00:00Z");
    app.post(
        "/v1/test-clock",
        &app.admin(),
        json!({"now": "2026-12-01T00:00:00Z"}),
    )
    .await
    .expect_problem(409, "clock_backwards");
    app.post("/v1/test-clock", &app.admin(), json!({"now": "yesterday"}))
        .await
        .expect_problem(422, "validation_failed");
});

#[tokio::test]
async fn test_clock_is_a_404_when_disabled() {
    let app =
        crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, |s| s.test_clock = false)
            .await;
    app.get("/v1/test-clock", &app.admin())
        .await
        .expect_problem(404, "not_found");
    app.post(
        "/v1/test-clock",
        &app.admin(),
        json!({"now": "2030-01-01T00:00:00Z"}),
    )
    .await
    .expect_problem(404, "not_found");
}

#[tokio::test]
async fn short_secrets_are_refused_at_start() {
    let dir = tempfile::tempdir().expect("dir");
    let mut settings =
        crate::helpers::settings_for(format!("sqlite://{}/x.db", dir.path().display()));
    settings.jwt_secret = Some("too-short".into());
    let err = securehands::app::build(&settings)
        .await
        .err()
        .expect("must refuse");
    assert!(err.to_string().contains("at least 32 bytes"), "{err}");
}

#[tokio::test]
async fn a_generated_secret_is_kept_beside_the_database() {
    let dir = tempfile::tempdir().expect("dir");
    let mut settings =
        crate::helpers::settings_for(format!("sqlite://{}/db/x.db", dir.path().display()));
    settings.jwt_secret = None;
    let first = securehands::app::build(&settings).await.expect("build");
    let path = dir.path().join("db/jwt-secret");
    let meta = std::fs::metadata(&path).expect("secret file");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let token = first
        .state
        .auth
        .mint(
            "a",
            &[securehands::domain::access::Role::Admin],
            None,
            std::time::Duration::from_secs(60),
        )
        .expect("mint");
    let second = securehands::app::build(&settings)
        .await
        .expect("build again");
    assert!(
        second.state.auth.verify(&token).is_ok(),
        "the same secret is reused"
    );
}

both_backends!(nul_characters_are_refused_not_stored, |app| {
    app.paris_calendar().await;
    let am = app.am();
    let r = app
        .client
        .post(app.url("/v1/customers"))
        .bearer_auth(&am)
        .header("content-type", "application/json")
        .body(r#"{"name": "A\u0000B", "calendar_id": "fr-paris"}"#)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 422);
    app.get("/v1/customers/cus_%00", &am)
        .await
        .expect_problem(400, "bad_request");
    app.get("/v1/ledger?customer_id=%00", &app.finance())
        .await
        .expect_problem(400, "bad_request");
    assert_eq!(app.get("/v1/customers", &am).await.body["data"], json!([]));
});
