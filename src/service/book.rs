//! The customer's book for the length of one use case.
//!
//! Opening it locks the customer's account row (PostgreSQL; SQLite already holds the
//! write lock), so every movement of a customer's units is serialized. Entries and
//! events are collected in memory with their running balance and written at
//! [`Book::close`] in one statement each, after the use case has run the coverage
//! rules. Nothing global is locked: entries and events get ids from sequences, and
//! their feed positions after commit (`storage::feed`, `docs/feed.md`).

use chrono::{DateTime, NaiveDate, Utc};

use super::timeline::{self, Recorded};
use super::{Ctx, ServiceError};
use crate::domain::calendar::BusinessCalendar;
use crate::domain::identity::Actor;
use crate::domain::ids::{CustomerId, LotId, QuoteId, SessionId, SowId};
use crate::domain::ledger::EntryKind;
use crate::domain::notification::balance_fell_below;
use crate::domain::units::Units;
use crate::notify::outbox;
use crate::storage::accounts::{self, AccountRow, LockedRow};
use crate::storage::customers::MailProfile;
use crate::storage::db::Tx;
use crate::storage::deficits;
use crate::storage::events::{self, NewEvent};
use crate::storage::feed;
use crate::storage::ledger::{self, NewEntry};
use crate::storage::lots::LotRow;

/// References carried by an entry.
#[derive(Clone, Debug, Default)]
pub struct Refs {
    /// Lot moved.
    pub lot_id: Option<LotId>,
    /// Session charged or refunded.
    pub session_id: Option<SessionId>,
    /// SoW concerned.
    pub sow_id: Option<SowId>,
    /// Quote concerned.
    pub quote_id: Option<QuoteId>,
    /// Entry reversed.
    pub reverses_id: Option<i64>,
    /// Deficit entry settled.
    pub settles_id: Option<i64>,
    /// Free text.
    pub note: Option<String>,
}

/// A pending change of reserved units, logged for `as_of` balances with the effective
/// instant of the movement that caused it.
#[derive(Clone, Debug)]
struct ReservationChange {
    sow_id: SowId,
    delta: Units,
    reason: &'static str,
    at: DateTime<Utc>,
}

/// One customer's maintained figures plus what this use case adds to the ledger.
#[derive(Debug)]
pub struct Book {
    account: AccountRow,
    as_read: AccountRow,
    /// The customer's name, contacts and zone, read with the lock, for the mails the
    /// events cause.
    profile: MailProfile,
    /// The holidays of the customer's calendar, read with the lock.
    holidays: Vec<NaiveDate>,
    /// Live lots read after the lock for the coming debit (see [`Book::keep_live_lots`]).
    live_lots: Option<Vec<LotRow>>,
    entries: Vec<NewEntry>,
    events: Vec<NewEvent>,
    reservations: Vec<ReservationChange>,
    actor: Actor,
    now: DateTime<Utc>,
    credited: bool,
    /// Effective instant of the latest movement that took units away (what a loss of
    /// coverage it causes is dated with).
    taken_at: Option<DateTime<Utc>>,
}

impl Book {
    /// Locks and loads the customer's account; 404 when the customer does not exist.
    pub async fn open(
        tx: &mut Tx,
        ctx: &Ctx,
        customer_id: &CustomerId,
    ) -> Result<Book, ServiceError> {
        let row = accounts::lock(tx, customer_id)
            .await?
            .ok_or(ServiceError::NotFound("customer"))?;
        Book::from_locked(row, ctx)
    }

    /// Locks the account of the customer owning a session or SoW (404 `what` when the
    /// subject does not exist or the caller may not see its customer).
    pub async fn open_for(
        tx: &mut Tx,
        ctx: &Ctx,
        owner: accounts::Owner,
        id: &str,
        what: &'static str,
    ) -> Result<Book, ServiceError> {
        let row = accounts::lock_owner(tx, owner, id)
            .await?
            .ok_or(ServiceError::NotFound(what))?;
        ctx.require_customer(&row.customer_id, what)?;
        Book::from_locked(row, ctx)
    }

    fn from_locked(row: LockedRow, ctx: &Ctx) -> Result<Book, ServiceError> {
        let holidays = row.holiday_dates()?;
        let (account, profile) = row.split();
        Ok(Book {
            as_read: account.clone(),
            account,
            profile,
            holidays,
            live_lots: None,
            entries: Vec::new(),
            events: Vec::new(),
            reservations: Vec::new(),
            actor: ctx.principal.actor.clone(),
            now: ctx.now,
            credited: false,
            taken_at: None,
        })
    }

    /// The customer's business calendar, as read with the lock.
    pub fn calendar(&self) -> Result<BusinessCalendar, ServiceError> {
        super::calendars::build(&self.profile.timezone, self.holidays.iter().copied())
    }

    /// Hands over the customer's live lots read after the lock by the use case's own
    /// statement ([`crate::storage::sessions::context`]), for the one debit that
    /// follows; a second debit reads them again.
    pub fn keep_live_lots(&mut self, lots: Vec<LotRow>) {
        self.live_lots = Some(lots);
    }

    /// The live lots handed over by [`Book::keep_live_lots`], once.
    pub fn take_live_lots(&mut self) -> Option<Vec<LotRow>> {
        self.live_lots.take()
    }

    /// The customer.
    pub fn customer_id(&self) -> &CustomerId {
        &self.account.customer_id
    }

    /// "Now" of this use case.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Posted balance, including what this book already posted.
    pub fn total(&self) -> Units {
        self.account.total
    }

    /// Units provisioned for SoWs.
    pub fn reserved(&self) -> Units {
        self.account.reserved
    }

    /// `total − reserved`.
    pub fn available(&self) -> Units {
        self.total() - self.reserved()
    }

    /// Outstanding deficit.
    pub fn deficit(&self) -> Units {
        self.account.deficit
    }

    /// Appends an entry of `units` (signed) and returns its index in this book.
    pub fn post(
        &mut self,
        kind: EntryKind,
        units: Units,
        effective_at: DateTime<Utc>,
        refs: Refs,
    ) -> usize {
        self.account.total += units;
        if units.is_positive() {
            self.credited = true;
        } else if units.is_negative() {
            self.taken_at = Some(effective_at);
        }
        self.entries.push(NewEntry {
            kind,
            lot_id: refs.lot_id,
            units,
            balance_after: self.account.total,
            effective_at,
            session_id: refs.session_id,
            sow_id: refs.sow_id,
            quote_id: refs.quote_id,
            reverses_id: refs.reverses_id,
            settles_id: refs.settles_id,
            note: refs.note,
        });
        self.entries.len() - 1
    }

    /// Changes the outstanding deficit figure (positive: more is owed).
    pub fn adjust_deficit(&mut self, delta: Units) {
        self.account.deficit += delta;
    }

    /// Changes the reserved figure for one SoW (positive: reserve, negative: release),
    /// effective at `at`: the effective instant of the movement that causes it.
    pub fn adjust_reserved(
        &mut self,
        sow_id: &SowId,
        delta: Units,
        reason: &'static str,
        at: DateTime<Utc>,
    ) {
        if delta.is_zero() {
            return;
        }
        self.account.reserved += delta;
        if delta.is_negative() {
            self.credited = true;
        }
        self.reservations.push(ReservationChange {
            sow_id: sow_id.clone(),
            delta,
            reason,
            at,
        });
    }

    /// When the units this use case took away left (the effective instant of its
    /// latest debit, expiry or deficit); "now" when it took none.
    pub fn taken_at(&self) -> DateTime<Utc> {
        self.taken_at.unwrap_or(self.now)
    }

    /// True when this book made more units available than there were when it was
    /// opened (a credit or a release that nothing in the same use case took back), so
    /// waiting SoWs may now be covered. Every change to the queue of waiting SoWs and
    /// every rise of the available units already ran the activation, so when the
    /// available units did not rise (a delivery drawing from its own SoW's reservation
    /// releases and debits the same units) nothing new can be covered, and the queue
    /// is not read at all.
    pub fn made_units_available(&self) -> bool {
        self.credited && self.available() > self.as_read.total - self.as_read.reserved
    }

    /// Records a domain event for the feed.
    pub fn emit(
        &mut self,
        kind: &'static str,
        subject_id: impl AsRef<str>,
        occurred_at: DateTime<Utc>,
        data: serde_json::Value,
    ) {
        self.events.push(NewEvent {
            kind,
            customer_id: Some(self.account.customer_id.clone()),
            subject_id: Some(subject_id.as_ref().to_string()),
            occurred_at,
            data: data.to_string(),
        });
    }

    /// Records a `balance_low` event when this use case took the available units below
    /// the customer's threshold.
    fn tell_if_balance_low(&mut self) {
        let threshold = self.account.low_balance_threshold;
        let before = self.as_read.total - self.as_read.reserved;
        let after = self.available();
        if balance_fell_below(threshold, before, after) {
            let customer = self.account.customer_id.clone();
            self.emit(
                "balance_low",
                &customer,
                self.now,
                serde_json::json!({"available": after, "threshold": threshold}),
            );
        }
    }

    /// Writes entries, deficits, events, the reservation log and the maintained
    /// figures. Use cases that move units run [`super::coverage::rebalance`] first.
    pub async fn close(mut self, tx: &mut Tx) -> Result<(), ServiceError> {
        let recorded_at = self.now;
        self.tell_if_balance_low();
        for r in &self.reservations {
            deficits::log_reservation(
                tx,
                &self.account.customer_id,
                &r.sow_id,
                r.delta,
                r.reason,
                r.at,
                recorded_at,
            )
            .await?;
        }
        let moves: Vec<Recorded<'_>> = self
            .entries
            .iter()
            .map(|e| Recorded::Entry {
                kind: e.kind,
                units: e.units,
                lot: e.lot_id.as_ref(),
                at: e.effective_at,
            })
            .chain(self.reservations.iter().map(|r| Recorded::Reservation {
                delta: r.delta,
                at: r.at,
            }))
            .collect();
        timeline::keep(tx, &mut self.account, &moves, recorded_at).await?;
        if self.account != self.as_read {
            accounts::save(tx, &self.account).await?;
        }
        if self.entries.is_empty() && self.events.is_empty() {
            return Ok(());
        }
        let numbers = feed::number(tx, self.entries.len(), self.events.len()).await?;
        if !self.entries.is_empty() {
            let ids = ledger::insert_entries(
                tx,
                &numbers,
                &self.account.customer_id,
                &self.actor,
                recorded_at,
                &self.entries,
            )
            .await?;
            for (e, id) in self.entries.iter().zip(&ids) {
                if e.kind == EntryKind::Deficit {
                    deficits::insert_deficit(tx, id, &self.account.customer_id, -e.units).await?;
                }
            }
        }
        let event_ids = events::insert(tx, &numbers, recorded_at, &self.events).await?;
        outbox::enqueue(
            tx,
            &self.account.customer_id,
            &self.profile,
            &event_ids,
            &self.events,
            recorded_at,
        )
        .await?;
        Ok(())
    }
}
