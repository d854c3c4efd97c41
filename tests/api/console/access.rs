//! The admins' API keys screen: a key created there works on the API with the secret
//! shown once on the answering page (never in a URL); rolled and revoked there too;
//! other roles get nothing. SoW approvals show who approved, by name.

use reqwest::redirect::Policy;

use crate::both_backends;
use crate::helpers::TestApp;

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

async fn get(app: &TestApp, session: &str, path: &str) -> (u16, String) {
    let r = browser()
        .get(app.url(path))
        .header("cookie", format!("sh_session={session}"))
        .send()
        .await
        .expect("get");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn post(
    app: &TestApp,
    session: &str,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser()
        .post(app.url(path))
        .header("cookie", format!("sh_session={session}"))
        .form(form)
        .send()
        .await
        .expect("post")
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .map(|i| i + start.len())
        .unwrap_or(html.len());
    html[from..].split(end).next().unwrap_or_default()
}

both_backends!(admins_manage_keys_in_the_console, |app| {
    let admin = app.console_session(&app.admin()).await;
    let (status, page) = get(&app, &admin, "/console/api-keys").await;
    assert_eq!(status, 200);
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_string();

    let created = post(
        &app,
        &admin,
        "/console/api-keys",
        &[
            ("csrf", &csrf),
            ("name", "ERP"),
            ("roles", "finance"),
            ("customer_id", ""),
        ],
    )
    .await;
    assert_eq!(
        created.status().as_u16(),
        200,
        "the secret is on the answering page"
    );
    let html = created.text().await.unwrap_or_default();
    let secret = between(&html, "<code id=\"fresh-secret\">", "<").to_string();
    assert!(secret.starts_with("shk_"), "{html}");
    app.get("/v1/ledger", &secret).await.expect(200);
    let (_, listing) = get(&app, &admin, "/console/api-keys").await;
    assert!(
        listing.contains("ERP") && !listing.contains(&secret),
        "shown once"
    );

    let id = app.get("/v1/api-keys", &app.admin()).await.expect(200).body["data"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let rolled = post(
        &app,
        &admin,
        &format!("/console/api-keys/{id}/roll"),
        &[("csrf", &csrf), ("grace_hours", "0")],
    )
    .await;
    let html = rolled.text().await.unwrap_or_default();
    let fresh = between(&html, "<code id=\"fresh-secret\">", "<").to_string();
    assert!(fresh.starts_with("shk_") && fresh != secret);
    app.get("/v1/ledger", &secret).await.expect(401);
    app.get("/v1/ledger", &fresh).await.expect(200);

    let revoked = post(
        &app,
        &admin,
        &format!("/console/api-keys/{id}/revoke"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(revoked.status().as_u16(), 303);
    app.get("/v1/ledger", &fresh).await.expect(401);
    // Without the form token nothing happens.
    let forged = post(
        &app,
        &admin,
        "/console/api-keys",
        &[("csrf", "forged"), ("name", "X"), ("roles", "admin")],
    )
    .await;
    assert_eq!(forged.status().as_u16(), 403);

    // Other roles see no keys.
    let am = app.console_session(&app.am()).await;
    let (status, page) = get(&app, &am, "/console/api-keys").await;
    assert_eq!(status, 403);
    assert!(!page.contains("ERP"));
});
