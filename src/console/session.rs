//! Who is using the console: a session kept by the service (SPEC §13), its random
//! identifier in an `HttpOnly; SameSite=Strict` cookie (`Secure` unless the service is
//! reached over plain-http localhost), read on every request; the session's CSRF token
//! on every form; the sign-in form's own token (login CSRF); the language from the
//! cookie or `Accept-Language`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};

use crate::domain::access::Principal;
use crate::domain::notification::Language;
use crate::http::AppState;

/// The session cookie.
pub const SESSION_COOKIE: &str = "sh_session";
/// The sign-in form's cookie (login CSRF: the form carries a token derived from it,
/// and a cross-site page can neither read it nor send it).
pub const LOGIN_COOKIE: &str = "sh_login";
/// The language cookie.
pub const LANG_COOKIE: &str = "sh_lang";

/// A signed-in console user.
pub struct User {
    /// The caller, as the API sees it.
    pub principal: Principal,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
    /// The session cookie's value (to sign out).
    pub session: String,
    /// The interface language.
    pub lang: Language,
}

/// Reads a cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The token the sign-in form carries for a browser holding `login_cookie`.
pub fn login_csrf_for(login_cookie: &str) -> String {
    let digest = Sha256::digest(format!("securehands-login-csrf\u{0}{login_cookie}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The interface language: the cookie, else the browser's preference, else English.
pub fn language(headers: &HeaderMap) -> Language {
    if let Some(l) = cookie(headers, LANG_COOKIE).and_then(Language::parse) {
        return l;
    }
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let first = accept
        .split(',')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if first.starts_with("fr") {
        Language::Fr
    } else if first.starts_with("de") {
        Language::De
    } else {
        Language::En
    }
}

/// `Set-Cookie` for the session (or its removal when `id` is `None`).
pub fn session_cookie(state: &AppState, id: Option<&str>) -> String {
    let secure = if plain_local(&state.public_url) {
        ""
    } else {
        "; Secure"
    };
    match id {
        Some(t) => format!(
            "{SESSION_COOKIE}={t}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=43200{secure}"
        ),
        None => format!(
            "{SESSION_COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0{secure}"
        ),
    }
}

/// `Set-Cookie` for the sign-in form's cookie (an hour).
pub fn login_cookie(state: &AppState, value: &str) -> String {
    let secure = if plain_local(&state.public_url) {
        ""
    } else {
        "; Secure"
    };
    format!(
        "{LOGIN_COOKIE}={value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=3600{secure}"
    )
}

/// `Set-Cookie` for the language.
pub fn lang_cookie(state: &AppState, lang: Language) -> String {
    let secure = if plain_local(&state.public_url) {
        ""
    } else {
        "; Secure"
    };
    format!(
        "{LANG_COOKIE}={}; Path=/console; SameSite=Strict; Max-Age=31536000{secure}",
        lang.as_str()
    )
}

/// Plain http on the loopback: the only case where the cookie may lack `Secure`.
fn plain_local(public_url: &str) -> bool {
    ["http://localhost", "http://127.0.0.1", "http://[::1]"]
        .iter()
        .any(|p| public_url.starts_with(p))
}

/// Not signed in (or the token expired): back to the sign-in page.
pub struct SignIn;

impl IntoResponse for SignIn {
    fn into_response(self) -> Response {
        Redirect::to("/console/login").into_response()
    }
}

impl FromRequestParts<AppState> for User {
    type Rejection = SignIn;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, SignIn> {
        let id = cookie(&parts.headers, SESSION_COOKIE)
            .filter(|t| !t.is_empty())
            .ok_or(SignIn)?;
        let live = crate::identity::sessions::resolve(&state.db, id, state.clock.now())
            .await
            .ok()
            .flatten()
            .ok_or(SignIn)?;
        Ok(User {
            principal: live.principal,
            csrf: live.csrf,
            session: id.to_string(),
            lang: language(&parts.headers),
        })
    }
}
