//! The unit of work of a state-changing request: one transaction holding both the
//! business writes and the idempotency record, committed once.
//!
//! `Idempotency-Key` handling (SPEC §8): a key is scoped to the caller (token subject);
//! the same key with the same request replays the first response with
//! `Idempotent-Replayed: true`; with a different request it is a 422; while the first
//! request is still running it is a 409 — detected in-process, and across replicas on
//! PostgreSQL with a transaction-scoped advisory lock.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use serde::Serialize;

use crate::domain::access::Principal;
use crate::http::AppState;
use crate::http::error::{ApiError, PROBLEM_JSON};
use crate::http::extract::{Fingerprint, IdempotencyKey};
use crate::service::{Ctx, ServiceError};
use crate::storage::db::Tx;
use crate::storage::idempotency::{self, IdempotencyRecord};

/// Keys currently being processed by this replica.
#[derive(Debug, Default)]
pub struct InFlight(Mutex<HashSet<(String, String)>>);

struct InFlightGuard {
    registry: Arc<InFlight>,
    entry: (String, String),
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        let mut set = self.registry.0.lock().unwrap_or_else(|e| e.into_inner());
        set.remove(&self.entry);
    }
}

/// A successful result ready to be sent (and stored for replay).
#[derive(Debug)]
pub struct Reply {
    status: StatusCode,
    headers: Vec<(HeaderName, String)>,
    body: Vec<u8>,
    content_type: &'static str,
    /// Set when the body holds a secret shown once (an API key's, a webhook
    /// endpoint's): the id of what it belongs to. Such a body is never stored for
    /// replay; a retry with the same key gets a 409 naming the resource instead.
    shown_once: Option<String>,
}

impl Reply {
    /// A JSON body with a status.
    pub fn json(status: StatusCode, body: &impl Serialize) -> Result<Reply, ServiceError> {
        let body = serde_json::to_vec(body).map_err(|e| {
            ServiceError::Store(crate::storage::db::StoreError::Corrupt(e.to_string()))
        })?;
        Ok(Reply {
            status,
            headers: Vec::new(),
            body,
            content_type: "application/json",
            shown_once: None,
        })
    }

    /// 201 Created with a JSON body.
    pub fn created(body: &impl Serialize) -> Result<Reply, ServiceError> {
        Self::json(StatusCode::CREATED, body)
    }

    /// 200 OK with a JSON body.
    pub fn ok(body: &impl Serialize) -> Result<Reply, ServiceError> {
        Self::json(StatusCode::OK, body)
    }

    /// Marks the body as holding a secret shown only in this answer (the secret of
    /// `resource_id`): the secret is not kept in the idempotency record, so it exists
    /// nowhere but in the caller's hands.
    pub fn secret_shown_once(mut self, resource_id: impl Into<String>) -> Reply {
        self.shown_once = Some(resource_id.into());
        self
    }

    /// Adds a header (ETag, Location) that must also be replayed.
    pub fn with_header(mut self, name: HeaderName, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    fn into_response(self, replayed: bool) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        }
        if replayed {
            headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
        (self.status, headers, self.body).into_response()
    }
}

/// What `begin` found.
pub enum Begun {
    /// Run the use case in this unit of work.
    Fresh(Box<UnitOfWork>),
    /// The same request was already answered: send this.
    Replay(Response),
}

/// An open write transaction plus the idempotency claim.
pub struct UnitOfWork {
    tx: Tx,
    ctx: Ctx,
    key: Option<(String, Fingerprint)>,
    state: AppState,
    _guard: Option<InFlightGuard>,
}

impl UnitOfWork {
    /// Opens the write transaction and resolves the idempotency key.
    pub async fn begin(
        state: &AppState,
        principal: Principal,
        key: IdempotencyKey,
        fingerprint: Fingerprint,
    ) -> Result<Begun, ApiError> {
        let ctx = state.ctx(principal);
        let caller = ctx.principal.subject.clone();
        let guard = match &key.0 {
            Some(k) => {
                let entry = (caller.clone(), k.clone());
                let mut set = state.inflight.0.lock().unwrap_or_else(|e| e.into_inner());
                if !set.insert(entry.clone()) {
                    return Err(in_flight());
                }
                Some(InFlightGuard {
                    registry: state.inflight.clone(),
                    entry,
                })
            }
            None => None,
        };
        let mut tx = state.db.begin_write().await?;
        if let Some(k) = &key.0 {
            if !idempotency::try_lock_key(&mut tx, &caller, k).await? {
                return Err(in_flight());
            }
            if let Some(record) = idempotency::find(&mut tx, &caller, k).await? {
                tx.rollback().await?;
                if record.request_hash != fingerprint.0 {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "idempotency_key_reused",
                        "this Idempotency-Key was already used with a different request",
                    ));
                }
                return Ok(Begun::Replay(replay(record)));
            }
        }
        Ok(Begun::Fresh(Box::new(UnitOfWork {
            tx,
            ctx,
            key: key.0.map(|k| (k, fingerprint)),
            state: state.clone(),
            _guard: guard,
        })))
    }

    /// The transaction and the caller's context, for the service call.
    pub fn parts(&mut self) -> (&mut Tx, &Ctx) {
        (&mut self.tx, &self.ctx)
    }

    /// Commits a success (with its idempotency record) or rolls back a refusal,
    /// remembering deterministic refusals so a retry with the same key replays them.
    pub async fn finish(self, outcome: Result<Reply, ServiceError>) -> Response {
        match self.finish_inner(outcome).await {
            Ok(r) => r,
            Err(e) => e.into_response(),
        }
    }

    async fn finish_inner(
        self,
        outcome: Result<Reply, ServiceError>,
    ) -> Result<Response, ApiError> {
        let UnitOfWork {
            mut tx,
            ctx,
            key,
            state,
            _guard,
        } = self;
        match outcome {
            Ok(reply) => {
                if let Some((k, fp)) = &key {
                    let record = record_of(&reply, fp);
                    idempotency::insert(&mut tx, &ctx.principal.subject, k, &record, ctx.now)
                        .await?;
                }
                tx.commit().await?;
                Ok(reply.into_response(false))
            }
            Err(err) => {
                tx.rollback().await?;
                let api: ApiError = err.into();
                let remember = matches!(
                    api.status(),
                    StatusCode::NOT_FOUND
                        | StatusCode::CONFLICT
                        | StatusCode::UNPROCESSABLE_ENTITY
                        | StatusCode::PRECONDITION_FAILED
                        | StatusCode::PRECONDITION_REQUIRED
                        | StatusCode::FORBIDDEN
                );
                if let (true, Some((k, fp))) = (remember, &key) {
                    let record = IdempotencyRecord {
                        request_hash: fp.0.clone(),
                        status_code: i64::from(api.status().as_u16()),
                        headers: "{}".into(),
                        body: serde_json::to_string(&api.problem()).unwrap_or_default(),
                    };
                    // Another replica may have stored the same refusal first; either
                    // way the client gets the refusal, never a storage error instead.
                    if let Err(e) = remember_refusal(&state, &ctx, k, &record).await {
                        tracing::warn!(code = e.code(), "could not remember a refused request");
                    }
                }
                Err(api)
            }
        }
    }
}

/// Runs a whole state-changing request: begin (or replay), the use case `work` in the
/// unit of work's transaction, finish (commit with the idempotency record, or roll
/// back and remember a deterministic refusal).
pub async fn write<F>(
    state: &AppState,
    principal: Principal,
    key: IdempotencyKey,
    fingerprint: Fingerprint,
    work: F,
) -> Response
where
    F: for<'a> FnOnce(&'a mut Tx, &'a Ctx) -> BoxFuture<'a, Result<Reply, ServiceError>>,
{
    match UnitOfWork::begin(state, principal, key, fingerprint).await {
        Err(e) => e.into_response(),
        Ok(Begun::Replay(r)) => r,
        Ok(Begun::Fresh(mut uow)) => {
            let outcome = {
                let (tx, ctx) = uow.parts();
                work(tx, ctx).await
            };
            uow.finish(outcome).await
        }
    }
}

async fn remember_refusal(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    record: &IdempotencyRecord,
) -> Result<(), ApiError> {
    let mut tx = state.db.begin_write().await?;
    match idempotency::insert(&mut tx, &ctx.principal.subject, key, record, ctx.now).await {
        Ok(()) => tx.commit().await?,
        Err(crate::storage::db::StoreError::UniqueViolation(_)) => tx.rollback().await?,
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

fn in_flight() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "idempotency_in_flight",
        "a request with this Idempotency-Key is still being processed",
    )
}

fn record_of(reply: &Reply, fp: &Fingerprint) -> IdempotencyRecord {
    if let Some(id) = &reply.shown_once {
        let refusal = ApiError::new(
            StatusCode::CONFLICT,
            "secret_already_shown",
            format!(
                "this request was answered already; the secret of {id} is shown only in \
                 that answer and is not kept: roll the key (or register the endpoint again) \
                 for a new secret"
            ),
        );
        return IdempotencyRecord {
            request_hash: fp.0.clone(),
            status_code: i64::from(refusal.status().as_u16()),
            headers: "{}".into(),
            body: serde_json::to_string(&refusal.problem()).unwrap_or_default(),
        };
    }
    let headers: serde_json::Map<String, serde_json::Value> = reply
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), serde_json::Value::String(v.clone())))
        .collect();
    IdempotencyRecord {
        request_hash: fp.0.clone(),
        status_code: i64::from(reply.status.as_u16()),
        headers: serde_json::Value::Object(headers).to_string(),
        body: String::from_utf8_lossy(&reply.body).into_owned(),
    }
}

fn replay(record: IdempotencyRecord) -> Response {
    let status = u16::try_from(record.status_code)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let headers: Vec<(HeaderName, String)> =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&record.headers)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| {
                let name = HeaderName::from_bytes(k.as_bytes()).ok()?;
                Some((name, v.as_str()?.to_string()))
            })
            .collect();
    let content_type = if status.is_success() {
        "application/json"
    } else {
        PROBLEM_JSON
    };
    Reply {
        status,
        headers,
        body: record.body.into_bytes(),
        content_type,
        shown_once: None,
    }
    .into_response(true)
}
