//! The wire contract: request and response bodies, with their OpenAPI schemas.
//!
//! Request bodies parse straight into domain types where the contract allows it
//! (units, dates, instants), so a handler never sees an unchecked value. Response
//! bodies are built by the service layer and serialized as-is.

pub mod audit;
pub mod calendars;
pub mod customers;
pub mod identity;
pub mod ledger;
pub mod notify;
pub mod quotes;
pub mod reports;
pub mod schemas;
pub mod work;

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::domain::units::Units;
use crate::validation::Invalid;

/// Who made a change (SPEC §13).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ActorView {
    /// `user`, `contact`, `api_key`, `operator_token` or `system`.
    #[serde(rename = "type")]
    #[schema(value_type = schemas::ActorKindName)]
    pub kind: String,
    /// Its stable identifier.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its e-mail address, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl From<&crate::domain::identity::Actor> for ActorView {
    fn from(a: &crate::domain::identity::Actor) -> Self {
        ActorView {
            kind: a.kind.as_str().to_string(),
            id: a.id.clone(),
            name: a.name.clone(),
            email: a.email.clone(),
        }
    }
}

/// A page of a cursor-paginated list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// Items of this page.
    pub data: Vec<T>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// `limit` / `after` query parameters of list endpoints.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1–1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Cursor returned as `next_cursor` by the previous page.
    pub after: Option<String>,
}

impl PageQuery {
    /// The validated page size.
    pub fn limit(&self) -> Result<u32, Invalid> {
        match self.limit {
            None => Ok(50),
            Some(n) if (1..=1000).contains(&n) => Ok(n),
            Some(_) => Err(Invalid::field("limit", "must be between 1 and 1000")),
        }
    }
}

fn units_with<E: std::fmt::Display>(
    value: serde_json::Value,
    parse: fn(&str) -> Result<Units, E>,
) -> Result<Units, String> {
    match value {
        serde_json::Value::String(s) => parse(&s).map_err(|e| e.to_string()),
        serde_json::Value::Number(_) => {
            Err("must be a decimal string such as \"12.50\", not a JSON number".to_string())
        }
        _ => Err("must be a decimal string such as \"12.50\"".to_string()),
    }
}

macro_rules! units_input {
    ($(#[$doc:meta])* $name:ident, $parse:path) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $name(pub Units);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = serde_json::Value::deserialize(deserializer)?;
                units_with(value, $parse)
                    .map($name)
                    .map_err(serde::de::Error::custom)
            }
        }
    };
}

units_input!(
    /// Units that must be strictly positive (packs, quotes, planned units, rates).
    PositiveUnits,
    Units::parse_positive
);
units_input!(
    /// A rate of a rate card: positive, at most 100.00 units per hour.
    Rate,
    crate::domain::pricing::parse_rate
);
units_input!(
    /// Units that may be zero (a reversal of nothing).
    NonNegativeUnits,
    Units::parse_non_negative
);

/// A cursor over a sequence (ledger, events, deliveries): a non-negative integer that
/// fits in 63 bits, or empty for "from the start".
pub const SEQ_CURSOR_PATTERN: &str = r"^[0-9]{0,18}$";

/// The decimal strings [`Units::parse_positive`] accepts: digits, at most two decimals,
/// above zero and at most 1,000,000.
pub const POSITIVE_UNITS_PATTERN: &str =
    r"^(?:0*[1-9][0-9]{0,5}(?:\.[0-9]{1,2})?|0+\.(?:[1-9][0-9]?|0[1-9])|0*1000000(?:\.0{1,2})?)$";

/// The decimal strings [`crate::domain::pricing::parse_rate`] accepts: positive units
/// with at most two decimals, at most 100.00.
pub const RATE_PATTERN: &str =
    r"^(?:0*[1-9][0-9]?(?:\.[0-9]{1,2})?|0+\.(?:[1-9][0-9]?|0[1-9])|0*100(?:\.0{1,2})?)$";

/// The decimal strings [`Units::parse_non_negative`] accepts: as positive units, or zero
/// (`-0` included).
pub const NON_NEGATIVE_UNITS_PATTERN: &str = r"^(?:0*[1-9][0-9]{0,5}(?:\.[0-9]{1,2})?|0+\.(?:[1-9][0-9]?|0[1-9])|0*1000000(?:\.0{1,2})?|-?0+(?:\.0{1,2})?)$";

fn units_schema(pattern: &str, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .description(Some(description))
        .examples(["20.00"])
        .into()
}

impl PartialSchema for PositiveUnits {
    fn schema() -> RefOr<Schema> {
        units_schema(
            POSITIVE_UNITS_PATTERN,
            "Units above zero as a decimal string with at most 2 decimals, at most 1000000",
        )
    }
}
impl ToSchema for PositiveUnits {}

impl PartialSchema for Rate {
    fn schema() -> RefOr<Schema> {
        units_schema(
            RATE_PATTERN,
            "Units per hour above zero as a decimal string with at most 2 decimals, at most 100.00",
        )
    }
}
impl ToSchema for Rate {}

impl PartialSchema for NonNegativeUnits {
    fn schema() -> RefOr<Schema> {
        units_schema(
            NON_NEGATIVE_UNITS_PATTERN,
            "Units (zero or more) as a decimal string with at most 2 decimals, at most 1000000",
        )
    }
}
impl ToSchema for NonNegativeUnits {}

/// Deserializes a whole JSON number, `3` or `3.0`: JSON Schema's `integer` (what the
/// document says) admits both.
pub fn whole<'de, D>(deserializer: D) -> Result<i64, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let n = serde_json::Number::deserialize(deserializer)?;
    whole_of(&n).ok_or_else(|| serde::de::Error::custom("must be a whole number"))
}

/// [`whole`] for an optional field (`null` or absent is `None`).
pub fn optional_whole<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Option::<serde_json::Number>::deserialize(deserializer)?
        .map(|n| whole_of(&n).ok_or_else(|| serde::de::Error::custom("must be a whole number")))
        .transpose()
}

fn whole_of(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
            .map(|f| f as i64)
    })
}

/// Deserializes a field that distinguishes "absent" (outer `None`) from `null`
/// (`Some(None)`), for JSON merge-patch bodies.
pub fn patch_field<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A free-text CSV cell that a spreadsheet will not run as a formula (OWASP "CSV
/// injection"): text starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
/// leading `'`. Only for free text — numbers and units keep their sign.
pub fn csv_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Formats an instant the way every response does: RFC 3339 in UTC with `Z`.
pub fn instant(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented patterns accept exactly what the parsers accept.
    #[test]
    fn unit_patterns_match_the_parsers() {
        let positive = regex_lite(POSITIVE_UNITS_PATTERN);
        let non_negative = regex_lite(NON_NEGATIVE_UNITS_PATTERN);
        let rate = regex_lite(RATE_PATTERN);
        let samples = [
            "100",
            "100.00",
            "100.01",
            "99.99",
            "0100",
            "101",
            "250",
            "0",
            "0.0",
            "0.00",
            "-0",
            "-0.00",
            "1",
            "01",
            "1.5",
            "1.50",
            "1.505",
            "0.5",
            "0.05",
            "00.10",
            ".5",
            "5.",
            "-1",
            "+1",
            "1e3",
            " 1",
            "999999.99",
            "1000000",
            "1000000.00",
            "1000000.01",
            "1000001",
            "0001000000",
            "12.345",
            "",
            "abc",
        ];
        for s in samples {
            assert_eq!(
                positive(s),
                Units::parse_positive(s).is_ok(),
                "positive pattern disagrees on {s:?}"
            );
            assert_eq!(
                non_negative(s),
                Units::parse_non_negative(s).is_ok(),
                "non-negative pattern disagrees on {s:?}"
            );
            assert_eq!(
                rate(s),
                crate::domain::pricing::parse_rate(s).is_ok(),
                "rate pattern disagrees on {s:?}"
            );
        }
    }

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(
            csv_text("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        for t in ["+1", "-1+2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_text(t).starts_with('\''), "{t}");
        }
        assert_eq!(csv_text("Claire Martin"), "Claire Martin");
    }

    #[test]
    fn cursor_and_url_patterns_match_the_parsers() {
        let cursor = regex_lite(SEQ_CURSOR_PATTERN);
        for s in [
            "",
            "0",
            "42",
            "999999999999999999",
            "9999999999999999999",
            "1000000000000000000",
            "-1",
            "+1",
            "a",
            " 1",
        ] {
            let parsed = crate::service::finance::parse_cursor(Some(s)).is_ok();
            assert_eq!(cursor(s), parsed, "cursor pattern disagrees on {s:?}");
        }
        let url = regex_lite(schemas::WEBHOOK_URL_PATTERN);
        for s in [
            "https://erp.example.com/hooks",
            "HTTP://127.0.0.1:9/hook",
            "http://h",
            "http://h?x=1",
            "http://h#f",
            "http:///path",
            "http://",
            "ftp://h",
            "h",
            "https://a b/c",
            "https://ab/c d",
            "0000",
        ] {
            let accepted = crate::domain::webhook::check_target(s).is_ok();
            assert_eq!(url(s), accepted, "url pattern disagrees on {s:?}");
        }
        let doc = serde_json::to_value(crate::http::openapi_document()).expect("serialises");
        assert_eq!(
            doc["components"]["schemas"]["EndpointInput"]["properties"]["url"]["pattern"],
            schemas::WEBHOOK_URL_PATTERN,
            "the url attribute and WEBHOOK_URL_PATTERN drifted apart"
        );
    }

    /// A tiny matcher for the patterns above, through the `regex` semantics of serde's
    /// friend `validator` (which depends on `regex`).
    fn regex_lite(pattern: &str) -> impl Fn(&str) -> bool {
        let re = regex::Regex::new(pattern).expect("pattern compiles");
        move |s| re.is_match(s)
    }
}
