//! Staff who signed in through the organisation's provider (SPEC §13): listed for
//! admins, disabled (every session ends at once, no new sign-in) and enabled again;
//! and the admins' mail when an API key is created or rolled.

use serde_json::json;

use crate::domain::access::Action;
use crate::domain::audit::AuditAction;
use crate::domain::identity::ActorKind;
use crate::domain::notification::{Audience, Language, MailKind, NotificationStatus};
use crate::dto::identity::User;
use crate::dto::{Page, PageQuery};
use crate::service::{Ctx, ServiceError, audit};
use crate::storage::db::Tx;
use crate::storage::identity::console_sessions;
use crate::storage::identity::users::{self as store, UserRow};
use crate::storage::notifications::{self, NotificationRow};

fn view(row: UserRow) -> User {
    User {
        id: row.id,
        name: row.name,
        email: row.email,
        roles: row.roles,
        first_seen_at: row.first_seen_at,
        last_sign_in_at: row.last_sign_in_at,
        disabled: row.disabled_at.is_some(),
        disabled_at: row.disabled_at,
    }
}

/// `GET /v1/users`.
pub async fn list(tx: &mut Tx, ctx: &Ctx, page: PageQuery) -> Result<Page<User>, ServiceError> {
    ctx.require(Action::ManageAccess)?;
    let limit = page.limit()?;
    let rows = store::list(tx, page.after.as_deref(), i64::from(limit) + 1).await?;
    crate::service::paginate(rows, limit, |r| r.id.clone(), |r| Ok(view(r)))
}

/// `POST /v1/users/{id}/disable` and `…/enable`. Disabling ends every session of the
/// person at once (each console request reads its session) and refuses new sign-ins;
/// an admin cannot disable themselves (someone must be left to enable them).
pub async fn set_disabled(
    tx: &mut Tx,
    ctx: &Ctx,
    id: &str,
    disabled: bool,
) -> Result<User, ServiceError> {
    ctx.require(Action::ManageAccess)?;
    let user = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("user"))?;
    if disabled && ctx.principal.actor.kind == ActorKind::User && ctx.principal.actor.id == id {
        return Err(ServiceError::conflict(
            "cannot_disable_self",
            "an admin cannot disable themselves",
        ));
    }
    if user.disabled_at.is_some() != disabled {
        store::set_disabled(tx, id, disabled.then_some(ctx.now)).await?;
        let action = if disabled {
            console_sessions::end_all_of(tx, ActorKind::User.as_str(), id, ctx.now).await?;
            AuditAction::UserDisabled
        } else {
            AuditAction::UserEnabled
        };
        audit::record(tx, ctx, action, Some(id), None).await?;
    }
    let user = store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("user"))?;
    Ok(view(user))
}

/// Records the admins' mail about a key (`kind`: created or rolled), in the change's transaction; addressed when sent.
pub async fn mail_admins(
    tx: &mut Tx,
    ctx: &Ctx,
    kind: MailKind,
    key_id: &str,
    key_name: &str,
) -> Result<(), ServiceError> {
    let data = json!({
        "event": kind.as_str(),
        "subject_id": key_id,
        "occurred_at": ctx.now,
        "customer": "",
        "timezone": "UTC",
        "name": "",
        "facts": {
            "key_id": key_id,
            "key_name": key_name,
            "by": ctx.principal.actor.name,
            "at": crate::dto::instant(ctx.now),
            "link_path": "/console/api-keys",
        },
    });
    notifications::insert(
        tx,
        &NotificationRow {
            id: format!("ntf_{}", uuid::Uuid::now_v7().simple()),
            customer_id: None,
            event_id: None,
            kind,
            audience: Audience::Admins,
            recipients: Vec::new(),
            language: Language::En,
            data: data.to_string(),
            status: NotificationStatus::Pending,
            attempts: 0,
            next_attempt_at: ctx.now,
            claimed_until: None,
            subject: None,
            last_error: None,
            created_at: ctx.now,
            sent_at: None,
        },
    )
    .await?;
    Ok(())
}
