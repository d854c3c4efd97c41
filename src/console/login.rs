//! Signing in and out of the console (SPEC §13). Nothing signs in by GET; every
//! sign-in form carries a token derived from the browser's own sign-in cookie (login
//! CSRF); a sign-in opens a session kept by the service. The pasted-token form is an
//! operator's fallback that `SECUREHANDS_CONSOLE_TOKEN_LOGIN=false` switches off.

use std::collections::HashMap;

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::render::page;
use super::session::{
    LOGIN_COOKIE, User, cookie, language, login_cookie, login_csrf_for, session_cookie,
};
use super::{csrf_ok, forged, with_cookie};
use crate::domain::audit::AuditAction;
use crate::domain::identity::Actor;
use crate::http::AppState;
use crate::identity::sessions;
use crate::service::ServiceError;

/// What the sign-in page shows besides its forms.
#[derive(Default)]
pub struct Notice {
    /// The pasted token was refused.
    pub bad_token: bool,
    /// An e-mailed link was asked for (the same answer whether or not it was sent).
    pub link_sent: bool,
    /// A link was expired, used or unknown.
    pub bad_link: bool,
}

/// Renders a page holding a sign-in form (`render` gets the form's token), with the
/// browser's sign-in cookie set when it has none.
fn with_login_form(
    state: &AppState,
    headers: &HeaderMap,
    render: impl FnOnce(String) -> Response,
) -> Response {
    let existing = cookie(headers, LOGIN_COOKIE)
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string);
    let (value, fresh) = match existing {
        Some(v) => (v, false),
        None => match crate::identity::random_hex(16) {
            Ok(v) => (v, true),
            Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
        },
    };
    let response = render(login_csrf_for(&value));
    if fresh {
        with_cookie(response, &login_cookie(state, &value))
    } else {
        response
    }
}

/// The sign-in page.
pub fn login_screen(state: &AppState, headers: &HeaderMap, notice: Notice) -> Response {
    with_login_form(state, headers, |login_csrf| {
        let mut response = page(
            "login.html",
            language(headers),
            context! {
                login_csrf => login_csrf,
                token_login => state.sign_in.token_login,
                sso => state.sign_in.oidc.is_some(),
                bad_token => notice.bad_token,
                link_sent => notice.link_sent,
                bad_link => notice.bad_link,
            },
        );
        if notice.bad_token || notice.bad_link {
            *response.status_mut() = StatusCode::UNAUTHORIZED;
        }
        response
    })
}

/// True when a sign-in form carries the token of this browser's sign-in cookie.
pub fn login_form_ok(headers: &HeaderMap, form: &HashMap<String, String>) -> bool {
    match (cookie(headers, LOGIN_COOKIE), form.get("login_csrf")) {
        (Some(c), Some(t)) if !c.is_empty() => *t == login_csrf_for(c),
        _ => false,
    }
}

/// `GET /console/login`. A `?token=` is ignored: nothing signs in by GET.
pub async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    login_screen(&state, &headers, Notice::default())
}

/// Opens a session for who just proved who they are, and sends them to the console.
pub async fn open_session(
    state: &AppState,
    principal: crate::domain::access::Principal,
) -> Response {
    let ctx = state.ctx(principal.clone());
    let opened = async {
        let mut tx = state.db.begin_write().await?;
        let opened = sessions::open(&mut tx, &ctx, &principal).await?;
        tx.commit().await?;
        Ok::<_, ServiceError>(opened)
    }
    .await;
    match opened {
        Ok(o) => with_cookie(
            Redirect::to("/console").into_response(),
            &session_cookie(state, Some(&o.id)),
        ),
        Err(e) => crate::http::error::ApiError::from(e).into_response(),
    }
}

/// Records a refused sign-in in the audit log (best effort: the refusal stands).
pub async fn record_refusal(state: &AppState, who: Actor, action: AuditAction) {
    let ctx = state.ctx(crate::domain::access::Principal::from_token(
        who.id.clone(),
        Default::default(),
        None,
    ));
    let result = async {
        let mut tx = state.db.begin_write().await?;
        sessions::refused(&mut tx, &ctx, &who, action).await?;
        tx.commit().await?;
        Ok::<_, ServiceError>(())
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "a refused sign-in could not be audited");
    }
}

/// `POST /console/login`: the operator's pasted token (when allowed).
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !login_form_ok(&headers, &form) {
        return forged();
    }
    if !state.sign_in.token_login {
        return (
            StatusCode::FORBIDDEN,
            "signing in with a pasted token is switched off on this service",
        )
            .into_response();
    }
    let token = form.get("token").map(|t| t.trim()).unwrap_or_default();
    match state.auth.verify(token) {
        Ok(principal) if !token.is_empty() => open_session(&state, principal).await,
        _ => {
            let who = Actor::operator_token("unknown");
            record_refusal(&state, who, AuditAction::UserSignInFailed).await;
            let notice = Notice {
                bad_token: true,
                ..Notice::default()
            };
            login_screen(&state, &headers, notice)
        }
    }
}

/// `POST /console/logout`: the session ends at once, on every replica.
pub async fn logout(
    State(state): State<AppState>,
    user: User,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !csrf_ok(&user, &form) {
        return forged();
    }
    let ctx = state.ctx(user.principal.clone());
    let closed = async {
        let mut tx = state.db.begin_write().await?;
        sessions::close(&mut tx, &ctx, &user.session).await?;
        tx.commit().await?;
        Ok::<_, ServiceError>(())
    }
    .await;
    if let Err(e) = closed {
        return crate::http::error::ApiError::from(e).into_response();
    }
    with_cookie(
        Redirect::to("/console/login").into_response(),
        &session_cookie(&state, None),
    )
}

/// `POST /console/login/email`: mails a sign-in link if the address is a contact; the
/// page answers the same either way. Too many requests from one client address get
/// a 429 (whatever the address asked for).
pub async fn email_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !login_form_ok(&headers, &form) {
        return forged();
    }
    let ctx = state.ctx(crate::domain::access::Principal::anonymous());
    let client = ctx.request.client_ip.clone().unwrap_or_default();
    if state.sign_in.link_requests.check_key(&client).is_err() {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(axum::http::header::RETRY_AFTER, "900")],
            "too many sign-in link requests from this address; try again in 15 minutes",
        )
            .into_response();
    }
    let email = form.get("email").map(String::as_str).unwrap_or_default();
    let asked = async {
        let mut tx = state.db.begin_write().await?;
        crate::identity::links::request(&mut tx, &ctx, email).await?;
        tx.commit().await?;
        Ok::<_, ServiceError>(())
    }
    .await;
    if let Err(e) = asked {
        return crate::http::error::ApiError::from(e).into_response();
    }
    let notice = Notice {
        link_sent: true,
        ..Notice::default()
    };
    login_screen(&state, &headers, notice)
}

/// `GET /console/login/link?token=…`: the one-click confirmation (following the link
/// uses nothing up; mail scanners fetch links).
pub async fn link_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let token = q.get("token").cloned().unwrap_or_default();
    with_login_form(&state, &headers, |login_csrf| {
        page(
            "link_confirm.html",
            language(&headers),
            context! { login_csrf => login_csrf, token => token },
        )
    })
}

/// `POST /console/login/link`: uses the link and opens a session as the contact.
pub async fn link_confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !login_form_ok(&headers, &form) {
        return forged();
    }
    let token = form.get("token").map(String::as_str).unwrap_or_default();
    let ctx = state.ctx(crate::domain::access::Principal::anonymous());
    let outcome = async {
        let mut tx = state.db.begin_write().await?;
        let opened = match crate::identity::links::consume(&mut tx, &ctx, token).await? {
            Ok(principal) => {
                let ctx = state.ctx(principal.clone());
                Ok(sessions::open(&mut tx, &ctx, &principal).await?)
            }
            Err(refusal) => {
                let who = Actor::operator_token("unknown");
                sessions::refused(&mut tx, &ctx, &who, AuditAction::ContactSignInFailed).await?;
                Err(refusal)
            }
        };
        tx.commit().await?;
        Ok::<_, ServiceError>(opened)
    }
    .await;
    match outcome {
        Ok(Ok(opened)) => with_cookie(
            Redirect::to("/console").into_response(),
            &session_cookie(&state, Some(&opened.id)),
        ),
        Ok(Err(_)) => {
            let notice = Notice {
                bad_link: true,
                ..Notice::default()
            };
            login_screen(&state, &headers, notice)
        }
        Err(e) => crate::http::error::ApiError::from(e).into_response(),
    }
}
