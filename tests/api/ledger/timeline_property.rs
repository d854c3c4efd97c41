//! Random histories against the timeline: packs sold backdated (so they expire during
//! the history), SoWs approved, sessions delivered days after they ended, late
//! cancellations and no-shows, complaints credited back, and the clock jumping over
//! expiries (downtime). Then `as_of` is read at every instant where some figure changes
//! — each entry's effective and recorded instants, each event's, and the instant just
//! before each — and checked against an independent model built from the ledger feed:
//! `total` is the sum of the entries effective by then, every lot holds what its
//! entries say (what a lot did not hold yet is deficit instead), and
//! `total = Σ lots − deficit`, `available = total − reserved`, nothing negative.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_verified, at, spawn_app_with, u};
use crate::on_both_backends;
use securehands::domain::units::Units;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// What the history has made so far.
#[derive(Default)]
struct World {
    sows: Vec<String>,
    scheduled: Vec<(String, DateTime<Utc>, DateTime<Utc>)>,
    delivered: Vec<String>,
}

async fn step(app: &TestApp, c: &str, rng: &mut Rng, now: &mut DateTime<Utc>, w: &mut World) {
    let status = match rng.below(10) {
        0 => {
            // A pack, often backdated so that it expires within the history.
            let back = [0, 0, 300, 330, 350, 360][rng.below(6) as usize];
            let received = (*now - Duration::days(back)).date_naive();
            let units = format!("{}.{:02}", 1 + rng.below(6), rng.below(100));
            app.post(
                &format!("/v1/customers/{c}/packs"),
                &app.am(),
                json!({"units": units, "order_reference": "PO-prop", "received_on": received.to_string()}),
            )
            .await
            .status
        }
        2 => {
            let planned = format!("{}.00", 2 + rng.below(12));
            let sow = app
                .post(
                    "/v1/sows",
                    &app.lead(),
                    json!({"customer_id": c, "title": "t", "activities": "a", "planned_sessions": 4,
                           "planned_units": planned, "acceptance_criteria": "c"}),
                )
                .await
                .expect(201)
                .str("id");
            let submitted = app
                .post(&format!("/v1/sows/{sow}/submit"), &app.lead(), json!({}))
                .await
                .expect(200);
            let etag = submitted.header("etag").unwrap_or_default().to_string();
            let r = crate::helpers::approve(app, c, &sow, &etag).await;
            w.sows.push(sow);
            r.status
        }
        1 | 3 | 4 if !w.sows.is_empty() => {
            // A session, in the past or the coming days.
            let sow = &w.sows[rng.below(w.sows.len() as u64) as usize];
            let start = *now + Duration::hours(rng.below(120) as i64 - 48);
            let end = start + Duration::minutes(30 + 30 * rng.below(6) as i64);
            let r = app
                .post(
                    &format!("/v1/sows/{sow}/sessions"),
                    &app.lead(),
                    json!({"starts_at": iso(start), "ends_at": iso(end)}),
                )
                .await;
            if r.status.is_success() {
                w.scheduled.push((r.str("id"), start, end));
            }
            r.status
        }
        5 | 6 if !w.scheduled.is_empty() => {
            let i = rng.below(w.scheduled.len() as u64) as usize;
            let (id, start, end) = w.scheduled[i].clone();
            // Sometimes the work ran hours longer than planned (more than was reserved).
            let end = end + Duration::hours([0, 3, 9, 9][rng.below(4) as usize]);
            let r = if end <= *now && rng.below(4) > 0 {
                // Delivered, often days after it ended.
                app.post(
                    &format!("/v1/sessions/{id}/deliver"),
                    &app.lead(),
                    json!({"started_at": iso(start), "ended_at": iso(end)}),
                )
                .await
            } else if start <= *now {
                app.post(
                    &format!("/v1/sessions/{id}/no-show"),
                    &app.lead(),
                    json!({}),
                )
                .await
            } else {
                app.post(
                    &format!("/v1/sessions/{id}/cancel"),
                    &app.customer(c),
                    json!({"reason": "customer_request"}),
                )
                .await
            };
            if r.status.is_success() {
                let id = w.scheduled.remove(i).0;
                if r.body["units"].is_string() {
                    w.delivered.push(id);
                }
            }
            r.status
        }
        7 if !w.delivered.is_empty() => {
            let id = w
                .delivered
                .remove(rng.below(w.delivered.len() as u64) as usize);
            let r = app
                .post(
                    &format!("/v1/sessions/{id}/complaints"),
                    &app.customer(c),
                    json!({"reason": "not what was agreed"}),
                )
                .await;
            if r.status.is_success() {
                let credit = format!("0.{:02}", 1 + rng.below(99));
                app.post(
                    &format!("/v1/sessions/{id}/complaints/decision"),
                    &app.manager(),
                    json!({"reverse_units": credit, "reason": "partly"}),
                )
                .await
                .status
            } else {
                r.status
            }
        }
        _ => {
            // Time passes: hours, or days of downtime over expiries and deadlines.
            let hours = if rng.below(3) == 0 {
                24 * (1 + rng.below(12))
            } else {
                1 + rng.below(20)
            };
            *now += Duration::hours(hours as i64);
            app.set_clock(&iso(*now)).await;
            reqwest::StatusCode::OK
        }
    };
    assert!(!status.is_server_error(), "a step answered {status}");
}

/// Every entry (`ledger`) or event (`events`) of the customer, following the feed.
async fn feed(app: &TestApp, which: &str, c: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = String::new();
    loop {
        let page = app
            .get(
                &format!("/v1/{which}?customer_id={c}&limit=1000&after={after}"),
                &app.finance(),
            )
            .await
            .expect(200)
            .body;
        let data = page["data"].as_array().cloned().unwrap_or_default();
        if data.is_empty() {
            return out;
        }
        after = page["next_cursor"].as_str().unwrap_or_default().to_string();
        out.extend(data);
    }
}

/// The model: total, lots (clamped, by id) and deficit at `t` from the entries.
fn model(entries: &[Value], t: DateTime<Utc>) -> (Units, BTreeMap<String, Units>, Units) {
    let mut total = Units::ZERO;
    let mut owed = Units::ZERO;
    let mut lots: BTreeMap<String, Units> = BTreeMap::new();
    for e in entries
        .iter()
        .filter(|e| at(e["effective_at"].as_str().unwrap_or("")) <= t)
    {
        let units = u(e["units"].as_str().unwrap_or("0"));
        let kind = e["kind"].as_str().unwrap_or("");
        total += units;
        let lot = e["lot_id"].as_str();
        match (kind, lot) {
            ("deficit", _) | ("deficit_settlement", _) | ("reversal", None) => owed += -units,
            (_, Some(lot)) => *lots.entry(lot.to_string()).or_default() += units,
            _ => {}
        }
    }
    let ahead: Units = lots.values().filter(|v| v.is_negative()).map(|v| -*v).sum();
    let clamped = lots
        .into_iter()
        .map(|(k, v)| (k, v.clamp_non_negative()))
        .collect();
    (total, clamped, owed + ahead)
}

/// How many timeline checkpoints the database holds (the long history must cross some,
/// so that `as_of` is read from checkpoints and late movements correct them).
async fn checkpoints(app: &TestApp) -> i64 {
    use securehands::storage::db::Db;
    let sql = "SELECT COUNT(*) FROM timeline_checkpoints";
    match &app.state.db {
        Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        Db::Postgres(pg) => sqlx::query_scalar(sql).fetch_one(pg.sqlx_pool()).await,
    }
    .expect("count checkpoints")
}

/// A random history of `rounds` × `steps`; each round but the first starts with a
/// burst of `burst` tiny packs about to expire (enough movements to write checkpoints
/// between the rounds, which later late movements must correct).
async fn random_history(
    backend: Backend,
    seed: u64,
    rounds: usize,
    steps: usize,
    burst: usize,
) -> TestApp {
    // Hundreds of requests a second from one caller: the per-caller limit is not
    // what this test is about.
    let app = spawn_app_with(backend, |s| s.rate_limit_per_second = 0).await;
    let c = app.customer_paris().await;
    let mut rng = Rng(seed);
    let mut now = at(crate::helpers::START);
    let mut world = World::default();
    for round in 0..rounds {
        for _ in 0..if round == 0 { 0 } else { burst } {
            let received = (now - Duration::days(360)).date_naive();
            app.post(
                &format!("/v1/customers/{c}/packs"),
                &app.am(),
                json!({"units": "0.01", "order_reference": "PO-burst", "received_on": received.to_string()}),
            )
            .await
            .expect(201);
        }
        for _ in 0..steps {
            step(&app, &c, &mut rng, &mut now, &mut world).await;
        }
    }
    let entries = feed(&app, "ledger", &c).await;
    let events = feed(&app, "events", &c).await;
    let mut instants: BTreeSet<DateTime<Utc>> = BTreeSet::new();
    for e in &entries {
        instants.insert(at(e["effective_at"].as_str().unwrap_or("")));
        instants.insert(at(e["recorded_at"].as_str().unwrap_or("")));
    }
    for e in &events {
        instants.insert(at(e["occurred_at"].as_str().unwrap_or("")));
        instants.insert(at(e["recorded_at"].as_str().unwrap_or("")));
    }
    let changes: Vec<DateTime<Utc>> = instants.iter().copied().collect();
    for t in changes {
        instants.insert(t - Duration::microseconds(1));
    }
    let kinds: BTreeSet<&str> = entries.iter().filter_map(|e| e["kind"].as_str()).collect();
    let late = entries
        .iter()
        .filter(|e| {
            at(e["recorded_at"].as_str().unwrap_or(""))
                - at(e["effective_at"].as_str().unwrap_or(""))
                > Duration::hours(12)
        })
        .count();
    eprintln!(
        "timeline history seed {seed}: {} entries, {} late by 12 h or more, kinds {kinds:?}, {} instants",
        entries.len(),
        late,
        instants.len()
    );
    assert!(
        entries.len() > 10,
        "the history did too little: {} entries",
        entries.len()
    );
    for t in instants.into_iter().filter(|t| *t <= now) {
        let b = app
            .get(
                &format!("/v1/customers/{c}/balance?as_of={}", iso(t)),
                &app.finance(),
            )
            .await
            .expect(200)
            .body;
        let f = |k: &str| u(b[k].as_str().unwrap_or("?"));
        let (total, lots, deficit) = model(&entries, t);
        let listed: BTreeMap<String, Units> = b["lots"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| {
                (
                    l["id"].as_str().unwrap_or("").to_string(),
                    u(l["remaining"].as_str().unwrap_or("?")),
                )
            })
            .collect();
        let held: Units = listed.values().copied().sum();
        let context = format!("seed {seed}, as of {}: {b}", iso(t));
        assert_eq!(f("total"), total, "total vs the entries; {context}");
        assert_eq!(f("deficit"), deficit, "deficit vs the model; {context}");
        assert_eq!(
            f("total"),
            held - f("deficit"),
            "total = Σ lots − deficit; {context}"
        );
        assert_eq!(f("available"), f("total") - f("reserved"), "{context}");
        assert!(
            !f("reserved").is_negative() && !f("deficit").is_negative(),
            "{context}"
        );
        for (lot, units) in &listed {
            assert!(!units.is_negative(), "lot {lot} negative; {context}");
            assert_eq!(
                lots.get(lot).copied().unwrap_or_default(),
                *units,
                "lot {lot}; {context}"
            );
        }
    }
    assert_verified(&app).await;
    app
}

on_both_backends!(random_histories_read_one_consistent_past, |backend| {
    for seed in [11, 29, 47] {
        random_history(backend, seed, 1, 120, 0).await;
    }
});

on_both_backends!(a_long_history_crosses_checkpoints, |backend| {
    let app = random_history(backend, 83, 4, 100, 150).await;
    assert!(
        checkpoints(&app).await >= 2,
        "the history crossed no checkpoint"
    );
});
