//! SoW revisions: drafts edited under If-Match, rejection back to draft, immutable
//! approved SoWs, and superseding (not while the old SoW has open sessions).

use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{active_sow, approve, assert_verified, balance, schedule, sell};

both_backends!(
    drafts_need_if_match_and_approved_sows_are_immutable,
    |app| {
        let c = app.customer_paris().await;
        sell(&app, &c, "10.00", None).await;
        let sow = app.post("/v1/sows", &app.lead(), json!({"customer_id": c, "title": "A", "activities": "a", "planned_sessions": 1, "planned_units": "2.00", "acceptance_criteria": "ok"})).await.expect(201);
        let id = sow.str("id");
        let tag = sow.header("etag").unwrap_or_default().to_string();
        let g = app
            .get(&format!("/v1/sows/{id}"), &app.customer(&c))
            .await
            .expect(200);
        assert_eq!(g.header("etag"), Some(tag.as_str()));
        app.patch(
            &format!("/v1/sows/{id}"),
            &app.lead(),
            json!({"title": "B"}),
        )
        .await
        .expect_problem(428, "if_match_required");
        app.send(
            Method::PATCH,
            &format!("/v1/sows/{id}"),
            Some(&app.lead()),
            Some(json!({"title": "B"})),
            &[("if-match", "\"nope\"")],
        )
        .await
        .expect_problem(412, "stale_revision");
        app.send(
            Method::PATCH,
            &format!("/v1/sows/{id}"),
            Some(&app.lead()),
            Some(json!({"planned_units": "-2"})),
            &[("if-match", &tag)],
        )
        .await
        .expect_problem(422, "validation_failed");
        let e = app
            .send(
                Method::PATCH,
                &format!("/v1/sows/{id}"),
                Some(&app.lead()),
                Some(json!({"planned_units": "3.00"})),
                &[("if-match", &tag)],
            )
            .await
            .expect(200);
        let tag2 = e.header("etag").unwrap_or_default().to_string();
        // A submitted SoW can be rejected back to draft with a comment.
        app.post(&format!("/v1/sows/{id}/submit"), &app.lead(), json!({}))
            .await
            .expect(200);
        app.send(
            Method::PATCH,
            &format!("/v1/sows/{id}"),
            Some(&app.lead()),
            Some(json!({"title": "C"})),
            &[("if-match", &tag2)],
        )
        .await
        .expect_problem(409, "sow_not_draft");
        app.post(
            &format!("/v1/sows/{id}/reject"),
            &app.customer(&c),
            json!({"comment": ""}),
        )
        .await
        .expect_problem(422, "validation_failed");
        let r = app
            .post(
                &format!("/v1/sows/{id}/reject"),
                &app.customer(&c),
                json!({"comment": "Too expensive"}),
            )
            .await
            .expect(200);
        assert_eq!(r.body["status"], "draft");
        assert_eq!(r.body["rejection_comment"], "Too expensive");
        approve(&app, &c, &id, &tag2)
            .await
            .expect_problem(409, "sow_not_submitted");
        app.post(&format!("/v1/sows/{id}/submit"), &app.lead(), json!({}))
            .await
            .expect(200);
        approve(&app, &c, &id, "")
            .await
            .expect_problem(412, "stale_revision");
        app.post(
            &format!("/v1/sows/{id}/approve"),
            &app.customer(&c),
            json!({}),
        )
        .await
        .expect_problem(428, "if_match_required");
        let a = approve(&app, &c, &id, &tag2).await.expect(200);
        assert_eq!(a.body["reserved_units"], "3.00");
        app.send(
            Method::PATCH,
            &format!("/v1/sows/{id}"),
            Some(&app.lead()),
            Some(json!({"title": "C"})),
            &[("if-match", &tag2)],
        )
        .await
        .expect_problem(409, "sow_not_draft");
        // Supersede: a new draft; the old one is superseded when the new one is approved.
        let n = app
            .post(&format!("/v1/sows/{id}/supersede"), &app.lead(), json!({}))
            .await
            .expect(200);
        let nid = n.str("id");
        assert_eq!(n.body["supersedes_id"], id);
        assert_eq!(n.body["status"], "draft");
        let sub = app
            .post(&format!("/v1/sows/{nid}/submit"), &app.lead(), json!({}))
            .await
            .expect(200);
        approve(&app, &c, &nid, sub.header("etag").unwrap_or_default())
            .await
            .expect(200);
        let old = app.get(&format!("/v1/sows/{id}"), &app.lead()).await.body;
        assert_eq!(old["status"], "superseded");
        assert_eq!(old["superseded_by_id"], nid);
        assert_eq!(balance(&app, &c).await["reserved"], "3.00");
        assert_verified(&app).await;
    }
);

both_backends!(
    a_replacement_cannot_be_approved_while_the_old_sow_has_open_sessions,
    |app| {
        let c = app.customer_paris().await;
        sell(&app, &c, "20.00", None).await;
        let old = active_sow(&app, &c, "6.00", 2, json!({})).await;
        let ses = schedule(&app, &old, "2026-12-08T09:00:00Z", "2026-12-08T10:00:00Z")
            .await
            .expect(201)
            .str("id");
        let new = app
            .post(&format!("/v1/sows/{old}/supersede"), &app.lead(), json!({}))
            .await
            .expect(200)
            .str("id");
        let tag = app
            .post(&format!("/v1/sows/{new}/submit"), &app.lead(), json!({}))
            .await
            .expect(200)
            .header("etag")
            .unwrap_or_default()
            .to_string();
        approve(&app, &c, &new, &tag)
            .await
            .expect_problem(409, "sessions_pending");
        app.post(
            &format!("/v1/sessions/{ses}/cancel"),
            &app.lead(),
            json!({"reason": "soc"}),
        )
        .await
        .expect(200);
        app.post(
            &format!("/v1/sessions/{ses}/cancel"),
            &app.lead(),
            json!({"reason": "soc"}),
        )
        .await
        .expect(200);
        let r = approve(&app, &c, &new, &tag).await.expect(200);
        assert_eq!(r.body["status"], "active");
        let o = app.get(&format!("/v1/sows/{old}"), &app.lead()).await.body;
        assert_eq!(o["status"], "superseded");
        assert_eq!(balance(&app, &c).await["reserved"], "6.00");
        assert_verified(&app).await;
    }
);
