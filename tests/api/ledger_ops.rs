//! The ledger's service operations, driven directly inside transactions (the workflow
//! calls the same functions): FIFO, expiry, deficits, reversals, races, replicas and
//! the never-skipping feed.

use std::time::Duration;

use chrono::{DateTime, Utc};
use securehands::domain::ledger::EntryKind;
use securehands::domain::units::Units;
use securehands::jobs::{run_due, system_ctx};
use securehands::service::ServiceError;
use securehands::service::book::Book;
use securehands::service::ledger::{self, Charge, ChargeOutcome, Shortfall};
use securehands::storage::sows::{self, SowRow};
use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;
use crate::ledger::{assert_verified, balance, entries, sell};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("instant")
        .with_timezone(&Utc)
}

fn u(s: &str) -> Units {
    Units::parse_signed(s).expect("units")
}

/// A SoW row inserted directly, to charge sessions against.
async fn sow(app: &TestApp, customer: &str) -> String {
    let id = format!("sow_test_{}", uuid::Uuid::now_v7().simple());
    let row = SowRow {
        id: id.clone(),
        customer_id: customer.into(),
        request_id: None,
        status: "active".into(),
        revision: 1,
        title: "t".into(),
        activities: "a".into(),
        planned_sessions: 100,
        planned_units: 0,
        units_per_session: None,
        minimum_billable_hours: 1,
        rate_out_of_hours: 150,
        rate_weekend: 200,
        rate_holiday: 200,
        acceptance_criteria: "c".into(),
        language: "en".into(),
        service_hours_note: None,
        contingency_plan: None,
        technical_contact: None,
        supersedes_id: None,
        superseded_by_id: None,
        rejection_comment: None,
        approved_revision: Some(1),
        approved_at: Some(0),
        approval_order: Some(1),
        reserved: 0,
        consumed: 0,
        submitted_at: None,
        closed_at: None,
        created_by: "test".into(),
        created_at: 0,
        updated_at: 0,
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
    let ctx = system_ctx(app.state.clock.now());
    let mut tx = app.state.db.begin_write().await?;
    let mut book = Book::open(&mut tx, &ctx, customer).await?;
    let mut row = sows::get(&mut tx, sow_id)
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
            session_id: session,
            shortfall,
        },
    )
    .await?;
    sows::update(&mut tx, &row).await?;
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
    let mut book = Book::open(&mut tx, &ctx, customer).await?;
    ledger::reverse_session(
        &mut tx,
        &mut book,
        session,
        sow_id,
        u(units),
        "reverse_units",
    )
    .await?;
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

both_backends!(
    two_replicas_running_expiry_at_once_expire_each_lot_once,
    |app| {
        let c = app.customer_paris().await;
        for d in [
            "2025-12-02",
            "2025-12-03",
            "2025-12-04",
            "2025-12-05",
            "2025-12-06",
        ] {
            sell(&app, &c, "2.00", Some(d)).await;
        }
        sell(&app, &c, "1.00", None).await;
        let replica = securehands::build(&app.settings)
            .await
            .expect("second replica");
        let now = at("2026-12-08T00:00:00Z");
        let (a, b) = tokio::join!(run_due(&app.state.db, now), run_due(&replica.state.db, now));
        a.expect("first runner");
        b.expect("second runner");
        let (a, b) = tokio::join!(run_due(&app.state.db, now), run_due(&replica.state.db, now));
        a.expect("first runner again");
        b.expect("second runner again");
        let exp = entries(&app, "kind=expiry").await;
        assert_eq!(exp.len(), 5, "one expiry entry per lot: {exp:#?}");
        let mut lots: Vec<&str> = exp
            .iter()
            .map(|e| e["lot_id"].as_str().unwrap_or_default())
            .collect();
        lots.sort_unstable();
        lots.dedup();
        assert_eq!(lots.len(), 5);
        // Each expiry is effective at its lot's own expiry instant, not when the job ran.
        assert_eq!(exp[0]["effective_at"], "2026-12-01T23:00:00Z");
        assert_eq!(balance(&app, &c).await["total"], "1.00");
        replica.state.db.close().await;
        assert_verified(&app).await;
    }
);

both_backends!(the_feed_never_skips_an_entry_committed_late, |app| {
    let c1 = app.customer_paris().await;
    let c2 = app.customer_paris().await;
    // A transaction takes a lower seq and stays open…
    let ctx = system_ctx(app.state.clock.now());
    let mut held = app.state.db.begin_write().await.expect("tx");
    let mut book = Book::open(&mut held, &ctx, &c1).await.expect("book");
    book.post(EntryKind::Grant, u("1.00"), ctx.now, Default::default());
    book.close(&mut held).await.expect("close");
    // …while another writer commits after it.
    let app = std::sync::Arc::new(app);
    let writer = {
        let app = app.clone();
        let c2 = c2.clone();
        tokio::spawn(async move { sell(&app, &c2, "2.00", None).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A reader polling now must not see a later entry before the earlier one.
    let seen = entries(&app, "").await;
    assert!(
        seen.is_empty(),
        "nothing is visible while seq 1 is uncommitted: {seen:?}"
    );
    held.commit().await.expect("commit held");
    writer.await.expect("writer");
    let mut cursor = 0i64;
    let mut got = Vec::new();
    for e in entries(&app, "").await {
        let seq = e["seq"].as_i64().unwrap_or_default();
        assert_eq!(seq, cursor + 1, "gap in the feed");
        cursor = seq;
        got.push(e["customer_id"].as_str().unwrap_or_default().to_string());
    }
    assert_eq!(got, vec![c1.clone(), c2.clone()]);
});

both_backends!(a_poller_following_the_cursor_sees_every_entry_once, |app| {
    let customers = [
        app.customer_paris().await,
        app.customer_paris().await,
        app.customer_paris().await,
    ];
    let app = std::sync::Arc::new(app);
    let mut writers = Vec::new();
    for c in customers {
        let app = app.clone();
        writers.push(tokio::spawn(async move {
            for _ in 0..10 {
                sell(&app, &c, "1.00", None).await;
            }
        }));
    }
    let poller = {
        let app = app.clone();
        tokio::spawn(async move {
            let mut cursor = String::new();
            let mut seqs = Vec::new();
            for _ in 0..400 {
                let r = app
                    .get(
                        &format!("/v1/ledger?limit=7&after={cursor}"),
                        &app.finance(),
                    )
                    .await
                    .expect(200)
                    .body;
                for e in r["data"].as_array().cloned().unwrap_or_default() {
                    seqs.push(e["seq"].as_i64().unwrap_or_default());
                }
                if let Some(c) = r["next_cursor"].as_str() {
                    cursor = c.to_string();
                }
                if seqs.len() >= 30 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            seqs
        })
    };
    for w in writers {
        w.await.expect("writer");
    }
    let seqs = poller.await.expect("poller");
    assert_eq!(seqs, (1..=30).collect::<Vec<i64>>());
});
