//! Baseline assessment reports (SPEC §14): drafted and issued by the SOC once the SoW is
//! approved, immutable versions (a new issue supersedes, the old stays readable), read
//! by the customer, mailed to approver and technical contacts, an event; the SoW
//! completes only once a version is issued; the console's printable page.

use serde_json::{Value, json};

use crate::helpers::smtp::SmtpServer;
use crate::helpers::{TestApp, active_sow, sell, spawn_app_with};
use crate::on_both_backends;

fn report(summary: &str, findings: Value) -> Value {
    json!({"summary": summary, "findings": findings})
}

fn finding(title: &str, severity: &str) -> Value {
    json!({"title": title, "severity": severity, "assets": "fw-edge-01",
        "observation": format!("{title}: seen"), "recommendation": format!("{title}: fix")})
}

async fn request(app: &TestApp, customer: &str, kind: &str) -> String {
    app.post(
        "/v1/requests",
        &app.customer(customer),
        json!({"customer_id": customer, "kind": kind, "channel": "portal",
            "summary": "Assess our baseline", "identity_verified": true}),
    )
    .await
    .expect(201)
    .str("id")
}

on_both_backends!(an_assessment_ends_with_issued_report_versions, |backend| {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = spawn_app_with(backend, move |s| s.smtp_url = Some(url)).await;
    let c = app.customer_with_contacts().await;
    sell(&app, &c, "20.00", None).await;
    let sow_body = |request: &str, kind: Option<&str>| {
        let mut b = json!({"customer_id": c, "request_id": request, "title": "Baseline 2027",
            "activities": "Review the firewall and the domain", "planned_sessions": 1,
            "planned_units": "4.00", "acceptance_criteria": "Report issued"});
        if let Some(k) = kind {
            b["kind"] = json!(k);
        }
        b
    };
    // The SoW takes its request's kind; another kind is refused.
    let req = request(&app, &c, "baseline_assessment").await;
    let r = app
        .post("/v1/sows", &app.lead(), sow_body(&req, Some("training")))
        .await
        .expect_problem(422, "validation_failed");
    assert!(r.body["errors"]["kind"].is_array(), "{}", r.text);
    let draft = app
        .post("/v1/sows", &app.lead(), sow_body(&req, None))
        .await
        .expect(201);
    assert_eq!(draft.body["kind"], "baseline_assessment");
    let id = draft.str("id");
    // Nothing to report on before approval.
    app.put(
        &format!("/v1/sows/{id}/report"),
        &app.lead(),
        report("x", json!([])),
    )
    .await
    .expect_problem(409, "sow_not_approved");
    let etag = app
        .post(&format!("/v1/sows/{id}/submit"), &app.lead(), json!({}))
        .await
        .expect(200)
        .header("etag")
        .unwrap_or_default()
        .to_string();
    crate::helpers::approve(&app, &c, &id, &etag)
        .await
        .expect(200);
    // Other SoWs have no report.
    let plain = active_sow(&app, &c, "2.00", 1, json!({})).await;
    app.put(
        &format!("/v1/sows/{plain}/report"),
        &app.lead(),
        report("x", json!([])),
    )
    .await
    .expect_problem(409, "not_an_assessment");

    // Not issued: the customer sees nothing, the SoW cannot complete, issuing needs a draft.
    app.get(&format!("/v1/sows/{id}/report"), &app.customer(&c))
        .await
        .expect_problem(404, "not_found");
    app.post(&format!("/v1/sows/{id}/complete"), &app.lead(), json!({}))
        .await
        .expect_problem(409, "report_not_issued");
    app.post(
        &format!("/v1/sows/{id}/report/issue"),
        &app.lead(),
        json!({}),
    )
    .await
    .expect_problem(409, "no_report_draft");
    let r = app
        .put(
            &format!("/v1/sows/{id}/report"),
            &app.lead(),
            report("s", json!([finding("a", "urgent")])),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert!(
        r.body["errors"]["findings[0].severity"].is_array(),
        "{}",
        r.text
    );
    app.put(
        &format!("/v1/sows/{id}/report"),
        &app.customer(&c),
        report("s", json!([])),
    )
    .await
    .expect_problem(403, "forbidden");

    // Draft, issue version 1.
    let first = json!([
        finding("Weak TLS", "low"),
        finding("RDP exposed", "critical")
    ]);
    let saved = app
        .put(
            &format!("/v1/sows/{id}/report"),
            &app.lead(),
            report("Two issues.", first.clone()),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        (saved["status"].as_str(), saved["version"].clone()),
        (Some("draft"), Value::Null)
    );
    app.get(
        &format!("/v1/sows/{id}/report?draft=true"),
        &app.customer(&c),
    )
    .await
    .expect_problem(403, "forbidden");
    let v1 = app
        .post(
            &format!("/v1/sows/{id}/report/issue"),
            &app.lead(),
            json!({}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(
        (v1["version"].as_i64(), v1["status"].as_str()),
        (Some(1), Some("issued"))
    );
    assert_eq!(v1["findings"], first);
    assert_eq!(v1["by"]["type"], "operator_token");
    app.post(
        &format!("/v1/sows/{id}/report/issue"),
        &app.lead(),
        json!({}),
    )
    .await
    .expect_problem(409, "report_unchanged");

    // A corrected draft becomes version 2, which supersedes 1; both stay readable.
    let second = json!([finding("RDP exposed", "critical")]);
    app.put(
        &format!("/v1/sows/{id}/report"),
        &app.lead(),
        report("One issue left.", second.clone()),
    )
    .await
    .expect(200);
    app.post(
        &format!("/v1/sows/{id}/report/issue"),
        &app.lead(),
        json!({}),
    )
    .await
    .expect(201);
    let latest = app
        .get(&format!("/v1/sows/{id}/report"), &app.customer(&c))
        .await
        .expect(200)
        .body;
    assert_eq!(
        (
            latest["version"].as_i64(),
            latest["superseded"].as_bool(),
            latest["summary"].as_str()
        ),
        (Some(2), Some(false), Some("One issue left."))
    );
    let old = app
        .get(
            &format!("/v1/sows/{id}/report?version=1"),
            &app.customer(&c),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        (
            old["version"].as_i64(),
            old["superseded"].as_bool(),
            old["latest_version"].as_i64()
        ),
        (Some(1), Some(true), Some(2))
    );
    assert_eq!(old["findings"], first);
    app.get(&format!("/v1/sows/{id}/report?version=3"), &app.lead())
        .await
        .expect_problem(404, "not_found");
    let other = app.customer_paris().await;
    app.get(&format!("/v1/sows/{id}/report"), &app.customer(&other))
        .await
        .expect_problem(404, "not_found");

    // Each issue is an event and a mail to approver and technical contacts.
    let events: Vec<Value> = app
        .get(
            &format!("/v1/events?customer_id={c}&limit=1000"),
            &app.finance(),
        )
        .await
        .expect(200)
        .body["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["kind"] == "report_issued")
        .collect();
    assert_eq!(events.len(), 2, "{events:#?}");
    let mails = smtp
        .wait_for("report mails", |m| {
            m.iter()
                .filter(|m| m.subject.contains("Assessment report issued"))
                .count()
                >= 2
                && m.iter()
                    .filter(|m| m.subject.contains("Rapport d'évaluation émis"))
                    .count()
                    >= 2
        })
        .await;
    let to_bob: Vec<_> = mails
        .iter()
        .filter(|m| m.to == ["bob@acme.example"] && m.subject.contains("Assessment report"))
        .collect();
    assert_eq!(to_bob.len(), 2, "{to_bob:#?}");
    assert!(
        to_bob.iter().any(|m| m.subject.contains("version 2")
            && m.text.contains("supersedes version 1")
            && m.text.contains(&format!("/console/sows/{id}/report"))),
        "{to_bob:#?}"
    );
    assert!(
        !mails
            .iter()
            .any(|m| m.to == ["fanny@acme.example"] && m.subject.contains("report"))
    );

    // The printable page, for the customer: findings by severity, most serious first.
    let session = app.console_session(&app.customer(&c)).await;
    let page = |path: String| {
        let app = &app;
        let session = session.clone();
        async move {
            let r = app
                .client
                .get(app.url(&path))
                .header("cookie", format!("sh_session={session}"))
                .send()
                .await
                .expect("console page");
            (r.status().as_u16(), r.text().await.unwrap_or_default())
        }
    };
    let (status, html) = page(format!("/console/sows/{id}/report?version=1")).await;
    assert_eq!(status, 200, "{html}");
    let critical = html.find("Critical (1)").expect("critical group");
    let low = html.find("Low (1)").expect("low group");
    assert!(critical < low, "most serious first");
    assert!(html.contains("superseded by version"), "{html}");
    let (status, _) = page(format!("/console/sows/{id}/report/edit")).await;
    assert_eq!(status, 403, "customers do not write reports");

    // Issued: the SoW completes.
    let done = app
        .post(&format!("/v1/sows/{id}/complete"), &app.lead(), json!({}))
        .await
        .expect(200);
    assert_eq!(done.body["status"], "completed");
});
