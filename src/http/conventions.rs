//! Conventions every handler shares, declared once in the document instead of in
//! each handler's annotation: the `Idempotency-Key` header of every write (each write
//! handler goes through [`crate::http::uow::write`]), bodies that may be left out
//! (an empty body is read as `{}`), and the links from creates to their users.

use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{OpenApi, RefOr, Required};

/// What the extractor accepts: 1 to 255 visible ASCII characters.
pub const KEY_PATTERN: &str = r"^[!-~]{1,255}$";

/// Writes that are not keyed: moving the test clock to an instant is idempotent by
/// itself (moving it to the same instant again changes nothing).
const UNKEYED: &[&str] = &["set_test_clock"];

/// Completes the document collected from the handlers.
pub fn complete(doc: &mut OpenApi) {
    declare_keys(doc);
    optional_bodies(doc);
    super::links::add_links(doc);
}

/// Declares `Idempotency-Key` on every POST, PUT, PATCH and DELETE.
fn declare_keys(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let writes = [
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ];
        for op in writes.into_iter().flatten() {
            if !op
                .operation_id
                .as_deref()
                .is_some_and(|id| UNKEYED.contains(&id))
            {
                add_key(op);
            }
        }
    }
}

/// A body whose schema requires no property may be left out: the extractor reads an
/// empty body as `{}` (so `POST /v1/sows/{id}/submit` needs no `-d '{}'`).
fn optional_bodies(doc: &mut OpenApi) {
    let schemas = doc.components.as_ref().map(|c| c.schemas.clone());
    for item in doc.paths.paths.values_mut() {
        let ops = [
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ];
        for op in ops.into_iter().flatten() {
            let Some(RefOr::T(body)) = op.request_body.as_mut() else {
                continue;
            };
            let requires_nothing = body.content.values().all(|content| match content {
                RefOr::Ref(_) => false,
                RefOr::T(content) => content_requires_nothing(&content.schema, schemas.as_ref()),
            });
            if requires_nothing {
                body.required = Some(Required::False);
            }
        }
    }
}

type Schemas = std::collections::BTreeMap<String, RefOr<utoipa::openapi::schema::Schema>>;

fn content_requires_nothing(
    schema: &Option<RefOr<utoipa::openapi::schema::Schema>>,
    schemas: Option<&Schemas>,
) -> bool {
    match schema {
        Some(RefOr::Ref(r)) => {
            let name = r.ref_location.rsplit('/').next().unwrap_or("");
            schemas
                .and_then(|s| s.get(name))
                .is_some_and(requires_no_property)
        }
        Some(RefOr::T(schema)) => requires_no_property(&RefOr::T(schema.clone())),
        None => true,
    }
}

fn requires_no_property(schema: &RefOr<utoipa::openapi::schema::Schema>) -> bool {
    use utoipa::openapi::schema::Schema;
    match schema {
        RefOr::T(Schema::Object(object)) => object.required.is_empty(),
        RefOr::T(Schema::AllOf(_) | Schema::OneOf(_) | Schema::AnyOf(_)) => false,
        _ => true,
    }
}

fn add_key(op: &mut Operation) {
    let parameter = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Replays the first response for the same request by the same caller; \
             the same key with a different request is a 422, and while the first is \
             still running a 409",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(KEY_PATTERN))
                .examples(["order-2026-118"]),
        ))
        .build();
    op.parameters
        .get_or_insert_with(Vec::new)
        .push(parameter.into());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::extract::is_valid_key;

    #[test]
    fn the_pattern_is_what_the_extractor_accepts() {
        let re = regex::Regex::new(KEY_PATTERN).expect("pattern compiles");
        let long = "k".repeat(255);
        let too_long = "k".repeat(256);
        for key in [
            "a", "order-1", "~!", " a", "a b", "é", "", "\u{7f}", &long, &too_long,
        ] {
            assert_eq!(re.is_match(key), is_valid_key(key), "disagree on {key:?}");
        }
    }
}
