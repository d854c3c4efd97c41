//! The real `securehands` binary, started in a fresh directory on SQLite, for what only
//! a process shows: its log, its signals, its exit.

use std::process::Stdio;
use std::time::Duration;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_securehands");

/// The real binary serving on a free port, its standard error in a file.
pub struct Served {
    pub child: tokio::process::Child,
    pub base: String,
    pub log: std::path::PathBuf,
    pub dir: tempfile::TempDir,
}

pub async fn serve(vars: &[(&str, &str)]) -> Served {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let log = dir.path().join("stderr.log");
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.arg("serve")
        .current_dir(dir.path())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/s.db", dir.path().display()),
        )
        .env("SECUREHANDS_BIND", format!("127.0.0.1:{port}"))
        .env("SECUREHANDS_JWT_SECRET", crate::helpers::SECRET)
        .env("RUST_LOG", "info")
        .env_remove("SECUREHANDS_LOG_FORMAT")
        .env_remove("SECUREHANDS_RATE_LIMIT_PER_SECOND")
        .env_remove("NO_COLOR")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .kill_on_drop(true);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("start securehands");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status() == 200
        {
            return Served {
                child,
                base,
                log,
                dir,
            };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the service did not start");
}

impl Served {
    /// A token signed with the secret the binary was started with.
    pub async fn token(&self, role: &str) -> String {
        let out = tokio::process::Command::new(BIN)
            .args(["token", "--role", role])
            .current_dir(self.dir.path())
            .env("SECUREHANDS_JWT_SECRET", crate::helpers::SECRET)
            .output()
            .await
            .expect("run securehands token");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}
