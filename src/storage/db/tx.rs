//! A transaction on either backend, with the writes it holds back to send together
//! ([`crate::storage::batch`]).

use sqlx::{Postgres, Sqlite, Transaction};

use super::pg_pool::PgTx;
use super::{Backend, Record, StoreResult};
use crate::storage::batch::{self, Pending, Prelude, Queue};
use crate::storage::sql::Sql;

/// The driver's transaction on either backend.
pub(super) enum TxConn {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(PgTx),
}

/// What to do once a transaction's writes are visible to everyone (tell the other
/// replicas' in-memory copies that they are stale).
type AfterCommit = Box<dyn FnOnce() + Send + Sync>;

/// An open transaction on either backend. Dropping it without `commit` rolls back
/// (and forgets what was to run after the commit).
pub struct Tx {
    conn: TxConn,
    after_commit: Vec<AfterCommit>,
    /// Writes held back to travel together (PostgreSQL; see [`crate::storage::batch`]).
    queue: Queue,
}

impl Tx {
    pub(super) fn new(conn: TxConn) -> Tx {
        Tx {
            conn,
            after_commit: Vec::new(),
            queue: Queue::default(),
        }
    }

    /// Runs a write whose outcome nobody reads (no rows returned, no count checked):
    /// at once on SQLite; on PostgreSQL it waits and travels with the transaction's
    /// next statement or its commit ([`crate::storage::batch`]). `key` names the row it changes
    /// (`table:id`), none for an insert of a new row.
    pub async fn defer(&mut self, key: Option<String>, sql: Sql) -> StoreResult<()> {
        if self.backend() == Backend::Sqlite {
            self.execute(sql).await?;
            return Ok(());
        }
        if self.queue.holds(key.as_deref()) {
            self.send_queue().await?;
        }
        self.queue.push(Pending { key, sql });
        Ok(())
    }

    /// Adds a named `WITH` part that waiting writes refer to (PostgreSQL only: ids taken
    /// from a sequence inside the statement that uses them, see [`crate::storage::feed::number`]).
    /// A prelude of the same name still waiting is sent first, with the writes that
    /// refer to it.
    pub async fn prelude(&mut self, prelude: Prelude) -> StoreResult<()> {
        if self.queue.has_prelude(prelude.name) {
            self.send_queue().await?;
        }
        self.queue.push_prelude(prelude);
        Ok(())
    }

    /// Sends the waiting writes as one statement.
    async fn send_queue(&mut self) -> StoreResult<()> {
        if self.queue.is_empty() {
            return Ok(());
        }
        let (preludes, writes) = self.queue.take();
        let sql = batch::combine(preludes, writes, None);
        if let TxConn::Postgres(tx) = &mut self.conn {
            run_on!(tx.conn(), Postgres, sql, execute)?;
        }
        Ok(())
    }

    /// Runs a query that reads only `tables`: together with the waiting writes when
    /// none of them writes those tables (it then sees what it would have seen after
    /// them), after them otherwise.
    pub async fn fetch_all_reading<T: Record>(
        &mut self,
        tables: &[&str],
        sql: Sql,
    ) -> StoreResult<Vec<T>> {
        if self.queue.touches(tables) {
            self.send_queue().await?;
        }
        let (preludes, writes) = self.queue.take();
        let sql = batch::combine(preludes, writes, Some(sql));
        Ok(match &mut self.conn {
            TxConn::Sqlite(tx) => run_on!(&mut **tx, Sqlite, sql, fetch_all, T)?,
            TxConn::Postgres(tx) => run_on!(tx.conn(), Postgres, sql, fetch_all, T)?,
        })
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        match self.conn {
            TxConn::Sqlite(_) => Backend::Sqlite,
            TxConn::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs `f` right after this transaction commits (not at all if it rolls back),
    /// before the request that made the change is answered.
    pub fn after_commit(&mut self, f: impl FnOnce() + Send + Sync + 'static) {
        self.after_commit.push(Box::new(f));
    }

    /// Runs a statement and returns the number of rows it changed.
    pub async fn execute(&mut self, sql: Sql) -> StoreResult<u64> {
        self.send_queue().await?;
        Ok(match &mut self.conn {
            TxConn::Sqlite(tx) => run_on!(&mut **tx, Sqlite, sql, execute)?,
            TxConn::Postgres(tx) => run_on!(tx.conn(), Postgres, sql, execute)?,
        })
    }

    /// Runs a query and returns every row.
    pub async fn fetch_all<T: Record>(&mut self, sql: Sql) -> StoreResult<Vec<T>> {
        self.send_queue().await?;
        Ok(match &mut self.conn {
            TxConn::Sqlite(tx) => run_on!(&mut **tx, Sqlite, sql, fetch_all, T)?,
            TxConn::Postgres(tx) => run_on!(tx.conn(), Postgres, sql, fetch_all, T)?,
        })
    }

    /// Runs a query that returns at most one row.
    pub async fn fetch_optional<T: Record>(&mut self, sql: Sql) -> StoreResult<Option<T>> {
        self.send_queue().await?;
        Ok(match &mut self.conn {
            TxConn::Sqlite(tx) => run_on!(&mut **tx, Sqlite, sql, fetch_optional, T)?,
            TxConn::Postgres(tx) => run_on!(tx.conn(), Postgres, sql, fetch_optional, T)?,
        })
    }

    /// Runs a query that returns exactly one row.
    pub async fn fetch_one<T: Record>(&mut self, sql: Sql) -> StoreResult<T> {
        self.send_queue().await?;
        Ok(match &mut self.conn {
            TxConn::Sqlite(tx) => run_on!(&mut **tx, Sqlite, sql, fetch_one, T)?,
            TxConn::Postgres(tx) => run_on!(tx.conn(), Postgres, sql, fetch_one, T)?,
        })
    }

    /// Commits.
    pub async fn commit(mut self) -> StoreResult<()> {
        self.send_queue().await?;
        match self.conn {
            TxConn::Sqlite(tx) => tx.commit().await?,
            TxConn::Postgres(tx) => tx.finish("COMMIT").await?,
        }
        for f in self.after_commit {
            f();
        }
        Ok(())
    }

    /// Rolls back explicitly (dropping does the same, later).
    pub async fn rollback(self) -> StoreResult<()> {
        match self.conn {
            TxConn::Sqlite(tx) => tx.rollback().await?,
            TxConn::Postgres(tx) => tx.finish("ROLLBACK").await?,
        }
        Ok(())
    }

    /// ` FOR UPDATE OF alias` on PostgreSQL (locks only that table's rows in a join);
    /// nothing on SQLite, as [`Tx::for_update`].
    pub fn for_update_of(&self, alias: &str) -> String {
        match self.backend() {
            Backend::Sqlite => String::new(),
            Backend::Postgres => format!(" FOR UPDATE OF {alias}"),
        }
    }

    /// `FOR UPDATE` on PostgreSQL (row lock until commit); nothing on SQLite, where the
    /// transaction already holds the database write lock.
    pub fn for_update(&self) -> &'static str {
        match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }
}
