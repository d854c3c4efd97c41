//! Staff sign-in through the organisation's OpenID provider (SPEC §13):
//! `GET /console/auth/login` sends the browser to the provider with `state`, `nonce`
//! and a PKCE challenge kept in a short-lived cookie; `GET /console/auth/callback`
//! checks `state` against that cookie, exchanges the code, verifies the ID token and
//! opens a session — or shows "no access" to a person without a mapped role.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::render::page;
use super::session::{cookie, language, session_cookie};
use super::with_cookie;
use crate::domain::access::Principal;
use crate::domain::identity::secret_hash;
use crate::http::AppState;
use crate::identity::oidc::Flow;
use crate::identity::{sessions, users};
use crate::service::ServiceError;

/// The cookie holding a sign-in under way (`SameSite=Lax`: it must come back with the
/// provider's redirect, a cross-site navigation).
const FLOW_COOKIE: &str = "sh_oidc";

fn flow_cookie(state: &AppState, value: Option<&str>) -> String {
    let secure = if state.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    match value {
        Some(v) => format!(
            "{FLOW_COOKIE}={v}; Path=/console/auth; HttpOnly; SameSite=Lax; Max-Age=600{secure}"
        ),
        None => {
            format!("{FLOW_COOKIE}=; Path=/console/auth; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
        }
    }
}

fn failure(headers: &HeaderMap, status: StatusCode, name: &str, email: Option<&str>) -> Response {
    let mut r = page(
        "no_access.html",
        language(headers),
        context! { name => name, email => email },
    );
    *r.status_mut() = status;
    r
}

/// `GET /console/auth/login`.
pub async fn login(State(state): State<AppState>) -> Response {
    let Some(oidc) = &state.sign_in.oidc else {
        return (StatusCode::NOT_FOUND, "single sign-on is not configured").into_response();
    };
    match oidc.begin().await {
        Ok((url, flow)) => with_cookie(
            Redirect::to(&url).into_response(),
            &flow_cookie(&state, Some(&flow.encode())),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "single sign-on could not start");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the sign-in provider cannot be reached; try again shortly",
            )
                .into_response()
        }
    }
}

/// `GET /console/auth/callback?code=…&state=…`.
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(oidc) = &state.sign_in.oidc else {
        return (StatusCode::NOT_FOUND, "single sign-on is not configured").into_response();
    };
    let flow = cookie(&headers, FLOW_COOKIE).and_then(Flow::decode);
    let (Some(flow), Some(code), Some(returned)) = (flow, q.get("code"), q.get("state")) else {
        // No sign-in under way in this browser (or the provider said no): start again.
        return with_cookie(
            Redirect::to("/console/login").into_response(),
            &flow_cookie(&state, None),
        );
    };
    if secret_hash(returned) != secret_hash(&flow.state) {
        return with_cookie(
            (
                StatusCode::FORBIDDEN,
                "this sign-in was not started in this browser",
            )
                .into_response(),
            &flow_cookie(&state, None),
        );
    }
    let person = match oidc.finish(code, &flow).await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "single sign-on refused");
            return with_cookie(
                failure(&headers, StatusCode::UNAUTHORIZED, "", None),
                &flow_cookie(&state, None),
            );
        }
    };
    let ctx = state.ctx(Principal::anonymous());
    let outcome = async {
        let mut tx = state.db.begin_write().await?;
        let opened = match users::sign_in(&mut tx, &ctx, person.clone()).await? {
            Ok(principal) => {
                let ctx = state.ctx(principal.clone());
                Ok(sessions::open(&mut tx, &ctx, &principal).await?)
            }
            Err(no) => Err(no),
        };
        tx.commit().await?;
        Ok::<_, ServiceError>(opened)
    }
    .await;
    let response = match outcome {
        Ok(Ok(opened)) => with_cookie(
            Redirect::to("/console").into_response(),
            &session_cookie(&state, Some(&opened.id)),
        ),
        Ok(Err(_)) => failure(
            &headers,
            StatusCode::FORBIDDEN,
            &person.name,
            person.email.as_deref(),
        ),
        Err(e) => crate::http::error::ApiError::from(e).into_response(),
    };
    with_cookie(response, &flow_cookie(&state, None))
}
