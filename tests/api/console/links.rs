//! Customers' contacts sign in by an e-mailed link: the page answers the same for any
//! address, the link arrives in the contact's language, works once for 15 minutes,
//! needs a click on a confirmation page (fetching it uses nothing up), opens a session
//! as that contact narrowed by its roles, and ends when the contact is removed.

use reqwest::redirect::Policy;
use serde_json::json;

use crate::helpers::smtp::{Mail, SmtpServer};
use crate::helpers::{TestApp, sell, set_cookie, spawn_app_with};
use crate::on_both_backends;

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// Asks for a link for `email` with a fresh sign-in form; returns (status, page).
async fn ask(app: &TestApp, email: &str) -> (u16, String) {
    let client = browser();
    let (login, token) = app.login_form(&client).await;
    let r = client
        .post(app.url("/console/login/email"))
        .header("cookie", format!("sh_login={login}"))
        .form(&[("email", email), ("login_csrf", token.as_str())])
        .send()
        .await
        .expect("post");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// The link of the latest sign-in mail to `to`.
fn link_in(mails: &[Mail], to: &str) -> String {
    let mail = mails
        .iter()
        .rev()
        .find(|m| m.to == [to] && m.text.contains("/console/login/link?token="))
        .unwrap_or_else(|| panic!("no sign-in mail to {to}: {mails:#?}"));
    let start = mail.text.find("http").expect("link");
    mail.text[start..]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Follows a link and confirms it; returns (status, session cookie if any).
async fn follow(app: &TestApp, link: &str) -> (u16, Option<String>) {
    let client = browser();
    let path = &link[link.find("/console").expect("path")..];
    let confirm = client.get(app.url(path)).send().await.expect("get");
    assert_eq!(confirm.status().as_u16(), 200);
    let login = set_cookie(&confirm, "sh_login").expect("sign-in cookie");
    let html = confirm.text().await.unwrap_or_default();
    let field = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let start = html.find(&marker).expect("field") + marker.len();
        html[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let r = client
        .post(app.url("/console/login/link"))
        .header("cookie", format!("sh_login={login}"))
        .form(&[
            ("token", field("token")),
            ("login_csrf", field("login_csrf")),
        ])
        .send()
        .await
        .expect("post");
    (r.status().as_u16(), set_cookie(&r, "sh_session"))
}

async fn console(app: &TestApp, session: &str, path: &str) -> (u16, String) {
    let r = browser()
        .get(app.url(path))
        .header("cookie", format!("sh_session={session}"))
        .send()
        .await
        .expect("get");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

on_both_backends!(a_contact_signs_in_by_an_emailed_link, |backend| {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = spawn_app_with(backend, move |s| s.smtp_url = Some(url)).await;
    let c = app.customer_with_contacts().await;

    // The same page for a contact and for a stranger.
    let (known_status, known) = ask(&app, "Claire@Acme.example").await;
    let (unknown_status, unknown) = ask(&app, "nobody@acme.example").await;
    assert_eq!((known_status, unknown_status), (200, 200));
    let strip = |html: &str| {
        html.split('\n')
            .filter(|l| !l.contains("login_csrf"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&known), strip(&unknown));
    assert!(
        known.contains("sign-in link is on its way")
            || known.contains("lien de connexion vient de partir")
    );

    // The mail, in the contact's language (Claire reads French).
    let mails = smtp
        .wait_for("sign-in link", |m| {
            m.iter().any(|m| m.to == ["claire@acme.example"])
        })
        .await;
    let mail = mails
        .iter()
        .find(|m| m.to == ["claire@acme.example"])
        .expect("mail");
    assert!(
        mail.subject.contains("Votre lien de connexion"),
        "{}",
        mail.subject
    );
    app.quiesce().await;
    assert_eq!(
        smtp.mails().len(),
        1,
        "nothing is sent to an unknown address"
    );
    let link = link_in(&mails, "claire@acme.example");

    // Fetching the link (a mail scanner) uses nothing up; confirming opens a session.
    let path = &link[link.find("/console").expect("path")..];
    browser().get(app.url(path)).send().await.expect("scanner");
    let (status, session) = follow(&app, &link).await;
    assert_eq!(status, 303);
    let session = session.expect("session");
    let (status, home) = console(&app, &session, "/console").await;
    assert_eq!(status, 200);
    assert!(
        home.contains("Claire Martin"),
        "the console names the contact"
    );
    // Once only.
    let (status, again) = follow(&app, &link).await;
    assert_eq!(status, 401);
    assert!(again.is_none());

    // The audit log names the contact.
    let audit = app
        .get("/v1/audit-events?action=contact.signed_in", &app.admin())
        .await
        .expect(200);
    let e = &audit.body["data"][0];
    assert_eq!(e["actor"]["type"], "contact");
    assert_eq!(e["actor"]["name"], "Claire Martin");
    assert_eq!(e["actor"]["email"], "claire@acme.example");
    assert_eq!(e["customer_id"], c.as_str());

    // Removing the contact ends its session at once.
    app.patch(
        &format!("/v1/customers/{c}"),
        &app.am(),
        json!({"contacts": [
            {"name": "Bob Smith", "email": "bob@acme.example", "language": "en", "roles": ["approver", "technical"]}
        ]}),
    )
    .await
    .expect(200);
    let (status, _) = console(&app, &session, "/console").await;
    assert_eq!(status, 303);
});

on_both_backends!(links_expire_and_are_rate_limited, |backend| {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = spawn_app_with(backend, move |s| s.smtp_url = Some(url)).await;
    app.customer_with_contacts().await;
    ask(&app, "bob@acme.example").await;
    let mails = smtp
        .wait_for("link", |m| m.iter().any(|m| m.to == ["bob@acme.example"]))
        .await;
    assert!(
        mails[0].subject.contains("Your sign-in link"),
        "{}",
        mails[0].subject
    );
    let link = link_in(&mails, "bob@acme.example");
    app.set_clock("2026-12-01T08:15:00Z").await;
    let (status, session) = follow(&app, &link).await;
    assert_eq!(
        (status, session),
        (401, None),
        "15 minutes later the link is spent"
    );

    // Five links per address in 15 minutes; the sixth request sends nothing (and
    // still answers the same page).
    for _ in 0..5 {
        assert_eq!(ask(&app, "bob@acme.example").await.0, 200);
    }
    app.quiesce().await;
    assert_eq!(smtp.mails().len(), 6);
    // (the first link was asked at 08:00, outside the window now)
    let (status, _) = ask(&app, "bob@acme.example").await;
    assert_eq!(status, 200);
    app.quiesce().await;
    assert_eq!(smtp.mails().len(), 6, "the sixth in the window is not sent");

    // A cross-site form (no sign-in cookie, no token) asks for nothing.
    let r = browser()
        .post(app.url("/console/login/email"))
        .form(&[("email", "bob@acme.example")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 403);

    // Per client address: 20 requests in 15 minutes, then 429 whatever the address.
    let mut statuses = Vec::new();
    for i in 0..20 {
        statuses.push(ask(&app, &format!("someone{i}@else.example")).await.0);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        7,
        "{statuses:?}"
    );
});

/// Signs `email` in by link; returns the session.
async fn signed_in(app: &TestApp, smtp: &SmtpServer, email: &str) -> String {
    ask(app, email).await;
    let mails = smtp
        .wait_for("link", |m| {
            m.iter()
                .any(|m| m.to == [email] && m.text.contains("/console/login/link"))
        })
        .await;
    follow(app, &link_in(&mails, email))
        .await
        .1
        .expect("session")
}

/// Approves `sow` from its console page; returns the SoW's status after.
async fn approve_in_console(app: &TestApp, session: &str, sow: &str, etag: &str) -> String {
    let (status, page) = console(app, session, &format!("/console/sows/{sow}")).await;
    assert_eq!(status, 200);
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("csrf") + marker.len();
    let csrf = page[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string();
    let r = browser()
        .post(app.url(&format!("/console/sows/{sow}/approve")))
        .header("cookie", format!("sh_session={session}"))
        .form(&[("csrf", csrf.as_str()), ("etag", etag)])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 303);
    app.get(&format!("/v1/sows/{sow}"), &app.lead())
        .await
        .expect(200)
        .str("status")
}

on_both_backends!(contact_roles_narrow_the_session, |backend| {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = spawn_app_with(backend, move |s| s.smtp_url = Some(url)).await;
    let c = app.customer_with_contacts().await;
    sell(&app, &c, "20.00", None).await;
    let sow = app
        .post(
            "/v1/sows",
            &app.lead(),
            json!({"customer_id": c, "title": "Rules", "activities": "Review",
                   "planned_sessions": 1, "planned_units": "4.00", "acceptance_criteria": "Done"}),
        )
        .await
        .expect(201)
        .str("id");
    let submitted = app
        .post(&format!("/v1/sows/{sow}/submit"), &app.lead(), json!({}))
        .await
        .expect(200);
    let etag = submitted.header("etag").unwrap_or_default().to_string();
    // Fanny (finance only) reads the SoW but may not approve it…
    let fanny = signed_in(&app, &smtp, "fanny@acme.example").await;
    assert_eq!(
        approve_in_console(&app, &fanny, &sow, &etag).await,
        "submitted"
    );
    // …Claire (approver) may, through the same form.
    let claire = signed_in(&app, &smtp, "claire@acme.example").await;
    assert_eq!(
        approve_in_console(&app, &claire, &sow, &etag).await,
        "active"
    );
    let approved = app
        .get(&format!("/v1/sows/{sow}"), &app.lead())
        .await
        .expect(200);
    assert_eq!(
        approved.body["approved_by"]["name"], "Claire Martin",
        "{}",
        approved.text
    );
    // The console says so.
    let (_, page) = console(&app, &claire, &format!("/console/sows/{sow}")).await;
    assert!(page.contains("id=\"approved-by\">Claire Martin<"), "{page}");
});
