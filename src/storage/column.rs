//! How domain values are stored and read back: the one place where units become
//! integer hundredths, instants microseconds since the epoch (UTC), dates
//! `YYYY-MM-DD` text, and statuses and ids their spelling.
//!
//! Row types are declared with [`stored_row!`], which derives the column list, the
//! binding of every column and the decoding on both backends from one field list, so
//! services receive domain types and never a raw column.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Column as _;
use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use super::sql::Arg;
use crate::domain::identity::Actor;
use crate::domain::ids::{CalendarId, CustomerId, LotId, QuoteId, RequestId, SessionId, SowId};
use crate::domain::ledger::EntryKind;
use crate::domain::notification::{Audience, Contact, Language, MailKind, NotificationStatus};
use crate::domain::quote::{QuoteOrigin, QuoteStatus};
use crate::domain::request::{Channel, RequestKind, RequestStatus};
use crate::domain::session::{Acceptance, CancelReason, SessionStatus};
use crate::domain::sla::SlaState;
use crate::domain::sow::SowStatus;
use crate::domain::units::Units;

mod in_order;

pub use in_order::InOrder;

/// The raw columns a row of either backend offers (all nullable at this level).
pub trait RawRow {
    /// An integer column.
    fn int(&self, name: &str) -> sqlx::Result<Option<i64>>;
    /// A text column.
    fn text(&self, name: &str) -> sqlx::Result<Option<String>>;
    /// A boolean column.
    fn flag(&self, name: &str) -> sqlx::Result<Option<bool>>;
    /// The name of the column at `index` (none past the last).
    fn column_name(&self, index: usize) -> Option<&str>;
    /// Where column `name` is.
    fn column_index(&self, name: &str) -> Option<usize>;
    /// The integer column at `index`.
    fn int_at(&self, index: usize) -> sqlx::Result<Option<i64>>;
    /// The text column at `index`.
    fn text_at(&self, index: usize) -> sqlx::Result<Option<String>>;
    /// The boolean column at `index`.
    fn flag_at(&self, index: usize) -> sqlx::Result<Option<bool>>;
}

macro_rules! raw_row {
    ($row:ty) => {
        impl RawRow for $row {
            fn int(&self, name: &str) -> sqlx::Result<Option<i64>> {
                self.try_get(name)
            }
            fn text(&self, name: &str) -> sqlx::Result<Option<String>> {
                self.try_get(name)
            }
            fn flag(&self, name: &str) -> sqlx::Result<Option<bool>> {
                self.try_get(name)
            }
            fn column_name(&self, index: usize) -> Option<&str> {
                self.columns().get(index).map(|c| c.name())
            }
            fn column_index(&self, name: &str) -> Option<usize> {
                self.try_column(name).ok().map(|c| c.ordinal())
            }
            fn int_at(&self, index: usize) -> sqlx::Result<Option<i64>> {
                self.try_get(index)
            }
            fn text_at(&self, index: usize) -> sqlx::Result<Option<String>> {
                self.try_get(index)
            }
            fn flag_at(&self, index: usize) -> sqlx::Result<Option<bool>> {
                self.try_get(index)
            }
        }
    };
}

raw_row!(SqliteRow);
raw_row!(PgRow);

/// A value stored in one column (non-null); `Option<T>` is the nullable column.
pub trait Stored: Sized {
    /// Reads the column (`None` for NULL).
    fn read<R: RawRow>(row: &R, name: &str) -> sqlx::Result<Option<Self>>;
    /// The stored representation (`value` `None` binds NULL).
    fn encode(value: Option<&Self>) -> Arg;
}

/// A column of a stored row: a [`Stored`] value, or an `Option` of one.
pub trait Column: Sized {
    /// Decodes the column named `name`.
    fn read<R: RawRow>(row: &R, name: &str) -> sqlx::Result<Self>;
    /// Encodes the value for binding.
    fn arg(&self) -> Arg;
}

impl<T: Stored> Column for T {
    fn read<R: RawRow>(row: &R, name: &str) -> sqlx::Result<Self> {
        T::read(row, name)?.ok_or_else(|| corrupt(name, "unexpected NULL"))
    }
    fn arg(&self) -> Arg {
        T::encode(Some(self))
    }
}

impl<T: Stored> Column for Option<T> {
    fn read<R: RawRow>(row: &R, name: &str) -> sqlx::Result<Self> {
        T::read(row, name)
    }
    fn arg(&self) -> Arg {
        T::encode(self.as_ref())
    }
}

/// Owned values (and their options) bind directly; references bind through
/// [`Column`] (`impl From<&T> for Arg`).
macro_rules! arg_by_value {
    ($($ty:ty),* $(,)?) => {$(
        impl From<$ty> for Arg {
            fn from(v: $ty) -> Self {
                Column::arg(&v)
            }
        }
        impl From<Option<$ty>> for Arg {
            fn from(v: Option<$ty>) -> Self {
                Column::arg(&v)
            }
        }
    )*};
}

arg_by_value!(
    i64,
    bool,
    String,
    Units,
    DateTime<Utc>,
    NaiveDate,
    SessionStatus,
    CancelReason,
    Acceptance,
    SowStatus,
    RequestStatus,
    RequestKind,
    Channel,
    QuoteStatus,
    QuoteOrigin,
    SlaState,
    EntryKind,
    Audience,
    Language,
    MailKind,
    NotificationStatus,
);

/// References bind through their column encoding.
impl<T: Column> From<&T> for Arg {
    fn from(v: &T) -> Self {
        v.arg()
    }
}

/// Optional references bind as their value or NULL.
impl<T: Stored> From<Option<&T>> for Arg {
    fn from(v: Option<&T>) -> Self {
        T::encode(v)
    }
}

/// A decoding failure naming the column.
pub fn corrupt(column: &str, what: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: what.to_string().into(),
    }
}

impl Stored for i64 {
    fn read<R: RawRow>(row: &R, name: &str) -> sqlx::Result<Option<Self>> {
        row.int(name)
    }
    fn encode(value: Option<&Self>) -> Arg {
        Arg::Int(value.copied())
    }
}

impl Stored for String {
    fn read<R: RawRow>(row: &R, name: &str) -> sqlx::Result<Option<Self>> {
        row.text(name)
    }
    fn encode(value: Option<&Self>) -> Arg {
        Arg::Text(value.cloned())
    }
}

impl Stored for bool {
    fn read<R: RawRow>(row: &R, name: &str) -> sqlx::Result<Option<Self>> {
        row.flag(name)
    }
    fn encode(value: Option<&Self>) -> Arg {
        Arg::Bool(value.copied())
    }
}

impl Stored for Units {
    fn read<R: RawRow>(row: &R, name: &str) -> sqlx::Result<Option<Self>> {
        Ok(row.int(name)?.map(Units::from_hundredths))
    }
    fn encode(value: Option<&Self>) -> Arg {
        Arg::Int(value.map(|u| u.hundredths()))
    }
}

impl Stored for DateTime<Utc> {
    fn read<R: RawRow>(row: &R, name: &str) -> sqlx::Result<Option<Self>> {
        row.int(name)?
            .map(|micros| {
                DateTime::from_timestamp_micros(micros)
                    .ok_or_else(|| corrupt(name, format!("instant {micros} out of range")))
            })
            .transpose()
    }
    fn encode(value: Option<&Self>) -> Arg {
        Arg::Int(value.map(|t| t.timestamp_micros()))
    }
}

impl Stored for NaiveDate {
    fn read<R: RawRow>(row: &R, name: &str) -> sqlx::Result<Option<Self>> {
        row.text(name)?
            .map(|text| {
                // `FromStr` reads ISO 8601 (`%Y-%m-%d`, what `encode` writes) with fixed
                // parse items; `parse_from_str` would read the format string on every row.
                text.parse::<NaiveDate>()
                    .map_err(|_| corrupt(name, format!("date {text:?}")))
            })
            .transpose()
    }
    fn encode(value: Option<&Self>) -> Arg {
        Arg::Text(value.map(|d| d.format("%Y-%m-%d").to_string()))
    }
}

/// JSON documents stored as text (lists the services read whole).
macro_rules! stored_json {
    ($($ty:ty),* $(,)?) => {$(
        impl Stored for $ty {
            fn read<R: RawRow>(row: &R, name: &str) -> sqlx::Result<Option<Self>> {
                row.text(name)?
                    .map(|text| serde_json::from_str(&text).map_err(|e| corrupt(name, e)))
                    .transpose()
            }
            fn encode(value: Option<&Self>) -> Arg {
                Arg::Text(value.map(|v| serde_json::to_string(v).unwrap_or_else(|_| "null".into())))
            }
        }
    )*};
}

stored_json!(Vec<Contact>, Vec<String>, Actor);

/// Closed sets stored by their spelling (`as_str` / `parse`).
macro_rules! stored_spelling {
    ($($ty:ty),* $(,)?) => {$(
        impl Stored for $ty {
            fn read<R: RawRow>(row: &R, name: &str) -> sqlx::Result<Option<Self>> {
                row.text(name)?
                    .map(|text| {
                        <$ty>::parse(&text).ok_or_else(|| corrupt(name, format!("{text:?}")))
                    })
                    .transpose()
            }
            fn encode(value: Option<&Self>) -> Arg {
                Arg::Text(value.map(|v| v.as_str().to_string()))
            }
        }
    )*};
}

stored_spelling!(
    SessionStatus,
    CancelReason,
    Acceptance,
    SowStatus,
    RequestStatus,
    RequestKind,
    Channel,
    QuoteStatus,
    QuoteOrigin,
    SlaState,
    EntryKind,
    Audience,
    Language,
    MailKind,
    NotificationStatus,
);

/// Opaque ids stored as their text.
macro_rules! stored_id {
    ($($ty:ty),* $(,)?) => {$(
        impl Stored for $ty {
            fn read<R: RawRow>(row: &R, name: &str) -> sqlx::Result<Option<Self>> {
                Ok(row.text(name)?.map(<$ty>::from_raw))
            }
            fn encode(value: Option<&Self>) -> Arg {
                Arg::Text(value.map(|v| v.as_str().to_string()))
            }
        }
    )*};
}

stored_id!(CustomerId, LotId, QuoteId, RequestId, SowId, SessionId);

impl Stored for CalendarId {
    fn read<R: RawRow>(row: &R, name: &str) -> sqlx::Result<Option<Self>> {
        row.text(name)?
            .map(|text| CalendarId::parse(&text).map_err(|e| corrupt(name, e)))
            .transpose()
    }
    fn encode(value: Option<&Self>) -> Arg {
        Arg::Text(value.map(|v| v.as_str().to_string()))
    }
}

/// Declares a stored row: the struct, its column list (`COLUMNS`, in field order),
/// `bind_all` (every column, in that order, for inserts and whole-row updates) and
/// its decoding on both backends.
#[macro_export]
macro_rules! stored_row {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $( $(#[$fmeta])* pub $field: $ty ),+
        }

        #[allow(dead_code)]
        impl $name {
            /// Every column, in field order.
            pub const COLUMNS: &'static str = $crate::stored_row!(@columns $($field),+);

            /// Binds every column in [`Self::COLUMNS`] order.
            pub fn bind_all(&self, sql: $crate::storage::sql::Sql) -> $crate::storage::sql::Sql {
                sql $( .bind($crate::storage::column::Column::arg(&self.$field)) )+
            }

            fn decode<R: $crate::storage::column::RawRow>(row: &R) -> sqlx::Result<Self> {
                let row = &$crate::storage::column::InOrder::new(row);
                Ok($name {
                    $( $field: $crate::storage::column::Column::read(row, stringify!($field))? ),+
                })
            }

            /// Every column of table alias `alias`, renamed with `prefix`, for a
            /// statement that reads several kinds of rows at once
            /// ([`Self::decode_prefixed`] reads them back).
            pub fn columns_as(alias: &str, prefix: &str) -> String {
                Self::COLUMNS
                    .split(", ")
                    .map(|c| format!("{alias}.{c} AS {prefix}{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }

            /// Decodes the columns [`Self::columns_as`] named with `prefix`.
            pub fn decode_prefixed<R: $crate::storage::column::RawRow>(
                row: &R,
                prefix: &str,
            ) -> sqlx::Result<Self> {
                // One buffer for every column's name: a format per column was a
                // measurable share of a delivery's CPU.
                let mut name = String::with_capacity(prefix.len() + 32);
                let row = &$crate::storage::column::InOrder::new(row);
                Ok($name {
                    $( $field: {
                        name.clear();
                        name.push_str(prefix);
                        name.push_str(stringify!($field));
                        $crate::storage::column::Column::read(row, &name)?
                    } ),+
                })
            }
        }

        $crate::decoded_row!($name);
    };
    (@columns $first:ident $(, $rest:ident)*) => {
        concat!(stringify!($first) $(, ", ", stringify!($rest))*)
    };
}

/// `FromRow` on both engines for a row type with a
/// `fn decode<R: RawRow>(row: &R) -> sqlx::Result<Self>` (rows that combine several
/// stored rows, read by one statement).
#[macro_export]
macro_rules! decoded_row {
    ($name:ty) => {
        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $name {
            fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> sqlx::Result<Self> {
                Self::decode(row)
            }
        }

        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $name {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> sqlx::Result<Self> {
                Self::decode(row)
            }
        }
    };
}
