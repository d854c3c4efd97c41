//! A SoW's sessions: the whole rows for its page, and only what its capacity counts
//! for a booking.

use super::{COLUMNS, SessionRow};
use crate::domain::ids::{SessionId, SowId};
use crate::domain::session::SessionStatus;
use crate::domain::units::Units;
use crate::storage::db::{StoreResult, Tx};
use crate::storage::sql::Sql;
use crate::stored_row;

stored_row! {
    /// What a SoW's capacity counts of one of its sessions.
    #[derive(Clone, Copy, Debug)]
    pub struct SessionLoad {
        /// Where it stands.
        pub status: SessionStatus,
        /// Its estimate.
        pub estimated_units: Units,
    }
}

/// Every session of a SoW, in id order.
pub async fn of_sow(tx: &mut Tx, sow_id: &SowId) -> StoreResult<Vec<SessionRow>> {
    tx.fetch_all(
        Sql::new(format!(
            "SELECT {COLUMNS} FROM sessions WHERE sow_id = $1 ORDER BY id"
        ))
        .bind(sow_id),
    )
    .await
}

/// The status and estimate of every session of a SoW but `except`: what booking one
/// more needs to know (SPEC §5), without reading up to a thousand whole rows.
pub async fn loads_of_sow(
    tx: &mut Tx,
    sow_id: &SowId,
    except: Option<&SessionId>,
) -> StoreResult<Vec<SessionLoad>> {
    tx.fetch_all(
        Sql::new(
            "SELECT status, estimated_units FROM sessions \
             WHERE sow_id = $1 AND ($2 IS NULL OR id <> $2)",
        )
        .bind(sow_id)
        .bind(except),
    )
    .await
}
