//! The console (SPEC §12): server-rendered screens under `/console` for account
//! managers, SOC leads and managers, and customers' representatives, in English and
//! French. Every page reads and every form acts through the service layer — the same
//! functions, roles and customer scoping as the API — and works without JavaScript.

mod i18n;
mod login;
mod pages;
mod render;
mod session;
mod sso;

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use futures::future::BoxFuture;
use minijinja::context;

use self::render::{Viewer, page};
use self::session::{User, lang_cookie};
use crate::domain::notification::Language;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::service::{Ctx, ServiceError};
use crate::storage::db::Tx;

/// Every console route.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console", get(pages::home::home))
        .route("/console/", get(pages::home::home))
        .route("/console/login", get(login::login_page).post(login::login))
        .route("/console/logout", post(login::logout))
        .route("/console/login/email", post(login::email_link))
        .route("/console/auth/login", get(sso::login))
        .route("/console/auth/callback", get(sso::callback))
        .route(
            "/console/login/link",
            get(login::link_page).post(login::link_confirm),
        )
        .route("/console/lang/{lang}", get(set_language))
        .route("/console/assets/console.css", get(stylesheet))
        .route(
            "/console/api-keys",
            get(pages::access::keys).post(pages::access::create_key),
        )
        .route("/console/api-keys/{id}/roll", post(pages::access::roll_key))
        .route(
            "/console/api-keys/{id}/revoke",
            post(pages::access::revoke_key),
        )
        .route("/console/customers/{id}", get(pages::customers::show))
        .route(
            "/console/customers/{id}/packs",
            post(pages::customers::sell),
        )
        .route(
            "/console/customers/{id}/quotes",
            post(pages::customers::quote),
        )
        .route(
            "/console/customers/{id}/statements/{month}",
            get(pages::customers::statement),
        )
        .route("/console/requests/{id}/respond", post(pages::work::respond))
        .route("/console/requests/{id}/decline", post(pages::work::decline))
        .route("/console/sows", post(pages::work::create_sow))
        .route("/console/sows/new", get(pages::work::new_sow))
        .route("/console/sows/{id}", get(pages::work::show_sow))
        .route("/console/sows/{id}/edit", post(pages::work::edit_sow))
        .route("/console/sows/{id}/submit", post(pages::work::submit_sow))
        .route("/console/sows/{id}/approve", post(pages::work::approve_sow))
        .route("/console/sows/{id}/reject", post(pages::work::reject_sow))
        .route("/console/sows/{id}/sessions", post(pages::work::schedule))
        .route("/console/sows/{id}/report", get(pages::report::show_report))
        .route(
            "/console/sows/{id}/report/edit",
            get(pages::report::edit_report),
        )
        .route(
            "/console/sows/{id}/report/draft",
            post(pages::report::save_report),
        )
        .route(
            "/console/sows/{id}/report/issue",
            post(pages::report::issue_report),
        )
        .route("/console/sessions/{id}", get(pages::sessions::show))
        .route(
            "/console/sessions/{id}/deliver/preview",
            post(pages::sessions::deliver_preview),
        )
        .route(
            "/console/sessions/{id}/deliver",
            post(pages::sessions::deliver),
        )
        .route(
            "/console/sessions/{id}/cancel/preview",
            post(pages::sessions::cancel_preview),
        )
        .route(
            "/console/sessions/{id}/cancel",
            post(pages::sessions::cancel),
        )
        .route(
            "/console/sessions/{id}/no-show/preview",
            post(pages::sessions::no_show_preview),
        )
        .route(
            "/console/sessions/{id}/no-show",
            post(pages::sessions::no_show),
        )
        .route(
            "/console/sessions/{id}/accept",
            post(pages::sessions::accept),
        )
        .route(
            "/console/sessions/{id}/complain",
            post(pages::sessions::complain),
        )
        .route(
            "/console/sessions/{id}/evaluate",
            post(pages::sessions::evaluate),
        )
        .route(
            "/console/sessions/{id}/decide",
            post(pages::sessions::decide),
        )
}

async fn set_language(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = Language::parse(&lang).unwrap_or(Language::En);
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("/console").map(|i| r[i..].to_string()))
        .unwrap_or_else(|| "/console".to_string());
    with_cookie(
        Redirect::to(&back).into_response(),
        &lang_cookie(&state, lang),
    )
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("assets/console.css"),
    )
        .into_response()
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// True when a form carries this session's CSRF token.
pub(crate) fn csrf_ok(user: &User, form: &HashMap<String, String>) -> bool {
    form.get("csrf").is_some_and(|t| *t == user.csrf)
}

/// The answer to a form without this session's CSRF token: nothing is done.
pub(crate) fn forged() -> Response {
    (
        StatusCode::FORBIDDEN,
        "missing or stale form token; reload the page",
    )
        .into_response()
}

/// The flash messages of a page (`?ok=` / `?error=` after an action).
#[derive(serde::Deserialize, Default)]
pub struct Flash {
    ok: Option<String>,
    error: Option<String>,
    week: Option<String>,
}

/// Renders a page for a signed-in user, with the viewer and the flash messages.
fn screen(name: &str, user: &User, flash: &Flash, ctx: minijinja::Value) -> Response {
    page(
        name,
        user.lang,
        context! {
            viewer => Viewer::of(user),
            flash_ok => flash.ok.as_deref().map(|raw| flash_text(user.lang, raw)),
            flash_error => flash.error,
            ..ctx
        },
    )
}

/// What an action reports, in the reader's words. Actions report `group:value` (a
/// status: `session-status:accepted`), `units:2.50`, `revision:3`, `findings:2` or
/// `version:1`; anything else is shown as it is.
fn flash_text(lang: crate::domain::notification::Language, raw: &str) -> String {
    let Some((kind, value)) = raw.split_once(':') else {
        return raw.to_string();
    };
    let mut args = fluent_bundle::FluentArgs::new();
    match kind {
        "units" | "revision" | "version" => {
            args.set("value", value.to_string());
            crate::i18n::text_with(lang, &format!("flash-{kind}"), Some(&args))
        }
        "findings" => {
            args.set("count", value.parse::<i64>().unwrap_or(0));
            crate::i18n::text_with(lang, "words-findings", Some(&args))
        }
        group => crate::i18n::name_of(lang, group, value),
    }
}

/// Reads through the service layer in a read transaction.
async fn read<T>(
    state: &AppState,
    user: &User,
    f: impl for<'a> FnOnce(&'a mut Tx, &'a Ctx) -> BoxFuture<'a, Result<T, ServiceError>>,
) -> Result<T, Response> {
    let ctx = state.ctx(user.principal.clone());
    let result = async {
        let mut tx = state.db.begin_read().await?;
        let value = f(&mut tx, &ctx).await?;
        tx.commit().await?;
        Ok::<_, ServiceError>(value)
    }
    .await;
    result.map_err(|e| error_page(user, e))
}

fn error_page(user: &User, e: ServiceError) -> Response {
    let api = ApiError::from(e);
    let status = api.status();
    let mut r = screen(
        "base.html",
        user,
        &Flash {
            error: Some(message(&api)),
            ..Flash::default()
        },
        context! {},
    );
    *r.status_mut() = status;
    r
}

/// The text of a refusal, with its field errors.
fn message(api: &ApiError) -> String {
    let problem = api.problem();
    let mut text = problem.detail.clone();
    if let Some(errors) = &problem.errors {
        let fields: Vec<String> = errors
            .iter()
            .map(|(f, m)| format!("{f}: {}", m.join(", ")))
            .collect();
        text = format!("{text} ({})", fields.join("; "));
    }
    text
}

/// Runs a form's action through the service layer in one write transaction, then
/// redirects (303) to `back` with the outcome as a flash message.
async fn act(
    state: &AppState,
    user: &User,
    form: &HashMap<String, String>,
    back: &str,
    f: impl for<'a> FnOnce(&'a mut Tx, &'a Ctx) -> BoxFuture<'a, Result<String, ServiceError>>,
) -> Response {
    if !csrf_ok(user, form) {
        return forged();
    }
    match run_write(state, user, f).await {
        Ok(done) => flash_redirect(back, "ok", &done),
        Err(e) => flash_redirect(back, "error", &message(&ApiError::from(e))),
    }
}

/// As [`act`], the action choosing where to go on success (`(location, message)`);
/// a refusal goes back to `on_error`.
async fn act_to(
    state: &AppState,
    user: &User,
    form: &HashMap<String, String>,
    on_error: &str,
    f: impl for<'a> FnOnce(&'a mut Tx, &'a Ctx) -> BoxFuture<'a, Result<(String, String), ServiceError>>,
) -> Response {
    if !csrf_ok(user, form) {
        return forged();
    }
    match run_write(state, user, f).await {
        Ok((to, done)) => flash_redirect(&to, "ok", &done),
        Err(e) => flash_redirect(on_error, "error", &message(&ApiError::from(e))),
    }
}

/// One write transaction around a use case: committed when it succeeds, rolled back
/// when it refuses.
async fn run_write<T>(
    state: &AppState,
    user: &User,
    f: impl for<'a> FnOnce(&'a mut Tx, &'a Ctx) -> BoxFuture<'a, Result<T, ServiceError>>,
) -> Result<T, ServiceError> {
    let ctx = state.ctx(user.principal.clone());
    let mut tx = state.db.begin_write().await?;
    match f(&mut tx, &ctx).await {
        Ok(done) => {
            tx.commit().await?;
            Ok(done)
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}

fn flash_redirect(to: &str, key: &str, text: &str) -> Response {
    let encoded: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
    let sep = if to.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{to}{sep}{key}={encoded}")).into_response()
}

/// Reads a form field (empty when absent).
fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map(|s| s.trim()).unwrap_or_default()
}
