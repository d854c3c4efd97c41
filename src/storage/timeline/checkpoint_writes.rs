//! SQL that writes timeline checkpoints: a new one every few hundred movements, and the
//! corrections a movement recorded late makes to those it falls before.

use super::CheckpointRow;
use crate::domain::ids::{CustomerId, LotId};
use crate::domain::timeline::{Figures, Shift};
use crate::domain::units::Units;
use crate::storage::db::{StoreResult, Tx};
use crate::storage::sql::Sql;

/// Writes a checkpoint with these figures; the lots' units are given (a replay) or,
/// when `None`, read from the lots as they stand (a checkpoint at "now").
pub async fn write_checkpoint(
    tx: &mut Tx,
    checkpoint: &CheckpointRow,
    lots: Option<&[(LotId, Units)]>,
) -> StoreResult<()> {
    tx.execute(
        Sql::new(format!(
            "INSERT INTO timeline_checkpoints ({}) VALUES ($1, $2, $3, $4, $5)",
            CheckpointRow::COLUMNS
        ))
        .bind(&checkpoint.customer_id)
        .bind(checkpoint.at)
        .bind(checkpoint.total)
        .bind(checkpoint.deficit)
        .bind(checkpoint.reserved),
    )
    .await?;
    match lots {
        None => {
            tx.execute(
                Sql::new(
                    "INSERT INTO timeline_checkpoint_lots (customer_id, at, lot_id, units) \
                     SELECT customer_id, $2, id, remaining FROM lots \
                     WHERE customer_id = $1 AND expired = FALSE AND remaining <> 0",
                )
                .bind(&checkpoint.customer_id)
                .bind(checkpoint.at),
            )
            .await?;
        }
        Some(lots) => {
            for (lot, units) in lots.iter().filter(|(_, u)| !u.is_zero()) {
                tx.execute(
                    Sql::new(
                        "INSERT INTO timeline_checkpoint_lots (customer_id, at, lot_id, units) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&checkpoint.customer_id)
                    .bind(checkpoint.at)
                    .bind(lot)
                    .bind(*units),
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// Adds movements recorded late to the checkpoints they fall before: each stretch of
/// `shifts` to the checkpoints dated in it. One write for the figures and one for the
/// lots, whatever the number of stretches (each checkpoint row is changed once, so the
/// two may wait and travel with the transaction's next statement).
pub async fn shift(tx: &mut Tx, customer_id: &CustomerId, shifts: &[Shift]) -> StoreResult<()> {
    if shifts.iter().any(|s| !s.figures.moves_no_totals()) {
        shift_figures(tx, customer_id, shifts).await?;
    }
    shift_lots(tx, customer_id, shifts).await
}

/// The checkpoints' total, deficit and reserved: one `CASE` per column over the
/// stretches, the latest first (a checkpoint takes the first stretch it is in).
async fn shift_figures(tx: &mut Tx, customer_id: &CustomerId, shifts: &[Shift]) -> StoreResult<()> {
    let Some(first) = shifts.first() else {
        return Ok(());
    };
    let figure = |column: &str, f: &Figures| match column {
        "total" => f.total,
        "deficit" => f.deficit,
        _ => f.reserved,
    };
    let mut sql = Sql::new("");
    let customer = sql.push_bind(customer_id);
    let from = sql.push_bind(first.from);
    let mut set = Vec::new();
    for column in ["total", "deficit", "reserved"] {
        let mut case = String::from("CASE");
        for s in shifts.iter().rev() {
            let at = sql.push_bind(s.from);
            let units = sql.push_bind(figure(column, &s.figures));
            case.push_str(&format!(" WHEN at >= ${at} THEN ${units}"));
        }
        set.push(format!("{column} = {column} + {case} ELSE 0 END"));
    }
    sql.push_sql(&format!(
        "UPDATE timeline_checkpoints SET {} WHERE customer_id = ${customer} AND at >= ${from}",
        set.join(", ")
    ));
    tx.defer(Some(format!("timeline_checkpoints:{customer_id}")), sql)
        .await
}

/// The checkpoints' lots: one row per lot and stretch, added to the checkpoint's row for
/// the lot, or inserted when the checkpoint did not list the lot yet.
async fn shift_lots(tx: &mut Tx, customer_id: &CustomerId, shifts: &[Shift]) -> StoreResult<()> {
    let mut sql = Sql::new("");
    let customer = sql.push_bind(customer_id);
    let mut parts = Vec::new();
    for s in shifts {
        for (lot, units) in s.figures.lots.iter().filter(|(_, u)| !u.is_zero()) {
            let (lot, units, from) = (
                sql.push_bind(lot),
                sql.push_bind(*units),
                sql.push_bind(s.from),
            );
            let until = s
                .until
                .map(|until| format!(" AND at < ${}", sql.push_bind(until)))
                .unwrap_or_default();
            parts.push(format!(
                "SELECT customer_id, at, ${lot}, ${units} FROM timeline_checkpoints \
                 WHERE customer_id = ${customer} AND at >= ${from}{until}"
            ));
        }
    }
    if parts.is_empty() {
        return Ok(());
    }
    sql.push_sql(&format!(
        "INSERT INTO timeline_checkpoint_lots (customer_id, at, lot_id, units) {} \
         ON CONFLICT (customer_id, at, lot_id) \
         DO UPDATE SET units = timeline_checkpoint_lots.units + excluded.units",
        parts.join(" UNION ALL ")
    ));
    tx.defer(Some(format!("timeline_checkpoint_lots:{customer_id}")), sql)
        .await
}
