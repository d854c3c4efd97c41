//! SQL for numbering ledger entries and events, and for giving them their feed
//! positions (`seq`).
//!
//! Every entry and event has an internal `id`, which other rows refer to, and a public
//! `seq`, which orders the feeds and is gap-free. On SQLite (one writer at a time) a
//! writer takes both from `feed_counters` and they are equal. On PostgreSQL a writer
//! takes ids from a sequence, without any lock, and leaves `seq` empty; [`stamp`] later
//! gives committed rows the next positions, in a short transaction serialized by the
//! counter row. The design and why a reader never skips an entry: `docs/feed.md`.

use super::batch::Prelude;
use super::db::{Backend, Db, StoreResult, Tx};
use super::sql::Sql;

/// The id of a row being appended: a number already taken (SQLite), or the `n`-th id a
/// prelude of the statement that inserts it takes from a sequence (PostgreSQL): the
/// rows referring to it (deficits, mails) travel in the same statement
/// ([`super::batch`]), so no round trip is spent learning it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewId {
    /// Taken in advance.
    Taken(i64),
    /// Taken by the prelude `prelude` of the statement, `n` counting from 1.
    InStatement {
        /// The prelude's name.
        prelude: &'static str,
        /// Which of its ids.
        n: usize,
    },
}

impl NewId {
    /// SQL for the id in `sql`: a placeholder bound to the number, or the lookup in the
    /// prelude.
    pub fn expr(&self, sql: &mut Sql) -> String {
        match self {
            NewId::Taken(id) => format!("${}", sql.push_bind(*id)),
            NewId::InStatement { prelude, n } => {
                format!("(SELECT id FROM {prelude} WHERE n = {n})")
            }
        }
    }

    /// The number, when already known.
    pub fn taken(&self) -> Option<i64> {
        match self {
            NewId::Taken(id) => Some(*id),
            NewId::InStatement { .. } => None,
        }
    }
}

/// The ids of the rows one transaction appends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Numbers {
    /// One id per ledger entry, in the order they were made.
    pub entry_ids: Vec<NewId>,
    /// One id per event, in the order they were made.
    pub event_ids: Vec<NewId>,
    /// True when the ids are also the feed positions (SQLite).
    pub positioned: bool,
}

const NEW_ENTRY_IDS: &str = "new_entry_ids";
const NEW_EVENT_IDS: &str = "new_event_ids";

/// Takes `entries` ledger ids and `events` event ids for the calling transaction. On
/// SQLite from the feed counters, whose write lock the transaction holds, so they are
/// also the next positions in commit order. On PostgreSQL without a statement of its
/// own: preludes of the statement that will carry the inserts take them from the
/// sequences (no lock; ids rise with the row order, as the prelude's rows are read in
/// order), and the rows get their positions after commit.
pub async fn number(tx: &mut Tx, entries: usize, events: usize) -> StoreResult<Numbers> {
    if entries == 0 && events == 0 {
        return Ok(Numbers::default());
    }
    if tx.backend() == Backend::Postgres {
        let mut numbers = Numbers::default();
        for (count, name, sequence, ids) in [
            (
                entries,
                NEW_ENTRY_IDS,
                "ledger_entry_ids",
                &mut numbers.entry_ids,
            ),
            (events, NEW_EVENT_IDS, "event_ids", &mut numbers.event_ids),
        ] {
            if count == 0 {
                continue;
            }
            tx.prelude(Prelude {
                name,
                select: format!(
                    "SELECT n, nextval('{sequence}') AS id FROM generate_series(1, {count}) n"
                ),
            })
            .await?;
            ids.extend((1..=count).map(|n| NewId::InStatement { prelude: name, n }));
        }
        return Ok(numbers);
    }
    let (ledger_last, events_last): (i64, i64) = tx
        .fetch_one(
            Sql::new(
                "UPDATE feed_counters SET ledger_last = ledger_last + $1, \
                 events_last = events_last + $2 WHERE id = 1 \
                 RETURNING ledger_last, events_last",
            )
            .bind(entries as i64)
            .bind(events as i64),
        )
        .await?;
    Ok(Numbers {
        entry_ids: (ledger_last - entries as i64 + 1..=ledger_last)
            .map(NewId::Taken)
            .collect(),
        event_ids: (events_last - events as i64 + 1..=events_last)
            .map(NewId::Taken)
            .collect(),
        positioned: true,
    })
}

/// SQL for the `id, seq` values of a new row: the id twice when it is also the
/// position (SQLite), else the id and no position.
pub fn id_and_seq(sql: &mut Sql, numbers: &Numbers, id: Option<&NewId>) -> String {
    let Some(id) = id else {
        // Fewer ids than rows is a bug: let the NOT NULL constraint refuse it.
        return "NULL, NULL".to_string();
    };
    let id_sql = id.expr(sql);
    if numbers.positioned {
        let seq_sql = id.expr(sql);
        format!("{id_sql}, {seq_sql}")
    } else {
        format!("{id_sql}, NULL")
    }
}

/// Whether committed entries or events are still waiting for a position (PostgreSQL;
/// always false on SQLite). Rows a running [`stamp`] has not committed yet count as
/// waiting, so a caller that sees `false` knows every row committed before the call
/// has its position.
pub async fn waiting(db: &Db) -> StoreResult<bool> {
    if db.backend() == Backend::Sqlite {
        return Ok(false);
    }
    // One statement on its own: one snapshot, one round trip (no transaction around it).
    let waiting: Option<(bool,)> = db
        .fetch_optional(Sql::new(
            "SELECT EXISTS (SELECT 1 FROM ledger_entries WHERE seq IS NULL) \
             OR EXISTS (SELECT 1 FROM events WHERE seq IS NULL)",
        ))
        .await?;
    Ok(waiting.is_some_and(|(w,)| w))
}

/// What one [`stamp`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stamped {
    /// Entries that got a position.
    pub entries: i64,
    /// Events that got a position.
    pub events: i64,
}

/// Gives every committed entry and event without a position the next consecutive
/// positions, in id order (PostgreSQL; nothing to do on SQLite). Run in a write
/// transaction of its own and commit at once: the counter row stays locked until then,
/// which is what serializes the sequencers of all replicas, and what makes positions
/// become visible in order.
pub async fn stamp(tx: &mut Tx) -> StoreResult<Stamped> {
    if tx.backend() == Backend::Sqlite {
        return Ok(Stamped::default());
    }
    // Lock first, in its own statement: the next statement's snapshot then sees every
    // stamp committed before this one, and every row committed before the lock.
    tx.execute(Sql::new(
        "SELECT ledger_last FROM feed_counters WHERE id = 1 FOR UPDATE",
    ))
    .await?;
    let stamped: Option<(i64, i64)> = tx
        .fetch_optional(Sql::new(
            "WITH c AS (SELECT ledger_last, events_last FROM feed_counters WHERE id = 1), \
             l AS (UPDATE ledger_entries e SET seq = n.seq FROM \
               (SELECT id, (SELECT ledger_last FROM c) + row_number() OVER (ORDER BY id) AS seq \
                FROM ledger_entries WHERE seq IS NULL) n \
               WHERE e.id = n.id RETURNING 1), \
             v AS (UPDATE events e SET seq = n.seq FROM \
               (SELECT id, (SELECT events_last FROM c) + row_number() OVER (ORDER BY id) AS seq \
                FROM events WHERE seq IS NULL) n \
               WHERE e.id = n.id RETURNING 1), \
             counts AS (SELECT (SELECT COUNT(*) FROM l) AS entries, (SELECT COUNT(*) FROM v) AS events) \
             UPDATE feed_counters SET ledger_last = ledger_last + counts.entries, \
               events_last = events_last + counts.events FROM counts \
             WHERE id = 1 AND counts.entries + counts.events > 0 \
             RETURNING CAST(counts.entries AS BIGINT), CAST(counts.events AS BIGINT)",
        ))
        .await?;
    let (entries, events) = stamped.unwrap_or_default();
    Ok(Stamped { entries, events })
}

/// Makes sure every entry and event committed before the call has its position, so a
/// reader sees its own writes in the feeds (PostgreSQL; nothing to do on SQLite). A
/// cheap look comes first; only when rows are waiting does it run [`stamp`] in a
/// transaction of its own. Like [`Db::ping`], it owns its transactions: it is how
/// feed readers start, not a step of a use case.
pub async fn catch_up(db: &Db) -> StoreResult<Stamped> {
    if db.backend() == Backend::Sqlite {
        return Ok(Stamped::default());
    }
    if !waiting(db).await? {
        return Ok(Stamped::default());
    }
    let mut tx = db.begin_write().await?;
    let stamped = stamp(&mut tx).await?;
    tx.commit().await?;
    Ok(stamped)
}
