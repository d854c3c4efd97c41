//! Failing fast and clearly at start: the database's real reason with the URL (password
//! redacted), the SQLite path in file errors, settings refused with their variable's
//! name — each run of the real binary's `migrate`, which opens the database like `serve`.

const BIN: &str = env!("CARGO_BIN_EXE_securehands");

/// Runs `securehands migrate` with these variables; returns (success, stderr).
async fn migrate(vars: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.arg("migrate")
        .current_dir(dir.path())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/ok.db", dir.path().display()),
        )
        .env("SECUREHANDS_JWT_SECRET", crate::helpers::SECRET)
        .env_remove("SECUREHANDS_DB_MAX_CONNECTIONS")
        .env_remove("SECUREHANDS_LOG_FORMAT");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().await.expect("run securehands");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

#[tokio::test]
async fn the_database_says_why_it_cannot_be_opened() {
    let (ok, _) = migrate(&[]).await;
    assert!(ok, "a good configuration migrates");

    let port = closed_port();
    let url = format!("postgres://app:s3cret@127.0.0.1:{port}/ledger");
    let (ok, err) = migrate(&[("DATABASE_URL", &url)]).await;
    assert!(!ok);
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(err.to_lowercase().contains("refused"), "{err}");
    assert!(!err.contains("s3cret"), "the password is redacted: {err}");

    let (ok, err) =
        migrate(&[("DATABASE_URL", "postgres://app@no-such-host.invalid/ledger")]).await;
    assert!(!ok);
    assert!(err.contains("no-such-host.invalid"), "{err}");

    let (ok, err) = migrate(&[("DATABASE_URL", "sqlite:///dev/null/ledger.db")]).await;
    assert!(!ok);
    assert!(err.contains("/dev/null"), "the SQLite path is named: {err}");
}

#[tokio::test]
#[cfg_attr(not(postgres_tests), ignore = "set SECUREHANDS_TEST_POSTGRES_URL")]
async fn a_missing_postgres_database_is_named() {
    let admin = std::env::var("SECUREHANDS_TEST_POSTGRES_URL").unwrap_or_default();
    let url = crate::helpers::replace_db_name(&admin, "sh_no_such_database");
    let (ok, err) = migrate(&[("DATABASE_URL", &url)]).await;
    assert!(!ok);
    assert!(
        err.contains("sh_no_such_database") && err.contains("does not exist"),
        "{err}"
    );
}

#[tokio::test]
async fn settings_are_refused_with_their_variable_named() {
    for (var, value) in [
        ("SECUREHANDS_DB_MAX_CONNECTIONS", "0"),
        ("SECUREHANDS_DB_CONNECT_TIMEOUT_SECS", "0"),
        ("SECUREHANDS_LOG_FORMAT", "xml"),
        ("SECUREHANDS_OIDC_ROLE_MAP", "Everyone=customer"),
    ] {
        let (ok, err) = migrate(&[(var, value)]).await;
        assert!(!ok, "{var}={value} is refused");
        assert!(err.contains(var), "{var}: {err}");
        assert!(!err.contains("panicked"), "{var}: {err}");
    }
}

#[tokio::test]
async fn token_never_invents_a_secret_the_service_would_refuse() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/ledger.db", dir.path().display());
    let token = |dir: &std::path::Path| {
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.args(["token", "--role", "admin"])
            .current_dir(dir)
            .env("DATABASE_URL", &url)
            .env_remove("SECUREHANDS_JWT_SECRET");
        cmd
    };
    // Before the service ever started there: refused, and nothing is written.
    let out = token(dir.path()).output().await.expect("token");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("jwt-secret") && err.contains("SECUREHANDS_JWT_SECRET"),
        "{err}"
    );
    assert!(
        !dir.path().join("jwt-secret").exists(),
        "no secret invented"
    );
    // Once the service has its secret (its first start writes it there), `token` signs
    // with it and says so.
    std::fs::write(dir.path().join("jwt-secret"), "a".repeat(64)).expect("secret");
    let out = token(dir.path()).output().await.expect("token");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
    assert!(err.contains("signed with the secret in"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ey"));
}

#[tokio::test]
async fn the_configuration_reference_in_the_docs_is_the_one_the_binary_prints() {
    let out = tokio::process::Command::new(BIN)
        .args(["config", "--reference"])
        .output()
        .await
        .expect("run securehands config");
    assert!(out.status.success());
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        printed.contains("`SECUREHANDS_DB_CONNECT_TIMEOUT_SECS`"),
        "{printed}"
    );
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/operations.md"),
    )
    .expect("docs/operations.md");
    let begin = "<!-- config-reference:begin -->\n";
    let carried = docs
        .split_once(begin)
        .and_then(|(_, rest)| rest.split_once("<!-- config-reference:end -->"))
        .map(|(table, _)| table)
        .expect("the reference markers in docs/operations.md");
    assert_eq!(
        carried, printed,
        "docs/operations.md is out of date: paste `securehands config --reference` between its markers"
    );
    // The values in force: secrets redacted, sources named.
    let out = tokio::process::Command::new(BIN)
        .arg("config")
        .env("DATABASE_URL", "postgres://app:s3cret@db.internal/ledger")
        .env("SECUREHANDS_JWT_SECRET", crate::helpers::SECRET)
        .output()
        .await
        .expect("run securehands config");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        !text.contains("s3cret") && !text.contains(crate::helpers::SECRET),
        "{text}"
    );
    assert!(
        text.contains("postgres://app:***@db.internal/ledger  (environment)"),
        "{text}"
    );
    assert!(text.contains("SECUREHANDS_BIND"), "{text}");
}
