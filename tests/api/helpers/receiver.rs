//! A real HTTP receiver for webhook tests: it records every request and answers with
//! the statuses it was told to (200 once the script is used up).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

/// One request received.
#[derive(Clone, Debug)]
pub struct Hit {
    /// Request headers.
    pub headers: HeaderMap,
    /// Raw body.
    pub body: String,
    /// What it was answered.
    pub answered: u16,
}

#[derive(Default)]
struct Inner {
    script: VecDeque<u16>,
    hits: Vec<Hit>,
}

/// A running receiver.
#[derive(Clone)]
pub struct Receiver {
    /// `http://127.0.0.1:<port>/hook`.
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl Receiver {
    /// Listens on a free port; answers `script` in order, then 200.
    pub async fn start(script: &[u16]) -> Receiver {
        let inner = Arc::new(Mutex::new(Inner {
            script: script.iter().copied().collect(),
            hits: Vec::new(),
        }));
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, inner }
    }

    /// Every request so far.
    pub fn hits(&self) -> Vec<Hit> {
        self.inner
            .lock()
            .map(|i| i.hits.clone())
            .unwrap_or_default()
    }

    /// Waits (up to 20 s) until `pred` holds.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&[Hit]) -> bool) -> Vec<Hit> {
        for _ in 0..400 {
            let hits = self.hits();
            if pred(&hits) {
                return hits;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting for {what}; received {:#?}", self.hits());
    }
}

async fn hook(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let mut guard = match inner.lock() {
        Ok(g) => g,
        Err(e) => e.into_inner(),
    };
    let answered = guard.script.pop_front().unwrap_or(200);
    guard.hits.push(Hit {
        headers,
        body,
        answered,
    });
    StatusCode::from_u16(answered).unwrap_or(StatusCode::OK)
}
