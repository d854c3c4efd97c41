//! The finance export of the ledger (CSV or NDJSON on the wire): every matching entry
//! in seq order, read in pages from short read transactions so memory stays constant
//! and no transaction stays open while a slow reader drains the response.

use futures::Stream;

use super::finance::{entry_view, ledger_filter};
use super::{Ctx, ServiceError};
use crate::domain::access::Action;
use crate::dto::ledger::{Entry, LedgerQuery};
use crate::storage::db::Db;
use crate::storage::ledger::{self, EntryFilter};

/// Rows fetched per round trip.
const PAGE: i64 = 1000;

struct Cursor {
    db: Db,
    filter: EntryFilter,
    left: Option<i64>,
    done: bool,
}

/// Checks that the caller may export, applies its customer scope, and returns the
/// entries page by page; `limit` in the query caps the whole export.
pub fn ledger_pages(
    db: Db,
    ctx: &Ctx,
    query: &LedgerQuery,
) -> Result<impl Stream<Item = Result<Vec<Entry>, ServiceError>> + use<>, ServiceError> {
    ctx.require(Action::ExportFinance)?;
    let filter = ledger_filter(ctx, query)?;
    let start = Cursor {
        db,
        filter,
        left: query.limit.map(i64::from).filter(|n| *n > 0),
        done: false,
    };
    Ok(futures::stream::unfold(start, |mut st| async move {
        if st.done {
            return None;
        }
        let page = st.left.map_or(PAGE, |l| l.min(PAGE));
        let rows = match fetch(&st.db, &st.filter, page).await {
            Ok(rows) => rows,
            Err(e) => {
                st.done = true;
                return Some((Err(e), st));
            }
        };
        st.done = (rows.len() as i64) < page;
        if let Some(left) = st.left.as_mut() {
            *left -= rows.len() as i64;
            st.done |= *left <= 0;
        }
        if let Some(seq) = rows.last().and_then(|r| r.seq) {
            st.filter.after = seq;
        }
        Some((Ok(rows.into_iter().map(entry_view).collect()), st))
    }))
}

async fn fetch(
    db: &Db,
    filter: &EntryFilter,
    limit: i64,
) -> Result<Vec<ledger::EntryRow>, ServiceError> {
    crate::storage::feed::catch_up(db).await?;
    Ok(ledger::list(&mut { db }, filter, limit).await?)
}
