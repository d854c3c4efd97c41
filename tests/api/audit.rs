//! Who did what (SPEC §13): ledger entries and decisions name their actor, and the audit
//! log — written in the change's own transaction — records every change with where it
//! came from, readable by admins with filters, cursor pages and CSV.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{active_sow, deliver, entries, schedule, sell};

async fn audit(app: &crate::helpers::TestApp, query: &str) -> Vec<Value> {
    app.get(&format!("/v1/audit-events?{query}"), &app.admin())
        .await
        .expect(200)
        .body["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

both_backends!(changes_name_their_actor_and_are_audited, |app| {
    let c = app.customer_paris().await;
    let pack = app
        .send(
            Method::POST,
            &format!("/v1/customers/{c}/packs"),
            Some(&app.am()),
            Some(json!({"units": "20.00", "order_reference": "PO-1"})),
            &[
                ("x-request-id", "req-audit-1"),
                ("user-agent", "erp-sync/2"),
            ],
        )
        .await
        .expect(201)
        .str("id");
    // The ledger entry names its actor.
    let grant = entries(&app, &format!("customer_id={c}&kind=grant")).await;
    assert_eq!(grant[0]["actor"]["type"], "operator_token");
    assert_eq!(grant[0]["actor"]["id"], "account_manager-staff");
    // The audit log records the sale, with where it came from.
    let sold = audit(&app, "action=pack.sold").await;
    assert_eq!(sold.len(), 1, "{sold:#?}");
    let e = &sold[0];
    assert_eq!(e["resource_type"], "pack");
    assert_eq!(e["resource_id"], pack.as_str());
    assert_eq!(e["customer_id"], c.as_str());
    assert_eq!(e["actor"]["type"], "operator_token");
    assert_eq!(e["request_id"], "req-audit-1");
    assert_eq!(e["user_agent"], "erp-sync/2");
    assert_eq!(e["client_ip"], "127.0.0.1");
    assert_eq!(e["outcome"], "succeeded");
    // A refused change leaves nothing behind.
    app.post(
        &format!("/v1/customers/{c}/packs"),
        &app.am(),
        json!({"units": "0.00", "order_reference": "PO-2"}),
    )
    .await
    .expect_problem(422, "validation_failed");
    assert_eq!(audit(&app, "action=pack.sold").await.len(), 1);
    // Decisions name who took them.
    let sow = active_sow(&app, &c, "8.00", 2, json!({})).await;
    let s = app
        .get(&format!("/v1/sows/{sow}"), &app.lead())
        .await
        .expect(200)
        .body;
    assert_eq!(s["approved_by"]["type"], "operator_token");
    assert_eq!(
        s["approved_by"]["id"],
        format!("customer-{c}").as_str(),
        "{s}"
    );
    let sid = schedule(&app, &sow, "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z")
        .await
        .expect(201)
        .str("id");
    app.set_clock("2026-12-01T11:00:00Z").await;
    deliver(&app, &sid, "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z")
        .await
        .expect(200);
    let accepted = app
        .post(
            &format!("/v1/sessions/{sid}/accept"),
            &app.customer(&c),
            json!({}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        accepted["accepted_by"]["id"],
        format!("customer-{c}").as_str()
    );
    // Every change of that story is in the log, in order, under its own name.
    let actions: Vec<String> = audit(&app, &format!("resource_type=sow&resource_id={sow}"))
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(actions, ["sow.drafted", "sow.submitted", "sow.approved"]);
    let session: Vec<String> = audit(&app, &format!("resource_id={sid}"))
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        session,
        ["session.scheduled", "session.delivered", "session.accepted"]
    );
});

both_backends!(the_audit_log_pages_filters_and_exports, |app| {
    let c = app.customer_paris().await;
    for units in ["1.00", "2.00", "3.00"] {
        sell(&app, &c, units, None).await;
    }
    let all = audit(&app, "action=pack.sold").await;
    assert_eq!(all.len(), 3);
    // Cursor pages, one at a time, in order.
    let mut after = String::new();
    let mut seen = Vec::new();
    loop {
        let page = app
            .get(
                &format!("/v1/audit-events?action=pack.sold&limit=1&after={after}"),
                &app.admin(),
            )
            .await
            .expect(200)
            .body;
        let data = page["data"].as_array().cloned().unwrap_or_default();
        if data.is_empty() {
            break;
        }
        seen.push(data[0]["id"].as_i64().unwrap_or_default());
        after = page["next_cursor"].as_str().unwrap_or_default().to_string();
    }
    let ids: Vec<i64> = all
        .iter()
        .map(|e| e["id"].as_i64().unwrap_or_default())
        .collect();
    assert_eq!(seen, ids);
    // Filters by actor and by time.
    assert_eq!(
        audit(&app, "actor_id=account_manager-staff&action=pack.sold")
            .await
            .len(),
        3
    );
    assert!(audit(&app, "actor_id=nobody").await.is_empty());
    assert!(audit(&app, "to=2026-12-01T07:00:00Z").await.is_empty());
    app.get("/v1/audit-events?action=pack.stolen", &app.admin())
        .await
        .expect_problem(422, "validation_failed");
    // CSV, the same page.
    let csv = app
        .send(
            Method::GET,
            "/v1/audit-events?action=pack.sold",
            Some(&app.admin()),
            None,
            &[("accept", "text/csv")],
        )
        .await
        .expect(200);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert!(
        lines[0].starts_with("id,at,actor_type,actor_id,actor_name"),
        "{}",
        csv.text
    );
    assert_eq!(lines.len(), 4, "{}", csv.text);
    assert!(lines[1].contains(",pack.sold,pack,"), "{}", lines[1]);
    // Admins only.
    for token in [app.am(), app.finance(), app.customer(&c)] {
        app.get("/v1/audit-events", &token)
            .await
            .expect_problem(403, "forbidden");
    }
});
