//! spawn_app(): the real application on a fresh database, a random port and real JWTs;
//! the shared HTTP-level fixtures live in `fixtures` and are re-exported from here.

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use securehands::config::Settings;
use securehands::domain::access::Role;
use securehands::http::AppState;
use serde_json::{Value, json};

pub mod binary;
mod fixtures;
pub mod oidc;
pub mod postgres_server;
pub mod receiver;
pub mod smtp;

pub use fixtures::*;

/// The HS256 secret every test app is configured with.
pub const SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

/// Where the test clock starts: Tuesday 2026-12-01 09:00 in Paris.
pub const START: &str = "2026-12-01T08:00:00Z";

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary folder.
    Sqlite,
    /// A fresh database on the PostgreSQL server named by SECUREHANDS_TEST_POSTGRES_URL.
    Postgres,
}

/// A running application.
#[allow(dead_code)]
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub state: AppState,
    pub backend: Backend,
    pub settings: Settings,
    /// A sender of its own, to drive mails and webhooks to quiescence.
    pub notifier: securehands::notify::worker::Worker,
    _dir: Option<tempfile::TempDir>,
    pg_cleanup: Option<(String, String)>,
    /// Dropping it stops the app's background sender.
    _stop: tokio::sync::watch::Sender<bool>,
}

/// A response with its parsed body.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// Asserts a problem response with this status and code.
    #[track_caller]
    pub fn expect_problem(self, status: u16, code: &str) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "not a problem document: {}",
            self.text
        );
        assert_eq!(
            self.body["code"], code,
            "unexpected code; body: {}",
            self.text
        );
        assert_eq!(self.body["status"], status);
        self
    }

    pub fn str(&self, field: &str) -> String {
        self.body[field].as_str().unwrap_or_default().to_string()
    }
}

impl TestApp {
    /// Sends everything due now and waits until no sender holds a claim, so that a
    /// test can assert "nothing more was sent" without sleeping.
    pub async fn quiesce(&self) {
        let idle = self
            .notifier
            .run_until_idle(Duration::from_secs(30))
            .await
            .expect("sender pass");
        assert!(idle, "the senders never became idle");
    }
}

/// Settings for a test app on this database (test clock on, fixed secret).
pub fn settings_for(database_url: String) -> Settings {
    use clap::Parser;
    #[derive(clap::Parser)]
    struct Wrapper {
        #[command(flatten)]
        settings: Settings,
    }
    let mut s = Wrapper::parse_from(["securehands"]).settings;
    s.database_url = database_url;
    s.jwt_secret = Some(SECRET.to_string());
    s.test_clock = true;
    s.db_max_connections = 8;
    s.sqlite_synchronous = "NORMAL".into();
    s.notify_interval_ms = 50;
    // The test receivers listen on loopback.
    s.webhook_allow_cidrs = vec!["127.0.0.0/8".parse().expect("cidr")];
    s
}

/// Starts the app on a fresh database of the given backend, with the test clock on,
/// set to 2026-12-01T08:00:00Z.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// As `spawn_app`, letting the test change settings first.
pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let (settings, dir, pg_cleanup) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite://{}/test.db", dir.path().display());
            (settings_for(url), Some(dir), None)
        }
        Backend::Postgres => {
            let admin = std::env::var("SECUREHANDS_TEST_POSTGRES_URL")
                .expect("SECUREHANDS_TEST_POSTGRES_URL must be set for PostgreSQL tests");
            let name = format!("sh_test_{}", uuid::Uuid::now_v7().simple());
            create_pg_database(&admin, &name).await;
            let url = replace_db_name(&admin, &name);
            (settings_for(url), None, Some((admin, name)))
        }
    };
    let mut settings = settings;
    settings.test_clock_start = Some(
        chrono::DateTime::parse_from_rfc3339(START)
            .expect("date")
            .with_timezone(&chrono::Utc),
    );
    tweak(&mut settings);
    start(settings, backend, dir, pg_cleanup).await
}

/// Builds the app on `settings` and serves it on a loopback port.
async fn start(
    settings: Settings,
    backend: Backend,
    dir: Option<tempfile::TempDir>,
    pg_cleanup: Option<(String, String)>,
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    serve(settings, backend, dir, pg_cleanup, listener).await
}

/// A port for an app started later (its public URL must be known first, e.g. by an
/// OpenID provider that redirects to it).
pub async fn reserve_port() -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
}

/// As `spawn_app_with`, on a port reserved with [`reserve_port`].
pub async fn spawn_app_on(
    backend: Backend,
    listener: tokio::net::TcpListener,
    tweak: impl FnOnce(&mut Settings),
) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{}/test.db", dir.path().display()),
        Backend::Postgres => panic!("spawn_app_on runs on SQLite"),
    };
    let mut settings = settings_for(url);
    settings.test_clock_start = Some(
        chrono::DateTime::parse_from_rfc3339(START)
            .expect("date")
            .with_timezone(&chrono::Utc),
    );
    tweak(&mut settings);
    serve(settings, backend, Some(dir), None, listener).await
}

async fn serve(
    settings: Settings,
    backend: Backend,
    dir: Option<tempfile::TempDir>,
    pg_cleanup: Option<(String, String)>,
    listener: tokio::net::TcpListener,
) -> TestApp {
    let app = securehands::app::build(&settings).await.expect("build app");
    let addr = listener.local_addr().expect("addr");
    let router = app.router.clone();
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    app.spawn_background(stop_rx);
    TestApp {
        addr,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client"),
        notifier: app.notifier.clone(),
        state: app.state,
        backend,
        settings,
        _dir: dir,
        pg_cleanup,
        _stop: stop,
    }
}

/// Migrations up to `version` of one backend's folder.
pub async fn migrator_until(folder: &str, version: i64) -> sqlx::migrate::Migrator {
    let mut m = sqlx::migrate::Migrator::new(std::path::Path::new(&format!(
        "{}/migrations/{folder}",
        env!("CARGO_MANIFEST_DIR")
    )))
    .await
    .expect("migrations");
    m.migrations = std::borrow::Cow::Owned(
        m.migrations
            .iter()
            .filter(|x| x.version <= version)
            .cloned()
            .collect(),
    );
    m
}

/// A fresh database of `backend` migrated up to `schema` only, then `script` run on it
/// (with foreign keys and triggers off, as a restore would); returns its URL and, on
/// PostgreSQL, the admin URL and name to drop it with. For databases written by
/// earlier releases.
pub async fn database_at(
    backend: Backend,
    schema: i64,
    script: &str,
    dir: &std::path::Path,
) -> (String, Option<(String, String)>) {
    match backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}/old.db", dir.display());
            let options = url
                .parse::<sqlx::sqlite::SqliteConnectOptions>()
                .expect("url")
                .create_if_missing(true)
                .foreign_keys(false);
            let pool = sqlx::SqlitePool::connect_with(options)
                .await
                .expect("sqlite");
            migrator_until("sqlite", schema)
                .await
                .run(&pool)
                .await
                .expect("migrate to the old schema");
            sqlx::raw_sql(sqlx::AssertSqlSafe(script.to_string()))
                .execute(&pool)
                .await
                .expect("load the old data");
            pool.close().await;
            (url, None)
        }
        Backend::Postgres => {
            let admin = std::env::var("SECUREHANDS_TEST_POSTGRES_URL").expect("postgres url");
            let name = format!("sh_test_{}", uuid::Uuid::now_v7().simple());
            create_pg_database(&admin, &name).await;
            let url = replace_db_name(&admin, &name);
            let pool = sqlx::PgPool::connect(&url).await.expect("postgres");
            migrator_until("postgres", schema)
                .await
                .run(&pool)
                .await
                .expect("migrate to the old schema");
            let script = format!("SET session_replication_role = replica;\n{script}");
            sqlx::raw_sql(sqlx::AssertSqlSafe(script))
                .execute(&pool)
                .await
                .expect("load the old data");
            pool.close().await;
            (url, Some((admin, name)))
        }
    }
}

/// Drops a PostgreSQL database made by [`database_at`] (nothing on SQLite).
pub async fn drop_database(made: Option<(String, String)>) {
    if let Some((admin, name)) = made {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&admin).await.expect("admin");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await
        .expect("drop");
    }
}

pub fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let slash = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host = match slash {
        Some(i) => &base[..i],
        None => base,
    };
    match query {
        Some(q) => format!("{host}/{name}?{q}"),
        None => format!("{host}/{name}"),
    }
}

pub async fn create_pg_database(admin: &str, name: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .expect("connect admin");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create database");
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg_cleanup.take() {
            let db = self.state.db.clone();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async move {
                        use sqlx::Connection;
                        db.close().await;
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            )))
                            .execute(&mut conn)
                            .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

#[allow(dead_code)]
impl TestApp {
    /// Signs in to the console with a pasted token, as a browser does (the sign-in
    /// page's cookie and form token, then the form); returns the session cookie's value.
    pub async fn console_session(&self, token: &str) -> String {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let (login, form_token) = self.login_form(&client).await;
        let r = client
            .post(self.url("/console/login"))
            .header("cookie", format!("sh_login={login}"))
            .form(&[("token", token), ("login_csrf", form_token.as_str())])
            .send()
            .await
            .expect("sign in");
        assert_eq!(r.status().as_u16(), 303, "sign-in refused");
        set_cookie(&r, "sh_session").expect("session cookie")
    }

    /// The sign-in page's cookie and the token its forms carry.
    pub async fn login_form(&self, client: &reqwest::Client) -> (String, String) {
        let page = client
            .get(self.url("/console/login"))
            .send()
            .await
            .expect("sign-in page");
        let cookie = set_cookie(&page, "sh_login").expect("sign-in cookie");
        let html = page.text().await.unwrap_or_default();
        let marker = "name=\"login_csrf\" value=\"";
        let start = html.find(marker).expect("login_csrf field") + marker.len();
        let token = html[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_string();
        (cookie, token)
    }

    /// A second replica on the same database (its own process state: limiter, caches,
    /// sender), as production runs several behind a load balancer.
    pub async fn replica(&self) -> TestApp {
        start(self.settings.clone(), self.backend, None, None).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A token for the given roles (customer tokens carry `customer_id`).
    pub fn token(&self, roles: &[Role], customer: Option<&str>) -> String {
        let sub = format!(
            "{}-{}",
            roles.first().map(|r| r.as_str()).unwrap_or("none"),
            customer.unwrap_or("staff")
        );
        self.state
            .auth
            .mint(&sub, roles, customer, Duration::from_secs(3600))
            .expect("mint")
    }

    /// A token carrying the person's name (the `name` claim).
    pub fn token_named(&self, name: &str, roles: &[Role], customer: Option<&str>) -> String {
        self.state
            .auth
            .mint_named(
                "named-subject",
                Some(name),
                roles,
                customer,
                Duration::from_secs(3600),
            )
            .expect("mint")
    }

    pub fn admin(&self) -> String {
        self.token(&[Role::Admin], None)
    }
    pub fn am(&self) -> String {
        self.token(&[Role::AccountManager], None)
    }
    pub fn lead(&self) -> String {
        self.token(&[Role::SocLead], None)
    }
    pub fn manager(&self) -> String {
        self.token(&[Role::SocManager], None)
    }
    pub fn finance(&self) -> String {
        self.token(&[Role::Finance], None)
    }
    pub fn customer(&self, id: &str) -> String {
        self.token(&[Role::Customer], Some(id))
    }

    /// Sends a request; `body` None sends no body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.send(Method::GET, path, Some(token), None, &[]).await
    }
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.send(Method::POST, path, Some(token), Some(body), &[])
            .await
    }
    pub async fn put(&self, path: &str, token: &str, body: Value) -> Resp {
        self.send(Method::PUT, path, Some(token), Some(body), &[])
            .await
    }
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Resp {
        self.send(Method::PATCH, path, Some(token), Some(body), &[])
            .await
    }
    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.send(Method::DELETE, path, Some(token), None, &[])
            .await
    }

    /// Creates the Paris calendar of the SPEC's examples (holidays 2026-12-25, 2027-01-01).
    pub async fn paris_calendar(&self) -> String {
        let admin = self.admin();
        self.put(
            "/v1/calendars/fr-paris",
            &admin,
            json!({"name": "Paris", "timezone": "Europe/Paris"}),
        )
        .await;
        for d in ["2026-12-25", "2027-01-01"] {
            self.put(
                &format!("/v1/calendars/fr-paris/holidays/{d}"),
                &admin,
                json!({}),
            )
            .await
            .expect(200);
        }
        "fr-paris".into()
    }

    /// Creates a customer on the Paris calendar with a SecureCall contract for 2025–2028.
    pub async fn customer_paris(&self) -> String {
        self.paris_calendar().await;
        self.post(
            "/v1/customers",
            &self.am(),
            json!({
                "name": "Acme",
                "calendar_id": "fr-paris",
                "securecall": {"reference": "SC-1", "starts_on": "2025-01-01", "ends_on": "2028-12-31"}
            }),
        )
        .await
        .expect(201)
        .str("id")
    }

    /// A Paris customer with contacts: Claire (French approver), Bob (English approver
    /// and technical contact) and Fanny (French finance contact).
    pub async fn customer_with_contacts(&self) -> String {
        let id = self.customer_paris().await;
        self.patch(
            &format!("/v1/customers/{id}"),
            &self.am(),
            json!({"contacts": [
                {"name": "Claire Martin", "email": "claire@acme.example", "language": "fr", "roles": ["approver"]},
                {"name": "Bob Smith", "email": "bob@acme.example", "language": "en", "roles": ["approver", "technical"]},
                {"name": "Fanny Roux", "email": "fanny@acme.example", "language": "fr", "roles": ["finance"]}
            ]}),
        )
        .await
        .expect(200);
        id
    }

    /// The mails recorded for a customer.
    pub async fn notifications(&self, customer: &str) -> Vec<Value> {
        self.get(
            &format!("/v1/notifications?customer_id={customer}&limit=1000"),
            &self.admin(),
        )
        .await
        .expect(200)
        .body["data"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Moves the test clock (and runs what became due).
    pub async fn set_clock(&self, now: &str) {
        self.post("/v1/test-clock", &self.admin(), json!({ "now": now }))
            .await
            .expect(200);
    }
}

/// Declares a test that runs on SQLite always and on PostgreSQL when configured
/// (ignored, not passed, otherwise).
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn scenario($app: $crate::helpers::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                scenario($crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(postgres_tests), ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL")]
            async fn postgres() {
                scenario($crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await).await;
            }
        }
    };
}

/// Declares a test that builds its own app(s) on each backend: the scenario receives
/// the backend (PostgreSQL is ignored, not passed, when not configured).
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, |$backend:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn scenario($backend: $crate::helpers::Backend) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                scenario($crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(postgres_tests), ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL")]
            async fn postgres() {
                scenario($crate::helpers::Backend::Postgres).await;
            }
        }
    };
}

/// The value a response sets for cookie `name`.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}
