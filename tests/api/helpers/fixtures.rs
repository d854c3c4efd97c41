//! Shared fixtures for every test file: selling packs and reading balances and ledger
//! entries, checking the invariants, driving SoWs and sessions over HTTP, racing
//! concurrent requests, and parsing instants and units.

use chrono::{DateTime, Utc};
use reqwest::Method;
use securehands::domain::units::Units;
use serde_json::{Value, json};

use super::{Resp, TestApp};

// Packs, balances and the ledger.

pub async fn sell(app: &TestApp, customer: &str, units: &str, received_on: Option<&str>) -> Value {
    let mut body = json!({"units": units, "order_reference": format!("PO-{units}")});
    if let Some(d) = received_on {
        body["received_on"] = json!(d);
    }
    app.post(&format!("/v1/customers/{customer}/packs"), &app.am(), body)
        .await
        .expect(201)
        .body
}

pub async fn balance(app: &TestApp, customer: &str) -> Value {
    app.get(&format!("/v1/customers/{customer}/balance"), &app.finance())
        .await
        .expect(200)
        .body
}

pub async fn entries(app: &TestApp, query: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/v1/ledger?limit=1000&{query}"), &app.finance())
        .await
        .expect(200);
    r.body["data"].as_array().cloned().unwrap_or_default()
}

pub async fn assert_verified(app: &TestApp) {
    let violations = securehands::service::verify::run(&app.state.db)
        .await
        .expect("verify");
    assert!(violations.is_empty(), "invariants broken: {violations:#?}");
}

// SoWs and sessions.

/// Drafts, submits and approves a SoW, which must then be active (its units covered);
/// returns its id.
pub async fn active_sow(
    app: &TestApp,
    customer: &str,
    planned_units: &str,
    planned_sessions: i64,
    extra: Value,
) -> String {
    let mut body = json!({
        "customer_id": customer,
        "title": "Firewall migration",
        "activities": "Migrate the rule base",
        "planned_sessions": planned_sessions,
        "planned_units": planned_units,
        "acceptance_criteria": "Rules active and tested",
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    let sow = app.post("/v1/sows", &app.lead(), body).await.expect(201);
    let id = sow.str("id");
    let submitted = app
        .post(&format!("/v1/sows/{id}/submit"), &app.lead(), json!({}))
        .await
        .expect(200);
    let approved = approve(
        app,
        customer,
        &id,
        submitted.header("etag").unwrap_or_default(),
    )
    .await
    .expect(200);
    assert_eq!(
        approved.body["status"], "active",
        "active_sow: the SoW is not active: {}",
        approved.text
    );
    id
}

pub async fn approve(app: &TestApp, customer: &str, id: &str, etag: &str) -> Resp {
    app.send(
        Method::POST,
        &format!("/v1/sows/{id}/approve"),
        Some(&app.customer(customer)),
        Some(json!({})),
        &[("if-match", etag)],
    )
    .await
}

pub async fn schedule(app: &TestApp, sow: &str, starts: &str, ends: &str) -> Resp {
    app.post(
        &format!("/v1/sows/{sow}/sessions"),
        &app.lead(),
        json!({"starts_at": starts, "ends_at": ends}),
    )
    .await
}

pub async fn deliver(app: &TestApp, session: &str, started: &str, ended: &str) -> Resp {
    app.post(
        &format!("/v1/sessions/{session}/deliver"),
        &app.lead(),
        json!({"started_at": started, "ended_at": ended, "notes": "done"}),
    )
    .await
}

pub async fn session(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/v1/sessions/{id}"), &app.lead())
        .await
        .expect(200)
        .body
}

// Concurrency.

pub async fn race<F, Fut>(n: usize, f: F) -> Vec<(u16, Value)>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = crate::helpers::Resp> + Send + 'static,
{
    let handles: Vec<_> = (0..n).map(|_| tokio::spawn(f())).collect();
    let mut out = Vec::new();
    for h in handles {
        let r = h.await.expect("join");
        out.push((r.status.as_u16(), r.body));
    }
    out
}

// Instants and units.

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("instant")
        .with_timezone(&Utc)
}

pub fn u(s: &str) -> Units {
    Units::parse_signed(s).expect("units")
}

/// Posts a grant into a new lot inside an open book, as a pack sale does (for tests
/// that hold a transaction open around a movement).
pub async fn grant_into_new_lot(
    tx: &mut securehands::storage::db::Tx,
    book: &mut securehands::service::book::Book,
    units: Units,
) {
    use securehands::domain::ids::LotId;
    use securehands::storage::lots::{self, LotRow};
    let now = book.now();
    let id = LotId::from(format!("lot_test_{}", uuid::Uuid::now_v7().simple()).as_str());
    lots::insert(
        tx,
        &LotRow {
            id: id.clone(),
            customer_id: book.customer_id().clone(),
            units,
            remaining: units,
            received_on: now.date_naive(),
            expires_at: now + chrono::Duration::days(365),
            order_reference: "PO-test".into(),
            quote_id: None,
            price_amount: None,
            price_currency: None,
            expired: false,
            created_at: now,
            created_by: "test".into(),
            warn_at: None,
        },
    )
    .await
    .expect("insert lot");
    book.post(
        securehands::domain::ledger::EntryKind::Grant,
        units,
        now,
        securehands::service::book::Refs {
            lot_id: Some(id),
            ..Default::default()
        },
    );
}
