//! The load generator behind `bench/deliver_bench.py`: delivers the sessions listed in
//! a work file, either through a running service over HTTP (closed loop with N
//! kept-alive connections, or open loop at a fixed rate) or in-process through the
//! same service call without HTTP (`--database-url`), and prints one JSON line.
//!
//! Written in Rust, over HTTP with the lean client of `common/lean_http.rs` on one
//! thread, so the client's own CPU stays small next to the service's on a 2-core
//! machine. Work file: one `session_id started_at ended_at` per line.

#[path = "common/lean_http.rs"]
mod lean_http;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use clap::Parser;
use lean_http::{Endpoint, Pool};
use securehands::domain::access::{Principal, Role};
use securehands::domain::ids::SessionId;
use securehands::dto::work::DeliverInput;
use securehands::service::{Ctx, sessions};
use securehands::storage::db::{Db, DbOptions};
use tokio::sync::Mutex;

#[derive(Parser)]
struct Args {
    /// Work file: `session_id started_at ended_at` per line.
    #[arg(long)]
    work: std::path::PathBuf,
    /// Base URL of a running service (HTTP mode).
    #[arg(long)]
    url: Option<String>,
    /// Bearer token (HTTP mode).
    #[arg(long, default_value = "")]
    token: String,
    /// Database URL (direct mode: the service call without HTTP).
    #[arg(long)]
    database_url: Option<String>,
    /// Concurrent connections (closed loop) or callers (direct mode).
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Requests per second (open loop); closed loop when absent.
    #[arg(long)]
    rate: Option<f64>,
    /// Stop after this many seconds even if work is left.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
}

/// One session to deliver.
struct Item {
    id: String,
    started_at: DateTime<Utc>,
    ended_at: DateTime<Utc>,
}

/// What the callers saw.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    outcomes: BTreeMap<String, u64>,
}

impl Tally {
    fn record(&mut self, outcome: String, latency: Duration) {
        if outcome == "ok" {
            self.latencies_us.push(latency.as_micros() as u64);
        }
        *self.outcomes.entry(outcome).or_default() += 1;
    }
}

fn read_work(path: &std::path::Path) -> Result<Vec<Item>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            let [id, s, e] = parts[..] else {
                return Err(format!("bad work line: {l}"));
            };
            let parse = |t: &str| {
                DateTime::parse_from_rfc3339(t)
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|e| e.to_string())
            };
            Ok(Item {
                id: id.to_string(),
                started_at: parse(s)?,
                ended_at: parse(e)?,
            })
        })
        .collect()
}

/// Delivers one item; returns "ok" or what went wrong.
async fn deliver(target: &Target, item: &Item) -> String {
    match target {
        Target::Http {
            target,
            token,
            pool,
        } => {
            let body =
                serde_json::json!({"started_at": item.started_at, "ended_at": item.ended_at})
                    .to_string();
            let path = format!("/v1/sessions/{}/deliver", item.id);
            let request = target.request("POST", &path, token, Some(&body));
            match pool.exchange(&request).await {
                Ok(status) if (200..300).contains(&status) => "ok".into(),
                Ok(status) => format!("http {status}"),
                Err(e) => format!("connection: {e}"),
            }
        }
        Target::Direct { db } => {
            let ctx = Ctx {
                principal: Principal::from_token(
                    "bench".into(),
                    [Role::SocLead].into_iter().collect(),
                    None,
                ),
                now: Utc::now(),
                request: Default::default(),
            };
            let input = DeliverInput {
                started_at: item.started_at,
                ended_at: item.ended_at,
                notes: None,
            };
            let id = SessionId::from(item.id.as_str());
            let run = async {
                let mut tx = db.begin_write().await?;
                sessions::deliver(&mut tx, &ctx, &id, "http://bench", input).await?;
                tx.commit().await?;
                Ok::<_, securehands::service::ServiceError>(())
            };
            match run.await {
                Ok(()) => "ok".into(),
                Err(e) => format!("service: {e}"),
            }
        }
    }
}

/// Where deliveries go.
enum Target {
    Http {
        target: Endpoint,
        token: String,
        /// Kept-alive connections (the open loop may need more than N).
        pool: Pool,
    },
    Direct {
        db: Db,
    },
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    // Over HTTP one thread is plenty and costs least; in-process the service call runs
    // on as many threads as it would in the service.
    let runtime = if args.url.is_some() {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    };
    runtime.map_err(|e| e.to_string())?.block_on(run(args))
}

async fn run(args: Args) -> Result<(), String> {
    let work = Arc::new(read_work(&args.work)?);
    let target = Arc::new(match (&args.url, &args.database_url) {
        (Some(url), None) => {
            let (target, _) = Endpoint::parse(url)?;
            Target::Http {
                pool: Pool::new(&target),
                target,
                token: args.token.clone(),
            }
        }
        (None, Some(db)) => Target::Direct {
            db: Db::connect(&DbOptions {
                url: db.clone(),
                sqlite_synchronous: "FULL".into(),
                max_connections: args.connections as u32 + 1,
                connect_timeout: Duration::from_secs(5),
                display_url: db.clone(),
            })
            .await
            .map_err(|e| e.to_string())?,
        },
        _ => return Err("give exactly one of --url and --database-url".into()),
    });
    let tally = Arc::new(Mutex::new(Tally::default()));
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(args.duration);
    let started = Instant::now();
    let mut tasks = Vec::new();
    match args.rate {
        None => {
            for _ in 0..args.connections {
                let (work, target, tally, next) =
                    (work.clone(), target.clone(), tally.clone(), next.clone());
                tasks.push(tokio::spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= work.len() || Instant::now() >= deadline {
                            return;
                        }
                        let t0 = Instant::now();
                        let outcome = deliver(&target, &work[i]).await;
                        tally.lock().await.record(outcome, t0.elapsed());
                    }
                }));
            }
        }
        Some(rate) => {
            // Open loop: each request is due at its own instant, and its latency counts
            // from then, so a slow answer cannot hide the ones queued behind it.
            let interval = Duration::from_secs_f64(1.0 / rate);
            for i in 0..work.len() {
                let due = started + interval * i as u32;
                if due >= deadline {
                    break;
                }
                tokio::time::sleep_until(due.into()).await;
                let (work, target, tally) = (work.clone(), target.clone(), tally.clone());
                tasks.push(tokio::spawn(async move {
                    let outcome = deliver(&target, &work[i]).await;
                    tally.lock().await.record(outcome, due.elapsed());
                }));
            }
        }
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut tally = tally.lock().await;
    tally.latencies_us.sort_unstable();
    let pct = |p: f64| -> f64 {
        let l = &tally.latencies_us;
        if l.is_empty() {
            return 0.0;
        }
        let i = ((l.len() as f64 * p).ceil() as usize).clamp(1, l.len()) - 1;
        l[i] as f64 / 1000.0
    };
    let ok = tally.latencies_us.len();
    println!(
        "{}",
        serde_json::json!({
            "ok": ok,
            "outcomes": tally.outcomes,
            "elapsed_s": elapsed,
            "per_s": ok as f64 / elapsed,
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
        })
    );
    Ok(())
}
