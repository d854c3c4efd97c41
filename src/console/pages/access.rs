//! The admins' API keys screen (SPEC §13): the keys, creating one (its secret shown
//! once, on the page that answers the form, never in a URL), rolling and revoking —
//! through the same use cases as `/v1/api-keys`.

use std::collections::HashMap;

use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use minijinja::context;

use crate::console::session::User;
use crate::console::{Flash, act, csrf_ok, error_page, field, forged, read, run_write, screen};
use crate::domain::access::Role;
use crate::dto::PageQuery;
use crate::dto::identity::{ApiKey, ApiKeyInput, RollInput};
use crate::http::AppState;
use crate::identity::api_keys;

/// Role names offered by the form.
fn role_names() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.as_str()).collect()
}

async fn page_with(
    state: &AppState,
    user: &User,
    flash: &Flash,
    fresh: Option<ApiKey>,
) -> Response {
    let listed = read(state, user, |tx, ctx| {
        Box::pin(async move {
            api_keys::list(
                tx,
                ctx,
                PageQuery {
                    limit: Some(1000),
                    after: None,
                },
            )
            .await
        })
    })
    .await;
    match listed {
        Ok(page) => screen(
            "api_keys.html",
            user,
            flash,
            context! { keys => page.data, roles => role_names(), fresh => fresh },
        ),
        Err(r) => r,
    }
}

/// `GET /console/api-keys`.
pub async fn keys(
    State(state): State<AppState>,
    user: User,
    Query(flash): Query<Flash>,
) -> Response {
    page_with(&state, &user, &flash, None).await
}

/// `POST /console/api-keys`: creates a key and shows its secret once.
pub async fn create_key(
    State(state): State<AppState>,
    user: User,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let fields: HashMap<String, String> = form.iter().cloned().collect();
    if !csrf_ok(&user, &fields) {
        return forged();
    }
    let input = ApiKeyInput {
        name: field(&fields, "name").to_string(),
        roles: form
            .iter()
            .filter(|(k, _)| k == "roles")
            .map(|(_, v)| v.clone())
            .collect(),
        customer_id: Some(field(&fields, "customer_id").to_string()).filter(|c| !c.is_empty()),
        expires_at: None,
    };
    match run_write(&state, &user, |tx, ctx| {
        Box::pin(async move { api_keys::create(tx, ctx, input).await })
    })
    .await
    {
        Ok(key) => page_with(&state, &user, &Flash::default(), Some(key)).await,
        Err(e) => error_page(&user, e),
    }
}

/// `POST /console/api-keys/{id}/roll`: a new secret, shown once.
pub async fn roll_key(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !csrf_ok(&user, &form) {
        return forged();
    }
    let Ok(grace_hours) = field(&form, "grace_hours").parse::<i64>() else {
        return error_page(
            &user,
            crate::service::ServiceError::invalid("grace_hours", "must be a whole number of hours"),
        );
    };
    let cache = state.key_cache.clone();
    match run_write(&state, &user, |tx, ctx| {
        Box::pin(
            async move { api_keys::roll(tx, ctx, &cache, &id, RollInput { grace_hours }).await },
        )
    })
    .await
    {
        Ok(key) => page_with(&state, &user, &Flash::default(), Some(key)).await,
        Err(e) => error_page(&user, e),
    }
}

/// `POST /console/api-keys/{id}/revoke`.
pub async fn revoke_key(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let cache = state.key_cache.clone();
    act(&state, &user, &form, "/console/api-keys", |tx, ctx| {
        Box::pin(async move {
            let key = api_keys::revoke(tx, ctx, &cache, &id).await?;
            Ok(key.name)
        })
    })
    .await
}
