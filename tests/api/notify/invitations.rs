//! Calendar invitations (SPEC §14): the session mails carry an iCalendar part (REQUEST,
//! then CANCEL) for one entry per session whose SEQUENCE grows, with the customer's
//! VTIMEZONE; `GET /v1/sessions.ics` publishes the scheduled sessions. What the service
//! writes is read back by Python's `icalendar` package (tests/ical/parse.py), which
//! rebuilds each zone from the VTIMEZONE itself; times are checked on both sides of
//! the spring change of 2027 in Paris.
//!
//! Needs `SECUREHANDS_BROWSER_PYTHON` (a Python with `icalendar`; CI installs it).

use serde_json::{Value, json};

use crate::helpers::smtp::{Mail, SmtpServer};
use crate::helpers::{Backend, TestApp, active_sow, schedule, sell, spawn_app_with};

/// What an independent reader sees in an iCalendar text.
async fn read_calendar(text: &str) -> Value {
    use tokio::io::AsyncWriteExt;
    let python = std::env::var("SECUREHANDS_BROWSER_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = format!("{}/tests/ical/parse.py", env!("CARGO_MANIFEST_DIR"));
    let mut child = tokio::process::Command::new(python)
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the iCalendar reader");
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .await
            .expect("write the calendar");
    }
    let out = child
        .wait_with_output()
        .await
        .expect("the iCalendar reader");
    assert!(
        out.status.success(),
        "the reader refused the calendar: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the reader's JSON")
}

/// The one mail to `to` whose subject contains `subject`.
async fn mail_to(smtp: &SmtpServer, to: &str, subject: &str) -> Mail {
    let mails = smtp
        .wait_for(subject, |m| {
            m.iter()
                .any(|m| m.to == [to] && m.subject.contains(subject))
        })
        .await;
    let found: Vec<&Mail> = mails
        .iter()
        .filter(|m| m.to == [to] && m.subject.contains(subject))
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    found[0].clone()
}

/// Checks the single event of an invitation and returns it.
async fn invitation(mail: &Mail, method: &str) -> Value {
    assert_eq!(mail.calendar_method, method, "{mail:#?}");
    let cal = read_calendar(&mail.calendar).await;
    assert_eq!(cal["method"], method);
    assert_eq!(cal["zones"], json!(["Europe/Paris"]));
    let events = cal["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 1, "{cal}");
    let e = events[0].clone();
    assert_eq!(e["dtstart_tzid"], "Europe/Paris");
    // The reader's own tz database and the VTIMEZONE the service wrote agree.
    assert_eq!(e["dtstart"], e["dtstart_by_vtimezone"], "{e}");
    assert_eq!(e["dtend"], e["dtend_by_vtimezone"], "{e}");
    e
}

async fn key_for(app: &TestApp, customer: &str) -> String {
    let key = app
        .post(
            "/v1/api-keys",
            &app.admin(),
            json!({"name": "Calendar", "roles": ["customer"], "customer_id": customer}),
        )
        .await
        .expect(201)
        .body;
    key["secret"].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "set SECUREHANDS_BROWSER_PYTHON to a Python with icalendar"
)]
async fn invitations_and_feed_on_sqlite() {
    session_mails_carry_invitations_and_the_feed_publishes_them(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(all(browser_tests, postgres_tests)),
    ignore = "set SECUREHANDS_BROWSER_PYTHON and SECUREHANDS_TEST_POSTGRES_URL"
)]
async fn invitations_and_feed_on_postgres() {
    session_mails_carry_invitations_and_the_feed_publishes_them(Backend::Postgres).await;
}

async fn session_mails_carry_invitations_and_the_feed_publishes_them(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = spawn_app_with(backend, move |s| {
        s.smtp_url = Some(url);
        s.mail_from = "SecureHands SOC <soc@provider.example>".into();
    })
    .await;
    let c = app.customer_with_contacts().await;
    sell(&app, &c, "40.00", None).await;
    let sow = active_sow(&app, &c, "20.00", 4, json!({})).await;

    // Scheduled on Mon 29 Mar 2027, the day after the change to summer time: 10:00–12:00
    // CEST is 08:00–10:00 UTC.
    let sid = schedule(&app, &sow, "2027-03-29T08:00:00Z", "2027-03-29T10:00:00Z")
        .await
        .expect(201)
        .str("id");
    let mail = mail_to(&smtp, "bob@acme.example", "Session scheduled").await;
    let first = invitation(&mail, "REQUEST").await;
    assert_eq!(first["uid"], format!("{sid}@securehands"));
    assert_eq!(first["sequence"], 0);
    assert_eq!(first["status"], "CONFIRMED");
    assert_eq!(
        (first["dtstart"].as_str(), first["dtend"].as_str()),
        (Some("2027-03-29T08:00:00Z"), Some("2027-03-29T10:00:00Z"))
    );
    assert_eq!(first["organizer"], "mailto:soc@provider.example");
    assert_eq!(first["attendees"], json!(["mailto:bob@acme.example"]));
    // The French approver gets the same entry.
    let claire = mail_to(&smtp, "claire@acme.example", "Session planifiée").await;
    assert_eq!(invitation(&claire, "REQUEST").await["uid"], first["uid"]);

    // Moved to Fri 26 Mar, before the change: 10:00–12:00 CET is 09:00–11:00 UTC.
    app.post(
        &format!("/v1/sessions/{sid}/reschedule"),
        &app.lead(),
        json!({"starts_at": "2027-03-26T09:00:00Z", "ends_at": "2027-03-26T11:00:00Z"}),
    )
    .await
    .expect(200);
    let mail = mail_to(&smtp, "bob@acme.example", "rescheduled").await;
    let moved = invitation(&mail, "REQUEST").await;
    assert_eq!(moved["uid"], first["uid"]);
    assert_eq!(moved["sequence"], 1);
    assert_eq!(
        (moved["dtstart"].as_str(), moved["dtend"].as_str()),
        (Some("2027-03-26T09:00:00Z"), Some("2027-03-26T11:00:00Z"))
    );

    // A second session stays; the first is cancelled.
    let kept = schedule(&app, &sow, "2027-04-05T08:00:00Z", "2027-04-05T09:30:00Z")
        .await
        .expect(201)
        .str("id");
    app.post(
        &format!("/v1/sessions/{sid}/cancel"),
        &app.customer(&c),
        json!({"reason": "customer_request"}),
    )
    .await
    .expect(200);
    let mail = mail_to(&smtp, "bob@acme.example", "cancelled").await;
    let cancelled = invitation(&mail, "CANCEL").await;
    assert_eq!(cancelled["uid"], first["uid"]);
    assert_eq!(cancelled["sequence"], 2);
    assert_eq!(cancelled["status"], "CANCELLED");
    // Mails that are not about a session's time carry no calendar.
    assert!(
        smtp.mails()
            .iter()
            .filter(|m| !m.subject.contains("Session") && !m.subject.contains("session"))
            .all(|m| m.calendar.is_empty()),
        "a calendar part on a mail that is not an invitation"
    );

    // The feed: the scheduled session only, for the customer (a key works like a token).
    let key = key_for(&app, &c).await;
    for token in [app.customer(&c), key] {
        let r = app
            .client
            .get(app.url("/v1/sessions.ics"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("feed");
        assert_eq!(r.status().as_u16(), 200);
        let kind = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(kind.starts_with("text/calendar"), "{kind}");
        let feed = read_calendar(&r.text().await.unwrap_or_default()).await;
        assert_eq!(feed["method"], "PUBLISH");
        let events = feed["events"].as_array().cloned().unwrap_or_default();
        assert_eq!(events.len(), 1, "{feed}");
        assert_eq!(events[0]["uid"], format!("{kept}@securehands"));
        assert_eq!(events[0]["dtstart"], "2027-04-05T08:00:00Z");
        assert_eq!(events[0]["dtstart"], events[0]["dtstart_by_vtimezone"]);
    }
    // Staff see every customer, or one; a customer never sees another's.
    let other = app.customer_paris().await;
    sell(&app, &other, "10.00", None).await;
    let other_sow = active_sow(&app, &other, "4.00", 1, json!({})).await;
    schedule(
        &app,
        &other_sow,
        "2027-04-06T08:00:00Z",
        "2027-04-06T09:00:00Z",
    )
    .await
    .expect(201);
    let staff = |query: &str| {
        let app = &app;
        let query = query.to_string();
        async move {
            let r = app
                .get(&format!("/v1/sessions.ics{query}"), &app.lead())
                .await;
            assert_eq!(r.status.as_u16(), 200, "{}", r.text);
            read_calendar(&r.text).await["events"]
                .as_array()
                .map_or(0, Vec::len)
        }
    };
    assert_eq!(staff("").await, 2);
    assert_eq!(staff(&format!("?customer_id={other}")).await, 1);
    let r = app
        .get(
            &format!("/v1/sessions.ics?customer_id={other}"),
            &app.customer(&c),
        )
        .await;
    assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.text);
    app.client
        .get(app.url("/v1/sessions.ics"))
        .send()
        .await
        .map(|r| assert_eq!(r.status().as_u16(), 401))
        .expect("anonymous");
}
