//! Handlers, one module per resource.

pub mod accounts;
pub mod calendars;
pub mod customers;
pub mod finance;
pub mod notify;
pub mod ops;
pub mod reports;
pub mod requests;
pub mod sessions;
pub mod sows;

use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use serde::Serialize;

use crate::domain::access::Principal;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::service::{Ctx, ServiceError};
use crate::storage::db::Tx;

/// Runs a read-only use case in a read transaction and renders its result as JSON.
pub async fn read<T, F>(state: &AppState, principal: Principal, f: F) -> Response
where
    T: Serialize,
    F: for<'a> FnOnce(&'a mut Tx, Ctx) -> BoxFuture<'a, Result<T, ServiceError>>,
{
    let ctx = state.ctx(principal);
    let result = async {
        let mut tx = state.db.begin_read().await?;
        let value = f(&mut tx, ctx).await?;
        tx.commit().await?;
        Ok::<_, ServiceError>(value)
    }
    .await;
    match result {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
