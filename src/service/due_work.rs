//! Due work of the time-driven rules spread over the customers it concerns.

use crate::domain::ids::CustomerId;
use crate::fan_out::{in_order_per_key, never};
use crate::service::ServiceError;
use crate::storage::db::Db;

/// Applies `apply` to every due item, each customer's in order and up to a quarter of
/// the pool's customers at once (requests keep the rest of the connections while a
/// backlog drains; items of different customers never wait for one another's account
/// lock). Ten thousand sessions reaching their deadline in one minute drain at the pace
/// of several connections instead of one round trip at a time.
pub async fn per_customer<'a, T, Fut>(
    db: &Db,
    items: &'a [T],
    customer: impl Fn(&'a T) -> &'a CustomerId,
    apply: impl Fn(&'a T) -> Fut,
) -> Result<(), ServiceError>
where
    Fut: Future<Output = Result<(), ServiceError>>,
{
    let (_, _, pool) = db.pool_stats();
    let width = (pool as usize / 4).clamp(1, 8);
    in_order_per_key(items, |item| customer(*item), width, &never, apply).await?;
    Ok(())
}
