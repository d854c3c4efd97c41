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
/// the lot, or inserted when the checkpoint did not list the lot yet. Two writes, one
/// for the rows that exist and one for those that do not: an `INSERT … ON CONFLICT DO
/// UPDATE` would lock each existing row before updating it (one more WAL record per
/// row on PostgreSQL). They change disjoint rows, so they may travel in one statement;
/// each existing row is read as the statement's snapshot has it, so the insert never
/// meets a row the update made.
async fn shift_lots(tx: &mut Tx, customer_id: &CustomerId, shifts: &[Shift]) -> StoreResult<()> {
    let moved: Vec<(&Shift, &LotId, Units)> = shifts
        .iter()
        .flat_map(|s| {
            s.figures
                .lots
                .iter()
                .filter(|(_, u)| !u.is_zero())
                .map(move |(lot, units)| (s, lot, *units))
        })
        .collect();
    // The checkpoints of a stretch: dated from its start, before the next one's.
    let dated_in = |sql: &mut Sql, s: &Shift| {
        let from = sql.push_bind(s.from);
        let until = s
            .until
            .map(|until| format!(" AND at < ${}", sql.push_bind(until)))
            .unwrap_or_default();
        format!("at >= ${from}{until}")
    };

    let mut update = Sql::new("");
    let customer = update.push_bind(customer_id);
    // The earliest stretch's start bounds the index range: only the checkpoints from
    // there on are read, however long the customer's history.
    let Some(earliest) = moved.iter().map(|(s, _, _)| s.from).min() else {
        return Ok(());
    };
    let earliest = update.push_bind(earliest);
    let (mut cases, mut matches) = (Vec::new(), Vec::new());
    for (s, lot, units) in &moved {
        let lot = update.push_bind(*lot);
        let dated = dated_in(&mut update, s);
        let units = update.push_bind(*units);
        cases.push(format!(" WHEN lot_id = ${lot} AND {dated} THEN ${units}"));
        matches.push(format!("(lot_id = ${lot} AND {dated})"));
    }
    update.push_sql(&format!(
        "UPDATE timeline_checkpoint_lots SET units = units + CASE{} ELSE 0 END \
         WHERE customer_id = ${customer} AND at >= ${earliest} AND ({})",
        cases.concat(),
        matches.join(" OR ")
    ));
    tx.defer(
        Some(format!("timeline_checkpoint_lots:{customer_id}")),
        update,
    )
    .await?;

    let mut insert = Sql::new("");
    let customer = insert.push_bind(customer_id);
    let mut parts = Vec::new();
    for (s, lot, units) in &moved {
        let (lot, units) = (insert.push_bind(*lot), insert.push_bind(*units));
        let dated = dated_in(&mut insert, s);
        parts.push(format!(
            "SELECT c.customer_id, c.at, ${lot}, ${units} FROM timeline_checkpoints c \
             WHERE c.customer_id = ${customer} AND {dated} AND NOT EXISTS (SELECT 1 \
             FROM timeline_checkpoint_lots t WHERE t.customer_id = c.customer_id \
             AND t.at = c.at AND t.lot_id = ${lot})"
        ));
    }
    insert.push_sql(&format!(
        "INSERT INTO timeline_checkpoint_lots (customer_id, at, lot_id, units) {}",
        parts.join(" UNION ALL ")
    ));
    // Its own key: a later shift of the same customer sends both first (the update's
    // key), and nothing else writes these rows before the commit.
    tx.defer(
        Some(format!("timeline_checkpoint_lots_added:{customer_id}")),
        insert,
    )
    .await
}
