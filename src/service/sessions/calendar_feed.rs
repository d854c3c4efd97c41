//! `GET /v1/sessions.ics`: the subscribable calendar of scheduled sessions (SPEC §14),
//! the same entries (UID, SEQUENCE, local times) the invitation mails carry.

use chrono::Duration;

use crate::domain::access::Action;
use crate::domain::ids::CustomerId;
use crate::invitations::{self, SessionEntry};
use crate::service::{Ctx, ServiceError};
use crate::storage::db::{StoreError, Tx};
use crate::storage::sessions as store;

/// Sessions that ended longer ago than this are no longer in the feed.
const FEED_HISTORY: Duration = Duration::days(30);

/// The most entries one feed holds (the soonest first); a customer has far fewer.
const FEED_LIMIT: i64 = 5_000;

/// The feed: staff see every customer's sessions (or one customer's with
/// `customer_id`), customers and contacts their own.
pub async fn feed(
    tx: &mut Tx,
    ctx: &Ctx,
    customer_id: Option<&str>,
) -> Result<String, ServiceError> {
    ctx.require(Action::ReadWork)?;
    let asked = customer_id.map(CustomerId::from);
    let customer = ctx.list_scope(asked.as_ref())?;
    let rows =
        store::calendar_entries(tx, ctx.now - FEED_HISTORY, customer.as_ref(), FEED_LIMIT).await?;
    let mut entries = Vec::with_capacity(rows.len());
    for r in rows {
        let tz = r.timezone.parse().map_err(|_| {
            StoreError::Corrupt(format!(
                "customer {}: time zone {:?}",
                r.customer_id, r.timezone
            ))
        })?;
        entries.push(SessionEntry {
            summary: format!("SecureHands: {} ({})", r.customer_name, r.sow_title),
            description: format!(
                "{}\nSoW: {} ({})\nSession: {}",
                r.customer_name, r.sow_title, r.sow_id, r.id
            ),
            session_id: r.id.into_string(),
            sequence: u32::try_from(r.calendar_sequence).unwrap_or(u32::MAX),
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            tz,
            stamp: r.updated_at,
        });
    }
    Ok(invitations::feed("SecureHands sessions", &entries))
}
