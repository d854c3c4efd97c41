//! API keys for systems (SPEC §13): created by an admin with a secret shown once,
//! listed, revoked at once on every replica (a replica's copies of keys are dropped
//! when any replica revokes or rolls one, see [`super::key_cache`]), rolled with a
//! grace period for the old secret, and used as `Authorization: Bearer shk_…`.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::key_cache::KeyCache;
use crate::domain::access::{Action, Principal, Role};
use crate::domain::audit::AuditAction;
use crate::domain::identity::{Actor, ActorKind, KEY_PREFIX, key_prefix, roll_grace, secret_hash};
use crate::domain::ids::CustomerId;
use crate::domain::notification::MailKind;
use crate::dto::identity::{ApiKey, ApiKeyInput, RollInput};
use crate::dto::{ActorView, Page, PageQuery};
use crate::service::{Ctx, ServiceError, audit};
use crate::storage::db::{Db, StoreError, Tx};
use crate::storage::identity::api_keys::{self as store, ApiKeyRow};
use crate::validation::{Problems, validate};

/// Why a bearer `shk_…` secret opens nothing (the 401's detail).
#[derive(Debug, thiserror::Error)]
pub enum KeyRefusal {
    /// No key has this secret (or the roll's grace is over).
    #[error("the API key is not known")]
    Unknown,
    /// Revoked by an admin.
    #[error("the API key has been revoked")]
    Revoked,
    /// Past its expiry.
    #[error("the API key has expired")]
    Expired,
    /// The store did not answer.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The caller a key stands for: this replica's copy of the key while no replica has
/// revoked or rolled one since it was read, the database's row otherwise (one
/// statement). Expiry and grace periods are judged at `now` either way. A use is
/// noted at most once a minute.
pub async fn resolve(
    db: &Db,
    cache: &KeyCache,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Principal, KeyRefusal> {
    let hash = secret_hash(secret);
    let epoch = cache.epoch();
    let kept = epoch.and_then(|e| cache.get(&hash, e));
    let row = match kept {
        Some(row) => row,
        None => {
            let row = Arc::new(
                store::by_hash(db, &hash)
                    .await?
                    .ok_or(KeyRefusal::Unknown)?,
            );
            if let Some(epoch) = epoch {
                cache.put(hash.clone(), row.clone(), epoch);
            }
            row
        }
    };
    if row.revoked_at.is_some() {
        return Err(KeyRefusal::Revoked);
    }
    if row.expires_at.is_some_and(|e| e <= now) {
        return Err(KeyRefusal::Expired);
    }
    if row.secret_hash != hash && row.previous_until.is_none_or(|u| u <= now) {
        return Err(KeyRefusal::Unknown);
    }
    if row
        .last_used_at
        .is_none_or(|l| l < now - chrono::Duration::minutes(1))
    {
        store::touch(db, &row.id, now).await?;
        cache.used(&hash, now);
    }
    let roles: BTreeSet<Role> = row.roles.iter().filter_map(|r| Role::parse(r)).collect();
    Ok(Principal {
        subject: format!("key:{}", row.id),
        roles,
        customer_id: row.customer_id.clone().map(CustomerId::from_raw),
        actor: Actor {
            kind: ActorKind::ApiKey,
            id: row.id.clone(),
            name: row.name.clone(),
            email: None,
        },
        contact_roles: None,
    })
}

fn view(row: ApiKeyRow, secret: Option<String>) -> ApiKey {
    ApiKey {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        roles: row.roles,
        customer_id: row.customer_id,
        created_by: ActorView::from(&row.created_by),
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
        previous_secret_until: row.previous_until,
        secret,
    }
}

fn new_secret() -> Result<String, ServiceError> {
    Ok(format!("{KEY_PREFIX}{}", super::random_hex(20)?))
}

/// `POST /v1/api-keys`: a new key; its secret is in this answer only. Admins are
/// mailed.
pub async fn create(tx: &mut Tx, ctx: &Ctx, input: ApiKeyInput) -> Result<ApiKey, ServiceError> {
    ctx.require(Action::ManageAccess)?;
    let mut problems = Problems::default();
    problems.absorb(validate(&input));
    let mut roles = BTreeSet::new();
    for name in &input.roles {
        match Role::parse(name) {
            Some(r) => {
                roles.insert(r);
            }
            None => problems.add("roles", format!("{name:?} is not a role")),
        }
    }
    let customer = input
        .customer_id
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    match (roles.contains(&Role::Customer), customer) {
        (true, None) => problems.add("customer_id", "is required for a customer key"),
        (true, Some(_)) if roles.len() > 1 => {
            problems.add("roles", "a customer key carries the customer role alone")
        }
        (false, Some(_)) => problems.add(
            "customer_id",
            "only a key with the customer role speaks for one customer",
        ),
        _ => {}
    }
    if input.expires_at.is_some_and(|e| e <= ctx.now) {
        problems.add("expires_at", "must be in the future");
    }
    problems.finish()?;
    if let Some(c) = customer {
        let id = CustomerId::from_raw(c);
        if crate::storage::customers::get(tx, &id).await?.is_none() {
            return Err(ServiceError::invalid("customer_id", "no such customer"));
        }
    }
    let secret = new_secret()?;
    let row = ApiKeyRow {
        id: format!("key_{}", uuid::Uuid::now_v7().simple()),
        name: input.name.trim().to_string(),
        prefix: key_prefix(&secret).to_string(),
        secret_hash: secret_hash(&secret),
        previous_hash: None,
        previous_until: None,
        roles: roles.iter().map(|r| r.as_str().to_string()).collect(),
        customer_id: customer.map(str::to_string),
        created_by: ctx.principal.actor.clone(),
        created_at: ctx.now,
        last_used_at: None,
        expires_at: input.expires_at,
        revoked_at: None,
        rolled_at: None,
    };
    store::insert(tx, &row).await?;
    super::users::mail_admins(tx, ctx, MailKind::ApiKeyCreated, &row.id, &row.name).await?;
    audit::record(tx, ctx, AuditAction::ApiKeyCreated, Some(&row.id), None).await?;
    Ok(view(row, Some(secret)))
}

/// `GET /v1/api-keys`: every key, revoked ones included, without secrets.
pub async fn list(tx: &mut Tx, ctx: &Ctx, page: PageQuery) -> Result<Page<ApiKey>, ServiceError> {
    ctx.require(Action::ManageAccess)?;
    let limit = page.limit()?;
    let rows = store::list(tx, page.after.as_deref(), i64::from(limit) + 1).await?;
    crate::service::paginate(rows, limit, |r| r.id.clone(), |r| Ok(view(r, None)))
}

async fn found(tx: &mut Tx, id: &str) -> Result<ApiKeyRow, ServiceError> {
    store::get(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("API key"))
}

/// `DELETE /v1/api-keys/{id}`: the key (and a rolled key's old secret) stops working
/// at once. Revoking a revoked key changes nothing.
pub async fn revoke(
    tx: &mut Tx,
    ctx: &Ctx,
    cache: &KeyCache,
    id: &str,
) -> Result<ApiKey, ServiceError> {
    ctx.require(Action::ManageAccess)?;
    let before = found(tx, id).await?;
    if before.revoked_at.is_none() {
        store::revoke(tx, id, ctx.now).await?;
        cache.changed(tx).await?;
        audit::record(tx, ctx, AuditAction::ApiKeyRevoked, Some(id), None).await?;
    }
    Ok(view(found(tx, id).await?, None))
}

/// `POST /v1/api-keys/{id}/roll`: a new secret (in this answer only); the current one
/// keeps working `grace_hours` (at most 7 days). A roll during a grace period ends the
/// older secret at once: only the secret just replaced keeps a grace.
pub async fn roll(
    tx: &mut Tx,
    ctx: &Ctx,
    cache: &KeyCache,
    id: &str,
    input: RollInput,
) -> Result<ApiKey, ServiceError> {
    ctx.require(Action::ManageAccess)?;
    let grace =
        roll_grace(input.grace_hours).map_err(|m| ServiceError::invalid("grace_hours", m))?;
    let key = found(tx, id).await?;
    if key.revoked_at.is_some() {
        return Err(ServiceError::conflict(
            "api_key_revoked",
            "a revoked key cannot be rolled",
        ));
    }
    if key.expires_at.is_some_and(|e| e <= ctx.now) {
        return Err(ServiceError::conflict(
            "api_key_expired",
            "an expired key cannot be rolled",
        ));
    }
    let secret = new_secret()?;
    store::roll(
        tx,
        id,
        &secret_hash(&secret),
        key_prefix(&secret),
        ctx.now + grace,
        ctx.now,
    )
    .await?;
    cache.changed(tx).await?;
    super::users::mail_admins(tx, ctx, MailKind::ApiKeyRolled, &key.id, &key.name).await?;
    audit::record(tx, ctx, AuditAction::ApiKeyRolled, Some(id), None).await?;
    Ok(view(found(tx, id).await?, Some(secret)))
}
