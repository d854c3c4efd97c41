//! The load generator behind `bench/auth_bench.py`: GETs one path on a running service
//! over N kept-alive connections (closed loop) for a while with one bearer credential,
//! and prints one JSON line (requests, errors, requests/s, median latency). Written in
//! Rust so the client's own CPU stays small next to the service's on a 2-core machine.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::sync::Mutex;

#[derive(Parser)]
struct Args {
    /// The full URL to GET.
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

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections)
        .build()
        .expect("client");
    let done = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::<u64>::new()));
    let end = Instant::now() + Duration::from_secs_f64(args.duration);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let (client, url, token) = (client.clone(), args.url.clone(), args.token.clone());
        let (done, errors, latencies) = (done.clone(), errors.clone(), latencies.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while Instant::now() < end {
                let t = Instant::now();
                let ok = match client.get(&url).bearer_auth(&token).send().await {
                    Ok(r) => {
                        let status = r.status().is_success();
                        let _ = r.bytes().await;
                        status
                    }
                    Err(_) => false,
                };
                mine.push(t.elapsed().as_micros() as u64);
                if ok {
                    done.fetch_add(1, Ordering::Relaxed);
                } else {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            latencies.lock().await.extend(mine);
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut all = latencies.lock().await.clone();
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
}
