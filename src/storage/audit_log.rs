//! SQL for the audit log: one row per audited action, written in the transaction of the
//! change it records, read newest-last with a cursor and filters.

use chrono::{DateTime, Utc};

use super::db::{StoreResult, Tx};
use super::sql::Sql;
use crate::stored_row;

stored_row! {
    /// One audited action.
    #[derive(Clone, Debug)]
    pub struct AuditRow {
        /// Position (the cursor).
        pub id: i64,
        /// When.
        pub at: DateTime<Utc>,
        /// Who: kind.
        pub actor_type: String,
        /// Who: identifier.
        pub actor_id: String,
        /// Who: name.
        pub actor_name: String,
        /// Who: e-mail.
        pub actor_email: Option<String>,
        /// What (`pack.sold`, `user.signed_in`, …).
        pub action: String,
        /// On what kind of resource.
        pub resource_type: String,
        /// On which one.
        pub resource_id: Option<String>,
        /// The customer concerned, when there is one.
        pub customer_id: Option<String>,
        /// The request's id (`X-Request-Id`).
        pub request_id: Option<String>,
        /// The client's address.
        pub client_ip: Option<String>,
        /// The client's `User-Agent`.
        pub user_agent: Option<String>,
        /// `succeeded` or `failed`.
        pub outcome: String,
    }
}

/// Appends one row (its id is given by the database).
pub async fn insert(tx: &mut Tx, row: &AuditRow) -> StoreResult<()> {
    tx.defer(
        None,
        Sql::new(
            "INSERT INTO audit_events (at, actor_type, actor_id, actor_name, actor_email, action, \
             resource_type, resource_id, customer_id, request_id, client_ip, user_agent, outcome) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(row.at)
        .bind(row.actor_type.as_str())
        .bind(row.actor_id.as_str())
        .bind(row.actor_name.as_str())
        .bind(row.actor_email.as_deref())
        .bind(row.action.as_str())
        .bind(row.resource_type.as_str())
        .bind(row.resource_id.as_deref())
        .bind(row.customer_id.as_deref())
        .bind(row.request_id.as_deref())
        .bind(row.client_ip.as_deref())
        .bind(row.user_agent.as_deref())
        .bind(row.outcome.as_str()),
    )
    .await
}

/// Filters of an audit read (all optional).
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Only this actor.
    pub actor_id: Option<String>,
    /// Only this kind of resource.
    pub resource_type: Option<String>,
    /// Only this resource.
    pub resource_id: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
    /// After this position.
    pub after: i64,
}

/// A page of rows in position order.
pub async fn list(tx: &mut Tx, f: &AuditFilter, limit: i64) -> StoreResult<Vec<AuditRow>> {
    let mut sql = Sql::new(format!(
        "SELECT {} FROM audit_events WHERE id > $1",
        AuditRow::COLUMNS
    ))
    .bind(f.after);
    let mut n = 1;
    let mut add = |sql: &mut Sql, clause: &str| {
        n += 1;
        sql.push_sql(&clause.replace("$?", &format!("${n}")));
    };
    if let Some(v) = &f.actor_id {
        add(&mut sql, " AND actor_id = $?");
        sql = sql.bind(v.as_str());
    }
    if let Some(v) = &f.resource_type {
        add(&mut sql, " AND resource_type = $?");
        sql = sql.bind(v.as_str());
    }
    if let Some(v) = &f.resource_id {
        add(&mut sql, " AND resource_id = $?");
        sql = sql.bind(v.as_str());
    }
    if let Some(v) = &f.action {
        add(&mut sql, " AND action = $?");
        sql = sql.bind(v.as_str());
    }
    if let Some(v) = f.from {
        add(&mut sql, " AND at >= $?");
        sql = sql.bind(v);
    }
    if let Some(v) = f.to {
        add(&mut sql, " AND at < $?");
        sql = sql.bind(v);
    }
    n += 1;
    sql.push_sql(&format!(" ORDER BY id LIMIT ${n}"));
    tx.fetch_all(sql.bind(limit)).await
}
