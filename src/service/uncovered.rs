//! Units no SoW covers (SPEC §14): the report account managers and finance read to
//! contact customers about scheduling sessions, the console's "contact to schedule"
//! list, and the monthly digest mailed to account managers.

use std::collections::HashMap;

use serde_json::json;

use super::notifications::{DirectMail, record_mail};
use super::{Ctx, ServiceError};
use crate::domain::access::Action;
use crate::domain::ids::CustomerId;
use crate::domain::notification::{Audience, Language, MailKind};
use crate::domain::uncovered::{Holding, digest_key, digest_month, uncovered};
use crate::dto::work::{UncoveredReport, UncoveredUnits};
use crate::storage::db::{Db, Tx};
use crate::storage::uncovered as store;

/// `GET /v1/reports/uncovered-units`.
pub async fn report(tx: &mut Tx, ctx: &Ctx) -> Result<UncoveredReport, ServiceError> {
    ctx.require(Action::ReadUncovered)?;
    Ok(UncoveredReport {
        as_of: ctx.now,
        data: list(tx).await?,
    })
}

/// Every customer holding uncovered units, the soonest expiry first.
pub async fn list(tx: &mut Tx) -> Result<Vec<UncoveredUnits>, ServiceError> {
    let candidates = store::candidates(tx).await?;
    let ids: Vec<CustomerId> = candidates.iter().map(|c| c.customer_id.clone()).collect();
    let mut lots: HashMap<CustomerId, Vec<Holding>> = HashMap::new();
    for h in store::holdings(tx, &ids).await? {
        lots.entry(h.customer_id).or_default().push(Holding {
            remaining: h.remaining,
            expires_at: h.expires_at,
        });
    }
    let last_sows: HashMap<CustomerId, _> = store::last_sows(tx, &ids)
        .await?
        .into_iter()
        .map(|r| (r.customer_id, r.last_sow_at))
        .collect();
    let mut rows: Vec<UncoveredUnits> = candidates
        .into_iter()
        .filter_map(|c| {
            let held = lots.get(&c.customer_id).map(Vec::as_slice).unwrap_or(&[]);
            let found = uncovered(c.reserved, held)?;
            // A deficit or units drawn ahead of their lots: never more than the
            // balance says is free.
            let free = (c.total - c.reserved).clamp_non_negative();
            let units = if found.units.hundredths() > free.hundredths() {
                free
            } else {
                found.units
            };
            units.is_positive().then(|| UncoveredUnits {
                last_sow_at: last_sows.get(&c.customer_id).copied().flatten(),
                customer_id: c.customer_id.to_string(),
                customer_name: c.customer_name,
                uncovered_units: units.to_string(),
                earliest_expiry: found.earliest_expiry,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.earliest_expiry, &a.customer_id).cmp(&(b.earliest_expiry, &b.customer_id))
    });
    Ok(rows)
}

/// The monthly digest to account managers (the 1st at 06:00 UTC), once per month
/// whoever runs the loop; a month with nothing uncovered sends nothing.
pub async fn send_digest(db: &Db, ctx: &Ctx) -> Result<(), ServiceError> {
    let month = digest_month(ctx.now);
    let mut tx = db.begin_write().await?;
    if !store::mark_digest(&mut tx, &digest_key(&month), ctx.now).await? {
        tx.rollback().await?;
        return Ok(());
    }
    let rows = list(&mut tx).await?;
    if !rows.is_empty() {
        let data = json!({
            "event": MailKind::UncoveredUnits.as_str(),
            "subject_id": digest_key(&month),
            "occurred_at": ctx.now,
            "customer": "",
            "timezone": "UTC",
            "name": "",
            "facts": {
                "month": month,
                "customers": rows,
                "link_path": "/v1/reports/uncovered-units",
            },
        });
        record_mail(
            &mut tx,
            ctx.now,
            DirectMail {
                kind: MailKind::UncoveredUnits,
                audience: Audience::AccountManagers,
                customer_id: None,
                recipients: Vec::new(),
                language: Language::En,
                data: &data,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
