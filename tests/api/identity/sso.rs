//! Single sign-on with a real OpenID provider (panva's oidc-provider, started by the
//! test): the API accepts the provider's JWT access tokens (a finance system's client
//! credentials) beside the service's own, refuses tokens that only claim its issuer,
//! and follows a key rotation; staff sign in to the console through the provider's own
//! login and consent pages in Chromium, an unmapped person sees "no access", and a
//! disabled person's session ends at once. Runs when `SECUREHANDS_OIDC_DIR` names the
//! folder `tests/oidc/setup.sh` prepared (CI does); ignored otherwise.

use std::time::Duration;

use securehands::domain::access::Role;
use serde_json::json;

use crate::helpers::oidc::{AUDIENCE, CLIENT_ID, CLIENT_SECRET, Provider, ROLE_MAP};
use crate::helpers::{Backend, TestApp, reserve_port, spawn_app_on};

async fn app_with_provider(kid: &str) -> (TestApp, Provider) {
    let listener = reserve_port().await;
    let port = listener.local_addr().expect("addr").port();
    let provider = Provider::start(port, kid).await;
    let issuer = provider.issuer.clone();
    let app = spawn_app_on(Backend::Sqlite, listener, move |s| {
        s.public_url = format!("http://127.0.0.1:{port}");
        s.oidc_issuer = Some(issuer);
        s.oidc_client_id = Some(CLIENT_ID.into());
        s.oidc_client_secret = Some(CLIENT_SECRET.into());
        s.oidc_audience = Some(AUDIENCE.into());
        s.oidc_role_map =
            securehands::domain::identity::RoleMap::parse(ROLE_MAP).expect("role map");
    })
    .await;
    (app, provider)
}

#[tokio::test]
#[cfg_attr(
    not(oidc_tests),
    ignore = "set SECUREHANDS_OIDC_DIR (tests/oidc/setup.sh prepares it)"
)]
async fn the_api_accepts_the_providers_access_tokens() {
    let (app, mut provider) = app_with_provider("kid-1").await;
    let token = provider.client_credentials().await;
    app.get("/v1/ledger", &token).await.expect(200);
    app.get("/v1/api-keys", &token).await.expect(403);
    let endpoint = app
        .post(
            "/v1/webhook-endpoints",
            &token,
            json!({"url": "http://127.0.0.1:9/hook", "events": ["quote_lapsed"]}),
        )
        .await
        .expect(201);
    assert_eq!(
        endpoint.body["id"].as_str().map(|s| s.starts_with("we_")),
        Some(true)
    );
    let audit = app
        .get(
            "/v1/audit-events?action=webhook_endpoint.created",
            &app.admin(),
        )
        .await
        .expect(200);
    assert_eq!(
        audit.body["data"][0]["actor"],
        json!({"type": "operator_token", "id": "erp", "name": "erp"})
    );
    // The service's own tokens still work.
    app.get("/v1/ledger", &app.finance()).await.expect(200);
    // A token that only claims the provider's issuer is refused.
    let forged = {
        use jsonwebtoken::{EncodingKey, Header};
        let claims = json!({"iss": provider.issuer, "aud": AUDIENCE, "sub": "erp",
                            "roles": ["Finance"], "exp": 4_000_000_000u64});
        jsonwebtoken::encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(crate::helpers::SECRET.as_bytes()).expect("key"),
        )
        .expect("forged")
    };
    app.get("/v1/ledger", &forged)
        .await
        .expect_problem(401, "unauthorized");
    let _ = Role::Finance;

    // Key rotation while the service runs: tokens signed with the new key are accepted
    // once the service has fetched the provider's keys again; the old key's are not.
    provider.rotate("kid-2").await;
    let fresh = provider.client_credentials().await;
    let mut accepted = false;
    for _ in 0..40 {
        if app.get("/v1/ledger", &fresh).await.status.as_u16() == 200 {
            accepted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(accepted, "a token signed with the rotated key is accepted");
    let old = app.get("/v1/ledger", &token).await;
    old.expect_problem(401, "unauthorized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(all(oidc_tests, browser_tests)),
    ignore = "set SECUREHANDS_OIDC_DIR and SECUREHANDS_BROWSER_PYTHON"
)]
async fn staff_sign_in_through_the_provider_in_a_real_browser() {
    let (app, mut provider) = app_with_provider("kid-1").await;
    let story = |part: &'static str| {
        let base = format!("http://{}", app.addr);
        async move {
            let dir = tempfile::tempdir().expect("tempdir");
            let out_path = dir.path().join("out.json");
            let python =
                std::env::var("SECUREHANDS_BROWSER_PYTHON").unwrap_or_else(|_| "python3".into());
            let out = tokio::process::Command::new(python)
                .arg(format!(
                    "{}/tests/browser/sso_story.py",
                    env!("CARGO_MANIFEST_DIR")
                ))
                .arg(&base)
                .arg(part)
                .arg(&out_path)
                .output()
                .await
                .expect("run the sign-in story");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success(),
                "sign-in story part {part}:\n{stdout}\n{stderr}"
            );
            let text = std::fs::read_to_string(&out_path).expect("story output");
            serde_json::from_str::<serde_json::Value>(&text).expect("json")
        }
    };
    story("1").await;
    // The provider rotates its key while the service runs.
    provider.rotate("kid-2").await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let out = story("2").await;

    // Who signed in is known, with the roles of their last sign-in.
    let users = app.get("/v1/users", &app.admin()).await.expect(200);
    let listed: Vec<(&str, &serde_json::Value)> = users.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|u| (u["id"].as_str().unwrap_or_default(), &u["roles"]))
        .collect();
    assert_eq!(
        listed,
        [
            ("claire", &json!(["account_manager"])),
            ("sam", &json!(["soc_lead"]))
        ]
    );
    let failed = app
        .get("/v1/audit-events?action=user.sign_in_failed", &app.admin())
        .await
        .expect(200);
    assert_eq!(failed.body["data"][0]["actor"]["id"], "visitor");

    // Disabling Claire ends her session at once.
    let session = out["claire_session"].as_str().expect("session");
    let console = |session: String| {
        let url = app.url("/console");
        async move {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client")
                .get(url)
                .header("cookie", format!("sh_session={session}"))
                .send()
                .await
                .expect("get")
                .status()
                .as_u16()
        }
    };
    assert_eq!(console(session.to_string()).await, 200);
    app.post("/v1/users/claire/disable", &app.admin(), json!({}))
        .await
        .expect(200);
    assert_eq!(console(session.to_string()).await, 303);
}
