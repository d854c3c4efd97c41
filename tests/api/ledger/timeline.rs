//! One timeline for point-in-time balances (SPEC §4): the three histories where the
//! past used to be inconsistent — a late delivery, an expiry applied after downtime, a
//! debit drawn on a pack sold after it was effective — read `as_of` between the
//! movements' effective and recorded instants; and a late delivery whose movements
//! have two effective instants corrects each checkpoint after them with what was
//! effective by it.

use serde_json::{Value, json};

use securehands::service::timeline::CHECKPOINT_EVERY;

use crate::helpers::{
    TestApp, active_sow, assert_verified, deliver, schedule, sell, spawn_app_with,
};
use crate::{both_backends, on_both_backends};

async fn as_of(app: &TestApp, customer: &str, at: &str) -> Value {
    app.get(
        &format!("/v1/customers/{customer}/balance?as_of={at}"),
        &app.finance(),
    )
    .await
    .expect(200)
    .body
}

/// (total, reserved, available, deficit) of a balance.
fn figures(b: &Value) -> (&str, &str, &str, &str) {
    let f = |k: &str| b[k].as_str().unwrap_or("?");
    (f("total"), f("reserved"), f("available"), f("deficit"))
}

/// Lots as (remaining) in consumption order.
fn lots(b: &Value) -> Vec<&str> {
    b["lots"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|l| l["remaining"].as_str().unwrap_or("?"))
                .collect()
        })
        .unwrap_or_default()
}

both_backends!(
    a_late_delivery_consumes_the_reservation_when_it_is_effective,
    |app| {
        let c = app.customer_paris().await;
        app.set_clock("2028-03-06T08:00:00Z").await;
        sell(&app, &c, "10.00", None).await;
        let sow = active_sow(&app, &c, "10.00", 2, json!({})).await;
        let sid = schedule(&app, &sow, "2028-03-07T09:00:00Z", "2028-03-07T10:00:00Z")
            .await
            .expect(201)
            .str("id");
        app.set_clock("2028-03-08T08:00:00Z").await;
        deliver(&app, &sid, "2028-03-07T09:00:00Z", "2028-03-07T10:00:00Z")
            .await
            .expect(200);
        let before = as_of(&app, &c, "2028-03-07T09:59:59Z").await;
        assert_eq!(figures(&before), ("10.00", "10.00", "0.00", "0.00"));
        let between = as_of(&app, &c, "2028-03-07T12:00:00Z").await;
        assert_eq!(
            figures(&between),
            ("9.00", "9.00", "0.00", "0.00"),
            "{between}"
        );
        assert_eq!(lots(&between), ["9.00"]);
        let now = as_of(&app, &c, "2028-03-08T08:00:00Z").await;
        assert_eq!(figures(&now), ("9.00", "9.00", "0.00", "0.00"));
        assert_verified(&app).await;
    }
);

both_backends!(
    coverage_lost_to_an_expiry_is_lost_at_the_expiry_instant,
    |app| {
        let c = app.customer_paris().await;
        // 7.00 received on 2025-12-10 expire at 2026-12-10 00:00 Paris (2026-12-09T23:00Z).
        sell(&app, &c, "7.00", Some("2025-12-10")).await;
        sell(&app, &c, "20.00", None).await;
        active_sow(&app, &c, "27.00", 5, json!({})).await;
        // Downtime: nothing runs until three days after the expiry.
        app.set_clock("2026-12-12T23:00:00Z").await;
        let before = as_of(&app, &c, "2026-12-09T22:59:59Z").await;
        assert_eq!(figures(&before), ("27.00", "27.00", "0.00", "0.00"));
        let between = as_of(&app, &c, "2026-12-11T12:00:00Z").await;
        // The SoW gave its whole reservation back at the expiry instant and waits for
        // units (27 needed, 20 available).
        assert_eq!(
            figures(&between),
            ("20.00", "0.00", "20.00", "0.00"),
            "{between}"
        );
        assert_eq!(lots(&between), ["20.00"]);
        let at_expiry = as_of(&app, &c, "2026-12-09T23:00:00Z").await;
        assert_eq!(figures(&at_expiry), ("20.00", "0.00", "20.00", "0.00"));
        let now = as_of(&app, &c, "2026-12-12T23:00:00Z").await;
        assert_eq!(figures(&now), figures(&between));
        assert_verified(&app).await;
    }
);

both_backends!(
    a_debit_drawn_on_a_later_pack_is_deficit_until_it_is_sold,
    |app| {
        let c = app.customer_paris().await;
        app.set_clock("2028-03-06T08:00:00Z").await;
        sell(&app, &c, "10.00", None).await;
        let sow = active_sow(&app, &c, "10.00", 2, json!({})).await;
        let sid = schedule(&app, &sow, "2028-03-07T08:00:00Z", "2028-03-07T09:00:00Z")
            .await
            .expect(201)
            .str("id");
        // A new pack is sold at 22:00 on the 7th…
        app.set_clock("2028-03-07T22:00:00Z").await;
        sell(&app, &c, "20.00", None).await;
        // …and the session, which ran 09:00–21:00 Paris that day (8 standard hours and 4
        // out of hours: 14.00), is recorded the next morning: 10.00 from the first pack,
        // 4.00 from the one sold after it ended.
        app.set_clock("2028-03-08T08:00:00Z").await;
        let st = deliver(&app, &sid, "2028-03-07T08:00:00Z", "2028-03-07T20:00:00Z")
            .await
            .expect(200)
            .body;
        assert_eq!(st["units"], "14.00");
        let before = as_of(&app, &c, "2028-03-07T12:00:00Z").await;
        assert_eq!(figures(&before), ("10.00", "10.00", "0.00", "0.00"));
        let between = as_of(&app, &c, "2028-03-07T21:00:00Z").await;
        assert_eq!(
            figures(&between),
            ("-4.00", "0.00", "-4.00", "4.00"),
            "{between}"
        );
        assert_eq!(
            lots(&between),
            ["0.00"],
            "the second pack is not sold yet: {between}"
        );
        let after = as_of(&app, &c, "2028-03-07T22:00:00Z").await;
        assert_eq!(
            figures(&after),
            ("16.00", "0.00", "16.00", "0.00"),
            "{after}"
        );
        assert_eq!(lots(&after), ["0.00", "16.00"]);
        assert_verified(&app).await;
    }
);

on_both_backends!(
    a_late_delivery_corrects_each_checkpoint_with_what_was_effective_by_it,
    |backend| {
        let app = spawn_app_with(backend, |s| s.rate_limit_per_second = 0).await;
        let c = app.customer_paris().await;
        app.set_clock("2028-03-07T08:00:00Z").await;
        sell(&app, &c, "10.00", None).await;
        // Enough movements for a checkpoint at 12:00…
        app.set_clock("2028-03-07T12:00:00Z").await;
        sell_tiny_packs(&app, &c, CHECKPOINT_EVERY - 1).await;
        // …a SoW provisioned at 20:00, with a session that ran 09:00–10:00…
        app.set_clock("2028-03-07T20:00:00Z").await;
        let sow = active_sow(&app, &c, "5.00", 2, json!({})).await;
        let sid = schedule(&app, &sow, "2028-03-07T09:00:00Z", "2028-03-07T10:00:00Z")
            .await
            .expect(201)
            .str("id");
        // …and another checkpoint at 21:00.
        app.set_clock("2028-03-07T21:00:00Z").await;
        sell_tiny_packs(&app, &c, CHECKPOINT_EVERY - 1).await;
        // Recorded the next morning: the debit is effective at 10:00, the reservation
        // it consumed is given back when it was made, at 20:00. The checkpoint at 12:00
        // takes the debit only, the one at 21:00 both.
        app.set_clock("2028-03-08T08:00:00Z").await;
        deliver(&app, &sid, "2028-03-07T09:00:00Z", "2028-03-07T10:00:00Z")
            .await
            .expect(200);
        let noon = as_of(&app, &c, "2028-03-07T12:00:00Z").await;
        assert_eq!(figures(&noon), ("11.55", "0.00", "11.55", "0.00"));
        let evening = as_of(&app, &c, "2028-03-07T21:00:00Z").await;
        assert_eq!(figures(&evening), ("14.10", "4.00", "10.10", "0.00"));
        let now = as_of(&app, &c, "2028-03-08T08:00:00Z").await;
        assert_eq!(figures(&now), figures(&evening));
        assert_verified(&app).await;
    }
);

/// Sells `count` packs of 0.01 units, one movement each.
async fn sell_tiny_packs(app: &TestApp, customer: &str, count: i64) {
    for _ in 0..count {
        sell(app, customer, "0.01", None).await;
    }
}
