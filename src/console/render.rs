//! Renders console pages from templates compiled into the binary (minijinja,
//! autoescaped HTML), with the words of [`super::i18n`] and instants in the customer's
//! time zone.

use std::sync::OnceLock;

use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use minijinja::{Environment, Error, ErrorKind, State, Value};
use serde::Serialize;

use super::i18n::word;
use super::session::User;
use crate::domain::access::Role;
use crate::domain::notification::Language;

macro_rules! pages {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = pages!(
    "base.html",
    "login.html",
    "link_confirm.html",
    "no_access.html",
    "api_keys.html",
    "home_staff.html",
    "home_soc.html",
    "home_customer.html",
    "customer.html",
    "statement.html",
    "sow.html",
    "sow_new.html",
    "session.html",
    "preview.html",
    "report.html",
    "report_edit.html",
);

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "console template does not compile");
            }
        }
        env.add_function("t", t);
        env.add_filter("local", local);
        env.add_filter("input_local", input_local);
        env
    })
}

fn lang_of(state: &State) -> Language {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Language::parse))
        .unwrap_or(Language::En)
}

/// `{{ t("key") }}`: a word in the page's language.
fn t(state: &State, key: &str) -> String {
    word(lang_of(state), key)
}

fn instant(value: &Value) -> Result<DateTime<Utc>, Error> {
    let text = value.as_str().unwrap_or_default();
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("not an instant: {e}")))
}

/// `{{ t|local(tz) }}`: the instant in a customer's time zone.
fn local(state: &State, value: Value, tz: Option<String>) -> Result<String, Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(String::new());
    }
    let zone: Tz = tz
        .as_deref()
        .unwrap_or("UTC")
        .parse()
        .unwrap_or(chrono_tz::UTC);
    let at = instant(&value)?.with_timezone(&zone);
    Ok(match lang_of(state) {
        Language::Fr => at.format("%d/%m/%Y %H:%M").to_string(),
        Language::En => at.format("%a %Y-%m-%d %H:%M").to_string(),
    })
}

/// `{{ t|input_local(tz) }}`: the value of a `datetime-local` input.
fn input_local(value: Value, tz: Option<String>) -> Result<String, Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(String::new());
    }
    let zone: Tz = tz
        .as_deref()
        .unwrap_or("UTC")
        .parse()
        .unwrap_or(chrono_tz::UTC);
    Ok(instant(&value)?
        .with_timezone(&zone)
        .format("%Y-%m-%dT%H:%M")
        .to_string())
}

/// What every page knows of its viewer.
#[derive(Serialize)]
pub struct Viewer {
    /// Who is signed in, by name.
    pub name: String,
    /// Their e-mail address, when known.
    pub email: Option<String>,
    /// Role names.
    pub roles: Vec<&'static str>,
    /// The customer a customer user speaks for.
    pub customer_id: Option<String>,
    /// CSRF token for forms.
    pub csrf: String,
    /// True for account managers, admin and finance (commercial screens).
    pub commercial: bool,
    /// True for SOC leads and managers.
    pub soc: bool,
    /// True for SOC managers.
    pub manager: bool,
    /// True for a customer's representative.
    pub customer: bool,
    /// True when the user may sell packs and raise quotes.
    pub sells: bool,
    /// True for admins (API keys).
    pub admin: bool,
}

impl Viewer {
    /// From the signed-in user.
    pub fn of(user: &User) -> Viewer {
        let has = |r: Role| user.principal.roles.contains(&r);
        Viewer {
            name: user.principal.actor.name.clone(),
            email: user.principal.actor.email.clone(),
            roles: user.principal.roles.iter().map(|r| r.as_str()).collect(),
            customer_id: user.principal.customer_id.as_ref().map(|c| c.to_string()),
            csrf: user.csrf.clone(),
            commercial: has(Role::AccountManager) || has(Role::Admin) || has(Role::Finance),
            soc: has(Role::SocLead) || has(Role::SocManager),
            manager: has(Role::SocManager),
            customer: has(Role::Customer),
            sells: has(Role::AccountManager) || has(Role::Admin),
            admin: has(Role::Admin),
        }
    }
}

/// Renders a page; a template error is logged and shown as a plain error page.
pub fn page(name: &str, lang: Language, ctx: Value) -> Response {
    let rendered = env()
        .get_template(name)
        .and_then(|t| t.render(minijinja::context! { lang => lang.as_str(), ..ctx }));
    match rendered {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(template = name, error = %format!("{e:#}"), "console page failed");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><title>Error</title><p>The page could not be shown.</p>"),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        for (name, _) in TEMPLATES {
            assert!(env().get_template(name).is_ok(), "{name}");
        }
    }
}
