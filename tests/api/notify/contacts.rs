//! Contacts are part of the customer and are checked like any field.

use serde_json::json;

use crate::both_backends;

both_backends!(contacts_are_validated_and_returned, |app| {
    let c = app.customer_paris().await;
    let path = format!("/v1/customers/{c}");
    let bad = app
        .patch(
            &path,
            &app.am(),
            json!({"contacts": [
                {"name": "X", "email": "not-an-address", "language": "es", "roles": ["boss"]},
                {"name": "Y", "email": "y@acme.example", "roles": []}
            ]}),
        )
        .await
        .expect_problem(422, "validation_failed");
    let errors = &bad.body["errors"];
    assert!(errors["contacts[0].email"].is_array(), "{}", bad.text);
    assert!(errors["contacts[0].language"].is_array(), "{}", bad.text);
    assert!(errors["contacts[0].roles"].is_array(), "{}", bad.text);
    assert!(errors["contacts[1].roles"].is_array(), "{}", bad.text);
    let bad = app
        .patch(&path, &app.am(), json!({"low_balance_threshold": "-1.00"}))
        .await
        .expect_problem(422, "validation_failed");
    assert!(
        bad.body["errors"]["low_balance_threshold"].is_array(),
        "{}",
        bad.text
    );
    // Nothing changed.
    let customer = app.get(&path, &app.am()).await.expect(200);
    assert_eq!(customer.body["contacts"], json!([]));
    let ok = app
        .patch(
            &path,
            &app.am(),
            json!({"contacts": [{"name": "Claire", "email": "claire@acme.example", "language": "fr", "roles": ["approver", "finance", "approver"]}],
                   "low_balance_threshold": "5.00"}),
        )
        .await
        .expect(200);
    assert_eq!(
        ok.body["contacts"][0]["roles"],
        json!(["approver", "finance"])
    );
    assert_eq!(ok.body["low_balance_threshold"], "5.00");
    let listed = app.get("/v1/customers", &app.am()).await.expect(200);
    assert_eq!(
        listed.body["data"][0]["contacts"][0]["email"],
        "claire@acme.example"
    );
    assert_eq!(listed.body["data"][0]["low_balance_threshold"], "5.00");
});
