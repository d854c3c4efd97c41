//! The template side of localisation, for the console's pages and the mails alike:
//! `t("key", arg=…)` (a Fluent message with arguments), `named("group", value)` (the
//! name of a status, kind, reason or role), and the `deadline(tz)`, `moment(tz)` and
//! `utc` filters. The language is the template's `lang` variable.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use fluent_bundle::{FluentArgs, FluentValue};
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error, ErrorKind, State};

use super::{deadline, moment, name_of, text_with};
use crate::domain::notification::Language;

/// Adds the functions and filters to a template environment.
pub fn register(env: &mut Environment<'_>) {
    env.add_function("t", t);
    env.add_function("named", named);
    env.add_filter("deadline", deadline_filter);
    env.add_filter("moment", moment_filter);
    env.add_filter("utc", utc);
}

/// The template's language (`lang`), English when it has none.
pub fn lang_of(state: &State) -> Language {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Language::parse))
        .unwrap_or(Language::En)
}

fn fluent_value(v: &Value) -> FluentValue<'static> {
    if v.is_undefined() || v.is_none() {
        return FluentValue::from(String::new());
    }
    if v.is_number() {
        if let Some(n) = v.as_i64() {
            return FluentValue::from(n);
        }
        if let Ok(f) = f64::try_from(v.clone()) {
            return FluentValue::from(f);
        }
    }
    FluentValue::from(v.to_string())
}

fn t(state: &State, key: String, kwargs: Kwargs) -> Result<String, Error> {
    let names: Vec<String> = kwargs.args().map(str::to_string).collect();
    let mut args = FluentArgs::new();
    for name in names {
        let value: Value = kwargs.get(&name)?;
        args.set(name, fluent_value(&value));
    }
    Ok(text_with(lang_of(state), &key, Some(&args)))
}

fn named(state: &State, group: String, value: Value) -> String {
    let text = value
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| value.to_string());
    name_of(lang_of(state), &group, &text)
}

/// An RFC 3339 instant (as the API writes them).
pub fn instant(value: &Value) -> Result<DateTime<Utc>, Error> {
    let text = value.as_str().unwrap_or_default();
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("not an instant: {e}")))
}

fn zone(tz: Option<String>) -> Tz {
    tz.as_deref()
        .unwrap_or("UTC")
        .parse()
        .unwrap_or(chrono_tz::UTC)
}

fn absent(value: &Value) -> bool {
    value.is_none() || value.is_undefined()
}

/// `{{ t|deadline(tz) }}`: a deadline in the reader's words (midnight is the end of the
/// day before), with the zone.
fn deadline_filter(state: &State, value: Value, tz: Option<String>) -> Result<String, Error> {
    if absent(&value) {
        return Ok(String::new());
    }
    Ok(deadline(
        lang_of(state),
        instant(&value)?.with_timezone(&zone(tz)),
    ))
}

/// `{{ t|moment(tz) }}`: an instant to the minute with its weekday, without the zone.
fn moment_filter(state: &State, value: Value, tz: Option<String>) -> Result<String, Error> {
    if absent(&value) {
        return Ok(String::new());
    }
    Ok(moment(
        lang_of(state),
        instant(&value)?.with_timezone(&zone(tz)),
    ))
}

/// `{{ t|utc }}`: the instant in UTC.
fn utc(value: Value) -> Result<String, Error> {
    if absent(&value) {
        return Ok(String::new());
    }
    Ok(instant(&value)?.format("%Y-%m-%d %H:%M UTC").to_string())
}
