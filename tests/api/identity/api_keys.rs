//! API keys: created by an admin with a secret shown once, used as a bearer secret,
//! named on what they change, listed without secrets, revoked at once on every replica,
//! rolled with a grace period for the old secret; admins are mailed.

use serde_json::{Value, json};

use crate::helpers::smtp::SmtpServer;
use crate::helpers::{TestApp, entries, sell, spawn_app_with};
use crate::on_both_backends;

async fn create(app: &TestApp, body: Value) -> Value {
    app.post("/v1/api-keys", &app.admin(), body)
        .await
        .expect(201)
        .body
}

fn secret(key: &Value) -> String {
    key["secret"].as_str().expect("secret").to_string()
}

on_both_backends!(a_key_works_names_its_changes_and_is_shown_once, |backend| {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = spawn_app_with(backend, move |s| {
        s.smtp_url = Some(url);
        s.notify_admins = vec!["security@provider.example".into()];
    })
    .await;
    let c = app.customer_paris().await;
    let key = create(
        &app,
        json!({"name": "ERP ledger sync", "roles": ["account_manager"]}),
    )
    .await;
    let s = secret(&key);
    assert!(s.starts_with("shk_") && s.len() == 44, "{s}");
    assert_eq!(key["prefix"], &s[..12]);
    assert_eq!(key["roles"], json!(["account_manager"]));
    assert_eq!(key["created_by"]["type"], "operator_token");
    let id = key["id"].as_str().expect("id").to_string();

    // The key sells a pack; the ledger names it.
    sell(&app, &c, "5.00", None).await; // by the operator token, for contrast
    app.post(
        &format!("/v1/customers/{c}/packs"),
        &s,
        json!({"units": "3.00", "order_reference": "PO-KEY"}),
    )
    .await
    .expect(201);
    let grants = entries(&app, &format!("customer_id={c}&kind=grant")).await;
    let by_key = grants
        .iter()
        .find(|e| e["units"] == "3.00")
        .expect("the key's grant");
    assert_eq!(
        by_key["actor"],
        json!({"type": "api_key", "id": id, "name": "ERP ledger sync"})
    );
    // A role the key lacks is refused like any caller's.
    app.get("/v1/audit-events", &s).await.expect(403);

    // Listed without its secret, with its last use.
    let listed = app.get("/v1/api-keys", &app.admin()).await.expect(200);
    let row = &listed.body["data"][0];
    assert_eq!(row["id"], id.as_str());
    assert!(row.get("secret").is_none(), "{row}");
    assert!(row["last_used_at"].is_string(), "{row}");
    assert!(
        !listed.text.contains(&s[12..]),
        "the secret is never listed"
    );

    // Admins are mailed; the audit log has the creation.
    let mails = smtp
        .wait_for("key mail", |m| {
            m.iter().any(|m| m.subject.contains("API key created"))
        })
        .await;
    let mail = mails
        .iter()
        .find(|m| m.subject.contains("API key created"))
        .expect("mail");
    assert_eq!(mail.to, ["security@provider.example"]);
    assert!(mail.text.contains("ERP ledger sync") && mail.text.contains(&id));
    assert!(
        !mail.text.contains(&s),
        "the mail does not carry the secret"
    );
    let audit = app
        .get("/v1/audit-events?action=api_key.created", &app.admin())
        .await
        .expect(200);
    assert_eq!(audit.body["data"][0]["resource_id"], id.as_str());

    // An unknown secret is refused in plain words.
    let wrong = format!("shk_{}", "0".repeat(40));
    app.get("/v1/ledger", &wrong)
        .await
        .expect_problem(401, "unauthorized");
});

on_both_backends!(keys_are_validated, |backend| {
    let app = spawn_app_with(backend, |_| {}).await;
    let c = app.customer_paris().await;
    for (body, field) in [
        (json!({"name": "", "roles": ["finance"]}), "name"),
        (json!({"name": "x", "roles": []}), "roles"),
        (json!({"name": "x", "roles": ["root"]}), "roles"),
        (json!({"name": "x", "roles": ["customer"]}), "customer_id"),
        (
            json!({"name": "x", "roles": ["finance"], "customer_id": c}),
            "customer_id",
        ),
        (
            json!({"name": "x", "roles": ["customer"], "customer_id": "cus_nope"}),
            "customer_id",
        ),
        (
            json!({"name": "x", "roles": ["finance"], "expires_at": "2026-11-30T00:00:00Z"}),
            "expires_at",
        ),
    ] {
        let r = app
            .post("/v1/api-keys", &app.admin(), body.clone())
            .await
            .expect_problem(422, "validation_failed");
        assert!(r.body["errors"][field].is_array(), "{body}: {}", r.text);
    }
    let listed = app.get("/v1/api-keys", &app.admin()).await.expect(200);
    assert_eq!(listed.body["data"], json!([]), "nothing was created");

    // A customer key speaks for its customer only.
    let key = create(
        &app,
        json!({"name": "portal", "roles": ["customer"], "customer_id": c}),
    )
    .await;
    let s = secret(&key);
    app.get(&format!("/v1/customers/{c}/balance"), &s)
        .await
        .expect(200);
    let other = app.customer_paris().await;
    app.get(&format!("/v1/customers/{other}/balance"), &s)
        .await
        .expect(404);

    // An expired key stops working.
    let soon = create(
        &app,
        json!({"name": "short", "roles": ["finance"], "expires_at": "2026-12-01T09:00:00Z"}),
    )
    .await;
    let s = secret(&soon);
    app.get("/v1/ledger", &s).await.expect(200);
    app.set_clock("2026-12-01T09:00:01Z").await;
    let r = app
        .get("/v1/ledger", &s)
        .await
        .expect_problem(401, "unauthorized");
    assert!(r.text.contains("expired"), "{}", r.text);
});

on_both_backends!(revoked_on_every_replica, |backend| {
    let app = spawn_app_with(backend, |_| {}).await;
    let other = app.replica().await;
    let key = create(&app, json!({"name": "erp", "roles": ["finance"]})).await;
    let s = secret(&key);
    let id = key["id"].as_str().expect("id");
    // Both replicas know it (the second has served it, so anything it kept would show).
    app.get("/v1/ledger", &s).await.expect(200);
    other.get("/v1/ledger", &s).await.expect(200);
    let revoked = app
        .delete(&format!("/v1/api-keys/{id}"), &app.admin())
        .await
        .expect(200);
    assert!(revoked.body["revoked_at"].is_string());
    // The replica that revoked it refuses it at once; the other as soon as the change
    // signal reaches it (PostgreSQL's notification, SQLite's signal file).
    let r = app
        .get("/v1/ledger", &s)
        .await
        .expect_problem(401, "unauthorized");
    assert!(r.text.contains("revoked"), "{}", r.text);
    let r = refused_soon(&other, &s).await;
    assert!(r.text.contains("revoked"), "{}", r.text);
    // Revoked keys cannot be rolled; revoking again changes nothing.
    app.post(
        &format!("/v1/api-keys/{id}/roll"),
        &app.admin(),
        json!({"grace_hours": 1}),
    )
    .await
    .expect_problem(409, "api_key_revoked");
    app.delete(&format!("/v1/api-keys/{id}"), &app.admin())
        .await
        .expect(200);
    let audit = app
        .get("/v1/audit-events?action=api_key.revoked", &app.admin())
        .await
        .expect(200);
    assert_eq!(audit.body["data"].as_array().map(Vec::len), Some(1));
});

on_both_backends!(a_roll_holds_on_every_replica, |backend| {
    let app = spawn_app_with(backend, |_| {}).await;
    let other = app.replica().await;
    let key = create(&app, json!({"name": "erp", "roles": ["finance"]})).await;
    let old = secret(&key);
    let id = key["id"].as_str().expect("id");
    // Each replica has served the key a few times (what it keeps would be used).
    for _ in 0..3 {
        app.get("/v1/ledger", &old).await.expect(200);
        other.get("/v1/ledger", &old).await.expect(200);
    }
    let rolled = other
        .post(
            &format!("/v1/api-keys/{id}/roll"),
            &other.admin(),
            json!({"grace_hours": 0}),
        )
        .await
        .expect(200);
    let new = secret(&rolled.body);
    other
        .get("/v1/ledger", &old)
        .await
        .expect_problem(401, "unauthorized");
    refused_soon(&app, &old).await;
    for replica in [&app, &other] {
        replica.get("/v1/ledger", &new).await.expect(200);
    }
});

/// The other replica's refusal of a secret that was just revoked or rolled: it keeps a
/// copy only until the change signal arrives, which takes milliseconds; this allows 3 s
/// (a loaded test machine) and fails if the copy outlives them — the 10 s bound on a
/// copy's life is not what refuses it.
async fn refused_soon(replica: &TestApp, secret: &str) -> crate::helpers::Resp {
    for _ in 0..60 {
        let r = replica.get("/v1/ledger", secret).await;
        if r.status.as_u16() == 401 {
            return r.expect_problem(401, "unauthorized");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    replica
        .get("/v1/ledger", secret)
        .await
        .expect_problem(401, "unauthorized")
}

on_both_backends!(a_roll_keeps_the_old_secret_for_its_grace_only, |backend| {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = spawn_app_with(backend, move |s| {
        s.smtp_url = Some(url);
        s.notify_admins = vec!["security@provider.example".into()];
    })
    .await;
    let key = create(&app, json!({"name": "erp", "roles": ["finance"]})).await;
    let old = secret(&key);
    let id = key["id"].as_str().expect("id");
    let roll = |hours: u32| {
        let app = &app;
        async move {
            app.post(
                &format!("/v1/api-keys/{id}/roll"),
                &app.admin(),
                json!({"grace_hours": hours}),
            )
            .await
        }
    };
    roll(169).await.expect_problem(422, "validation_failed");
    let rolled = roll(2).await.expect(200).body;
    let new = secret(&rolled);
    assert_ne!(new, old);
    assert_eq!(rolled["prefix"], &new[..12]);
    assert_eq!(rolled["previous_secret_until"], "2026-12-01T10:00:00Z");
    app.get("/v1/ledger", &old).await.expect(200);
    app.get("/v1/ledger", &new).await.expect(200);
    app.set_clock("2026-12-01T10:00:00Z").await;
    app.get("/v1/ledger", &old)
        .await
        .expect_problem(401, "unauthorized");
    app.get("/v1/ledger", &new).await.expect(200);
    // A roll with no grace ends the current secret at once.
    let again = secret(&roll(0).await.expect(200).body);
    app.get("/v1/ledger", &new)
        .await
        .expect_problem(401, "unauthorized");
    app.get("/v1/ledger", &again).await.expect(200);
    smtp.wait_for("two roll mails", |m| {
        m.iter()
            .filter(|m| m.subject.contains("API key rolled"))
            .count()
            == 2
    })
    .await;
});
