//! The access matrix of SPEC §7 as data: `tests/access-matrix.csv` names, for every
//! operation of the OpenAPI document (generated from the router), what each role gets,
//! and for a customer its own resources (`customer_own`) and another customer's
//! (`customer_other`: the own customer's token on the other customer's resource).
//!
//! The table must list exactly the operations of the router, so a new route without a
//! row (or a row for a removed route) fails this test. Cells:
//! * `ok`  — authorised: the row's first authorised caller gets 2xx (428 for the two
//!   operations that need `If-Match`, which is not sent; for the rows of
//!   `SEEDED_STATE`, the exact 409 the seeded state gives); the later ones 2xx or the
//!   state the first left (409, 412) — never 401/403/404, 422 or 5xx;
//! * `403` — refused by role (checked from the token, before the body);
//! * `404` — another customer's resource (checked once the resource is loaded);
//! * `-`   — does not apply; a row of `-` only is public and must answer 2xx without a
//!   token.
//!
//! Path parameters are filled with seeded resources (`{id}` by the resource the path
//! names; session actions that need a delivered session get one). `{customer_id}` in a
//! body is the column's customer. A customer's GET of a list (no path parameter) asks
//! for its customer with `?customer_id=`, so `customer_other` checks the list scope.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::Method;
use securehands::domain::access::Role;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::receiver::Receiver;
use crate::helpers::{TestApp, active_sow, deliver, schedule, sell};

/// The role columns, in table order, with the role of their token.
const COLUMNS: [(&str, Role); 7] = [
    ("admin", Role::Admin),
    ("account_manager", Role::AccountManager),
    ("soc_lead", Role::SocLead),
    ("soc_manager", Role::SocManager),
    ("finance", Role::Finance),
    ("customer_own", Role::Customer),
    ("customer_other", Role::Customer),
];
const OTHER: usize = 6;
const CALENDAR: &str = "fr-paris";
const HOLIDAY: &str = "2026-11-11";
const MONTH: &str = "2026-12";
/// Session paths that act on a delivered session (the others use a scheduled one).
const ON_DELIVERED: [&str; 5] = [
    "/statement",
    "/accept",
    "/complaints",
    "/decision",
    "/evaluation",
];
/// Actions sent last, so what they close is still open for the rows before them.
const CLOSING: [&str; 7] = [
    "/cancel",
    "/complete",
    "/decline",
    "/redirect",
    "/deliver",
    "/no-show",
    "/accept",
];
const ENDPOINT: &str = r#"{"url": "http://127.0.0.1:9/hook", "events": ["quote_lapsed"]}"#;

/// One row of the table.
struct Row {
    method: String,
    path: String,
    body: String,
    cells: Vec<String>,
}

/// Splits one CSV line (RFC 4180 quoting: `"…"`, `""` for a quote).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

fn read_table() -> Vec<Row> {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/access-matrix.csv");
    let text = std::fs::read_to_string(file).expect("tests/access-matrix.csv is committed");
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = split_csv_line(lines.next().expect("a header line"));
    let mut expected = vec!["method", "path", "body"];
    expected.extend(COLUMNS.iter().map(|(name, _)| *name));
    assert_eq!(header, expected, "the header of tests/access-matrix.csv");
    lines
        .map(|line| {
            let f = split_csv_line(line);
            assert_eq!(f.len(), expected.len(), "wrong number of fields: {line}");
            for cell in &f[3..] {
                assert!(
                    matches!(cell.as_str(), "ok" | "403" | "404" | "-"),
                    "cell {cell:?} is not ok, 403, 404 or -: {line}"
                );
            }
            if !f[2].is_empty() {
                serde_json::from_str::<Value>(&f[2])
                    .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {line}"));
            }
            Row {
                method: f[0].clone(),
                path: f[1].clone(),
                body: f[2].clone(),
                cells: f[3..].to_vec(),
            }
        })
        .collect()
}

/// Every (METHOD, path template) of the document the router generates.
fn documented_operations() -> BTreeSet<(String, String)> {
    let text = securehands::http::openapi_document()
        .to_json()
        .expect("json");
    let doc: Value = serde_json::from_str(&text).expect("parse");
    let methods = [
        "get", "put", "post", "delete", "patch", "head", "options", "trace",
    ];
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if methods.contains(&method.as_str()) {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

/// Fails, listing them, unless the table has exactly one row per documented operation.
fn assert_covers_the_router(rows: &[Row]) {
    let listed: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    let table: BTreeSet<(String, String)> = listed.iter().cloned().collect();
    assert_eq!(
        table.len(),
        listed.len(),
        "tests/access-matrix.csv repeats a row"
    );
    let documented = documented_operations();
    let name = |(m, p): &(String, String)| format!("{m} {p}");
    let missing: Vec<String> = documented.difference(&table).map(name).collect();
    let stale: Vec<String> = table.difference(&documented).map(name).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "tests/access-matrix.csv must have one row per operation of the router.\n\
         Operations without a row (add them): {missing:#?}\n\
         Rows for no operation (remove them): {stale:#?}"
    );
}

/// One customer's resources.
struct Side {
    customer: String,
    quote: String,
    request: String,
    sow: String,
    scheduled: String,
    delivered: String,
}

/// Everything the paths need.
struct World {
    own: Side,
    other: Side,
    endpoint: String,
    delivery: String,
    api_key: String,
    user: String,
}

async fn seed_side(app: &TestApp) -> Side {
    let customer = app.customer_paris().await;
    sell(app, &customer, "50.00", None).await;
    let quote = app
        .post(
            &format!("/v1/customers/{customer}/quotes"),
            &app.am(),
            json!({"units": "5.00", "reason": "matrix"}),
        )
        .await
        .expect(201)
        .str("id");
    let request = app
        .post(
            "/v1/requests",
            &app.lead(),
            json!({"customer_id": customer, "kind": "custom", "channel": "email", "summary": "matrix", "identity_verified": true}),
        )
        .await
        .expect(201)
        .str("id");
    // A baseline assessment, with an issued report (its report rows read and write it).
    let sow = active_sow(
        app,
        &customer,
        "20.00",
        10,
        json!({"kind": "baseline_assessment"}),
    )
    .await;
    app.put(
        &format!("/v1/sows/{sow}/report"),
        &app.lead(),
        json!({"summary": "matrix", "findings": []}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/v1/sows/{sow}/report/issue"),
        &app.lead(),
        json!({}),
    )
    .await
    .expect(201);
    let scheduled = schedule(app, &sow, "2026-12-08T09:00:00Z", "2026-12-08T10:00:00Z")
        .await
        .expect(201)
        .str("id");
    // Before the clock (START = 08:00Z), so it can be delivered now.
    let delivered = schedule(app, &sow, "2026-12-01T06:00:00Z", "2026-12-01T07:00:00Z")
        .await
        .expect(201)
        .str("id");
    deliver(
        app,
        &delivered,
        "2026-12-01T06:00:00Z",
        "2026-12-01T07:00:00Z",
    )
    .await
    .expect(200);
    Side {
        customer,
        quote,
        request,
        sow,
        scheduled,
        delivered,
    }
}

async fn new_endpoint(app: &TestApp, body: Value) -> String {
    app.post("/v1/webhook-endpoints", &app.admin(), body)
        .await
        .expect(201)
        .str("id")
}

async fn new_key(app: &TestApp) -> String {
    app.post(
        "/v1/api-keys",
        &app.admin(),
        json!({"name": "matrix", "roles": ["finance"]}),
    )
    .await
    .expect(201)
    .str("id")
}

/// A person as a sign-in through the provider leaves one (written to the store: the
/// matrix is about who may manage people, not about signing in).
async fn seed_user(app: &TestApp) -> String {
    use securehands::storage::identity::users::{UserRow, upsert};
    let now = app.state.clock.now();
    let mut tx = app.state.db.begin_write().await.expect("tx");
    let row = UserRow {
        id: "matrix-person".into(),
        name: "Matrix Person".into(),
        email: Some("matrix@provider.example".into()),
        roles: vec!["soc_lead".into()],
        first_seen_at: now,
        last_sign_in_at: now,
        disabled_at: None,
    };
    upsert(&mut tx, &row).await.expect("user");
    tx.commit().await.expect("commit");
    row.id
}

async fn first_delivery(app: &TestApp, endpoint: &str) -> String {
    let path = format!("/v1/webhook-endpoints/{endpoint}/deliveries");
    for _ in 0..200 {
        let r = app.get(&path, &app.admin()).await.expect(200);
        if let Some(id) = r.body["data"][0]["id"].as_str() {
            return id.to_string();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no delivery was recorded for webhook endpoint {endpoint}");
}

/// The concrete path of `template` for a column (the other customer's resources for
/// `customer_other`).
fn concrete_path(template: &str, w: &World, other: bool) -> String {
    let side = if other { &w.other } else { &w.own };
    let resource = template.trim_start_matches("/v1/").split('/').next();
    let id: &str = match resource {
        Some("calendars") => CALENDAR,
        Some("customers") => &side.customer,
        Some("quotes") => &side.quote,
        Some("requests") => &side.request,
        Some("sows") => &side.sow,
        Some("sessions") if ON_DELIVERED.iter().any(|s| template.ends_with(s)) => &side.delivered,
        Some("sessions") => &side.scheduled,
        Some("webhook-endpoints") => &w.endpoint,
        Some("api-keys") => &w.api_key,
        Some("users") => &w.user,
        _ => "",
    };
    let path = template
        .replace("{id}", id)
        .replace("{date}", HOLIDAY)
        .replace("{month}", MONTH)
        .replace("{delivery_id}", &w.delivery);
    assert!(
        !(path.contains('{') || id.is_empty() && template.contains("{id}")),
        "no seeded value for a parameter of {template}: teach concrete_path about it"
    );
    path
}

/// A DELETE consumes what it names: recreate it before each request.
async fn recreate(app: &TestApp, template: &str, path: String) -> String {
    match template {
        "/v1/calendars/{id}/holidays/{date}" => {
            app.put(&path, &app.admin(), json!({})).await.expect(200);
            path
        }
        "/v1/webhook-endpoints/{id}" => {
            let body = serde_json::from_str(ENDPOINT).expect("endpoint body");
            format!("/v1/webhook-endpoints/{}", new_endpoint(app, body).await)
        }
        "/v1/api-keys/{id}" => format!("/v1/api-keys/{}", new_key(app).await),
        _ => panic!("DELETE {template}: teach `recreate` how to give it a fresh resource"),
    }
}

/// Reads first, then changes, then what closes resources.
fn phase(row: &Row) -> u8 {
    if row.method == "GET" {
        0
    } else if row.method == "DELETE" || CLOSING.iter().any(|s| row.path.ends_with(s)) {
        2
    } else {
        1
    }
}

/// Operations bound to a revision: sent without `If-Match`, every authorised caller
/// gets 428 (the refusal that proves it got past the role check).
const NEEDS_IF_MATCH: [&str; 2] = ["PATCH /v1/sows/{id}", "POST /v1/sows/{id}/approve"];

/// Rows whose first authorised caller meets a state the shared seed (or an earlier
/// row) left, and the exact refusal it gets: one active SoW, one request already
/// answered, sessions already closed by earlier rows.
const SEEDED_STATE: [(&str, &str); 9] = [
    ("POST /v1/sows/{id}/reject", "sow_not_submitted"),
    ("POST /v1/sows/{id}/submit", "sow_not_draft"),
    ("POST /v1/requests/{id}/decline", "request_not_open"),
    ("POST /v1/requests/{id}/redirect", "request_not_open"),
    ("POST /v1/sessions/{id}/accept", "session_not_delivered"),
    ("POST /v1/sessions/{id}/deliver", "session_not_scheduled"),
    ("POST /v1/sessions/{id}/no-show", "session_not_scheduled"),
    ("POST /v1/sows/{id}/cancel", "sessions_pending"),
    ("POST /v1/sows/{id}/complete", "sessions_pending"),
];

/// What the first authorised caller of a row must get: 2xx, unless the row needs
/// `If-Match` (428) or meets a seeded state (that 409 and its code).
fn first_answer(operation: &str) -> (u16, Option<&'static str>) {
    if NEEDS_IF_MATCH.contains(&operation) {
        return (428, None);
    }
    match SEEDED_STATE.iter().find(|(op, _)| *op == operation) {
        Some((_, code)) => (409, Some(code)),
        None => (200, None),
    }
}

/// Whether `status` (and problem `code`) is what the cell says. The first authorised
/// caller of a row gets what [`first_answer`] says; later ones may meet the state it
/// left (409, 412).
fn agrees(expected: &str, status: u16, code: &str, first: Option<(u16, Option<&str>)>) -> bool {
    match (expected, first) {
        ("ok", Some((200, _))) => (200..300).contains(&status),
        ("ok", Some((want, want_code))) => status == want && want_code.is_none_or(|c| c == code),
        ("ok", None) => (200..300).contains(&status) || matches!(status, 409 | 412),
        ("403", _) => status == 403,
        ("404", _) => status == 404,
        _ => false,
    }
}

both_backends!(
    every_operation_answers_every_role_as_the_matrix_says,
    |app| {
        let mut rows = read_table();
        assert_covers_the_router(&rows);
        rows.sort_by_key(phase);

        // Seed: an endpoint first (it receives the events recorded after it), then two
        // customers with a pack, a quote, a request, an active SoW, a scheduled and a
        // delivered session each, and a holiday.
        let receiver = Receiver::start(&[]).await;
        let endpoint = new_endpoint(&app, json!({"url": receiver.url, "events": ["*"]})).await;
        let own = seed_side(&app).await;
        let other = seed_side(&app).await;
        app.put(
            &format!("/v1/calendars/{CALENDAR}/holidays/{HOLIDAY}"),
            &app.admin(),
            json!({}),
        )
        .await
        .expect(200);
        let delivery = first_delivery(&app, &endpoint).await;
        let api_key = new_key(&app).await;
        let user = seed_user(&app).await;
        let world = World {
            own,
            other,
            endpoint,
            delivery,
            api_key,
            user,
        };
        let tokens: Vec<String> = COLUMNS
            .iter()
            .map(|(_, role)| {
                let customer = (*role == Role::Customer).then_some(world.own.customer.as_str());
                app.token(&[*role], customer)
            })
            .collect();

        let mut mismatches = Vec::new();
        for row in &rows {
            let method = Method::from_bytes(row.method.as_bytes()).expect("an HTTP method");
            if row.cells.iter().all(|c| c == "-") {
                let r = app.send(method, &row.path, None, None, &[]).await;
                if !r.status.is_success() {
                    mismatches.push(format!(
                        "{} {} without a token: expected 2xx, got {}",
                        row.method, row.path, r.status
                    ));
                }
                continue;
            }
            let operation = format!("{} {}", row.method, row.path);
            let mut first = Some(first_answer(&operation));
            for (i, ((column, role), expected)) in COLUMNS.iter().zip(&row.cells).enumerate() {
                if expected == "-" {
                    continue;
                }
                let side = if i == OTHER { &world.other } else { &world.own };
                let mut path = concrete_path(&row.path, &world, i == OTHER);
                if row.method == "DELETE" {
                    path = recreate(&app, &row.path, path).await;
                }
                if *role == Role::Customer && row.method == "GET" && !row.path.contains('{') {
                    path = format!("{path}?customer_id={}", side.customer);
                }
                let body_text = row.body.replace("{customer_id}", &side.customer);
                let body = (!body_text.is_empty())
                    .then(|| serde_json::from_str::<Value>(&body_text).expect("a JSON body"));
                let r = app
                    .send(method.clone(), &path, Some(&tokens[i]), body, &[])
                    .await;
                let status = r.status.as_u16();
                let code = r.body["code"].as_str().unwrap_or_default();
                let agreed = agrees(expected, status, code, first);
                if expected == "ok" && !NEEDS_IF_MATCH.contains(&operation.as_str()) {
                    first = None;
                }
                if !agreed {
                    let answer: String = r.text.chars().take(200).collect();
                    mismatches.push(format!(
                        "{} {} {column}: expected {expected}, got {status} (body {body_text:?}; \
                     sent {path}; answer {answer})",
                        row.method, row.path
                    ));
                }
            }
        }
        assert!(
            mismatches.is_empty(),
            "{} cell(s) of tests/access-matrix.csv do not hold:\n{}",
            mismatches.len(),
            mismatches.join("\n")
        );
    }
);
