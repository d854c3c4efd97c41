//! The committed OpenAPI document must be exactly what the code generates.

#[test]
fn committed_openapi_matches_generated() {
    let generated = securehands::http::openapi_document()
        .to_pretty_json()
        .expect("serialize");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::write(path, format!("{generated}\n")).expect("write openapi");
    }
    let committed = std::fs::read_to_string(path).expect("openapi/openapi.json is committed");
    assert!(
        committed.trim_end() == generated.trim_end(),
        "openapi/openapi.json differs from the generated document; regenerate with \
         `UPDATE_OPENAPI=1 cargo test committed_openapi` or `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn document_is_openapi_31_and_every_operation_is_documented() {
    let doc: serde_json::Value = serde_json::from_str(
        &securehands::http::openapi_document()
            .to_json()
            .expect("json"),
    )
    .expect("parse");
    assert!(
        doc["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.1")
    );
    let paths = doc["paths"].as_object().expect("paths");
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("item") {
            let responses = op["responses"].as_object().expect("responses");
            assert!(
                !responses.is_empty(),
                "{method} {path} documents no response"
            );
            if path.starts_with("/v1/") {
                assert!(
                    op.get("security").is_some(),
                    "{method} {path} documents no security"
                );
                assert!(responses.contains_key("401"), "{method} {path} lacks 401");
            }
        }
    }
}
