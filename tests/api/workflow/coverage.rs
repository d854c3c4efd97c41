//! Units coverage of approved SoWs: a shortfall raises a quote and waiting SoWs activate
//! in approval order, and expiry takes coverage from the most recent approval.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{active_sow, approve, assert_verified, balance, schedule, sell};

both_backends!(
    shortfall_raises_a_quote_and_a_pack_activates_waiting_sows_in_order,
    |app| {
        let c = app.customer_paris().await;
        sell(&app, &c, "5.00", None).await;
        let first = app.post("/v1/sows", &app.lead(), json!({"customer_id": c, "title": "A", "activities": "a", "planned_sessions": 1, "planned_units": "8.00", "acceptance_criteria": "ok"})).await.expect(201).str("id");
        let second = app.post("/v1/sows", &app.lead(), json!({"customer_id": c, "title": "B", "activities": "b", "planned_sessions": 1, "planned_units": "2.00", "acceptance_criteria": "ok"})).await.expect(201).str("id");
        for id in [&first, &second] {
            let s = app
                .post(&format!("/v1/sows/{id}/submit"), &app.lead(), json!({}))
                .await
                .expect(200);
            let tag = s.header("etag").unwrap_or_default().to_string();
            let _ = tag;
        }
        let a = approve(&app, &c, &first, "*").await.expect(200);
        assert_eq!(a.body["status"], "awaiting_units");
        assert_eq!(a.body["reserved_units"], "0.00");
        let quotes = app
            .get(&format!("/v1/customers/{c}/quotes"), &app.am())
            .await
            .body;
        assert_eq!(quotes["data"][0]["origin"], "sow_shortfall");
        assert_eq!(quotes["data"][0]["units"], "3.00");
        assert_eq!(quotes["data"][0]["sow_id"], first);
        // Sessions only on active SoWs.
        schedule(&app, &first, "2026-12-08T09:00:00Z", "2026-12-08T10:00:00Z")
            .await
            .expect_problem(409, "sow_not_active");
        // The second one would fit in what is available, but waits its turn behind
        // the first: SoWs are covered strictly in approval order.
        let b = approve(&app, &c, &second, "*").await.expect(200);
        assert_eq!(b.body["status"], "awaiting_units");
        // A pack ordering the quote covers the first SoW.
        let qid = quotes["data"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        app.post(
            &format!("/v1/customers/{c}/packs"),
            &app.am(),
            json!({"units": "6.00", "order_reference": "PO-9", "quote_id": qid}),
        )
        .await
        .expect(201);
        let b = app
            .get(&format!("/v1/sows/{second}"), &app.lead())
            .await
            .body;
        assert_eq!(b["status"], "active");
        let a = app
            .get(&format!("/v1/sows/{first}"), &app.lead())
            .await
            .body;
        assert_eq!(a["status"], "active");
        assert_eq!(a["reserved_units"], "8.00");
        let bal = balance(&app, &c).await;
        assert_eq!(
            (
                bal["total"].as_str(),
                bal["reserved"].as_str(),
                bal["available"].as_str()
            ),
            (Some("11.00"), Some("10.00"), Some("1.00"))
        );
        assert_verified(&app).await;
    }
);

both_backends!(expiry_takes_coverage_from_the_most_recent_approval, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "6.00", Some("2025-12-15")).await; // expires 2026-12-14T23:00Z
    sell(&app, &c, "4.00", None).await;
    let older = active_sow(&app, &c, "4.00", 1, json!({})).await;
    let newer = active_sow(&app, &c, "5.00", 1, json!({})).await;
    assert_eq!(balance(&app, &c).await["reserved"], "9.00");
    app.set_clock("2026-12-15T08:00:00Z").await;
    let n = app
        .get(&format!("/v1/sows/{newer}"), &app.lead())
        .await
        .body;
    assert_eq!(n["status"], "awaiting_units");
    assert_eq!(n["reserved_units"], "0.00");
    let o = app
        .get(&format!("/v1/sows/{older}"), &app.lead())
        .await
        .body;
    assert_eq!(o["status"], "active");
    let bal = balance(&app, &c).await;
    assert_eq!(
        (bal["total"].as_str(), bal["reserved"].as_str()),
        (Some("4.00"), Some("4.00"))
    );
    let quotes = app
        .get(&format!("/v1/customers/{c}/quotes"), &app.am())
        .await
        .body;
    let lost: Vec<&Value> = quotes["data"]
        .as_array()
        .map(|q| {
            q.iter()
                .filter(|q| q["origin"] == "coverage_lost")
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0]["units"], "5.00");
    assert_eq!(lost[0]["sow_id"], newer);
    assert_verified(&app).await;
});
