//! The outbox: the mails a change causes, written in the same transaction as the
//! change, so a crash can neither lose one nor send one for a change that did not
//! commit. A sender ([`super::worker`]) delivers them later.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::domain::ids::CustomerId;
use crate::domain::notification::{Language, MailKind};
use crate::storage::customers::MailProfile;
use crate::storage::db::{StoreResult, Tx};
use crate::storage::events::NewEvent;
use crate::storage::feed::NewId;
use crate::storage::notifications::{self, NotificationRow};

/// Records the mails the events just written cause (`event_ids` are their ids, in
/// order). Customer contacts get one mail each in their language; staff
/// audiences one mail each, addressed when sent.
pub async fn enqueue(
    tx: &mut Tx,
    customer_id: &CustomerId,
    profile: &MailProfile,
    event_ids: &[NewId],
    events: &[NewEvent],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mails: Vec<(&NewId, MailKind, &NewEvent)> = events
        .iter()
        .zip(event_ids)
        .filter_map(|(e, id)| MailKind::for_event(e.kind).map(|k| (id, k, e)))
        .collect();
    if mails.is_empty() {
        return Ok(());
    }
    for (event_id, kind, event) in mails {
        let facts: serde_json::Value =
            serde_json::from_str(&event.data).unwrap_or(serde_json::Value::Null);
        let base = json!({
            "event": event.kind,
            "subject_id": event.subject_id,
            "occurred_at": event.occurred_at,
            "customer": profile.name,
            "timezone": profile.timezone,
            "facts": facts,
        });
        let mut addressed: Vec<String> = Vec::new();
        for audience in kind.audiences() {
            let add = |recipients: Vec<String>, language: Language, name: &str| {
                let mut data = base.clone();
                data["name"] = json!(name);
                NotificationRow::pending(
                    kind,
                    *audience,
                    Some(customer_id.clone()),
                    event_id.taken(),
                    recipients,
                    language,
                    data.to_string(),
                    now,
                )
            };
            let rows: Vec<NotificationRow> = match audience.contact_role() {
                Some(role) => profile
                    .contacts
                    .iter()
                    .filter(|c| c.has(role))
                    .filter(|c| {
                        let fresh = !addressed.iter().any(|a| a.eq_ignore_ascii_case(&c.email));
                        addressed.push(c.email.clone());
                        fresh
                    })
                    .map(|c| add(vec![c.email.clone()], c.language(), &c.name))
                    .collect(),
                None => vec![add(Vec::new(), Language::En, "")],
            };
            for row in rows {
                notifications::insert_for_event(tx, &row, event_id).await?;
            }
        }
    }
    Ok(())
}
