//! Console sessions kept by the service (SPEC §13): the cookie holds a random
//! identifier, stored hashed; every console request reads its session (one
//! statement), so a sign-out, a person disabled or a contact removed ends it at once
//! on every replica; idle 30 minutes, absolute 12 hours.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::access::{Principal, Role};
use crate::domain::audit::{AuditAction, FAILED, SUCCEEDED};
use crate::domain::identity::{Actor, ActorKind, secret_hash, session_alive};
use crate::domain::ids::CustomerId;
use crate::domain::notification::ContactRole;
use crate::service::{Ctx, ServiceError, audit};
use crate::storage::db::{Db, StoreError, Tx};
use crate::storage::identity::console_sessions::{self as store, ConsoleSessionRow};

/// The caller a session stands for, as stored.
#[derive(Serialize, Deserialize)]
struct Stored {
    subject: String,
    roles: Vec<String>,
    customer_id: Option<String>,
    actor: Actor,
    contact_roles: Option<Vec<String>>,
}

impl Stored {
    fn of(p: &Principal) -> Stored {
        Stored {
            subject: p.subject.clone(),
            roles: p.roles.iter().map(|r| r.as_str().to_string()).collect(),
            customer_id: p.customer_id.as_ref().map(|c| c.to_string()),
            actor: p.actor.clone(),
            contact_roles: p
                .contact_roles
                .as_ref()
                .map(|rs| rs.iter().map(|r| r.as_str().to_string()).collect()),
        }
    }

    fn principal(self) -> Principal {
        Principal {
            subject: self.subject,
            roles: self.roles.iter().filter_map(|r| Role::parse(r)).collect(),
            customer_id: self.customer_id.map(CustomerId::from_raw),
            actor: self.actor,
            contact_roles: self.contact_roles.map(|rs| {
                rs.iter()
                    .filter_map(|r| ContactRole::parse(r))
                    .collect::<BTreeSet<_>>()
            }),
        }
    }
}

/// A session just opened: the cookie's value (shown to the browser only) and the
/// token its forms carry.
pub struct Opened {
    /// The cookie's value.
    pub id: String,
    /// The forms' token.
    pub csrf: String,
}

/// A live session.
pub struct Live {
    /// Who it stands for.
    pub principal: Principal,
    /// The forms' token.
    pub csrf: String,
}

fn signed_in(kind: ActorKind) -> AuditAction {
    match kind {
        ActorKind::User => AuditAction::UserSignedIn,
        ActorKind::Contact => AuditAction::ContactSignedIn,
        _ => AuditAction::TokenSignedIn,
    }
}

fn signed_out(kind: ActorKind) -> AuditAction {
    match kind {
        ActorKind::User => AuditAction::UserSignedOut,
        ActorKind::Contact => AuditAction::ContactSignedOut,
        _ => AuditAction::TokenSignedOut,
    }
}

/// Opens a session for `principal` (who signed in), audited as its sign-in.
pub async fn open(tx: &mut Tx, ctx: &Ctx, principal: &Principal) -> Result<Opened, ServiceError> {
    let id = super::random_hex(32)?;
    let csrf = super::random_hex(16)?;
    let stored = serde_json::to_string(&Stored::of(principal))
        .map_err(|e| ServiceError::Store(StoreError::Corrupt(e.to_string())))?;
    store::insert(
        tx,
        &ConsoleSessionRow {
            id_hash: secret_hash(&id),
            principal: stored,
            actor_id: principal.actor.id.clone(),
            actor_type: principal.actor.kind.as_str().to_string(),
            customer_id: principal.customer_id.as_ref().map(|c| c.to_string()),
            csrf: csrf.clone(),
            created_at: ctx.now,
            last_seen_at: ctx.now,
            ended_at: None,
        },
    )
    .await?;
    let customer = principal.customer_id.clone();
    audit::record_as(
        tx,
        ctx,
        &principal.actor,
        signed_in(principal.actor.kind),
        Some(&principal.actor.id),
        customer.as_ref(),
        SUCCEEDED,
    )
    .await?;
    Ok(Opened { id, csrf })
}

/// Records a refused sign-in (`who` as far as it is known).
pub async fn refused(
    tx: &mut Tx,
    ctx: &Ctx,
    who: &Actor,
    action: AuditAction,
) -> Result<(), ServiceError> {
    audit::record_as(tx, ctx, who, action, Some(&who.id), None, FAILED).await
}

/// The live session of a cookie's value at `now`, if any (idle and absolute limits
/// applied). Its last use is noted at most once a minute.
pub async fn resolve(db: &Db, id: &str, now: DateTime<Utc>) -> Result<Option<Live>, StoreError> {
    let hash = secret_hash(id);
    let Some(row) = store::live(db, &hash).await? else {
        return Ok(None);
    };
    if !session_alive(row.created_at, row.last_seen_at, now) {
        return Ok(None);
    }
    if row.last_seen_at < now - chrono::Duration::minutes(1) {
        store::touch(db, &hash, now).await?;
    }
    let stored: Stored = serde_json::from_str(&row.principal)
        .map_err(|e| StoreError::Corrupt(format!("console session: {e}")))?;
    Ok(Some(Live {
        principal: stored.principal(),
        csrf: row.csrf,
    }))
}

/// Signs out: the session ends at once, audited.
pub async fn close(tx: &mut Tx, ctx: &Ctx, id: &str) -> Result<(), ServiceError> {
    if store::end(tx, &secret_hash(id), ctx.now).await? > 0 {
        let customer = ctx.principal.customer_id.clone();
        audit::record(
            tx,
            ctx,
            signed_out(ctx.principal.actor.kind),
            Some(&ctx.principal.actor.id),
            customer.as_ref(),
        )
        .await?;
    }
    Ok(())
}
