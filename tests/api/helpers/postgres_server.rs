//! The test PostgreSQL server as a network address, for tests that put something
//! between the app and it (a counting proxy, a door that refuses plain text).

/// `host:port` of the server SECUREHANDS_TEST_POSTGRES_URL names.
pub fn test_server_address() -> String {
    let admin_url = std::env::var("SECUREHANDS_TEST_POSTGRES_URL").expect("postgres url");
    let server = url::Url::parse(&admin_url).expect("admin url");
    format!(
        "{}:{}",
        server.host_str().unwrap_or("127.0.0.1"),
        server.port().unwrap_or(5432)
    )
}

/// `url` with its host and port replaced by `addr` (`host:port`).
pub fn with_address(url: &str, addr: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("database url");
    let (host, port) = addr.split_once(':').expect("host:port");
    parsed.set_host(Some(host)).expect("host");
    parsed
        .set_port(Some(port.parse().expect("port")))
        .expect("port");
    parsed.to_string()
}
