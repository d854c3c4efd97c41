//! The load generator behind `bench/auth_bench.py` and `bench/read_bench.py`: GETs one
//! path on a running service over N kept-alive connections (closed loop) for a while
//! with one bearer credential, and prints one JSON line (requests, errors, requests/s,
//! median latency). One thread and the lean client of `common/lean_http.rs`, so that
//! it costs what pgbench's client costs.

#[path = "common/lean_http.rs"]
mod lean_http;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use lean_http::{Endpoint, Pool};

#[derive(Parser)]
struct Args {
    /// The full URL to GET (`http://host:port/path?query`).
    #[arg(long)]
    url: String,
    /// Bearer credential (a JWT or an `shk_` API key).
    #[arg(long)]
    token: String,
    /// Concurrent connections.
    #[arg(long, default_value_t = 8)]
    connections: usize,
    /// Seconds to run.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    let (target, path) = Endpoint::parse(&args.url)?;
    let request = Arc::new(target.request("GET", &path, &args.token, None));
    let pool = Arc::new(Pool::new(&target));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let done = Arc::new(AtomicUsize::new(0));
        let errors = Arc::new(AtomicUsize::new(0));
        let end = Instant::now() + Duration::from_secs_f64(args.duration);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..args.connections {
            let (request, pool) = (request.clone(), pool.clone());
            let (done, errors) = (done.clone(), errors.clone());
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                while Instant::now() < end {
                    let t = Instant::now();
                    let ok =
                        matches!(pool.exchange(&request).await, Ok(s) if (200..300).contains(&s));
                    mine.push(t.elapsed().as_micros() as u64);
                    if ok {
                        done.fetch_add(1, Ordering::Relaxed);
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                mine
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap_or_default());
        }
        let elapsed = started.elapsed().as_secs_f64();
        all.sort_unstable();
        let median = all.get(all.len() / 2).copied().unwrap_or(0);
        let n = done.load(Ordering::Relaxed);
        println!(
            "{}",
            serde_json::json!({
                "requests": n,
                "errors": errors.load(Ordering::Relaxed),
                "requests_per_second": n as f64 / elapsed,
                "median_us": median,
            })
        );
    });
    Ok(())
}
