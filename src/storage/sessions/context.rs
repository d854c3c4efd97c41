//! What a session action reads right after the account lock, in one statement.

use std::sync::LazyLock;

use super::SessionRow;
use crate::domain::ids::{LotId, SessionId};
use crate::storage::column::{Column, RawRow};
use crate::storage::db::{StoreResult, Tx};
use crate::storage::deficits::{ChargePart, SESSION_CHARGES};
use crate::storage::lots::LotRow;
use crate::storage::sows::SowRow;
use crate::storage::sql::Sql;

/// What else a session action reads with the session, right after the account lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Also {
    /// Nothing more.
    Nothing,
    /// The customer's live lots, in consumption order (an action that may debit).
    LiveLots,
    /// The session's charge entries with their reversals so far, and the lots they drew
    /// from (a complaint decision).
    Charges,
}

/// What a session action reads right after taking the account lock, in one statement.
#[derive(Clone, Debug)]
pub struct SessionContext {
    /// The session.
    pub session: SessionRow,
    /// Its SoW.
    pub sow: SowRow,
    /// With [`Also::LiveLots`], the customer's live lots in consumption order (see
    /// [`super::lots::live_for_customer`]); with [`Also::Charges`], the lots the
    /// charges drew from.
    pub lots: Vec<LotRow>,
    /// With [`Also::Charges`], the charge entries in id order (see
    /// [`super::deficits::session_charges`]).
    pub charges: Vec<ChargePart>,
}

/// One row of [`context`]: the session and SoW repeated beside each lot or charge.
struct ContextRow {
    session: SessionRow,
    sow: SowRow,
    charge: Option<ChargePart>,
    lot: Option<LotRow>,
}

impl ContextRow {
    fn decode<R: RawRow>(row: &R) -> sqlx::Result<Self> {
        let lot_id: Option<LotId> = Column::read(row, "l_id")?;
        let charge_id: Option<i64> = Column::read(row, "c_id")?;
        Ok(ContextRow {
            session: SessionRow::decode_prefixed(row, "s_")?,
            sow: SowRow::decode_prefixed(row, "w_")?,
            charge: match charge_id {
                Some(_) => Some(ChargePart::decode_prefixed(row, "c_")?),
                None => None,
            },
            lot: match lot_id {
                Some(_) => Some(LotRow::decode_prefixed(row, "l_")?),
                None => None,
            },
        })
    }
}

crate::decoded_row!(ContextRow);

/// The statement of [`context`] for each [`Also`], built once: its column lists are
/// some ninety formats, which every session action used to repeat.
static CONTEXT_ONLY: LazyLock<String> = LazyLock::new(|| context_statement(Also::Nothing));
/// [`context`] with the customer's live lots.
static CONTEXT_WITH_LIVE_LOTS: LazyLock<String> =
    LazyLock::new(|| context_statement(Also::LiveLots));
/// [`context`] with the session's charges and their lots.
static CONTEXT_WITH_CHARGES: LazyLock<String> = LazyLock::new(|| context_statement(Also::Charges));

fn context_statement(also: Also) -> String {
    let (charges, joins, order) = match also {
        Also::Nothing => (
            "CAST(NULL AS BIGINT) AS c_id",
            "LEFT JOIN lots l ON FALSE".to_string(),
            "s.id",
        ),
        Also::LiveLots => (
            "CAST(NULL AS BIGINT) AS c_id",
            "LEFT JOIN lots l ON l.customer_id = s.customer_id AND l.expired = FALSE".to_string(),
            "l.expires_at, l.received_on, l.id",
        ),
        Also::Charges => (
            "c.id AS c_id, c.kind AS c_kind, c.lot_id AS c_lot_id, c.units AS c_units, \
             c.reversed AS c_reversed",
            format!("LEFT JOIN ({SESSION_CHARGES}) c ON TRUE LEFT JOIN lots l ON l.id = c.lot_id"),
            "c.id",
        ),
    };
    format!(
        "SELECT {}, {}, {charges}, {} FROM sessions s JOIN sows w ON w.id = s.sow_id {joins} \
         WHERE s.id = $1 ORDER BY {order}",
        SessionRow::columns_as("s", "s_"),
        SowRow::columns_as("w", "w_"),
        LotRow::columns_as("l", "l_"),
    )
}

/// Reads a session, its SoW and what `also` names in one statement; `None` when the
/// session does not exist. Run after the account lock, so what it reads is what the
/// previous holder of the lock committed.
pub async fn context(
    tx: &mut Tx,
    id: &SessionId,
    also: Also,
) -> StoreResult<Option<SessionContext>> {
    let sql: &'static str = match also {
        Also::Nothing => CONTEXT_ONLY.as_str(),
        Also::LiveLots => CONTEXT_WITH_LIVE_LOTS.as_str(),
        Also::Charges => CONTEXT_WITH_CHARGES.as_str(),
    };
    let rows: Vec<ContextRow> = tx.fetch_all(Sql::new(sql).bind(id)).await?;
    let mut rows = rows.into_iter();
    let Some(first) = rows.next() else {
        return Ok(None);
    };
    let mut found = SessionContext {
        session: first.session,
        sow: first.sow,
        lots: Vec::new(),
        charges: Vec::new(),
    };
    for (charge, lot) in
        std::iter::once((first.charge, first.lot)).chain(rows.map(|r| (r.charge, r.lot)))
    {
        found.charges.extend(charge);
        if let Some(lot) = lot.filter(|l| !found.lots.iter().any(|k| k.id == l.id)) {
            found.lots.push(lot);
        }
    }
    Ok(Some(found))
}
