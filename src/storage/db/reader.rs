//! Where a read that one statement answers runs: inside a transaction, or on the pool
//! on its own (one round trip, no `BEGIN`/`COMMIT` around it: a statement sees one
//! snapshot on both engines). Storage functions that are one statement take any
//! [`Reader`], so a use case that is only that statement can skip the transaction.

use std::future::Future;

use super::{Db, Record, StoreResult, Tx};
use crate::storage::sql::Sql;

/// Runs one read statement.
pub trait Reader: Send {
    /// The rows `sql` returns (in a transaction, after the writes it holds back).
    fn fetch_all<T: Record>(
        &mut self,
        sql: Sql,
    ) -> impl Future<Output = StoreResult<Vec<T>>> + Send;

    /// The first row `sql` returns, if any.
    fn fetch_optional<T: Record>(
        &mut self,
        sql: Sql,
    ) -> impl Future<Output = StoreResult<Option<T>>> + Send;
}

impl Reader for Tx {
    fn fetch_all<T: Record>(
        &mut self,
        sql: Sql,
    ) -> impl Future<Output = StoreResult<Vec<T>>> + Send {
        Tx::fetch_all(self, sql)
    }

    fn fetch_optional<T: Record>(
        &mut self,
        sql: Sql,
    ) -> impl Future<Output = StoreResult<Option<T>>> + Send {
        Tx::fetch_optional(self, sql)
    }
}

impl Reader for &Db {
    fn fetch_all<T: Record>(
        &mut self,
        sql: Sql,
    ) -> impl Future<Output = StoreResult<Vec<T>>> + Send {
        Db::fetch_all(self, sql)
    }

    fn fetch_optional<T: Record>(
        &mut self,
        sql: Sql,
    ) -> impl Future<Output = StoreResult<Option<T>>> + Send {
        Db::fetch_optional(self, sql)
    }
}
