//! Renders console pages from templates compiled into the binary (minijinja,
//! autoescaped HTML), with the words of [`super::i18n`] and instants in the customer's
//! time zone.

use std::sync::OnceLock;

use axum::response::{Html, IntoResponse, Response};
use chrono_tz::Tz;
use minijinja::{Environment, Error, State, Value};

use crate::i18n::jinja::instant;
use serde::Serialize;

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
        // `t`, `named`, `deadline`, `moment`, `utc`: the same words and dates as the mails.
        crate::i18n::jinja::register(&mut env);
        env.add_filter("local", local);
        env.add_filter("input_local", input_local);
        env
    })
}

fn zone(tz: Option<String>) -> Tz {
    tz.as_deref()
        .unwrap_or("UTC")
        .parse()
        .unwrap_or(chrono_tz::UTC)
}

/// `{{ t|local(tz) }}`: the instant in a customer's time zone, with its weekday.
fn local(state: &State, value: Value, tz: Option<String>) -> Result<String, Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(String::new());
    }
    let at = instant(&value)?.with_timezone(&zone(tz));
    Ok(crate::i18n::moment(crate::i18n::jinja::lang_of(state), at))
}

/// `{{ t|input_local(tz) }}`: the value of a `datetime-local` input.
fn input_local(value: Value, tz: Option<String>) -> Result<String, Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(String::new());
    }
    Ok(instant(&value)?
        .with_timezone(&zone(tz))
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
