//! Use cases: load, decide with the domain, persist — one transaction each.
//!
//! A service function receives an open [`Tx`] and a [`Ctx`] (who is calling and when);
//! the caller (an HTTP handler through [`crate::http::uow`], a job, or a test) owns the
//! transaction and commits it, so the idempotency record and the business writes land
//! in the same commit.

pub mod alerts;
pub mod audit;
pub mod backup;
pub mod book;
pub mod calendars;
pub mod coverage;
pub mod customers;
pub mod dashboards;
pub mod due_work;
pub mod export;
pub mod feed;
pub mod finance;
pub mod ids;
pub mod jobs;
pub mod ledger;
pub mod metrics;
pub mod notifications;
pub mod packs;
pub mod quotes;
pub mod reports;
pub mod requests;
pub mod sessions;
pub mod sows;
pub mod statements;
pub mod timeline;
pub mod uncovered;
pub mod verify;
pub mod webhooks;

use chrono::{DateTime, Utc};

use crate::domain::access::{Action, Principal};
use crate::domain::ids::CustomerId;
use crate::storage::db::StoreError;
use crate::validation::{FieldErrors, Invalid};

/// Who is acting and at which instant (read once from the clock per request).
#[derive(Clone, Debug)]
pub struct Ctx {
    /// The authenticated caller, or a system actor for background jobs.
    pub principal: Principal,
    /// "Now" for this use case.
    pub now: DateTime<Utc>,
    /// Where the request came from (empty for background jobs), for the audit log.
    pub request: RequestMeta,
}

/// Where a request came from, as the audit log records it.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    /// `X-Request-Id`.
    pub request_id: Option<String>,
    /// The client's address.
    pub client_ip: Option<String>,
    /// The client's `User-Agent`.
    pub user_agent: Option<String>,
}

impl Ctx {
    /// Refuses with 403 unless the caller's roles allow `action`.
    pub fn require(&self, action: Action) -> Result<(), ServiceError> {
        if self.principal.may(action) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// Refuses with 404 when the caller may not see this customer's resources, so that
    /// a customer cannot even learn whether another customer's resource exists.
    pub fn require_customer(
        &self,
        customer_id: &CustomerId,
        resource: &'static str,
    ) -> Result<(), ServiceError> {
        if self.principal.sees_customer(customer_id) {
            Ok(())
        } else {
            Err(ServiceError::NotFound(resource))
        }
    }

    /// The customer filter of a list or export (see [`Principal::list_scope`]): a
    /// customer asking for another customer gets a 404.
    pub fn list_scope(
        &self,
        asked: Option<&CustomerId>,
    ) -> Result<Option<CustomerId>, ServiceError> {
        self.principal
            .list_scope(asked)
            .map_err(|_| ServiceError::NotFound("customer"))
    }

    /// The actor label written into the ledger and events.
    pub fn actor(&self) -> String {
        self.principal.actor()
    }
}

/// Why a use case refused or failed. Each variant maps to one HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The resource does not exist, or the caller may not know it does (404).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller's roles do not allow this (403).
    #[error("forbidden")]
    Forbidden,
    /// The request is well-formed but the state does not allow it (409).
    #[error("{detail}")]
    Conflict {
        /// Stable machine-readable code.
        code: &'static str,
        /// Human explanation.
        detail: String,
    },
    /// Input failed validation (422).
    #[error("validation failed")]
    Validation(FieldErrors),
    /// `If-Match` is required for this change (428).
    #[error("If-Match header required")]
    PreconditionRequired,
    /// `If-Match` names a revision that is no longer current (412).
    #[error("{0}")]
    PreconditionFailed(String),
    /// Storage failure.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServiceError {
    /// A 409 with a stable code.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        ServiceError::Conflict {
            code,
            detail: detail.into(),
        }
    }

    /// A 422 on one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Invalid::field(field, message).into()
    }
}

impl From<Invalid> for ServiceError {
    fn from(Invalid(errors): Invalid) -> Self {
        ServiceError::Validation(errors)
    }
}

/// Builds a page from `limit + 1` rows: the extra row only tells that more exist.
pub fn paginate<R, T>(
    mut rows: Vec<R>,
    limit: u32,
    cursor_of: impl Fn(&R) -> String,
    view: impl FnMut(R) -> Result<T, ServiceError>,
) -> Result<crate::dto::Page<T>, ServiceError> {
    let limit = limit as usize;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = if more {
        rows.last().map(&cursor_of)
    } else {
        None
    };
    let data = rows.into_iter().map(view).collect::<Result<Vec<_>, _>>()?;
    Ok(crate::dto::Page { data, next_cursor })
}
