//! Staff who signed in through the organisation's provider (SPEC §13): listed for
//! admins, disabled (every session ends at once, no new sign-in) and enabled again;
//! and the admins' mail when an API key is created or rolled.

use serde_json::json;

use crate::domain::access::Action;
use crate::domain::access::Principal;
use crate::domain::audit::AuditAction;
use crate::domain::identity::{Actor, ActorKind};
use crate::domain::notification::{Audience, Language, MailKind};
use crate::dto::identity::User;
use crate::dto::{Page, PageQuery};
use crate::service::{Ctx, ServiceError, audit};
use crate::storage::db::Tx;
use crate::storage::identity::console_sessions;
use crate::storage::identity::users::{self as store, UserRow};

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
    super::record_mail(
        tx,
        ctx.now,
        super::DirectMail {
            kind,
            audience: Audience::Admins,
            customer_id: None,
            recipients: Vec::new(),
            language: Language::En,
            data: &data,
        },
    )
    .await?;
    Ok(())
}

/// The caller one of the provider's access tokens stands for: a person (a token with a
/// `name` or `email`; refused while disabled) or a system of the provider (client
/// credentials), with the roles the role map gives; refused without any.
pub async fn caller_for_token(
    db: &crate::storage::db::Db,
    person: super::oidc::Person,
) -> Result<Principal, ServiceError> {
    if person.roles.is_empty() {
        return Err(ServiceError::Forbidden);
    }
    if person.is_person && store::is_disabled(db, &person.subject).await? {
        return Err(ServiceError::Forbidden);
    }
    let kind = if person.is_person {
        ActorKind::User
    } else {
        ActorKind::OperatorToken
    };
    Ok(Principal {
        subject: format!("oidc:{}", person.subject),
        roles: person.roles,
        customer_id: None,
        actor: Actor {
            kind,
            id: person.subject,
            name: person.name,
            email: person.email,
        },
        contact_roles: None,
    })
}

/// Why a person who signed in at the provider gets no session here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoAccess {
    /// No role of theirs is in the role map.
    NoRole,
    /// An admin disabled them.
    Disabled,
}

/// A person the provider vouched for signs in to the console: recorded (name, e-mail,
/// roles of this sign-in) and given a caller, unless disabled or without a mapped role
/// (audited as a failed sign-in either way).
pub async fn sign_in(
    tx: &mut Tx,
    ctx: &Ctx,
    person: super::oidc::Person,
) -> Result<Result<Principal, NoAccess>, ServiceError> {
    let actor = Actor {
        kind: ActorKind::User,
        id: person.subject.clone(),
        name: person.name.clone(),
        email: person.email.clone(),
    };
    let existing = store::get(tx, &person.subject).await?;
    let refusal = if existing.as_ref().is_some_and(|u| u.disabled_at.is_some()) {
        Some(NoAccess::Disabled)
    } else if person.roles.is_empty() {
        Some(NoAccess::NoRole)
    } else {
        None
    };
    if let Some(why) = refusal {
        audit::record_as(
            tx,
            ctx,
            &actor,
            AuditAction::UserSignInFailed,
            Some(&actor.id),
            None,
            crate::domain::audit::FAILED,
        )
        .await?;
        return Ok(Err(why));
    }
    store::upsert(
        tx,
        &UserRow {
            id: person.subject.clone(),
            name: person.name.clone(),
            email: person.email.clone(),
            roles: person
                .roles
                .iter()
                .map(|r| r.as_str().to_string())
                .collect(),
            first_seen_at: ctx.now,
            last_sign_in_at: ctx.now,
            disabled_at: None,
        },
    )
    .await?;
    Ok(Ok(Principal {
        subject: format!("user:{}", person.subject),
        roles: person.roles,
        customer_id: None,
        actor,
        contact_roles: None,
    }))
}
