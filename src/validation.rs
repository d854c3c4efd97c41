//! Field-level validation shared by the wire types and the use cases.
//!
//! It sits below both [`crate::dto`] (which checks bodies against their declared
//! rules) and [`crate::service`] (which adds the checks that need the domain), so
//! neither has to import the other to report a 422 with per-field messages.

use std::collections::BTreeMap;

use validator::{Validate, ValidationErrors, ValidationErrorsKind};

/// Field name → messages, for 422 responses.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// A refused input, with every problem found, keyed by field path.
#[derive(Debug, Default, thiserror::Error)]
#[error("validation failed")]
pub struct Invalid(pub FieldErrors);

impl Invalid {
    /// One message on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.to_string(), vec![message.into()]);
        Invalid(errors)
    }

    /// The same errors under `prefix.` (a nested object's fields).
    pub fn prefixed(self, prefix: &str) -> Self {
        Invalid(
            self.0
                .into_iter()
                .map(|(k, v)| (format!("{prefix}.{k}"), v))
                .collect(),
        )
    }
}

/// Collects field errors so every problem in a body is reported at once.
#[derive(Debug, Default)]
pub struct Problems(FieldErrors);

impl Problems {
    /// Records one message on a field.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_string())
            .or_default()
            .push(message.into());
    }

    /// Records the error of a fallible parse and returns its value when it succeeded.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    /// Takes in the field errors of another check.
    pub fn absorb(&mut self, result: Result<(), Invalid>) {
        if let Err(Invalid(errors)) = result {
            for (field, messages) in errors {
                for m in messages {
                    self.add(&field, m);
                }
            }
        }
    }

    /// Refuses now with everything recorded so far (when later checks need what the
    /// earlier ones established), leaving the collector empty.
    pub fn stop_if_any(&mut self) -> Result<(), Invalid> {
        std::mem::take(self).finish()
    }

    /// `Ok` when nothing was recorded, otherwise everything recorded.
    pub fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.0))
        }
    }
}

/// Runs the `validator` rules declared on a wire type.
pub fn validate(input: &impl Validate) -> Result<(), Invalid> {
    input.validate().map_err(|e| Invalid(field_errors(e)))
}

/// The pattern the document gives every text that must not be blank: one character
/// that is not Unicode white space (the characters `str::trim` removes), spelled out
/// because `\S` means different things to different regex engines.
pub const NOT_BLANK_PATTERN: &str =
    r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

/// A `validator` custom rule: text must contain something other than whitespace.
pub fn not_blank(text: &str) -> Result<(), validator::ValidationError> {
    if text.trim().is_empty() {
        let mut e = validator::ValidationError::new("blank");
        e.message = Some("must not be blank".into());
        return Err(e);
    }
    Ok(())
}

/// Converts `validator` errors into the 422 field map.
pub fn field_errors(errors: ValidationErrors) -> FieldErrors {
    let mut out = FieldErrors::new();
    collect(&mut out, "", &errors);
    out
}

fn collect(out: &mut FieldErrors, prefix: &str, errors: &ValidationErrors) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                let messages = out.entry(path).or_default();
                for e in list {
                    messages.push(
                        e.message
                            .as_ref()
                            .map(|m| m.to_string())
                            .unwrap_or_else(|| describe(e)),
                    );
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(out, &path, inner),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    collect(out, &format!("{path}[{i}]"), inner);
                }
            }
        }
    }
}

fn describe(e: &validator::ValidationError) -> String {
    let bound = |name: &str| e.params.get(name).map(|v| v.to_string());
    let (min, max) = (bound("min"), bound("max"));
    match (e.code.as_ref(), min, max) {
        ("length", Some(a), Some(b)) => format!("length must be between {a} and {b}"),
        ("length", Some(a), None) => format!("length must be at least {a}"),
        ("length", None, Some(b)) => format!("length must be at most {b}"),
        ("length", None, None) => "invalid length".into(),
        ("range", Some(a), Some(b)) => format!("must be between {a} and {b}"),
        ("range", Some(a), None) => format!("must be at least {a}"),
        ("range", None, Some(b)) => format!("must be at most {b}"),
        ("range", None, None) => "out of range".into(),
        (other, _, _) => other.replace('_', " "),
    }
}

#[cfg(test)]
mod blank_tests {
    use super::*;

    #[test]
    fn the_not_blank_pattern_is_what_not_blank_accepts() {
        let re = regex::Regex::new(NOT_BLANK_PATTERN).expect("pattern compiles");
        for c in (0u32..0x3100)
            .chain([0xfeff, 0x10ffff])
            .filter_map(char::from_u32)
        {
            let text = c.to_string();
            assert_eq!(
                re.is_match(&text),
                not_blank(&text).is_ok(),
                "disagree on U+{:04X}",
                c as u32
            );
        }
        let doc = serde_json::to_string(&crate::http::openapi_document()).expect("serialises");
        assert!(
            !doc.contains(r#""pattern":"\\S""#),
            "a bare \\S pattern is left"
        );
        assert!(doc.contains(&serde_json::to_string(NOT_BLANK_PATTERN).expect("string")));
    }
}

/// Says a deserializer's complaint in the API's words instead of the library's (`unknown
/// variant `x`, expected one of `a`, `b`` → `must be one of a, b`), so error details
/// never echo library internals. Messages written by the service's own parsers pass
/// through unchanged.
pub fn plain_message(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    let names = |list: &str| -> String {
        list.replace(" or ", ", ")
            .split(", ")
            .map(|v| v.trim_matches('`'))
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let expected = rest
            .split_once(", expected one of ")
            .or_else(|| rest.split_once(", expected "))
            .map(|(_, e)| e);
        return match expected {
            Some(e) => format!("must be one of {}", names(e)),
            None => "is not an accepted value".to_string(),
        };
    }
    if message.starts_with("unknown field ") {
        return "is not a field of this body".to_string();
    }
    if message.starts_with("missing field ") {
        return "is required".to_string();
    }
    if message.starts_with("duplicate field ") {
        return "is given more than once".to_string();
    }
    if message.starts_with("invalid length ") {
        return "has the wrong number of items".to_string();
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let expected = rest.split_once(", expected ").map_or("", |(_, e)| e);
            return format!("must be {}", plain_kind(expected));
        }
    }
    message.to_string()
}

/// What a deserializer expected, in plain words.
fn plain_kind(expected: &str) -> &'static str {
    match expected {
        e if e.starts_with("struct ") || e.starts_with("a map") => "an object",
        e if e.starts_with("a sequence") || e.starts_with("a list") => "a list",
        e if e.starts_with("a string") || e.contains("formatted date") => "a string",
        e if e.starts_with("a boolean") => "true or false",
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, zero or more, in range",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number in range",
        "f32" | "f64" => "a number",
        e if e.starts_with("variant identifier") || e.starts_with("enum ") => {
            "one of the accepted values"
        }
        _ => "of the documented type",
    }
}

#[cfg(test)]
mod plain_message_tests {
    use super::plain_message;

    #[test]
    fn library_phrasing_is_rewritten() {
        for (raw, plain) in [
            (
                "unknown variant `none`, expected one of `en`, `fr`, `de`",
                "must be one of en, fr, de",
            ),
            (
                "unknown variant `x`, expected `a` or `b`",
                "must be one of a, b",
            ),
            (
                "unknown field `colour`, expected one of `name`",
                "is not a field of this body",
            ),
            ("missing field `title`", "is required"),
            (
                "invalid type: integer `5`, expected a string at line 1 column 9",
                "must be a string",
            ),
            (
                "invalid type: string \"x\", expected u32",
                "must be a whole number, zero or more, in range",
            ),
            ("invalid type: map, expected a sequence", "must be a list"),
            (
                "invalid value: integer `-1`, expected u32",
                "must be a whole number, zero or more, in range",
            ),
            (
                "must be a decimal string such as \"12.50\"",
                "must be a decimal string such as \"12.50\"",
            ),
        ] {
            assert_eq!(plain_message(raw), plain, "{raw}");
        }
    }
}
