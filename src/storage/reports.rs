//! SQL for baseline assessment reports: the draft of each SoW and its issued versions.

use chrono::{DateTime, Utc};

use super::db::{StoreResult, Tx};
use super::sql::{Sql, insert_statement};
use crate::domain::identity::Actor;
use crate::domain::ids::SowId;
use crate::stored_row;

stored_row! {
    /// A report's working copy.
    #[derive(Clone, Debug)]
    pub struct DraftRow {
        /// The SoW it reports on.
        pub sow_id: SowId,
        /// The overall summary.
        pub summary: String,
        /// The findings, as JSON.
        pub findings: String,
        /// Last save.
        pub updated_at: DateTime<Utc>,
        /// Who saved it last.
        pub updated_by: Actor,
        /// The version it was last issued as; `None` once changed again.
        pub issued_as: Option<i64>,
    }
}

stored_row! {
    /// An issued version, never changed.
    #[derive(Clone, Debug)]
    pub struct VersionRow {
        /// The SoW it reports on.
        pub sow_id: SowId,
        /// 1, 2, …
        pub version: i64,
        /// The overall summary.
        pub summary: String,
        /// The findings, as JSON.
        pub findings: String,
        /// When it was issued.
        pub issued_at: DateTime<Utc>,
        /// Who issued it.
        pub issued_by: Actor,
    }
}

/// The draft of a SoW's report.
pub async fn draft(tx: &mut Tx, sow_id: &SowId) -> StoreResult<Option<DraftRow>> {
    tx.fetch_optional(
        Sql::new(format!(
            "SELECT {} FROM report_drafts WHERE sow_id = $1",
            DraftRow::COLUMNS
        ))
        .bind(sow_id),
    )
    .await
}

/// Writes the draft (insert or replace).
pub async fn save_draft(tx: &mut Tx, d: &DraftRow) -> StoreResult<()> {
    tx.execute(Sql::new("DELETE FROM report_drafts WHERE sow_id = $1").bind(&d.sow_id))
        .await?;
    let sql = Sql::new(insert_statement("report_drafts", DraftRow::COLUMNS));
    tx.execute(d.bind_all(sql)).await?;
    Ok(())
}

/// Stores an issued version.
pub async fn insert_version(tx: &mut Tx, v: &VersionRow) -> StoreResult<()> {
    let sql = Sql::new(insert_statement("report_versions", VersionRow::COLUMNS));
    tx.execute(v.bind_all(sql)).await?;
    Ok(())
}

/// One issued version, or the latest when `version` is `None`.
pub async fn version(
    tx: &mut Tx,
    sow_id: &SowId,
    version: Option<i64>,
) -> StoreResult<Option<VersionRow>> {
    tx.fetch_optional(
        Sql::new(format!(
            "SELECT {} FROM report_versions WHERE sow_id = $1 AND ($2 IS NULL OR version = $2) \
             ORDER BY version DESC LIMIT 1",
            VersionRow::COLUMNS
        ))
        .bind(sow_id)
        .bind(version),
    )
    .await
}

/// The latest issued version number.
pub async fn latest_version(tx: &mut Tx, sow_id: &SowId) -> StoreResult<Option<i64>> {
    let (n,): (i64,) = tx
        .fetch_one(
            Sql::new(
                "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM report_versions \
                 WHERE sow_id = $1",
            )
            .bind(sow_id),
        )
        .await?;
    Ok((n > 0).then_some(n))
}
