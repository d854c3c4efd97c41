//! A real OpenID provider for the sign-in tests: panva's `oidc-provider` run with the
//! machine's Node.js from `tests/oidc/provider.mjs`, installed by `tests/oidc/setup.sh`
//! in `SECUREHANDS_OIDC_DIR`. Restarting it with another key id is a key rotation.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

/// The audience of the provider's access tokens for the service.
pub const AUDIENCE: &str = "https://securehands.test/api";
/// The console's client at the provider.
pub const CLIENT_ID: &str = "securehands-console";
/// Its secret.
pub const CLIENT_SECRET: &str = "console-secret-for-tests-only";
/// The provider's groups and the service roles they give.
pub const ROLE_MAP: &str =
    "Account-Managers=account_manager,SOC-Leads=soc_lead,Admins=admin,Finance=finance";

/// A running provider.
pub struct Provider {
    child: Option<tokio::process::Child>,
    /// Its port.
    pub port: u16,
    /// `http://127.0.0.1:<port>`.
    pub issuer: String,
    redirect: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Provider {
    /// Starts the provider, redirecting to the service at `service_port`, signing with
    /// a key named `kid`.
    pub async fn start(service_port: u16, kid: &str) -> Provider {
        let port = free_port();
        let mut provider = Provider {
            child: None,
            port,
            issuer: format!("http://127.0.0.1:{port}"),
            redirect: format!("http://127.0.0.1:{service_port}/console/auth/callback"),
        };
        provider.launch(kid).await;
        provider
    }

    async fn launch(&mut self, kid: &str) {
        let dir = std::env::var("SECUREHANDS_OIDC_DIR").expect("SECUREHANDS_OIDC_DIR");
        let script = format!("{dir}/provider.mjs");
        std::fs::copy(
            format!("{}/tests/oidc/provider.mjs", env!("CARGO_MANIFEST_DIR")),
            &script,
        )
        .expect("copy the provider script");
        let mut child = tokio::process::Command::new("node")
            .arg(&script)
            .arg(self.port.to_string())
            .arg(&self.redirect)
            .arg(AUDIENCE)
            .arg(kid)
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start node");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.starts_with("ready ") {
                    return true;
                }
            }
            false
        })
        .await;
        assert!(
            matches!(ready, Ok(true)),
            "the OpenID provider did not start"
        );
        self.child = Some(child);
    }

    /// Stops the provider and starts it again on the same port with a new key.
    pub async fn rotate(&mut self, kid: &str) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
        self.launch(kid).await;
    }

    /// An access token for the finance system (client credentials).
    pub async fn client_credentials(&self) -> String {
        let r = reqwest::Client::new()
            .post(format!("{}/token", self.issuer))
            .basic_auth("erp", Some("erp-secret-for-tests-only"))
            .form(&[("grant_type", "client_credentials"), ("scope", "api")])
            .send()
            .await
            .expect("token request");
        let body: serde_json::Value = r.json().await.expect("token response");
        body["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access token: {body}"))
            .to_string()
    }
}
