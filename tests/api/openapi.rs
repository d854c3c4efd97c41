//! The committed OpenAPI document must be exactly what the code generates.

#[test]
fn committed_openapi_matches_generated() {
    let generated = securehands::http::openapi_document()
        .to_pretty_json()
        .expect("serialize");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).expect("openapi/openapi.json is committed");
    assert!(
        committed.trim_end() == generated.trim_end(),
        "openapi/openapi.json differs from the generated document; regenerate with \
         `cargo run -q -- openapi > openapi/openapi.json`"
    );
}

/// Every `$ref` names something the document defines: a generator stops at the first
/// one that does not resolve.
#[test]
fn every_reference_resolves() {
    let doc = serde_json::to_value(securehands::http::openapi_document()).expect("json");
    let mut refs = Vec::new();
    let mut stack = vec![&doc];
    while let Some(node) = stack.pop() {
        match node {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                    refs.push(r.clone());
                }
                stack.extend(map.values());
            }
            serde_json::Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    assert!(refs.len() > 100, "only {} references", refs.len());
    let dangling: Vec<&String> = refs
        .iter()
        .filter(|r| {
            r.strip_prefix('#')
                .and_then(|pointer| doc.pointer(pointer))
                .is_none()
        })
        .collect();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
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
