//! The console's screens, one module per area.

pub mod access;
pub mod customers;
pub mod home;
pub mod report;
pub mod sessions;
pub mod work;

use std::collections::HashMap;

use crate::domain::ids::CustomerId;
use crate::service::{Ctx, ServiceError, calendars};
use crate::storage::db::Tx;

/// Names and time zones of the customers a screen mentions, for display.
pub async fn directory(
    tx: &mut Tx,
    ctx: &Ctx,
    ids: impl IntoIterator<Item = String>,
) -> Result<(HashMap<String, String>, HashMap<String, String>), ServiceError> {
    let mut names = HashMap::new();
    let mut zones = HashMap::new();
    for id in ids {
        if names.contains_key(&id) {
            continue;
        }
        let cid = CustomerId::from(id.as_str());
        if !ctx.principal.sees_customer(&cid) {
            continue;
        }
        if let Some(row) = crate::storage::customers::get(tx, &cid).await? {
            let cal = calendars::for_customer(tx, &cid).await?;
            zones.insert(id.clone(), cal.tz().name().to_string());
            names.insert(id, row.name);
        }
    }
    Ok((names, zones))
}
