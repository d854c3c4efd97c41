//! The permission table of SPEC §7 for every workflow endpoint, and roles checked before
//! the body (with missing fields named and mixed customer/staff tokens refused).

use reqwest::Method;
use securehands::domain::access::Role;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, active_sow, assert_verified, balance, entries, schedule, sell};

/// Sends `method path body` as every role and checks who is allowed: allowed roles
/// must succeed or meet a state conflict (409/412), others must get 403.
async fn check(
    app: &TestApp,
    customer: &str,
    method: Method,
    path: &str,
    body: Value,
    allowed: &[Role],
) {
    for role in Role::ALL {
        let token = app.token(&[role], (role == Role::Customer).then_some(customer));
        let r = app
            .send(
                method.clone(),
                path,
                Some(&token),
                Some(body.clone()),
                &[("if-match", "*")],
            )
            .await;
        let status = r.status.as_u16();
        if allowed.contains(&role) {
            // Every body here is valid: an allowed role either succeeds or meets the
            // state another allowed role left (409/412); never 401/403/404, a 422 or a
            // 5xx.
            assert!(
                matches!(status, 200..=299 | 409 | 412),
                "{role} {method} {path} should be allowed, got {status}: {}",
                r.text
            );
            if !r.status.is_success() {
                assert_ne!(r.body["code"], "forbidden", "{}", r.text);
            }
        } else {
            assert_eq!(
                status, 403,
                "{role} {method} {path} should be forbidden: {}",
                r.text
            );
            assert_eq!(r.body["code"], "forbidden");
        }
    }
}

both_backends!(
    the_permission_table_holds_for_every_workflow_endpoint,
    |app| {
        use Role::*;
        let c = app.customer_paris().await;
        let other = app.customer_paris().await;
        sell(&app, &c, "50.00", None).await;
        let sow = active_sow(&app, &c, "20.00", 10, json!({})).await;
        let ses = schedule(&app, &sow, "2026-12-08T09:00:00Z", "2026-12-08T10:00:00Z")
            .await
            .expect(201)
            .str("id");
        let req = app
        .post("/v1/requests", &app.lead(), json!({"customer_id": c, "kind": "custom", "channel": "email", "summary": "s", "identity_verified": true}))
        .await
        .expect(201)
        .str("id");
        let draft = app
        .post("/v1/sows", &app.lead(), json!({"customer_id": c, "title": "t", "activities": "a", "planned_sessions": 1, "planned_units": "1.00", "acceptance_criteria": "c"}))
        .await
        .expect(201)
        .str("id");
        let staff_and_customer = [
            Admin,
            AccountManager,
            SocLead,
            SocManager,
            Finance,
            Customer,
        ];
        let soc = [SocLead, SocManager];
        // Reads.
        check(
            &app,
            &c,
            Method::GET,
            &format!("/v1/requests/{req}"),
            json!({}),
            &staff_and_customer,
        )
        .await;
        check(
            &app,
            &c,
            Method::GET,
            &format!("/v1/sows/{sow}"),
            json!({}),
            &staff_and_customer,
        )
        .await;
        check(
            &app,
            &c,
            Method::GET,
            &format!("/v1/sessions/{ses}"),
            json!({}),
            &staff_and_customer,
        )
        .await;
        check(
            &app,
            &c,
            Method::GET,
            &format!("/v1/sows/{sow}/sessions"),
            json!({}),
            &staff_and_customer,
        )
        .await;
        check(
            &app,
            &c,
            Method::GET,
            "/v1/reports/sla?from=2026-11-01T00:00:00Z&to=2027-01-01T00:00:00Z",
            json!({}),
            &[Admin, AccountManager, SocLead, SocManager, Finance],
        )
        .await;
        // Requests: logged by the SOC or the customer; handled by the SOC.
        let new_request = json!({"customer_id": c, "kind": "custom", "channel": "email", "summary": "s", "identity_verified": true});
        check(
            &app,
            &c,
            Method::POST,
            "/v1/requests",
            new_request,
            &[SocLead, SocManager, Customer],
        )
        .await;
        check(
            &app,
            &c,
            Method::POST,
            &format!("/v1/requests/{req}/respond"),
            json!({}),
            &soc,
        )
        .await;
        // SoW drafting and running: SOC only.
        let new_sow = json!({"customer_id": c, "title": "t", "activities": "a", "planned_sessions": 1, "planned_units": "1.00", "acceptance_criteria": "c"});
        check(&app, &c, Method::POST, "/v1/sows", new_sow, &soc).await;
        check(
            &app,
            &c,
            Method::PATCH,
            &format!("/v1/sows/{draft}"),
            json!({"title": "u"}),
            &soc,
        )
        .await;
        check(
            &app,
            &c,
            Method::POST,
            &format!("/v1/sessions/{ses}/reschedule"),
            json!({"starts_at": "2026-12-08T09:00:00Z", "ends_at": "2026-12-08T10:00:00Z"}),
            &soc,
        )
        .await;
        check(
            &app,
            &c,
            Method::POST,
            &format!("/v1/sows/{sow}/sessions"),
            json!({"starts_at": "2026-12-09T09:00:00Z", "ends_at": "2026-12-09T10:00:00Z"}),
            &soc,
        )
        .await;
        check(
            &app,
            &c,
            Method::POST,
            &format!("/v1/sows/{sow}/supersede"),
            json!({}),
            &soc,
        )
        .await;
        // Customer decisions: the customer only.
        check(
            &app,
            &c,
            Method::POST,
            &format!("/v1/sows/{draft}/reject"),
            json!({"comment": "no"}),
            &[Customer],
        )
        .await;
        check(
            &app,
            &c,
            Method::POST,
            &format!("/v1/sows/{draft}/approve"),
            json!({}),
            &[Customer],
        )
        .await;
        check(
            &app,
            &c,
            Method::POST,
            &format!("/v1/sessions/{ses}/accept"),
            json!({}),
            &[Customer],
        )
        .await;
        check(
            &app,
            &c,
            Method::POST,
            &format!("/v1/sessions/{ses}/complaints"),
            json!({"reason": "r"}),
            &[Customer],
        )
        .await;
        check(
            &app,
            &c,
            Method::POST,
            &format!("/v1/sessions/{ses}/evaluation"),
            json!({"rating": 3}),
            &[Customer],
        )
        .await;
        // Decisions: SOC manager only.
        check(
            &app,
            &c,
            Method::POST,
            &format!("/v1/sessions/{ses}/complaints/decision"),
            json!({"reverse_units": "0.00", "reason": "r"}),
            &[SocManager],
        )
        .await;
        // Delivery and no-show: SOC only (checked before the state, so no state changes here).
        check(
            &app,
            &c,
            Method::POST,
            &format!("/v1/sessions/{ses}/no-show"),
            json!({}),
            &soc,
        )
        .await;
        // Cancel: SOC and the customer.
        check(
            &app,
            &c,
            Method::POST,
            &format!("/v1/sessions/{ses}/cancel"),
            json!({"reason": "force_majeure"}),
            &[SocLead, SocManager, Customer],
        )
        .await;
        // Another customer sees nothing of this one: 404 everywhere.
        let stranger = app.customer(&other);
        for (method, path, body) in [
            (Method::GET, format!("/v1/sows/{sow}"), json!({})),
            (Method::GET, format!("/v1/sessions/{ses}"), json!({})),
            (Method::GET, format!("/v1/requests/{req}"), json!({})),
            (Method::GET, format!("/v1/sows/{sow}/sessions"), json!({})),
            (Method::POST, format!("/v1/sows/{draft}/approve"), json!({})),
            (
                Method::POST,
                format!("/v1/sows/{draft}/reject"),
                json!({"comment": "x"}),
            ),
            (
                Method::POST,
                format!("/v1/sessions/{ses}/cancel"),
                json!({"reason": "customer_request"}),
            ),
            (
                Method::POST,
                format!("/v1/sessions/{ses}/accept"),
                json!({}),
            ),
            (
                Method::POST,
                format!("/v1/sessions/{ses}/complaints"),
                json!({"reason": "x"}),
            ),
            (
                Method::POST,
                format!("/v1/sessions/{ses}/evaluation"),
                json!({"rating": 1}),
            ),
        ] {
            app.send(
                method.clone(),
                &path,
                Some(&stranger),
                Some(body),
                &[("if-match", "*")],
            )
            .await
            .expect_problem(404, "not_found");
        }
        // Nothing a refused request touched changed the books.
        let b = balance(&app, &c).await;
        assert_eq!(b["total"], "50.00");
        assert!(entries(&app, "kind=debit").await.is_empty());
        assert_verified(&app).await;
    }
);

both_backends!(
    roles_are_checked_before_the_body_and_missing_fields_are_named,
    |app| {
        let c = app.customer_paris().await;
        // A wrong role gets 403 whatever it sends, even an invalid body.
        app.post("/v1/sows", &app.customer(&c), json!({}))
            .await
            .expect_problem(403, "forbidden");
        app.post("/v1/sessions/ses_x/deliver", &app.customer(&c), json!({}))
            .await
            .expect_problem(403, "forbidden");
        app.post(
            &format!("/v1/customers/{c}/packs"),
            &app.lead(),
            json!({"units": 5}),
        )
        .await
        .expect_problem(403, "forbidden");
        // A missing field is reported under its own name.
        let r = app
            .post("/v1/sows", &app.lead(), json!({"customer_id": c}))
            .await
            .expect_problem(422, "validation_failed");
        assert!(r.body["errors"]["title"].is_array(), "{}", r.text);
        let r = app
        .post("/v1/customers", &app.am(), json!({"name": "x", "calendar_id": "fr-paris", "securecall": {"reference": "r", "starts_on": "2026-01-01"}}))
        .await
        .expect_problem(422, "validation_failed");
        assert!(
            r.body["errors"]["securecall.ends_on"].is_array(),
            "{}",
            r.text
        );
        // A token mixing the customer role with a staff role is refused.
        let mixed = app.token(&[Role::Customer, Role::Finance], Some(&c));
        app.get(&format!("/v1/customers/{c}/balance"), &mixed)
            .await
            .expect_problem(401, "unauthorized");
    }
);
