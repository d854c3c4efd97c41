//! The feed's promise under load, property-style: many writers commit in an order
//! nobody chose (some hold their transaction open for a random while), and readers
//! following `next_cursor` on the ledger and on the events feed with random page sizes
//! must see every entry and event exactly once, at consecutive positions.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use securehands::domain::ids::CustomerId;
use securehands::service::book::Book;
use securehands::service::jobs::system_ctx;

use crate::helpers::{TestApp, assert_verified, grant_into_new_lot, sell, spawn_app_with, u};
use crate::on_both_backends;

/// A small deterministic generator (xorshift), so a failing round can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Follows one feed with random page sizes until `done` is set and a page comes back
/// empty; returns the `(seq, identity)` pairs seen, in the order they were served.
async fn follow(
    app: Arc<TestApp>,
    feed: &'static str,
    seed: u64,
    done: Arc<AtomicBool>,
) -> Vec<(i64, String)> {
    let mut rng = Rng(seed);
    let mut cursor = String::new();
    let mut seen = Vec::new();
    loop {
        let finished = done.load(Ordering::SeqCst);
        let limit = 1 + rng.below(9);
        let r = app
            .get(
                &format!("/v1/{feed}?limit={limit}&after={cursor}"),
                &app.finance(),
            )
            .await
            .expect(200)
            .body;
        let page = r["data"].as_array().cloned().unwrap_or_default();
        for e in &page {
            let identity = match feed {
                "ledger" => format!("{}/{}", e["customer_id"], e["lot_id"]),
                _ => format!("{}/{}/{}", e["kind"], e["customer_id"], e["subject_id"]),
            };
            seen.push((e["seq"].as_i64().unwrap_or_default(), identity));
        }
        if let Some(c) = r["next_cursor"].as_str() {
            cursor = c.to_string();
        }
        if finished && page.is_empty() {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(rng.below(4))).await;
    }
}

/// One writer: packs sold over HTTP, and grants written in a transaction held open
/// for a random while before it commits.
async fn write(app: Arc<TestApp>, customers: Arc<Vec<String>>, seed: u64) {
    let mut rng = Rng(seed);
    for _ in 0..6 {
        let c = &customers[rng.below(customers.len() as u64) as usize];
        if rng.below(3) == 0 {
            let ctx = system_ctx(app.state.clock.now());
            let mut tx = app.state.db.begin_write().await.expect("tx");
            let mut book = Book::open(&mut tx, &ctx, &CustomerId::from(c.as_str()))
                .await
                .expect("book");
            grant_into_new_lot(&mut tx, &mut book, u("0.50")).await;
            book.close(&mut tx).await.expect("close");
            tokio::time::sleep(Duration::from_millis(rng.below(40))).await;
            tx.commit().await.expect("commit");
        } else {
            sell(&app, c, "1.00", None).await;
        }
    }
}

/// Every position from 1 up, once, and each identity once per occurrence in `all`.
fn check(feed: &str, seen: &[(i64, String)], all: &[(i64, String)]) {
    let positions: Vec<i64> = seen.iter().map(|(s, _)| *s).collect();
    let expected: Vec<i64> = (1..=all.len() as i64).collect();
    assert_eq!(
        positions, expected,
        "{feed}: positions served out of order, skipped or twice"
    );
    assert_eq!(seen, all, "{feed}: what the reader saw is not the feed");
}

on_both_backends!(many_writers_and_readers_agree_on_every_entry, |backend| {
    // Readers poll as fast as they can: no rate limit here.
    let app = spawn_app_with(backend, |s| s.rate_limit_per_second = 0).await;
    let mut customers = Vec::new();
    for _ in 0..4 {
        customers.push(app.customer_paris().await);
    }
    let customers = Arc::new(customers);
    let app = Arc::new(app);
    for round in 1..=3u64 {
        let before_ledger = all(&app, "ledger").await.len();
        let before_events = all(&app, "events").await.len();
        let done = Arc::new(AtomicBool::new(false));
        let readers = [
            tokio::spawn(follow(app.clone(), "ledger", 7 * round, done.clone())),
            tokio::spawn(follow(app.clone(), "events", 11 * round, done.clone())),
        ];
        let writers: Vec<_> = (0..8u64)
            .map(|w| tokio::spawn(write(app.clone(), customers.clone(), 1 + round * 100 + w)))
            .collect();
        for w in writers {
            w.await.expect("writer");
        }
        done.store(true, Ordering::SeqCst);
        let [ledger, events] = readers;
        let ledger = ledger.await.expect("ledger reader");
        let events = events.await.expect("events reader");
        let all_ledger = all(&app, "ledger").await;
        let all_events = all(&app, "events").await;
        assert_eq!(
            all_ledger.len(),
            before_ledger + 48,
            "round {round}: one entry per write"
        );
        assert!(
            all_events.len() > before_events,
            "round {round}: events were written"
        );
        check("ledger", &ledger, &all_ledger);
        check("events", &events, &all_events);
        let distinct: BTreeSet<&(i64, String)> = ledger.iter().collect();
        assert_eq!(distinct.len(), ledger.len());
    }
    assert_verified(&app).await;
});

/// The whole feed in one read, as `(seq, identity)` pairs.
async fn all(app: &Arc<TestApp>, feed: &'static str) -> Vec<(i64, String)> {
    follow(app.clone(), feed, 1, Arc::new(AtomicBool::new(true))).await
}
