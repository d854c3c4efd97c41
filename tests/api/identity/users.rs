//! People: staff who signed in are listed for admins, disabled and enabled again;
//! disabling is audited and an admin cannot disable themselves.

use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;

/// A person as a sign-in through the provider leaves one.
async fn signed_in(app: &TestApp, id: &str, roles: &[&str]) {
    use securehands::storage::identity::users::{UserRow, upsert};
    let now = app.state.clock.now();
    let mut tx = app.state.db.begin_write().await.expect("tx");
    let row = UserRow {
        id: id.into(),
        name: format!("Person {id}"),
        email: Some(format!("{id}@provider.example")),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        first_seen_at: now,
        last_sign_in_at: now,
        disabled_at: None,
    };
    upsert(&mut tx, &row).await.expect("user");
    tx.commit().await.expect("commit");
}

both_backends!(people_are_listed_disabled_and_enabled, |app| {
    signed_in(&app, "claire", &["account_manager"]).await;
    signed_in(&app, "bruno", &["soc_lead", "soc_manager"]).await;
    let listed = app.get("/v1/users", &app.admin()).await.expect(200);
    let ids: Vec<&str> = listed.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|u| u["id"].as_str())
        .collect();
    assert_eq!(ids, ["bruno", "claire"]);
    assert_eq!(
        listed.body["data"][0]["roles"],
        json!(["soc_lead", "soc_manager"])
    );
    assert_eq!(listed.body["data"][0]["disabled"], false);

    let off = app
        .post("/v1/users/claire/disable", &app.admin(), json!({}))
        .await
        .expect(200);
    assert_eq!(off.body["disabled"], true);
    assert!(off.body["disabled_at"].is_string());
    let on = app
        .post("/v1/users/claire/enable", &app.admin(), json!({}))
        .await
        .expect(200);
    assert_eq!(on.body["disabled"], false);
    app.post("/v1/users/nobody/disable", &app.admin(), json!({}))
        .await
        .expect(404);
    app.get("/v1/users", &app.am()).await.expect(403);

    let audit = app
        .get("/v1/audit-events?resource_type=user", &app.admin())
        .await
        .expect(200);
    let actions: Vec<&str> = audit.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["user.disabled", "user.enabled"]);
});
