//! Schemas of the closed sets, generated from the domain's own lists of spellings, so
//! the document offers exactly the values the service accepts.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::domain::ledger::EntryKind;
use crate::domain::notification::{ContactRole, Language, NotificationStatus};
use crate::domain::quote::{QuoteOrigin, QuoteStatus};
use crate::domain::request::{Channel, RequestKind, RequestStatus};
use crate::domain::session::{CancelReason, SessionStatus};
use crate::domain::sla::SlaState;
use crate::domain::sow::SowStatus;

/// A string schema with these values.
pub fn one_of(values: impl IntoIterator<Item = &'static str>, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .description(Some(description))
        .into()
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
    /// SoW languages.
    SowLanguageName = ["en", "fr", "de"], "Language of a SoW";
    /// IANA time zones known to the bundled tz database.
    TimeZoneName = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()), "IANA time zone name";
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
