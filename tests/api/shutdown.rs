//! Stopping gracefully: on SIGTERM readiness turns 503 first while requests are still
//! served, a request in flight finishes and is answered, and the process exits cleanly.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::binary::serve;

#[tokio::test]
async fn sigterm_turns_readiness_off_and_loses_no_request_in_flight() {
    let mut served = serve(&[
        ("SECUREHANDS_SHUTDOWN_DRAIN_SECS", "1"),
        ("SECUREHANDS_SHUTDOWN_GRACE_SECS", "10"),
    ])
    .await;
    let admin = served.token("admin").await;
    let client = reqwest::Client::new();
    let ready = client
        .get(format!("{}/readyz", served.base))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200);

    // A write whose body is still arriving when the signal comes.
    let body = br#"{"name": "Paris", "timezone": "Europe/Paris"}"#;
    let addr = served.base.trim_start_matches("http://").to_string();
    let mut conn = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let head = format!(
        "PUT /v1/calendars/fr-paris HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {admin}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.expect("head");
    conn.write_all(&body[..10]).await.expect("first part");
    tokio::time::sleep(Duration::from_millis(200)).await;

    let pid = served.child.id().expect("pid");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Draining: still listening, but not ready.
    let draining = client
        .get(format!("{}/readyz", served.base))
        .send()
        .await
        .expect("readyz while draining");
    assert_eq!(draining.status(), 503);
    let problem: serde_json::Value = draining.json().await.expect("problem");
    assert_eq!(problem["code"], "draining", "{problem}");

    // The request in flight completes and is answered.
    conn.write_all(&body[10..]).await.expect("rest of the body");
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), conn.read_to_string(&mut answer))
        .await
        .expect("answered within the grace")
        .expect("read");
    assert!(
        answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.1 201"),
        "{answer}"
    );

    let status = tokio::time::timeout(Duration::from_secs(15), served.child.wait())
        .await
        .expect("the process stops")
        .expect("wait");
    assert!(status.success(), "{status:?}");
    let log = std::fs::read_to_string(&served.log).expect("log");
    assert!(log.contains("shutdown requested"), "{log}");
    assert!(log.contains("stopped"), "{log}");
}
