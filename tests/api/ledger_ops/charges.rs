//! Charges and reversals through `service::ledger` on a directly inserted SoW: FIFO
//! across lots, skipping expired lots, deficits and their settlement, partial and full
//! reversals, and fifty racing debits that never overdraw.
//!
//! `sow`, `charge` and `reverse` call internal library APIs and are kept together here.

use chrono::DateTime;
use securehands::domain::ids::{CustomerId, SessionId, SowId};
use securehands::domain::ledger::EntryKind;
use securehands::domain::sow::SowStatus;
use securehands::domain::units::Units;
use securehands::service::ServiceError;
use securehands::service::book::Book;
use securehands::service::coverage;
use securehands::service::jobs::system_ctx;
use securehands::service::ledger::{self, Charge, ChargeOutcome, Shortfall};
use securehands::storage::sows::{self, SowRow};
use serde_json::json;

use crate::both_backends;
use crate::helpers::{TestApp, assert_verified, at, balance, entries, sell, u};

/// A SoW row inserted directly, to charge sessions against.
async fn sow(app: &TestApp, customer: &str) -> String {
    let id = format!("sow_test_{}", uuid::Uuid::now_v7().simple());
    let row = SowRow {
        id: SowId::from(id.as_str()),
        customer_id: CustomerId::from(customer),
        request_id: None,
        kind: None,
        status: SowStatus::Active,
        revision: 1,
        title: "t".into(),
        activities: "a".into(),
        planned_sessions: 100,
        planned_units: Units::ZERO,
        units_per_session: None,
        minimum_billable_hours: 1,
        rate_out_of_hours: u("1.50"),
        rate_weekend: u("2.00"),
        rate_holiday: u("2.00"),
        standard_from: "09:00".into(),
        standard_to: "17:00".into(),
        acceptance_days: 2,
        acceptance_criteria: "c".into(),
        language: "en".into(),
        service_hours_note: None,
        contingency_plan: None,
        technical_contact: None,
        supersedes_id: None,
        superseded_by_id: None,
        rejection_comment: None,
        approved_revision: Some(1),
        approved_at: Some(DateTime::UNIX_EPOCH),
        approved_by: None,
        approval_order: Some(1),
        reserved: Units::ZERO,
        consumed: Units::ZERO,
        reserved_since: None,
        submitted_at: None,
        closed_at: None,
        created_by: "test".into(),
        created_at: DateTime::UNIX_EPOCH,
        updated_at: DateTime::UNIX_EPOCH,
    };
    let mut tx = app.state.db.begin_write().await.expect("tx");
    sows::insert(&mut tx, &row).await.expect("insert sow");
    tx.commit().await.expect("commit");
    id
}

async fn charge(
    app: &TestApp,
    customer: &str,
    sow_id: &str,
    session: &str,
    units: &str,
    effective: &str,
    shortfall: Shortfall,
) -> Result<ChargeOutcome, ServiceError> {
    // A charge is never recorded before it is effective (a session is delivered after
    // it ended).
    if app.state.clock.now() < at(effective) {
        app.set_clock(effective).await;
    }
    let ctx = system_ctx(app.state.clock.now());
    let mut tx = app.state.db.begin_write().await?;
    let mut book = Book::open(&mut tx, &ctx, &CustomerId::from(customer)).await?;
    let mut row = sows::get(&mut tx, &SowId::from(sow_id))
        .await?
        .ok_or(ServiceError::NotFound("sow"))?;
    let outcome = ledger::charge(
        &mut tx,
        &mut book,
        &mut row,
        Charge {
            kind: EntryKind::Debit,
            units: u(units),
            effective_at: at(effective),
            session_id: &SessionId::from(session),
            shortfall,
        },
    )
    .await?;
    sows::update(&mut tx, &row).await?;
    coverage::rebalance(&mut tx, &mut book).await?;
    book.close(&mut tx).await?;
    tx.commit().await?;
    Ok(outcome)
}

async fn reverse(
    app: &TestApp,
    customer: &str,
    sow_id: &str,
    session: &str,
    units: &str,
) -> Result<(), ServiceError> {
    let ctx = system_ctx(app.state.clock.now());
    let mut tx = app.state.db.begin_write().await?;
    let mut book = Book::open(&mut tx, &ctx, &CustomerId::from(customer)).await?;
    // The charges are posted by these tests without a session row: read them as the
    // decision's statement does, from the entries and their lots.
    let session_id = SessionId::from(session);
    let charges = securehands::storage::deficits::session_charges(&mut tx, &session_id).await?;
    let lot_ids: Vec<_> = charges.iter().filter_map(|c| c.lot_id.clone()).collect();
    let lots = securehands::storage::lots::by_ids(&mut tx, &lot_ids).await?;
    let reversal = ledger::Reversal {
        session_id: &session_id,
        sow_id: &SowId::from(sow_id),
        charges,
        lots,
    };
    ledger::reverse_session(&mut tx, &mut book, reversal, u(units), "reverse_units").await?;
    coverage::rebalance(&mut tx, &mut book).await?;
    book.close(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

fn lot_remaining(b: &serde_json::Value, lot: &serde_json::Value) -> String {
    b["lots"]
        .as_array()
        .and_then(|ls| ls.iter().find(|l| l["id"] == *lot))
        .map(|l| l["remaining"].as_str().unwrap_or_default().to_string())
        .unwrap_or_else(|| "absent".into())
}

both_backends!(fifo_across_three_lots_with_different_expiries, |app| {
    let c = app.customer_paris().await;
    let late = sell(&app, &c, "5.00", Some("2026-12-01")).await;
    let early = sell(&app, &c, "3.00", Some("2026-01-10")).await;
    let middle = sell(&app, &c, "4.00", Some("2026-06-01")).await;
    let s = sow(&app, &c).await;
    let out = charge(
        &app,
        &c,
        &s,
        "ses_1",
        "9.00",
        "2026-12-01T10:00:00Z",
        Shortfall::RecordDeficit,
    )
    .await
    .expect("charge");
    assert_eq!(out.drawn, u("9.00"));
    let debits = entries(&app, "kind=debit").await;
    let drawn: Vec<(String, String)> = debits
        .iter()
        .map(|e| {
            (
                e["lot_id"].as_str().unwrap_or_default().to_string(),
                e["units"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let id = |v: &serde_json::Value| v["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        drawn,
        vec![
            (id(&early), "-3.00".to_string()),
            (id(&middle), "-4.00".to_string()),
            (id(&late), "-2.00".to_string())
        ]
    );
    assert!(
        debits
            .iter()
            .all(|e| e["session_id"] == "ses_1" && e["effective_at"] == "2026-12-01T10:00:00Z")
    );
    let b = balance(&app, &c).await;
    assert_eq!(b["total"], "3.00");
    assert_eq!(lot_remaining(&b, &late["id"]), "3.00");
    assert_eq!(lot_remaining(&b, &early["id"]), "0.00");
    assert_verified(&app).await;
});

both_backends!(a_debit_after_a_lot_expired_skips_it, |app| {
    let c = app.customer_paris().await;
    let old = sell(&app, &c, "6.00", Some("2025-12-05")).await; // expires 2026-12-04T23:00Z
    let new = sell(&app, &c, "4.00", Some("2026-12-01")).await;
    let s = sow(&app, &c).await;
    app.set_clock("2026-12-07T12:00:00Z").await;
    charge(
        &app,
        &c,
        &s,
        "ses_1",
        "1.50",
        "2026-12-07T11:00:00Z",
        Shortfall::RecordDeficit,
    )
    .await
    .expect("charge");
    let debits = entries(&app, "kind=debit").await;
    assert_eq!(debits.len(), 1);
    assert_eq!(debits[0]["lot_id"], new["id"]);
    let exp = entries(&app, "kind=expiry").await;
    assert_eq!(exp.len(), 1);
    assert_eq!(exp[0]["lot_id"], old["id"]);
    assert_eq!(balance(&app, &c).await["total"], "2.50");
    assert_verified(&app).await;
});

both_backends!(a_deficit_is_quoted_then_settled_by_the_next_pack, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "3.00", None).await;
    let s = sow(&app, &c).await;
    let out = charge(
        &app,
        &c,
        &s,
        "ses_1",
        "5.00",
        "2026-12-01T10:00:00Z",
        Shortfall::RecordDeficit,
    )
    .await
    .expect("charge");
    assert_eq!(out.deficit, u("2.00"));
    let b = balance(&app, &c).await;
    assert_eq!(b["total"], "-2.00");
    assert_eq!(b["deficit"], "2.00");
    assert_eq!(b["available"], "-2.00");
    let quotes = app
        .get(&format!("/v1/customers/{c}/quotes"), &app.am())
        .await
        .expect(200)
        .body;
    assert_eq!(quotes["data"][0]["origin"], "deficit");
    assert_eq!(quotes["data"][0]["units"], "2.00");
    let d = entries(&app, "kind=deficit").await;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["units"], "-2.00");
    assert_eq!(d[0]["lot_id"], json!(null));
    let pack = sell(&app, &c, "10.00", None).await;
    assert_eq!(pack["remaining"], "8.00");
    assert_eq!(pack["settled_deficit"], "2.00");
    let settle = entries(&app, "kind=deficit_settlement").await;
    assert_eq!(settle.len(), 1);
    assert_eq!(settle[0]["units"], "2.00");
    assert_eq!(settle[0]["settles_seq"], d[0]["seq"]);
    let grant = entries(&app, &format!("kind=grant&customer_id={c}")).await;
    assert_eq!(
        grant.last().map(|g| g["units"].clone()),
        Some(json!("8.00"))
    );
    let b = balance(&app, &c).await;
    assert_eq!(b["total"], "8.00");
    assert_eq!(b["deficit"], "0.00");
    assert_verified(&app).await;
});

both_backends!(partial_then_full_reversal, |app| {
    let c = app.customer_paris().await;
    let early = sell(&app, &c, "3.00", Some("2026-02-01")).await;
    let late = sell(&app, &c, "4.00", Some("2026-11-01")).await;
    let s = sow(&app, &c).await;
    charge(
        &app,
        &c,
        &s,
        "ses_1",
        "6.00",
        "2026-12-01T10:00:00Z",
        Shortfall::RecordDeficit,
    )
    .await
    .expect("charge");
    reverse(&app, &c, &s, "ses_1", "2.00")
        .await
        .expect("partial");
    let r = entries(&app, "kind=reversal").await;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["lot_id"], late["id"], "latest-expiring first");
    assert_eq!(r[0]["units"], "2.00");
    reverse(&app, &c, &s, "ses_1", "4.00")
        .await
        .expect("the rest");
    let err = reverse(&app, &c, &s, "ses_1", "0.01")
        .await
        .expect_err("nothing left");
    assert!(matches!(err, ServiceError::Validation(_)), "{err:?}");
    let b = balance(&app, &c).await;
    assert_eq!(b["total"], "7.00");
    assert_eq!(lot_remaining(&b, &early["id"]), "3.00");
    assert_eq!(lot_remaining(&b, &late["id"]), "4.00");
    assert_verified(&app).await;
});

both_backends!(units_reversed_into_an_expired_lot_expire_again, |app| {
    let c = app.customer_paris().await;
    let old = sell(&app, &c, "5.00", Some("2025-12-05")).await;
    let s = sow(&app, &c).await;
    charge(
        &app,
        &c,
        &s,
        "ses_1",
        "3.00",
        "2026-12-02T10:00:00Z",
        Shortfall::RecordDeficit,
    )
    .await
    .expect("charge");
    app.set_clock("2026-12-10T10:00:00Z").await;
    assert_eq!(balance(&app, &c).await["total"], "0.00");
    reverse(&app, &c, &s, "ses_1", "3.00")
        .await
        .expect("reverse");
    let es = entries(&app, &format!("customer_id={c}")).await;
    let tail: Vec<(String, String)> = es[es.len() - 2..]
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or_default().to_string(),
                e["units"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        tail,
        vec![
            ("reversal".to_string(), "3.00".to_string()),
            ("expiry".to_string(), "-3.00".to_string())
        ]
    );
    assert!(es[es.len() - 2..].iter().all(|e| e["lot_id"] == old["id"]));
    assert_eq!(balance(&app, &c).await["total"], "0.00");
    assert_verified(&app).await;
});

both_backends!(
    reversing_a_settled_deficit_refunds_the_pack_that_paid_it,
    |app| {
        let c = app.customer_paris().await;
        let first = sell(&app, &c, "1.00", None).await;
        let s = sow(&app, &c).await;
        charge(
            &app,
            &c,
            &s,
            "ses_1",
            "3.00",
            "2026-12-01T10:00:00Z",
            Shortfall::RecordDeficit,
        )
        .await
        .expect("charge");
        let payer = sell(&app, &c, "10.00", None).await;
        assert_eq!(balance(&app, &c).await["total"], "8.00");
        reverse(&app, &c, &s, "ses_1", "3.00")
            .await
            .expect("reverse");
        let b = balance(&app, &c).await;
        assert_eq!(b["total"], "11.00");
        assert_eq!(b["deficit"], "0.00");
        assert_eq!(lot_remaining(&b, &payer["id"]), "10.00");
        assert_eq!(lot_remaining(&b, &first["id"]), "1.00");
        assert_verified(&app).await;
    }
);

both_backends!(fifty_racing_debits_never_overdraw, |app| {
    let c = app.customer_paris().await;
    sell(&app, &c, "20.00", None).await;
    let s = sow(&app, &c).await;
    let app = std::sync::Arc::new(app);
    let mut handles = Vec::new();
    for i in 0..50 {
        let (app, c, s) = (app.clone(), c.clone(), s.clone());
        handles.push(tokio::spawn(async move {
            charge(
                &app,
                &c,
                &s,
                &format!("ses_{i}"),
                "1.00",
                "2026-12-01T10:00:00Z",
                Shortfall::Refuse,
            )
            .await
        }));
    }
    let mut ok = 0;
    for h in handles {
        match h.await.expect("join") {
            Ok(_) => ok += 1,
            Err(ServiceError::Conflict { code, .. }) => assert_eq!(code, "insufficient_units"),
            Err(other) => panic!("unexpected failure: {other:?}"),
        }
    }
    assert_eq!(ok, 20);
    let b = balance(&app, &c).await;
    assert_eq!(b["total"], "0.00");
    assert_eq!(b["deficit"], "0.00");
    assert_eq!(entries(&app, "kind=debit").await.len(), 20);
    assert_verified(&app).await;
});
