//! The console over plain HTTP: sign-in sets a hardened cookie, forms need the CSRF
//! token, every page applies the API's roles and customer scoping.

use reqwest::redirect::Policy;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{TestApp, sell, set_cookie};

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

async fn page(app: &TestApp, path: &str, token: &str) -> (u16, String) {
    let r = browser()
        .get(app.url(path))
        .header("cookie", format!("sh_session={token}"))
        .send()
        .await
        .expect("get");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

both_backends!(sign_in_cookie_csrf_and_scoping, |app| {
    // Not signed in: to the sign-in page.
    let r = browser()
        .get(app.url("/console"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/console/login");
    // Nothing signs in by GET: a `?token=` is ignored.
    let am = app.am();
    let by_get = browser()
        .get(app.url(&format!("/console/login?token={am}")))
        .send()
        .await
        .expect("get");
    assert_eq!(by_get.status().as_u16(), 200);
    assert!(set_cookie(&by_get, "sh_session").is_none());
    // A sign-in form without this browser's sign-in token (a cross-site auto-POST has
    // neither the cookie nor the token) opens nothing.
    let forged_login = browser()
        .post(app.url("/console/login"))
        .form(&[("token", am.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(forged_login.status().as_u16(), 403);
    assert!(set_cookie(&forged_login, "sh_session").is_none());
    let (login, form_token) = app.login_form(&browser()).await;
    let wrong_token = browser()
        .post(app.url("/console/login"))
        .header("cookie", format!("sh_login={login}"))
        .form(&[
            ("token", am.as_str()),
            ("login_csrf", "0123456789abcdef0123456789abcdef"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(wrong_token.status().as_u16(), 403);
    // A bad token is refused; a good one opens a session kept by the service, whose
    // random identifier (not the token) becomes an HttpOnly, SameSite=Strict cookie.
    let bad = browser()
        .post(app.url("/console/login"))
        .header("cookie", format!("sh_login={login}"))
        .form(&[("token", "nope"), ("login_csrf", form_token.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(bad.status().as_u16(), 401);
    let ok = browser()
        .post(app.url("/console/login"))
        .header("cookie", format!("sh_login={login}"))
        .form(&[("token", am.as_str()), ("login_csrf", form_token.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(ok.status().as_u16(), 303);
    let cookie = ok.headers()["set-cookie"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(cookie.contains("Path=/console"), "{cookie}");
    let session = set_cookie(&ok, "sh_session").expect("session");
    assert!(!session.contains(&am) && session.len() == 64, "{session}");
    // The token itself is no session.
    let (status, _) = page(&app, "/console", &am).await;
    assert_eq!(status, 303);
    let am = session;

    let c = app.customer_paris().await;
    let other = app.customer_paris().await;
    let (status, html) = page(&app, "/console", &am).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("/console/customers/{c}")), "{html}");

    // A form without the session's CSRF token changes nothing.
    let forged = browser()
        .post(app.url(&format!("/console/customers/{c}/packs")))
        .header("cookie", format!("sh_session={am}"))
        .form(&[
            ("units", "5.00"),
            ("order_reference", "X"),
            ("csrf", "forged"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status().as_u16(), 403);
    let balance = app
        .get(&format!("/v1/customers/{c}/balance"), &app.finance())
        .await
        .expect(200);
    assert_eq!(balance.body["total"], "0.00");

    // A customer sees its own page, and another customer's is a 404.
    sell(&app, &c, "3.00", None).await;
    let own = app.console_session(&app.customer(&c)).await;
    let (status, html) = page(&app, &format!("/console/customers/{c}"), &own).await;
    assert_eq!(status, 200);
    assert!(html.contains("3.00"));
    let (status, _) = page(&app, &format!("/console/customers/{other}"), &own).await;
    assert_eq!(status, 404);
    // A customer has no portfolio: its overview is its own desk.
    let (status, html) = page(&app, "/console", &own).await;
    assert_eq!(status, 200);
    assert!(!html.contains(&other), "another customer leaked: {html}");

    // French from the browser's preference; the language switch sets a cookie.
    let fr = browser()
        .get(app.url("/console/login"))
        .header("accept-language", "fr-FR,fr;q=0.9")
        .send()
        .await
        .expect("get");
    assert!(fr.text().await.unwrap_or_default().contains("Se connecter"));
    let switch = browser()
        .get(app.url("/console/lang/fr"))
        .send()
        .await
        .expect("get");
    assert!(
        switch.headers()["set-cookie"]
            .to_str()
            .unwrap_or_default()
            .starts_with("sh_lang=fr")
    );
    let _ = json!({});
});

both_backends!(
    pages_speak_the_readers_language_and_name_the_person,
    |app| {
        use securehands::domain::access::Role;
        let c = app.customer_paris().await;
        sell(&app, &c, "20.00", None).await;
        let sow = crate::helpers::active_sow(&app, &c, "8.00", 2, json!({})).await;
        // A session delivered on Tue 1 Dec: accepted automatically at 00:00 on Fri 4 Dec,
        // which people read as the end of Thursday 3 December.
        let sid =
            crate::helpers::schedule(&app, &sow, "2026-12-01T06:00:00Z", "2026-12-01T07:00:00Z")
                .await
                .expect(201)
                .str("id");
        crate::helpers::deliver(&app, &sid, "2026-12-01T06:00:00Z", "2026-12-01T07:00:00Z")
            .await
            .expect(200);
        let token = app.token_named("Claire Martin", &[Role::Customer], Some(&c));
        let session = app.console_session(&token).await;
        let path = format!("/console/sessions/{sid}");
        let (status, html) = page(&app, &path, &session).await;
        assert_eq!(status, 200, "{html}");
        // The header names the person and their role in words, not the token's subject.
        assert!(html.contains("Claire Martin · customer"), "{html}");
        assert!(!html.contains("user-claire-martin"), "{html}");
        assert!(html.contains(">delivered, awaiting acceptance<"), "{html}");
        assert!(
            html.contains("Thursday 3 December 2026, end of day"),
            "{html}"
        );
        assert!(
            html.contains(r#"type="radio" name="rating" value="5""#),
            "{html}"
        );
        // The same page in French and in German, once the reader chooses it.
        for (lang, words) in [
            (
                "fr",
                [
                    "réalisée, en attente",
                    "jeudi 3 décembre 2026 (fin de journée",
                    "client",
                ],
            ),
            (
                "de",
                [
                    "durchgeführt, Abnahme ausstehend",
                    "Donnerstag, 3. Dezember 2026, Tagesende",
                    "Kunde",
                ],
            ),
        ] {
            let r = browser()
                .get(app.url(&path))
                .header("cookie", format!("sh_session={session}; sh_lang={lang}"))
                .send()
                .await
                .expect("get");
            let html = r.text().await.unwrap_or_default();
            assert!(html.contains(&format!(r#"<html lang="{lang}">"#)), "{html}");
            for w in words {
                assert!(html.contains(w), "{lang}: {w} missing in {html}");
            }
        }
    }
);
