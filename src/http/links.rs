//! OpenAPI links: from each operation that creates something to the operations that
//! use its id, so a client (or a stateful fuzzer) can chain create → read → act
//! without guessing where an id goes.
//!
//! The links are derived from the paths the router really serves: every operation
//! under a resource's `/{id}` gets a link from the resource's creator. A new route
//! under an existing resource is linked without anyone remembering to.

use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::{OpenApi, RefOr};

/// Where the id of what an operation creates can be read from in its response, and
/// which paths use it as `{id}`.
struct Creator {
    /// The creating operation.
    operation_id: &'static str,
    /// Its success status.
    status: &'static str,
    /// Paths under this prefix followed by `/{id}` use the id.
    resource: &'static str,
    /// Runtime expression giving the id.
    id_from: &'static str,
}

/// The created thing's own id.
const ID: &str = "$response.body#/id";

/// Every create in the API. A pack has no operation of its own: its `customer_id`
/// leads to the customer's balance, packs, quotes and statements.
const CREATORS: &[Creator] = &[
    Creator::body("create_customer", "/v1/customers", ID),
    Creator::body("sell_pack", "/v1/customers", "$response.body#/customer_id"),
    Creator::body("create_quote", "/v1/quotes", ID),
    Creator::body("create_request", "/v1/requests", ID),
    Creator::body("create_sow", "/v1/sows", ID),
    Creator::body("schedule_session", "/v1/sessions", ID),
    Creator::body("create_endpoint", "/v1/webhook-endpoints", ID),
    Creator {
        operation_id: "put_calendar",
        status: "201",
        resource: "/v1/calendars",
        id_from: "$request.path.id",
    },
];

impl Creator {
    /// A create answering 201 with the id at `field` (a JSON pointer) in its body.
    const fn body(operation_id: &'static str, resource: &'static str, field: &'static str) -> Self {
        Creator {
            operation_id,
            status: "201",
            resource,
            id_from: field,
        }
    }
}

/// Adds a link from each creator's success response to every operation that takes
/// the created id as `{id}`.
pub fn add_links(doc: &mut OpenApi) {
    let users = users_of_ids(doc);
    for creator in CREATORS {
        let targets: Vec<(&String, bool)> = users
            .iter()
            .filter(|(resource, _, _)| resource == creator.resource)
            .map(|(_, operation_id, if_match)| (operation_id, *if_match))
            .collect();
        let Some(response) = find_operation(doc, creator.operation_id)
            .and_then(|op| op.responses.responses.get_mut(creator.status))
        else {
            continue;
        };
        let RefOr::T(response) = response else {
            continue;
        };
        let has_etag = response.headers.contains_key("ETag");
        for (target, if_match) in targets {
            let mut link = LinkBuilder::new()
                .operation_id(target.as_str())
                .parameter("id", creator.id_from)
                .description(format!(
                    "The id of what `{}` created, used by `{target}`",
                    creator.operation_id
                ));
            if if_match && has_etag {
                link = link.parameter("If-Match", "$response.header.ETag");
            }
            let link = link.build();
            response.links.insert(target.clone(), RefOr::T(link));
        }
    }
}

/// (resource prefix, operation id, takes `If-Match`) for every operation whose path
/// is `<resource>/{id}` or below it.
fn users_of_ids(doc: &OpenApi) -> Vec<(String, String, bool)> {
    let mut users = Vec::new();
    for (path, item) in &doc.paths.paths {
        let Some((resource, _)) = path.split_once("/{id}") else {
            continue;
        };
        for method in METHODS {
            let Some(op) = operation(item, method) else {
                continue;
            };
            if let Some(id) = op.operation_id.clone() {
                users.push((resource.to_string(), id, takes_if_match(op)));
            }
        }
    }
    users
}

const METHODS: [HttpMethod; 5] = [
    HttpMethod::Get,
    HttpMethod::Post,
    HttpMethod::Put,
    HttpMethod::Patch,
    HttpMethod::Delete,
];

fn takes_if_match(op: &Operation) -> bool {
    op.parameters.iter().flatten().any(|p| match p {
        RefOr::T(p) => p.name == "If-Match",
        RefOr::Ref(_) => false,
    })
}

fn operation(item: &utoipa::openapi::PathItem, method: HttpMethod) -> Option<&Operation> {
    match method {
        HttpMethod::Get => item.get.as_ref(),
        HttpMethod::Post => item.post.as_ref(),
        HttpMethod::Put => item.put.as_ref(),
        HttpMethod::Patch => item.patch.as_ref(),
        HttpMethod::Delete => item.delete.as_ref(),
        _ => None,
    }
}

fn find_operation<'a>(doc: &'a mut OpenApi, operation_id: &str) -> Option<&'a mut Operation> {
    doc.paths.paths.values_mut().find_map(|item| {
        [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ]
        .into_iter()
        .flatten()
        .find(|op| op.operation_id.as_deref() == Some(operation_id))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_creator_links_to_something_and_exists() {
        let doc = crate::http::openapi_document();
        for creator in CREATORS {
            let json = serde_json::to_value(&doc).expect("document serialises");
            let links = json["paths"]
                .as_object()
                .into_iter()
                .flat_map(|paths| paths.values())
                .flat_map(|item| item.as_object().into_iter().flat_map(|ops| ops.values()))
                .find(|op| op["operationId"] == creator.operation_id)
                .map(|op| op["responses"][creator.status]["links"].clone());
            let count = links
                .as_ref()
                .and_then(|l| l.as_object())
                .map_or(0, |l| l.len());
            assert!(
                count > 0,
                "{} has no links from its {} response",
                creator.operation_id,
                creator.status
            );
        }
    }
}
