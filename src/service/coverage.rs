//! Keeping approved SoWs covered (SPEC §5 "Provisioning"): when `reserved` exceeds
//! what the customer has, the most recently approved SoWs lose their reservation and
//! wait for units with a quote; when units become available, waiting SoWs are covered
//! again in approval order. Every use case that moves units runs [`rebalance`] before
//! [`Book::close`].

use serde_json::json;

use super::book::Book;
use super::{ServiceError, quotes};
use crate::domain::allocation::{Provision, plan_activation, plan_coverage_loss, shortfall};
use crate::domain::ids::{CustomerId, SowId};
use crate::domain::quote::QuoteOrigin;
use crate::domain::sow::SowStatus;
use crate::domain::timeline::reservation_change_at;
use crate::domain::units::Units;
use crate::storage::db::Tx;
use crate::storage::sows::{self, SowRow};

/// Units a SoW still needs provisioned: what was planned minus what its sessions
/// already consumed.
pub fn units_needed(sow: &SowRow) -> Units {
    (sow.planned_units - sow.consumed).clamp_non_negative()
}

/// Restores `reserved ≤ max(total, 0)` and then covers waiting SoWs in approval order.
pub async fn rebalance(tx: &mut Tx, book: &mut Book) -> Result<(), ServiceError> {
    if book.reserved() > book.total().clamp_non_negative() {
        lose_coverage(tx, book).await?;
    }
    if book.made_units_available() {
        activate_waiting(tx, book).await?;
    }
    Ok(())
}

async fn lose_coverage(tx: &mut Tx, book: &mut Book) -> Result<(), ServiceError> {
    let customer_id = book.customer_id().clone();
    let active = sows::approved_in_status(tx, &customer_id, SowStatus::Active).await?;
    let provisions: Vec<Provision> = active
        .iter()
        .map(|s| Provision {
            sow_id: s.id.clone(),
            approval_order: s.approval_order.unwrap_or(0),
            units: s.reserved,
        })
        .collect();
    let lost_ids = plan_coverage_loss(&provisions, book.total(), book.reserved());
    let now = book.now();
    let mut lost: Vec<(SowRow, Units)> = Vec::new();
    for id in lost_ids {
        let Some(mut sow) = active.iter().find(|s| s.id == id).cloned() else {
            continue;
        };
        let released = sow.reserved;
        // Lost with the movement that took the units away (an expiry at its instant, a
        // debit at its own), never before the reservation was made.
        let at = reservation_change_at(book.taken_at(), sow.reserved_since);
        book.adjust_reserved(&sow.id, -released, "coverage_lost", at);
        sow.reserved = Units::ZERO;
        sow.status = SowStatus::AwaitingUnits;
        sow.updated_at = now;
        sows::update(tx, &sow).await?;
        lost.push((sow, released));
    }
    // Quote what each one misses, in the order they will be covered again (approval
    // order), so the quotes add up to what is really missing.
    lost.sort_by_key(|(s, _)| s.approval_order);
    let mut left = book.available().clamp_non_negative();
    for (sow, released) in lost {
        let needed = units_needed(&sow);
        let missing = shortfall(needed, left);
        left -= needed.min(left);
        let quote = quotes::raise(
            tx,
            book,
            missing,
            &format!("SoW {} lost its provisioned units", sow.id),
            QuoteOrigin::CoverageLost,
            Some(&sow.id),
        )
        .await?;
        book.emit(
            "sow_coverage_lost",
            &sow.id,
            now,
            json!({"sow_id": sow.id, "released_units": released, "quote_id": quote}),
        );
    }
    Ok(())
}

/// Covers waiting SoWs in approval order with what is available; returns the SoWs
/// activated.
pub async fn activate_waiting(tx: &mut Tx, book: &mut Book) -> Result<Vec<SowId>, ServiceError> {
    let customer_id = book.customer_id().clone();
    let waiting = sows::approved_in_status(tx, &customer_id, SowStatus::AwaitingUnits).await?;
    let activated = activate_queue(tx, book, waiting).await?;
    Ok(activated.into_iter().map(|s| s.id).collect())
}

/// Covers the SoWs of `waiting` (the customer's whole queue, already read, in approval
/// order) with what is available; returns the SoWs activated, as written.
pub async fn activate_queue(
    tx: &mut Tx,
    book: &mut Book,
    waiting: Vec<SowRow>,
) -> Result<Vec<SowRow>, ServiceError> {
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let provisions: Vec<Provision> = waiting
        .iter()
        .map(|s| Provision {
            sow_id: s.id.clone(),
            approval_order: s.approval_order.unwrap_or(0),
            units: units_needed(s),
        })
        .collect();
    let now = book.now();
    let planned = plan_activation(&provisions, book.available());
    let mut activated = Vec::with_capacity(planned.len());
    for id in &planned {
        let Some(mut sow) = waiting.iter().find(|s| &s.id == id).cloned() else {
            continue;
        };
        let needed = units_needed(&sow);
        book.adjust_reserved(&sow.id, needed, "provisioned", now);
        sow.reserved = needed;
        sow.reserved_since = Some(now);
        sow.status = SowStatus::Active;
        sow.updated_at = now;
        sows::update(tx, &sow).await?;
        book.emit(
            "sow_activated",
            &sow.id,
            now,
            json!({"sow_id": sow.id, "title": sow.title, "reserved_units": needed}),
        );
        activated.push(sow);
    }
    Ok(activated)
}

/// Units the SoWs waiting ahead of `sow` (approved earlier) still need.
pub async fn needed_ahead(
    tx: &mut Tx,
    customer_id: &CustomerId,
    sow: &SowRow,
) -> Result<Units, ServiceError> {
    let waiting = sows::approved_in_status(tx, customer_id, SowStatus::AwaitingUnits).await?;
    Ok(waiting
        .iter()
        .filter(|s| s.id != sow.id && s.approval_order < sow.approval_order)
        .map(units_needed)
        .sum())
}
