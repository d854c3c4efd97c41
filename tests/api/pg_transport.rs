//! How the service reaches PostgreSQL: a server on this machine without TLS unless the
//! URL asks for it (TLS there protects nothing and costs every statement), with TLS when
//! the URL asks, and with TLS after all when the server refuses plain text.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::postgres_server::{test_server_address, with_address};
use crate::helpers::{Backend, TestApp, balance, sell, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn a_database_on_this_machine_is_reached_without_tls_unless_the_url_asks() {
    assert_server_offers_tls().await;
    let app = spawn_app_with(Backend::Postgres, |_| {}).await;
    assert!(
        !app.settings.database_url.contains("ssl"),
        "the test URL must say nothing about TLS: {}",
        app.settings.database_url
    );
    used(&app).await;
    assert_eq!(tls_of_connections(&app).await, vec![false]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn a_url_that_asks_for_tls_gets_it_on_this_machine_too() {
    assert_server_offers_tls().await;
    let app = spawn_app_with(Backend::Postgres, |s| {
        s.database_url = with_query(&s.database_url, "sslmode", "require");
    })
    .await;
    used(&app).await;
    assert_eq!(tls_of_connections(&app).await, vec![true]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set SECUREHANDS_TEST_POSTGRES_URL to run on PostgreSQL"
)]
async fn a_server_that_refuses_plain_text_is_reached_with_tls() {
    assert_server_offers_tls().await;
    let proxy = TlsOnlyDoor::start().await;
    let app = spawn_app_with(Backend::Postgres, |s| {
        s.database_url = with_address(&s.database_url, &proxy.to_string());
    })
    .await;
    used(&app).await;
    assert_eq!(tls_of_connections(&app).await, vec![true]);
}

/// A customer sold units and its balance read: the app's connections have been used.
async fn used(app: &TestApp) {
    let customer = app.customer_paris().await;
    sell(app, &customer, "3.00", None).await;
    assert_eq!(balance(app, &customer).await["available"], "3.00");
}

async fn admin() -> sqlx::PgPool {
    let url = std::env::var("SECUREHANDS_TEST_POSTGRES_URL").expect("postgres url");
    sqlx::PgPool::connect(&url).await.expect("admin")
}

/// Without TLS offered by the server, "no TLS" would prove nothing.
async fn assert_server_offers_tls() {
    let ssl: String = sqlx::query_scalar("SHOW ssl")
        .fetch_one(&admin().await)
        .await
        .expect("ssl setting");
    assert_eq!(
        ssl, "on",
        "these tests need a PostgreSQL server that offers TLS"
    );
}

/// Whether the app's connections to its database use TLS, each distinct answer once.
async fn tls_of_connections(app: &TestApp) -> Vec<bool> {
    let database = app
        .settings
        .database_url
        .rsplit('/')
        .next()
        .and_then(|tail| tail.split('?').next())
        .expect("database name")
        .to_string();
    sqlx::query_scalar(
        "SELECT DISTINCT s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
         WHERE a.datname = $1 AND a.pid <> pg_backend_pid() ORDER BY 1",
    )
    .bind(&database)
    .fetch_all(&admin().await)
    .await
    .expect("the app's connections")
}

fn with_query(url: &str, key: &str, value: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("database url");
    parsed.query_pairs_mut().append_pair(key, value);
    parsed.to_string()
}

/// A door to the test server that, like a `pg_hba.conf` with `hostssl` lines only,
/// refuses a client that starts in plain text (PostgreSQL's own error, `28000`) and
/// passes through one that asks for TLS first.
struct TlsOnlyDoor;

impl TlsOnlyDoor {
    async fn start() -> std::net::SocketAddr {
        let upstream = test_server_address();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let _ = Self::serve(client, &upstream).await;
                });
            }
        });
        addr
    }

    async fn serve(mut client: tokio::net::TcpStream, upstream: &str) -> std::io::Result<()> {
        // Every first message starts with its length and a code (SSLRequest: 80877103).
        let mut head = [0u8; 8];
        client.read_exact(&mut head).await?;
        let code = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        if code == 80_877_103 {
            let mut server = tokio::net::TcpStream::connect(upstream).await?;
            server.write_all(&head).await?;
            tokio::io::copy_bidirectional(&mut client, &mut server).await?;
            return Ok(());
        }
        let length = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let mut rest = vec![0u8; length.saturating_sub(8)];
        client.read_exact(&mut rest).await?;
        let mut fields = Vec::new();
        for (kind, text) in [
            (b'S', "FATAL"),
            (b'V', "FATAL"),
            (b'C', "28000"),
            (
                b'M',
                "no pg_hba.conf entry for host \"127.0.0.1\", no encryption",
            ),
        ] {
            fields.push(kind);
            fields.extend_from_slice(text.as_bytes());
            fields.push(0);
        }
        fields.push(0);
        let mut message = vec![b'E'];
        message.extend_from_slice(&(fields.len() as u32 + 4).to_be_bytes());
        message.extend_from_slice(&fields);
        client.write_all(&message).await?;
        client.shutdown().await
    }
}
