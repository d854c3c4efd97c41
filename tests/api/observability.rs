//! What an operator reads: one access line per request carrying its request id, no
//! terminal colour codes when the log is not a terminal, the request id in problem
//! bodies — from the real binary, its standard error sent to a file.

use std::process::Stdio;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_securehands");

#[tokio::test]
async fn access_lines_carry_the_request_id_without_colour_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let log = dir.path().join("stderr.log");
    let mut child = tokio::process::Command::new(BIN)
        .arg("serve")
        .current_dir(dir.path())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/s.db", dir.path().display()),
        )
        .env("SECUREHANDS_BIND", format!("127.0.0.1:{port}"))
        .env("SECUREHANDS_JWT_SECRET", crate::helpers::SECRET)
        .env("RUST_LOG", "info")
        .env_remove("SECUREHANDS_LOG_FORMAT")
        .env_remove("NO_COLOR")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .kill_on_drop(true)
        .spawn()
        .expect("start securehands");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the service did not start");

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

    child.kill().await.expect("stop");
    let text = std::fs::read_to_string(&log).expect("read log");
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
