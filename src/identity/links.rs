//! E-mailed sign-in links for customers' contacts (SPEC §13): asking answers the same
//! whether or not the address is a contact; a link works once, for 15 minutes, and is
//! mailed in the contact's language; following it shows a confirmation (mail scanners
//! that fetch links cannot use it up); confirming opens a session as that contact.

use serde_json::json;

use crate::domain::access::Principal;
use crate::domain::audit::{AuditAction, SUCCEEDED};
use crate::domain::identity::{
    LINK_TTL, LINK_WINDOW, LINKS_PER_WINDOW, contact_actor, contact_principal, secret_hash,
};
use crate::domain::ids::CustomerId;
use crate::domain::notification::{Audience, MailKind};
use crate::service::{Ctx, ServiceError, audit};
use crate::storage::db::Tx;
use crate::storage::identity::links::{self as store, LinkRow};
use crate::storage::{calendars, customers};

/// Where a link leads (the token follows).
pub const LINK_PATH: &str = "/console/login/link?token=";

/// An address as the service compares it: trimmed, lower case; `None` when it cannot
/// be an address at all.
pub fn normalise(email: &str) -> Option<String> {
    let e = email.trim().to_ascii_lowercase();
    let (local, domain) = e.split_once('@')?;
    (!local.is_empty()
        && domain.contains('.')
        && e.len() <= 320
        && !e.contains(char::is_whitespace))
    .then_some(e)
}

/// `POST /console/login/email`: mails a link to every customer listing `email` among
/// its contacts, unless this address already had [`LINKS_PER_WINDOW`] links in
/// [`LINK_WINDOW`]. Says nothing of what it did: the page answers the same for every
/// address.
pub async fn request(tx: &mut Tx, ctx: &Ctx, email: &str) -> Result<(), ServiceError> {
    let Some(email) = normalise(email) else {
        return Ok(());
    };
    let recent = store::sent_to_since(tx, &email, ctx.now - LINK_WINDOW).await?;
    if recent >= i64::from(LINKS_PER_WINDOW) {
        return Ok(());
    }
    for customer in customers::with_contact(tx, &email).await? {
        let Some(contact) = customer
            .contacts
            .iter()
            .find(|c| c.email.eq_ignore_ascii_case(&email))
        else {
            continue;
        };
        let token = super::random_hex(32)?;
        let expires_at = ctx.now + LINK_TTL;
        store::insert(
            tx,
            &LinkRow {
                token_hash: secret_hash(&token),
                customer_id: customer.id.to_string(),
                email: email.clone(),
                created_at: ctx.now,
                expires_at,
                used_at: None,
            },
        )
        .await?;
        let timezone = calendars::get(tx, &customer.calendar_id)
            .await?
            .map_or_else(|| "UTC".to_string(), |c| c.timezone);
        let data = json!({
            "event": MailKind::SignInLink.as_str(),
            "subject_id": customer.id.to_string(),
            "occurred_at": ctx.now,
            "customer": customer.name,
            "timezone": timezone,
            "name": contact.name,
            "facts": {
                "expires_at": crate::dto::instant(expires_at),
                "link_path": format!("{LINK_PATH}{token}"),
            },
        });
        super::record_mail(
            tx,
            ctx.now,
            super::DirectMail {
                kind: MailKind::SignInLink,
                audience: Audience::Person,
                customer_id: Some(customer.id.clone()),
                recipients: vec![contact.email.clone()],
                language: contact.language(),
                data: &data,
            },
        )
        .await?;
        let actor = contact_actor(customer.id.as_str(), contact);
        audit::record_as(
            tx,
            ctx,
            &actor,
            AuditAction::ContactLinkSent,
            Some(&actor.id),
            Some(&customer.id),
            SUCCEEDED,
        )
        .await?;
    }
    Ok(())
}

/// Why a link opens nothing.
#[derive(Debug, thiserror::Error)]
pub enum LinkRefusal {
    /// Unknown, used or expired (one answer for all three).
    #[error("the sign-in link has expired or was already used")]
    Spent,
    /// The address is no longer a contact of the customer.
    #[error("the address is no longer a contact of this customer")]
    NotAContact,
}

/// Uses a link (once): the contact it was sent to, as a caller. `Ok(Err(_))` is a
/// refusal, to be audited and shown; `Err(_)` a failure.
pub async fn consume(
    tx: &mut Tx,
    ctx: &Ctx,
    token: &str,
) -> Result<Result<Principal, LinkRefusal>, ServiceError> {
    let hash = secret_hash(token);
    let Some(link) = store::get(tx, &hash).await? else {
        return Ok(Err(LinkRefusal::Spent));
    };
    if link.used_at.is_some() || link.expires_at <= ctx.now {
        return Ok(Err(LinkRefusal::Spent));
    }
    if store::use_once(tx, &hash, ctx.now).await? == 0 {
        return Ok(Err(LinkRefusal::Spent));
    }
    let customer_id = CustomerId::from_raw(link.customer_id.clone());
    let contact = customers::get(tx, &customer_id).await?.and_then(|c| {
        c.contacts
            .into_iter()
            .find(|k| k.email.eq_ignore_ascii_case(&link.email))
    });
    Ok(match contact {
        Some(contact) => Ok(contact_principal(&customer_id, &contact)),
        None => Err(LinkRefusal::NotAContact),
    })
}
