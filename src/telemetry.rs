//! Logging and metrics set-up.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

/// Installs the tracing subscriber (text or JSON lines), filtered by `RUST_LOG`
/// (default `info`). Colour codes only when standard error is a terminal (never in a
/// file or a journal). Safe to call more than once.
pub fn init_tracing(format: &str) {
    use std::io::IsTerminal;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_writer(std::io::stderr);
    let _ = if format == "json" {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}

static METRICS: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide Prometheus recorder (installed on first use; several apps in one
/// test process share it).
pub fn metrics_handle() -> PrometheusHandle {
    METRICS
        .get_or_init(|| {
            let buckets = [
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ];
            let builder = PrometheusBuilder::new();
            let builder = builder
                .set_buckets_for_metric(
                    metrics_exporter_prometheus::Matcher::Suffix("_seconds".into()),
                    &buckets,
                )
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_ok() {
                describe();
            }
            handle
        })
        .clone()
}

/// `# HELP` and units for every metric the service exports (the names are defined
/// here and only here).
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "http_requests_total",
        "Requests answered, by method, route template and status."
    );
    describe_histogram!(
        "http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer a request, by method and route template."
    );
    describe_counter!(
        "http_requests_rejected_total",
        "Requests refused before reaching a handler, by reason: rate_limited (429), \
         overloaded and timeout (503), uri_too_long, headers_too_large."
    );
    describe_gauge!(
        "http_rate_limit_keys",
        "Callers the rate limiter currently remembers."
    );
    describe_counter!(
        "sign_ins_total",
        "Console sign-ins by method (provider, link, token) and outcome (succeeded, failed)."
    );
    describe_gauge!(
        "db_pool_connections",
        "Database connections of this replica's pool, by state (idle, in_use)."
    );
    describe_gauge!(
        "db_pool_max_connections",
        "The most connections this replica's pool may open."
    );
    describe_histogram!(
        "db_pool_acquire_seconds",
        Unit::Seconds,
        "Time to start a transaction, waiting for a free connection included."
    );
    describe_counter!(
        "job_runs_total",
        "Runs of each time-driven rule (lot_expiry, alerts, quote_lapse, auto_acceptance, \
         sla_breaches, housekeeping)."
    );
    describe_counter!(
        "job_errors_total",
        "Runs of each time-driven rule that failed."
    );
    describe_histogram!(
        "job_duration_seconds",
        Unit::Seconds,
        "Time each time-driven rule took to apply what was due."
    );
    describe_gauge!(
        "job_last_success_timestamp_seconds",
        Unit::Seconds,
        "When each time-driven rule last ran to the end (Unix time); now minus this is \
         how far the rules lag behind their due work."
    );
    describe_gauge!(
        "outbox_pending",
        "Mails (kind=mail) and webhook deliveries (kind=webhook) waiting to be sent."
    );
    describe_gauge!(
        "outbox_oldest_pending_age_seconds",
        Unit::Seconds,
        "Age of the oldest mail or webhook delivery still waiting, by kind (0 when none)."
    );
    // Every known series starts at 0, so rates and alerts see it before its first event.
    for method in ["provider", "link", "token"] {
        for outcome in ["succeeded", "failed"] {
            metrics::counter!("sign_ins_total", "method" => method, "outcome" => outcome)
                .increment(0);
        }
    }
    for reason in REJECTION_REASONS {
        metrics::counter!("http_requests_rejected_total", "reason" => *reason).increment(0);
    }
}

/// Why a request can be refused before any handler (the problems' codes).
const REJECTION_REASONS: &[&str] = &[
    "rate_limited",
    "overloaded",
    "timeout",
    "uri_too_long",
    "headers_too_large",
];

/// Counts a console sign-in attempt (`method`: provider, link or token).
pub fn count_sign_in(method: &'static str, succeeded: bool) {
    let outcome = if succeeded { "succeeded" } else { "failed" };
    metrics::counter!("sign_ins_total", "method" => method, "outcome" => outcome).increment(1);
}

/// Counts a request refused before any handler (`reason`: the problem's code).
pub fn count_rejected(reason: &'static str) {
    metrics::counter!("http_requests_rejected_total", "reason" => reason).increment(1);
}

/// Records one run of a time-driven rule.
pub fn job_ran(job: &'static str, took: std::time::Duration, succeeded: bool) {
    metrics::counter!("job_runs_total", "job" => job).increment(1);
    metrics::histogram!("job_duration_seconds", "job" => job).record(took.as_secs_f64());
    // Errors are touched on every run, so the series exists before the first one.
    metrics::counter!("job_errors_total", "job" => job).increment(u64::from(!succeeded));
    if succeeded {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        metrics::gauge!("job_last_success_timestamp_seconds", "job" => job).set(now.as_secs_f64());
    }
}

/// Records the time a transaction waited to start.
pub fn pool_acquired(took: std::time::Duration) {
    metrics::histogram!("db_pool_acquire_seconds").record(took.as_secs_f64());
}

/// Sets the pool gauges (read at each scrape).
pub fn set_pool(size: u32, idle: usize, max: u32) {
    let idle = idle as f64;
    metrics::gauge!("db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("db_pool_connections", "state" => "in_use")
        .set((f64::from(size) - idle).max(0.0));
    metrics::gauge!("db_pool_max_connections").set(f64::from(max));
}

/// Sets the backlog gauges of one kind (`mail` or `webhook`), read at each scrape.
pub fn set_backlog(kind: &'static str, pending: i64, oldest_age_seconds: f64) {
    metrics::gauge!("outbox_pending", "kind" => kind).set(pending as f64);
    metrics::gauge!("outbox_oldest_pending_age_seconds", "kind" => kind).set(oldest_age_seconds);
}

/// How often recorded histogram samples are folded into their buckets.
pub const METRICS_UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds the samples histograms have recorded since the last pass into their buckets,
/// every [`METRICS_UPKEEP_EVERY`], until shutdown. The recorder keeps every sample
/// until something drains it — a scrape does, but a replica nobody scrapes would grow
/// by each request's samples for ever; this loop keeps its memory flat either way.
pub async fn keep_metrics_bounded(
    handle: PrometheusHandle,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut every = tokio::time::interval(METRICS_UPKEEP_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => handle.run_upkeep(),
            _ = shutdown.changed() => return,
        }
    }
}
