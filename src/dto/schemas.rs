//! Schemas of the closed sets, generated from the domain's own lists of spellings, so
//! the document offers exactly the values the service accepts.

use utoipa::openapi::RefOr;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::domain::ledger::EntryKind;
use crate::domain::notification::{ContactRole, Language, NotificationStatus};
use crate::domain::quote::{QuoteOrigin, QuoteStatus};
use crate::domain::request::{Channel, RequestKind, RequestStatus};
use crate::domain::session::{CancelReason, SessionStatus};
use crate::domain::sla::SlaState;
use crate::domain::sow::SowStatus;

/// A string schema with these values, and `x-enum-varnames` naming each one so that
/// client generators never have to invent constant names: left to themselves, some
/// turn `GMT+0`, `GMT-0` and `GMT0` into the same name and give up.
pub fn one_of(values: impl IntoIterator<Item = &'static str>, description: &str) -> RefOr<Schema> {
    let values: Vec<&'static str> = values.into_iter().collect();
    let names: Vec<String> = values.iter().map(|v| enum_var_name(v)).collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .description(Some(description))
        .extensions(Some(
            ExtensionsBuilder::new()
                .add("x-enum-varnames", names)
                .build(),
        ))
        .into()
}

/// The constant name of an enum value: upper case, `+` and a `-` before a digit spelt
/// out (`Etc/GMT-1` → `ETC_GMT_MINUS_1`), `*` → `ALL`, every other run of
/// non-alphanumerics one `_`.
pub fn enum_var_name(value: &str) -> String {
    if value == "*" {
        return "ALL".to_string();
    }
    let mut out = String::new();
    let mut chars = value.chars().peekable();
    let mut gap = false;
    while let Some(c) = chars.next() {
        let word = match c {
            '+' => Some("PLUS"),
            '-' if chars.peek().is_some_and(char::is_ascii_digit) => Some("MINUS"),
            _ => None,
        };
        if let Some(word) = word {
            if !out.is_empty() {
                out.push('_');
            }
            out.push_str(word);
            gap = true;
        } else if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_uppercase());
            gap = false;
        } else {
            gap = true;
        }
    }
    if out.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        out.insert_str(0, "VALUE_");
    }
    out
}

macro_rules! closed_set {
    ($($(#[$doc:meta])* $name:ident = $values:expr, $description:literal;)+) => {$(
        $(#[$doc])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                one_of($values, $description)
            }
        }

        impl ToSchema for $name {}
    )+};
}

closed_set! {
    /// Kinds of ledger entries.
    EntryKindName = EntryKind::ALL.iter().map(|k| k.as_str()), "Kind of ledger entry";
    /// Request kinds.
    RequestKindName = RequestKind::ALL.iter().map(|k| k.as_str()), "What the customer asks for";
    /// Request channels.
    ChannelName = Channel::ALL.iter().map(|k| k.as_str()), "How the request arrived";
    /// Request statuses.
    RequestStatusName = RequestStatus::ALL.iter().map(|k| k.as_str()), "Where a request stands";
    /// Cancellation reasons.
    CancelReasonName = CancelReason::ALL.iter().map(|k| k.as_str()), "Why a session is cancelled (`soc` is for staff)";
    /// Session statuses.
    SessionStatusName = SessionStatus::ALL.iter().map(|k| k.as_str()), "Where a session stands";
    /// SoW statuses.
    SowStatusName = SowStatus::ALL.iter().map(|k| k.as_str()), "Where a SoW stands";
    /// Quote statuses.
    QuoteStatusName = QuoteStatus::ALL.iter().map(|k| k.as_str()), "Where a quote stands";
    /// Quote origins.
    QuoteOriginName = QuoteOrigin::ALL.iter().map(|k| k.as_str()), "What raised a quote";
    /// SLA states.
    SlaStateName = SlaState::ALL.iter().map(|k| k.as_str()), "Where a service-level target stands";
    /// Languages of contacts.
    LanguageName = Language::ALL.iter().map(|k| k.as_str()), "Language of a contact's mails";
    /// Roles of contacts.
    ContactRoleName = ContactRole::ALL.iter().map(|k| k.as_str()), "What a contact is told about";
    /// Mail statuses.
    NotificationStatusName = NotificationStatus::ALL.iter().map(|k| k.as_str()), "Where a mail stands";
    /// Severities of findings.
    SeverityName = crate::domain::report::Severity::ALL.iter().map(|k| k.as_str()), "How serious a finding is";
    /// Report statuses.
    ReportStatusName = ["draft", "issued"], "Whether a report is the working draft or an issued version";
    /// SoW languages.
    SowLanguageName = ["en", "fr", "de"], "Language of a SoW";
    /// IANA time zones known to the bundled tz database.
    TimeZoneName = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()), "IANA time zone name";
    /// Audited actions.
    AuditActionName = crate::domain::audit::AuditAction::ALL.iter().map(|k| k.as_str()), "An audited action";
    /// Roles of callers.
    RoleName = crate::domain::access::Role::ALL.iter().map(|k| k.as_str()), "A role of SPEC §7";
    /// Kinds of actors.
    ActorKindName = crate::domain::identity::ActorKind::ALL.iter().map(|k| k.as_str()), "What kind of caller made a change";
    /// Webhook subscriptions.
    EventTypeName = std::iter::once("*").chain(crate::domain::webhook::EVENT_TYPES.iter().copied()), "An event type of the feed, or `*` for all";
}

/// A string schema matching `pattern`.
fn matching(pattern: &str, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .description(Some(description))
        .into()
}

/// The cursor of a sequence (ledger, events, deliveries); see [`super::SEQ_CURSOR_PATTERN`].
pub struct SeqCursor;

impl PartialSchema for SeqCursor {
    fn schema() -> RefOr<Schema> {
        matching(
            super::SEQ_CURSOR_PATTERN,
            "A `next_cursor` returned by the previous page (a sequence number)",
        )
    }
}
impl ToSchema for SeqCursor {}

/// What [`crate::domain::webhook::check_target`] accepts: `http` or `https` (any
/// case), `://`, a host without whitespace, then anything. Written out again in
/// `EndpointInput::url`'s schema attribute (which takes only a literal); a test
/// holds the two together.
pub const WEBHOOK_URL_PATTERN: &str = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+(?:[/?#][\s\S]*)?$";

#[cfg(test)]
mod tests {
    use super::*;

    /// Every closed set names its values with distinct identifiers, time zones above
    /// all (`GMT+0`, `GMT-0`, `GMT0`; `Etc/GMT+1`, `Etc/GMT-1`).
    #[test]
    fn enum_var_names_are_distinct_identifiers() {
        let doc = serde_json::to_value(crate::http::openapi_document()).expect("serialises");
        let mut sets = 0;
        let mut stack = vec![&doc];
        while let Some(node) = stack.pop() {
            match node {
                serde_json::Value::Object(map) => {
                    if let (Some(values), Some(names)) =
                        (map.get("enum"), map.get("x-enum-varnames"))
                    {
                        let values = values.as_array().expect("enum");
                        let names = names.as_array().expect("names");
                        assert_eq!(values.len(), names.len());
                        let unique: std::collections::HashSet<_> = names.iter().collect();
                        assert_eq!(unique.len(), names.len(), "duplicate names in {names:?}");
                        for name in names {
                            let name = name.as_str().expect("string");
                            assert!(
                                name.starts_with(|c: char| c.is_ascii_uppercase())
                                    && name.chars().all(|c| c.is_ascii_uppercase()
                                        || c.is_ascii_digit()
                                        || c == '_'),
                                "{name}"
                            );
                        }
                        sets += 1;
                    }
                    stack.extend(map.values());
                }
                serde_json::Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
        assert!(sets > 10, "only {sets} closed sets carry names");
        assert_eq!(enum_var_name("Etc/GMT-1"), "ETC_GMT_MINUS_1");
        assert_eq!(enum_var_name("GMT+0"), "GMT_PLUS_0");
        assert_eq!(
            enum_var_name("America/Port-au-Prince"),
            "AMERICA_PORT_AU_PRINCE"
        );
        assert_eq!(enum_var_name("out_of_hours"), "OUT_OF_HOURS");
        assert_eq!(enum_var_name("*"), "ALL");
    }
}
