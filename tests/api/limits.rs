//! Limits that keep one client from hurting the others.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Backend, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_urls_and_headers_are_refused() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let long = format!("/v1/customers?after={}", "a".repeat(9000));
    let r = app.get(&long, &app.am()).await;
    assert_eq!(r.status.as_u16(), 414, "{}", r.text);
    assert_eq!(r.body["code"], "uri_too_long");
    let big = "b".repeat(17_000);
    let r = app
        .send(
            reqwest::Method::GET,
            "/v1/customers",
            Some(&app.am()),
            None,
            &[("x-padding", &big)],
        )
        .await;
    assert_eq!(r.status.as_u16(), 431, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_token_has_a_rate() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.rate_limit_per_second = 2).await;
    let am = app.am();
    let first = app.get("/v1/customers", &am).await.expect(200);
    assert_eq!(first.header("ratelimit-limit"), Some("2"));
    let mut limited = None;
    for _ in 0..10 {
        let r = app.get("/v1/customers", &am).await;
        if r.status.as_u16() == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited
        .expect("the burst is bounded")
        .expect_problem(429, "rate_limited");
    assert!(
        r.header("retry-after")
            .is_some_and(|v| v.parse::<u64>().is_ok_and(|s| s >= 1))
    );
    // Another token is not affected.
    app.get("/v1/customers", &app.admin()).await.expect(200);
}

/// Sends headers announcing a body, then trickles it byte by byte.
async fn trickle(addr: std::net::SocketAddr, token: &str) -> (tokio::net::TcpStream, Instant) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    (stream, Instant::now())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_sender_holds_nothing_and_the_cap_answers_503() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.body_timeout_secs = 1;
        s.max_inflight = 1;
    })
    .await;
    let lead = app.lead();
    let (mut slow, started) = trickle(app.addr, &lead).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The one slot is taken by the slow sender: the next request is shed, not queued.
    let shed = app.get("/v1/customers", &app.am()).await;
    assert_eq!(shed.status.as_u16(), 503, "{}", shed.text);
    assert_eq!(shed.header("retry-after"), Some("1"));
    // The slow sender is cut off at the body deadline with 408.
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(4));
    // And the service is free again.
    app.get("/v1/customers", &app.am()).await.expect(200);
}
