//! Handlers, one module per resource.

pub mod accounts;
pub mod assessment_reports;
pub mod audit;
pub mod calendars;
pub mod customers;
pub mod finance;
pub mod identity;
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
    run_read(state, principal, false, f).await
}

/// [`read`] for use cases that show feed positions (the ledger, the events feed,
/// notifications): every entry and event committed before the request is given its
/// position first, so a client reads its own writes.
pub async fn read_feed<T, F>(state: &AppState, principal: Principal, f: F) -> Response
where
    T: Serialize,
    F: for<'a> FnOnce(&'a mut Tx, Ctx) -> BoxFuture<'a, Result<T, ServiceError>>,
{
    run_read(state, principal, true, f).await
}

/// [`read_direct`] for use cases that show feed positions (see [`read_feed`]): the
/// positions are given first, then the one statement runs on its own.
pub async fn read_feed_direct<T, F>(state: &AppState, principal: Principal, f: F) -> Response
where
    T: Serialize,
    F: for<'a> FnOnce(&'a crate::storage::db::Db, Ctx) -> BoxFuture<'a, Result<T, ServiceError>>,
{
    if let Err(e) = crate::service::feed::catch_up(&state.db).await {
        return ApiError::from(e).into_response();
    }
    read_direct(state, principal, f).await
}

/// Runs a read-only use case that one statement answers, without a transaction around
/// it (one round trip), and renders its result as JSON.
pub async fn read_direct<T, F>(state: &AppState, principal: Principal, f: F) -> Response
where
    T: Serialize,
    F: for<'a> FnOnce(&'a crate::storage::db::Db, Ctx) -> BoxFuture<'a, Result<T, ServiceError>>,
{
    let ctx = state.ctx(principal);
    match f(&state.db, ctx).await {
        Ok(value) => axum::Json(value).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn run_read<T, F>(state: &AppState, principal: Principal, feed: bool, f: F) -> Response
where
    T: Serialize,
    F: for<'a> FnOnce(&'a mut Tx, Ctx) -> BoxFuture<'a, Result<T, ServiceError>>,
{
    let ctx = state.ctx(principal);
    let result = async {
        if feed {
            crate::service::feed::catch_up(&state.db).await?;
        }
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
