//! Background jobs and the feed: two replicas running expiry at once, and the ledger
//! feed never skipping an entry committed late nor showing one twice to a poller.

use std::time::Duration;

use securehands::domain::ids::CustomerId;
use securehands::service::book::Book;
use securehands::service::jobs::{run_due, system_ctx};

use crate::both_backends;
use crate::helpers::{Backend, assert_verified, at, balance, entries, grant_into_new_lot, sell, u};

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
        let replica = securehands::app::build(&app.settings)
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
    // A transaction writes an entry first (it has the lower id) and stays open…
    let ctx = system_ctx(app.state.clock.now());
    let mut held = app.state.db.begin_write().await.expect("tx");
    let mut book = Book::open(&mut held, &ctx, &CustomerId::from(c1.as_str()))
        .await
        .expect("book");
    grant_into_new_lot(&mut held, &mut book, u("1.00")).await;
    book.close(&mut held).await.expect("close");
    // …while another writer commits after it (on PostgreSQL; SQLite's single writer
    // waits for the held transaction).
    let app = std::sync::Arc::new(app);
    let writer = {
        let app = app.clone();
        let c2 = c2.clone();
        tokio::spawn(async move { sell(&app, &c2, "2.00", None).await })
    };
    let writer = if app.backend == Backend::Postgres {
        // The ordering the test relies on: the other writer commits while the first
        // transaction is still open (it never waits for it)…
        tokio::time::timeout(Duration::from_secs(20), writer)
            .await
            .expect("the second writer does not wait for the held transaction")
            .expect("writer");
        None
    } else {
        Some(writer)
    };
    // …and a reader polling now sees exactly the committed entries, from position 1:
    // on PostgreSQL the other customer's entry (its id is higher, its commit earlier),
    // on SQLite nothing yet (its writer is still queued behind the held one).
    let mut cursor = 0i64;
    let mut got = Vec::new();
    let first = entries(&app, "").await;
    let customers: Vec<&str> = first
        .iter()
        .map(|e| e["customer_id"].as_str().unwrap_or_default())
        .collect();
    if app.backend == Backend::Postgres {
        assert_eq!(customers, [c2.as_str()], "first page: {first:?}");
        assert_eq!(first[0]["seq"], 1);
    } else {
        assert!(customers.is_empty(), "first page: {first:?}");
    }
    follow(first, &mut cursor, &mut got);
    held.commit().await.expect("commit held");
    if let Some(writer) = writer {
        writer.await.expect("writer");
    }
    // Following the cursor after the late commit, the reader gets the late entry too.
    let rest = entries(&app, &format!("after={cursor}")).await;
    follow(rest, &mut cursor, &mut got);
    got.sort();
    let mut both = vec![c1.clone(), c2.clone()];
    both.sort();
    assert_eq!(got, both, "each entry exactly once");
    assert_verified(&app).await;
});

/// Takes a page in: positions must continue the cursor by one each time.
fn follow(page: Vec<serde_json::Value>, cursor: &mut i64, got: &mut Vec<String>) {
    for e in page {
        let seq = e["seq"].as_i64().unwrap_or_default();
        assert_eq!(seq, *cursor + 1, "gap or repeat in the feed");
        *cursor = seq;
        got.push(e["customer_id"].as_str().unwrap_or_default().to_string());
    }
}

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
