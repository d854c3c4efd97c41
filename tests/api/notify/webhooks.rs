//! Webhooks: signed like Stripe's, retried after a failure, in the feed's order per
//! customer, with a delivery log and a manual retry.

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::receiver::Receiver;
use crate::helpers::sell;
use crate::{both_backends, on_both_backends};

fn verify(secret: &str, header: &str, body: &str) -> bool {
    let mut t = "";
    let mut v1 = "";
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = value,
            Some(("v1", value)) => v1 = value,
            _ => {}
        }
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{t}.{body}").as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    !t.is_empty() && expected == v1
}

/// An endpoint's delivery log, as finance reads it.
async fn delivery_log(app: &crate::helpers::TestApp, endpoint: &str) -> crate::helpers::Resp {
    app.get(
        &format!("/v1/webhook-endpoints/{endpoint}/deliveries"),
        &app.finance(),
    )
    .await
    .expect(200)
}

both_backends!(deliveries_are_signed_retried_and_ordered, |app| {
    let receiver = Receiver::start(&[500]).await;
    let c = app.customer_paris().await;
    let created = app
        .post(
            "/v1/webhook-endpoints",
            &app.finance(),
            json!({"url": receiver.url, "events": ["pack_sold"], "description": "ERP"}),
        )
        .await
        .expect(201);
    let endpoint = created.str("id");
    let secret = created.str("secret");
    assert!(secret.starts_with("whsec_"), "{}", created.text);
    // The secret is shown only once.
    let read = app
        .get(&format!("/v1/webhook-endpoints/{endpoint}"), &app.am())
        .await
        .expect(200);
    assert!(read.body.get("secret").is_none(), "{}", read.text);

    sell(&app, &c, "5.00", None).await;
    sell(&app, &c, "7.00", None).await;
    // The first delivery fails; the second waits behind it.
    receiver
        .wait_for("a first attempt", |h| !h.is_empty())
        .await;
    app.quiesce().await;
    let hits = receiver.hits();
    assert_eq!(hits.len(), 1, "the later event must wait: {hits:#?}");
    assert_eq!(hits[0].answered, 500);
    let log = delivery_log(&app, &endpoint).await;
    let pending: Vec<&Value> = log.body["data"]
        .as_array()
        .map(|d| d.iter().filter(|x| x["status"] == "pending").collect())
        .unwrap_or_default();
    assert_eq!(pending.len(), 2, "{}", log.text);
    let first = pending
        .iter()
        .find(|d| d["attempts"].as_array().is_some_and(|a| a.len() == 1))
        .expect("attempted");
    assert_eq!(first["last_status"], 500);
    assert!(first["next_attempt_at"].is_string());

    // After the backoff, the first is retried and succeeds, then the second follows.
    app.set_clock("2026-12-01T08:05:00Z").await;
    let hits = receiver
        .wait_for("the retry and the next event", |h| h.len() >= 3)
        .await;
    let events: Vec<Value> = hits
        .iter()
        .map(|h| serde_json::from_str(&h.body).expect("json body"))
        .collect();
    assert_eq!(
        events[0]["id"], events[1]["id"],
        "a retry resends the same event"
    );
    assert_ne!(events[1]["id"], events[2]["id"]);
    let seq = |e: &Value| {
        e["id"]
            .as_str()
            .and_then(|s| s.strip_prefix("evt_"))
            .and_then(|n| n.parse::<i64>().ok())
    };
    assert!(seq(&events[1]) < seq(&events[2]), "feed order per customer");
    for (hit, event) in hits.iter().zip(&events) {
        let header = hit
            .headers
            .get("securehands-signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(verify(&secret, header, &hit.body), "bad signature {header}");
        assert!(!verify("whsec_wrong", header, &hit.body));
        assert_eq!(
            hit.headers
                .get("securehands-event-id")
                .and_then(|v| v.to_str().ok()),
            event["id"].as_str()
        );
        assert_eq!(event["type"], "pack_sold");
        assert_eq!(event["customer_id"], c.as_str());
    }
    // The same events as the feed.
    let feed = app
        .get("/v1/events?limit=1000", &app.finance())
        .await
        .expect(200);
    let sold: Vec<i64> = feed.body["data"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter(|e| e["kind"] == "pack_sold")
                .filter_map(|e| e["seq"].as_i64())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        sold,
        vec![seq(&events[1]).unwrap_or(0), seq(&events[2]).unwrap_or(0)]
    );

    // A manual retry sends a delivered event again.
    let log = delivery_log(&app, &endpoint).await;
    let done = log.body["data"][0].clone();
    assert_eq!(done["status"], "succeeded", "{}", log.text);
    app.post(
        &format!(
            "/v1/webhook-endpoints/{endpoint}/deliveries/{}/retry",
            done["id"].as_str().unwrap_or("")
        ),
        &app.finance(),
        json!({}),
    )
    .await
    .expect(200);
    receiver
        .wait_for("the manual retry", |h| h.len() >= 4)
        .await;

    // Removed endpoints receive nothing more.
    app.delete(&format!("/v1/webhook-endpoints/{endpoint}"), &app.am())
        .await
        .expect(200);
    sell(&app, &c, "1.00", None).await;
    app.quiesce().await;
    assert_eq!(receiver.hits().len(), 4);
    app.get(&format!("/v1/webhook-endpoints/{endpoint}"), &app.am())
        .await
        .expect_problem(404, "not_found");
});

both_backends!(endpoints_are_validated_and_guarded, |app| {
    for (body, field) in [
        (
            json!({"url": "ftp://example.com/x", "events": ["*"]}),
            "url",
        ),
        (
            json!({"url": "https://example.com/x", "events": ["pack_sould"]}),
            "events",
        ),
        (
            json!({"url": "https://example.com/x", "events": []}),
            "events",
        ),
    ] {
        let r = app
            .post("/v1/webhook-endpoints", &app.admin(), body)
            .await
            .expect_problem(422, "validation_failed");
        assert!(r.body["errors"][field].is_array(), "{}", r.text);
    }
    app.post(
        "/v1/webhook-endpoints",
        &app.lead(),
        json!({"url": "https://example.com/x", "events": ["*"]}),
    )
    .await
    .expect_problem(403, "forbidden");
    let listed = app
        .get("/v1/webhook-endpoints", &app.finance())
        .await
        .expect(200);
    assert_eq!(listed.body["data"], json!([]));
});

// One pass sends several of a chain's deliveries, in the feed's order, and none after
// one that failed: the later ones wait for its retry.
on_both_backends!(a_pass_sends_a_chain_in_order_up_to_a_failure, |backend| {
    let receiver = Receiver::start(&[200, 200, 500]).await;
    let app = crate::helpers::spawn_app_with(backend, |s| s.notify_interval_ms = 0).await;
    let c = app.customer_paris().await;
    let endpoint = app
        .post(
            "/v1/webhook-endpoints",
            &app.finance(),
            json!({"url": receiver.url, "events": ["pack_sold"]}),
        )
        .await
        .expect(201)
        .str("id");
    for units in ["1.00", "2.00", "3.00", "4.00", "5.00"] {
        sell(&app, &c, units, None).await;
    }
    let ids = |hits: &[crate::helpers::receiver::Hit]| -> Vec<i64> {
        hits.iter()
            .filter_map(|h| serde_json::from_str::<Value>(&h.body).ok())
            .filter_map(|e| e["id"].as_str()?.strip_prefix("evt_")?.parse().ok())
            .collect()
    };
    app.notifier.run_once().await.expect("one pass");
    let hits = receiver.hits();
    assert_eq!(
        hits.len(),
        3,
        "two delivered, the third failed, then nothing: {hits:#?}"
    );
    assert_eq!(hits[2].answered, 500);
    let first = ids(&hits);
    assert!(
        first.windows(2).all(|w| w[0] < w[1]),
        "feed order: {first:?}"
    );
    let log = delivery_log(&app, &endpoint).await;
    let attempts = |status: &str| -> Vec<usize> {
        log.body["data"]
            .as_array()
            .map(|d| {
                d.iter()
                    .filter(|x| x["status"] == status)
                    .map(|x| x["attempts"].as_array().map_or(0, Vec::len))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(attempts("succeeded"), vec![1, 1], "{}", log.text);
    let mut pending = attempts("pending");
    pending.sort_unstable();
    assert_eq!(pending, vec![0, 0, 1], "{}", log.text);

    // The failed one is not due yet: nothing leaves.
    app.notifier.run_once().await.expect("another pass");
    assert_eq!(receiver.hits().len(), 3);
    // After its backoff: the retry, then the two that waited, in order.
    app.set_clock("2026-12-01T08:05:00Z").await;
    app.quiesce().await;
    let all = ids(&receiver.hits());
    assert_eq!(all.len(), 6, "{all:?}");
    assert_eq!(all[3], all[2], "the retry resends the failed event first");
    assert!(
        all[3..].windows(2).all(|w| w[0] < w[1]),
        "feed order: {all:?}"
    );
});

/// Webhooks never reach the service's own network: internal addresses are refused at
/// registration — IP literals, and names resolving to them — unless an operator allows
/// the range.
#[tokio::test]
async fn internal_targets_are_refused_at_registration() {
    let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, |s| {
        s.webhook_allow_cidrs.clear();
    })
    .await;
    for url in [
        "http://169.254.169.254/latest/meta-data",
        "http://127.0.0.1:5432/",
        "http://[::1]:6379/",
        "http://10.0.0.7/hook",
        "http://localhost:8080/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ] {
        let r = app
            .post(
                "/v1/webhook-endpoints",
                &app.finance(),
                json!({"url": url, "events": ["*"]}),
            )
            .await
            .expect_problem(422, "validation_failed");
        let why = r.body["errors"]["url"][0].as_str().unwrap_or_default();
        assert!(
            why.contains("webhooks go to public addresses"),
            "{url}: {}",
            r.text
        );
    }
    // A name that does not resolve now is accepted (every delivery checks again).
    app.post(
        "/v1/webhook-endpoints",
        &app.finance(),
        json!({"url": "https://erp.invalid/hooks", "events": ["*"]}),
    )
    .await
    .expect(201);
}

/// Every delivery checks the address it connects to: an endpoint registered while its
/// name pointed somewhere allowed is refused once the policy (or the name's address)
/// says otherwise — nothing is sent, and the log says why without telling what
/// listens there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_check_the_address_they_connect_to() {
    let receiver = Receiver::start(&[]).await;
    let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, |s| {
        s.notify_interval_ms = 0;
    })
    .await;
    let c = app.customer_paris().await;
    // Registered by name while loopback is allowed…
    let by_name = receiver.url.replace("127.0.0.1", "localhost");
    let mut endpoints = Vec::new();
    for url in [receiver.url.clone(), by_name] {
        endpoints.push(
            app.post(
                "/v1/webhook-endpoints",
                &app.finance(),
                json!({"url": url, "events": ["pack_sold"]}),
            )
            .await
            .expect(201)
            .str("id"),
        );
    }
    sell(&app, &c, "5.00", None).await;
    // …delivered by a replica whose policy refuses loopback.
    let mut settings = app.settings.clone();
    settings.webhook_allow_cidrs.clear();
    let strict = securehands::app::build(&settings).await.expect("replica");
    assert!(
        strict
            .notifier
            .run_until_idle(std::time::Duration::from_secs(30))
            .await
            .expect("sender")
    );
    assert!(receiver.hits().is_empty(), "{:#?}", receiver.hits());
    for endpoint in &endpoints {
        let log = delivery_log(&app, endpoint).await;
        let error = log.body["data"][0]["attempts"][0]["error"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            error.starts_with("refused: ") && error.contains("loopback"),
            "{}",
            log.text
        );
    }
    strict.state.db.close().await;
}
