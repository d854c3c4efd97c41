//! What an operator reads: one access line per request carrying its request id, no
//! terminal colour codes when the log is not a terminal, the request id in problem
//! bodies — from the real binary, its standard error sent to a file.

use std::time::Duration;

use crate::helpers::binary::serve;

#[tokio::test]
async fn access_lines_carry_the_request_id_without_colour_codes() {
    let mut served = serve(&[]).await;
    let base = served.base.clone();
    let client = reqwest::Client::new();

    let r = client
        .get(format!("{base}/v1/customers"))
        .header("x-request-id", "req-7f3a-observe")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("req-7f3a-observe")
    );
    let problem: serde_json::Value = r.json().await.expect("problem");
    assert_eq!(problem["request_id"], "req-7f3a-observe", "{problem}");
    // A generated id when the client sends none, in the header and the body alike.
    let r = client
        .get(format!("{base}/v1/customers"))
        .send()
        .await
        .expect("request");
    let generated = r
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .expect("a generated request id");
    let problem: serde_json::Value = r.json().await.expect("problem");
    assert_eq!(problem["request_id"], generated.as_str());

    served.child.kill().await.expect("stop");
    let text = std::fs::read_to_string(&served.log).expect("read log");
    assert!(!text.contains('\u{1b}'), "colour codes in a file:\n{text}");
    let access: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("req-7f3a-observe"))
        .collect();
    assert!(
        access.iter().any(|l| l.contains("status=401")
            && l.contains("/v1/customers")
            && l.contains("duration_ms")),
        "no access line for the request:\n{text}"
    );
}

#[tokio::test]
async fn metrics_describe_the_pool_the_rules_the_backlogs_and_refusals() {
    let served = serve(&[("SECUREHANDS_RATE_LIMIT_PER_SECOND", "2")]).await;
    let client = reqwest::Client::new();
    // Past the limit: refused requests are counted by reason.
    let mut limited = 0;
    for _ in 0..10 {
        let r = client
            .get(format!("{}/v1/customers", served.base))
            .send()
            .await
            .expect("request");
        limited += usize::from(r.status() == 429);
    }
    assert!(limited > 0, "the limit never applied");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let text = client
        .get(format!("{}/metrics", served.base))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    for needle in [
        "# HELP http_requests_total ",
        "# HELP http_requests_rejected_total ",
        "http_requests_rejected_total{reason=\"rate_limited\"}",
        "# HELP db_pool_connections ",
        "db_pool_connections{state=\"idle\"}",
        "db_pool_max_connections ",
        "# HELP job_runs_total ",
        "job_runs_total{job=\"lot_expiry\"}",
        "job_last_success_timestamp_seconds{job=\"housekeeping\"}",
        "# HELP outbox_pending ",
        "outbox_pending{kind=\"mail\"} 0",
        "outbox_oldest_pending_age_seconds{kind=\"webhook\"} 0",
        "sign_ins_total{method=\"provider\",outcome=\"failed\"} 0",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    // The sample alert rules and dashboard under deploy/ use only metrics that exist.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in [
        "deploy/prometheus/alerts.yml",
        "deploy/grafana/securehands.json",
    ] {
        let rules = std::fs::read_to_string(root.join(file)).expect(file);
        let names = metric_names(&rules);
        assert!(names.len() >= 5, "{file}: {names:?}");
        for name in names {
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s))
                .unwrap_or(&name);
            assert!(
                text.contains(&format!("# HELP {base} ")),
                "{file} uses {name}, which /metrics does not export"
            );
        }
    }
}

/// The metric names an alert file or dashboard refers to (words with the service's
/// metric prefixes).
fn metric_names(text: &str) -> std::collections::BTreeSet<String> {
    const PREFIXES: &[&str] = &["http_", "db_pool_", "job_", "outbox_", "sign_ins_"];
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| PREFIXES.iter().any(|p| w.starts_with(p)))
        .map(str::to_string)
        .collect()
}
