//! Packs, balances, ledger entries, statements, events and reports on the wire.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::PositiveUnits;
use crate::domain::units::Units;

/// The price a pack was sold at.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub struct Price {
    /// Amount as a decimal string (at most 2 decimals).
    #[schema(example = "4800.00")]
    pub amount: String,
    /// ISO 4217 currency code.
    #[schema(example = "EUR")]
    pub currency: String,
}

/// `POST /v1/customers/{id}/packs` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct PackInput {
    /// Units sold (decimal string, > 0, at most 2 decimals, ≤ 1000000).
    pub units: PositiveUnits,
    /// The customer's order reference.
    #[validate(
        length(min = 1, max = 100),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        example = "PO-2026-118",
        min_length = 1,
        max_length = 100,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub order_reference: String,
    /// Date the order was received (default: today in the customer's calendar).
    #[schema(value_type = Option<String>, format = Date, example = "2026-12-01")]
    pub received_on: Option<NaiveDate>,
    /// Quote this pack orders (must be this customer's and open).
    pub quote_id: Option<String>,
    /// Sale price.
    pub price: Option<Price>,
}

/// A pack (lot) of units.
#[derive(Debug, Serialize, ToSchema)]
pub struct Pack {
    /// Lot id.
    pub id: String,
    /// Customer.
    pub customer_id: String,
    /// Units sold.
    #[schema(value_type = String, example = "40.00")]
    pub units: Units,
    /// Units left in the lot.
    #[schema(value_type = String, example = "38.00")]
    pub remaining: Units,
    /// Part of the pack that paid an outstanding deficit off.
    #[schema(value_type = String, example = "2.00")]
    pub settled_deficit: Units,
    /// Order received on (local date).
    #[schema(value_type = String, format = Date)]
    pub received_on: NaiveDate,
    /// 00:00 local on received_on + 12 months; units are usable strictly before.
    pub expires_at: DateTime<Utc>,
    /// True once the expiry was applied.
    pub expired: bool,
    /// Order reference.
    pub order_reference: String,
    /// Quote it ordered.
    pub quote_id: Option<String>,
    /// Sale price.
    pub price: Option<Price>,
    /// Sale instant.
    pub created_at: DateTime<Utc>,
}

/// A lot in a balance.
#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceLot {
    /// Lot id.
    pub id: String,
    /// Units left.
    #[schema(value_type = String, example = "12.50")]
    pub remaining: Units,
    /// Expiry instant.
    pub expires_at: DateTime<Utc>,
    /// Order received on.
    #[schema(value_type = String, format = Date)]
    pub received_on: NaiveDate,
}

/// A customer's balance.
#[derive(Debug, Serialize, ToSchema)]
pub struct Balance {
    /// Customer.
    pub customer_id: String,
    /// Posted units: Σ ledger entries.
    #[schema(value_type = String, example = "30.00")]
    pub total: Units,
    /// Units provisioned for SoWs.
    #[schema(value_type = String, example = "10.00")]
    pub reserved: Units,
    /// `total − reserved`.
    #[schema(value_type = String, example = "20.00")]
    pub available: Units,
    /// Units debited that no lot could cover and no pack has paid yet.
    #[schema(value_type = String, example = "0.00")]
    pub deficit: Units,
    /// Lots not expired, in consumption order.
    pub lots: Vec<BalanceLot>,
    /// The instant the balance is computed at (the `as_of` asked, or now).
    pub as_of: DateTime<Utc>,
}

/// `?as_of=` of the balance.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BalanceQuery {
    /// Compute the balance at this past instant from the ledger (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub as_of: Option<DateTime<Utc>>,
}

/// A ledger entry.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Entry {
    /// Global, gap-free, commit-ordered sequence number.
    pub seq: i64,
    /// `grant`, `debit`, `cancellation_debit`, `reversal`, `expiry`, `deficit` or `deficit_settlement`.
    #[schema(example = "debit")]
    pub kind: String,
    /// Customer.
    pub customer_id: String,
    /// Lot moved (or, for a settlement, the pack that paid).
    pub lot_id: Option<String>,
    /// Signed units.
    #[schema(value_type = String, example = "-2.50")]
    pub units: String,
    /// The customer's posted balance after this entry.
    #[schema(value_type = String, example = "27.50")]
    pub balance_after: String,
    /// Effective instant (a session's actual end, an expiry instant, …).
    pub effective_at: DateTime<Utc>,
    /// Recording instant.
    pub recorded_at: DateTime<Utc>,
    /// Who caused it.
    pub actor: super::ActorView,
    /// Session reference.
    pub session_id: Option<String>,
    /// SoW reference.
    pub sow_id: Option<String>,
    /// Quote reference.
    pub quote_id: Option<String>,
    /// Entry this one reverses.
    pub reverses_seq: Option<i64>,
    /// Deficit entry this one settles.
    pub settles_seq: Option<i64>,
}

/// A page of the ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryPage {
    /// Entries in seq order.
    pub data: Vec<Entry>,
    /// Pass as `after` to continue; the last seq returned (or the `after` given when
    /// nothing new), so a poller never loses its place.
    pub next_cursor: Option<String>,
}

/// `GET /v1/ledger` filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// Only this customer (a customer's token is limited to its own).
    pub customer_id: Option<String>,
    /// Only this kind.
    #[param(value_type = Option<super::schemas::EntryKindName>, inline)]
    pub kind: Option<String>,
    /// Only this session.
    pub session_id: Option<String>,
    /// Entries after this seq (the `next_cursor` of the previous page).
    #[param(value_type = Option<super::schemas::SeqCursor>, inline)]
    pub after: Option<String>,
    /// Page size, 1–1000 (default 100). For CSV/NDJSON, caps the export (default: everything).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// Totals of one movement kind in a statement.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementLine {
    /// Entry kind.
    pub kind: String,
    /// Number of entries.
    pub count: i64,
    /// Σ signed units.
    #[schema(value_type = String, example = "-6.00")]
    pub units: Units,
}

/// A monthly statement.
#[derive(Debug, Serialize, ToSchema)]
pub struct Statement {
    /// Customer.
    pub customer_id: String,
    /// `YYYY-MM`.
    #[schema(example = "2026-12")]
    pub month: String,
    /// Start of the month (00:00 local), exclusive.
    pub period_start: DateTime<Utc>,
    /// Start of the next month (00:00 local), inclusive.
    pub period_end: DateTime<Utc>,
    /// Balance at period_start.
    #[schema(value_type = String)]
    pub opening: Units,
    /// Σ grants (units landing in lots).
    #[schema(value_type = String)]
    pub grants: Units,
    /// Σ deficit settlements.
    #[schema(value_type = String)]
    pub deficit_settlements: Units,
    /// Σ debits (negative).
    #[schema(value_type = String)]
    pub debits: Units,
    /// Σ cancellation debits (negative).
    #[schema(value_type = String)]
    pub cancellation_debits: Units,
    /// Σ deficits (negative).
    #[schema(value_type = String)]
    pub deficits: Units,
    /// Σ reversals.
    #[schema(value_type = String)]
    pub reversals: Units,
    /// Σ expiries (negative).
    #[schema(value_type = String)]
    pub expiries: Units,
    /// opening + every movement; equals the balance `as_of` period_end.
    #[schema(value_type = String)]
    pub closing: Units,
    /// Per-kind totals.
    pub lines: Vec<StatementLine>,
    /// The movements of the month, in seq order.
    pub entries: Vec<Entry>,
}

/// A domain event.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Event {
    /// Global, gap-free, commit-ordered sequence number.
    pub seq: i64,
    /// e.g. `pack_sold`, `units_expired`, `quote_raised`, `deficit_recorded`, `session_delivered`.
    pub kind: String,
    /// Customer.
    pub customer_id: Option<String>,
    /// Main subject id.
    pub subject_id: Option<String>,
    /// When it happened (a due instant for time-driven events).
    pub occurred_at: DateTime<Utc>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Details.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// A page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// Events in seq order.
    pub data: Vec<Event>,
    /// Pass as `after` to continue (see the ledger's `next_cursor`).
    pub next_cursor: Option<String>,
}

/// `GET /v1/events` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Events after this seq.
    #[param(value_type = Option<super::schemas::SeqCursor>, inline)]
    pub after: Option<String>,
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Only this customer.
    pub customer_id: Option<String>,
}

/// `GET /v1/reports/expiring` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExpiringQuery {
    /// Horizon in days, 1–366 (default 30).
    #[param(minimum = 1, maximum = 366)]
    pub within_days: Option<u32>,
    /// Only this customer.
    pub customer_id: Option<String>,
}

/// A lot expiring soon.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpiringLot {
    /// Lot id.
    pub lot_id: String,
    /// Customer.
    pub customer_id: String,
    /// Units that will expire unless used.
    #[schema(value_type = String)]
    pub remaining: Units,
    /// Expiry instant.
    pub expires_at: DateTime<Utc>,
    /// Order received on.
    #[schema(value_type = String, format = Date)]
    pub received_on: NaiveDate,
}

/// Units expiring within a horizon.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpiringReport {
    /// Report instant.
    pub as_of: DateTime<Utc>,
    /// End of the horizon.
    pub until: DateTime<Utc>,
    /// Horizon in days.
    pub within_days: u32,
    /// Σ remaining of the lots listed.
    #[schema(value_type = String)]
    pub total_units: Units,
    /// Lots, soonest first.
    pub lots: Vec<ExpiringLot>,
}
