//! Build script: rebuild when migrations change (they are embedded by
//! `sqlx::migrate!`), and enable the PostgreSQL half of the test suite only when a test
//! database is configured — otherwise those tests are reported as ignored, never as
//! passed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-env-changed=SECUREHANDS_TEST_POSTGRES_URL");
    println!("cargo:rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo:rerun-if-env-changed=SECUREHANDS_BROWSER_PYTHON");
    println!("cargo:rustc-check-cfg=cfg(browser_tests)");
    if std::env::var("SECUREHANDS_BROWSER_PYTHON").is_ok_and(|v| !v.is_empty()) {
        println!("cargo:rustc-cfg=browser_tests");
    }
    println!("cargo:rerun-if-env-changed=SECUREHANDS_CLIENTS_DIR");
    println!("cargo:rustc-check-cfg=cfg(client_tests)");
    if std::env::var("SECUREHANDS_CLIENTS_DIR").is_ok_and(|v| !v.is_empty()) {
        println!("cargo:rustc-cfg=client_tests");
    }
    println!("cargo:rerun-if-env-changed=SECUREHANDS_OIDC_DIR");
    println!("cargo:rustc-check-cfg=cfg(oidc_tests)");
    if std::env::var("SECUREHANDS_OIDC_DIR").is_ok_and(|v| !v.is_empty()) {
        println!("cargo:rustc-cfg=oidc_tests");
    }
    if std::env::var("SECUREHANDS_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty()) {
        println!("cargo:rustc-cfg=postgres_tests");
    }
}
