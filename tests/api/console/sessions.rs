//! Console sessions kept by the service: sign-out ends a session at once on every
//! replica, a session ends after 30 minutes idle or 12 hours whatever happens, sign-ins
//! and sign-outs are audited, and the operator's token form can be switched off.

use reqwest::redirect::Policy;

use crate::helpers::{TestApp, spawn_app_with};
use crate::on_both_backends;

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

async fn status(app: &TestApp, session: &str) -> u16 {
    browser()
        .get(app.url("/console"))
        .header("cookie", format!("sh_session={session}"))
        .send()
        .await
        .expect("get")
        .status()
        .as_u16()
}

/// The session's form token, read from a page.
async fn csrf(app: &TestApp, session: &str) -> String {
    let html = browser()
        .get(app.url("/console"))
        .header("cookie", format!("sh_session={session}"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .unwrap_or_default();
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("csrf field") + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

on_both_backends!(sign_out_ends_the_session_on_every_replica, |backend| {
    let app = spawn_app_with(backend, |_| {}).await;
    let other = app.replica().await;
    let session = app.console_session(&app.am()).await;
    assert_eq!(status(&app, &session).await, 200);
    assert_eq!(status(&other, &session).await, 200);
    let token = csrf(&app, &session).await;
    // Sign-out needs the session's form token.
    let forged = browser()
        .post(app.url("/console/logout"))
        .header("cookie", format!("sh_session={session}"))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status().as_u16(), 403);
    assert_eq!(status(&other, &session).await, 200);
    let out = browser()
        .post(other.url("/console/logout"))
        .header("cookie", format!("sh_session={session}"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(out.status().as_u16(), 303);
    assert_eq!(status(&app, &session).await, 303);
    assert_eq!(status(&other, &session).await, 303);

    let audit = app
        .get(
            "/v1/audit-events?resource_type=operator_token",
            &app.admin(),
        )
        .await
        .expect(200);
    let actions: Vec<&str> = audit.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        ["operator_token.signed_in", "operator_token.signed_out"]
    );
});

on_both_backends!(sessions_end_when_idle_or_old, |backend| {
    let app = spawn_app_with(backend, |_| {}).await;
    // Idle: 29 minutes between requests keep it alive; 30 end it.
    let idle = app.console_session(&app.am()).await;
    app.set_clock("2026-12-01T08:29:00Z").await;
    assert_eq!(status(&app, &idle).await, 200);
    app.set_clock("2026-12-01T08:58:59Z").await;
    assert_eq!(status(&app, &idle).await, 200);
    app.set_clock("2026-12-01T09:29:00Z").await;
    assert_eq!(status(&app, &idle).await, 303);
    // Busy all day: still over 12 hours after sign-in.
    let busy = app.console_session(&app.am()).await;
    let mut minutes = 0;
    while minutes < 12 * 60 - 20 {
        minutes += 20;
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T09:29:00Z").expect("instant")
            + chrono::Duration::minutes(minutes);
        app.set_clock(&at.to_rfc3339()).await;
        assert_eq!(status(&app, &busy).await, 200, "after {minutes} minutes");
    }
    app.set_clock("2026-12-01T21:29:00Z").await;
    assert_eq!(status(&app, &busy).await, 303);
    // A failed sign-in is audited.
    let (login, form_token) = app.login_form(&browser()).await;
    browser()
        .post(app.url("/console/login"))
        .header("cookie", format!("sh_login={login}"))
        .form(&[("token", "nope"), ("login_csrf", form_token.as_str())])
        .send()
        .await
        .expect("post");
    let failed = app
        .get("/v1/audit-events?action=user.sign_in_failed", &app.admin())
        .await
        .expect(200);
    assert_eq!(failed.body["data"][0]["outcome"], "failed");
});

on_both_backends!(the_operator_form_can_be_switched_off, |backend| {
    let app = spawn_app_with(backend, |s| s.console_token_login = false).await;
    let client = browser();
    let page = client
        .get(app.url("/console/login"))
        .send()
        .await
        .expect("get");
    assert!(
        !page
            .text()
            .await
            .unwrap_or_default()
            .contains("name=\"token\"")
    );
    let (login, form_token) = app.login_form(&client).await;
    let r = client
        .post(app.url("/console/login"))
        .header("cookie", format!("sh_login={login}"))
        .form(&[
            ("token", app.am().as_str()),
            ("login_csrf", form_token.as_str()),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 403);
});
