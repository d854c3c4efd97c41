//! Work spread over several connections without breaking an order that matters: the
//! background rules and senders take due items in batches, and the items of one key (a
//! customer, a webhook chain) must happen one after another, while items of different
//! keys need not wait for one another. Handling one key at a time would leave a backlog
//! draining at one round trip (or one SMTP exchange) at a time; handling every item at
//! once would reorder a customer's mails and contend for its account lock.

use std::collections::HashMap;
use std::hash::Hash;

use futures::{StreamExt, TryStreamExt};

/// What a key's run does after one of its items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum After {
    /// Goes on with the key's next item.
    Next,
    /// Starts no further item of this key in this run (they are returned with the
    /// items not started): the item did not go through, and the ones after it must
    /// not overtake it.
    StopKey,
}

/// Applies `apply` to every item: the items of one key in the order given, up to
/// `width` keys at once. Once `stop` answers true no further item is started; the items
/// not started are returned (a sender hands their claims back). The first failure ends
/// the run with that error; items not reached stay due for the next run.
pub async fn in_order_per_key<T, K, E, Fut>(
    items: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> K,
    width: usize,
    stop: &(dyn Fn() -> bool + Sync),
    apply: impl Fn(T) -> Fut,
) -> Result<Vec<T>, E>
where
    K: Eq + Hash,
    Fut: Future<Output = Result<(), E>>,
{
    let apply = &apply;
    in_order_per_key_while(items, key, width, stop, |item| async move {
        apply(item).await.map(|()| After::Next)
    })
    .await
}

/// As [`in_order_per_key`], where `apply` may also end its key's run
/// ([`After::StopKey`]): the key's later items are then returned as not started.
pub async fn in_order_per_key_while<T, K, E, Fut>(
    items: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> K,
    width: usize,
    stop: &(dyn Fn() -> bool + Sync),
    apply: impl Fn(T) -> Fut,
) -> Result<Vec<T>, E>
where
    K: Eq + Hash,
    Fut: Future<Output = Result<After, E>>,
{
    let apply = &apply;
    let left: Vec<Vec<T>> = futures::stream::iter(groups(items, key))
        .map(|group| async move {
            let mut group = group.into_iter();
            while let Some(item) = group.next() {
                if stop() {
                    return Ok(std::iter::once(item).chain(group).collect());
                }
                if apply(item).await? == After::StopKey {
                    return Ok(group.collect());
                }
            }
            Ok(Vec::new())
        })
        .buffer_unordered(width.max(1))
        .try_collect()
        .await?;
    Ok(left.into_iter().flatten().collect())
}

/// Never stops early (rules run to the end of their batch).
pub fn never() -> bool {
    false
}

/// The items grouped by key, groups in order of first appearance, items in order.
fn groups<T, K: Eq + Hash>(
    items: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> K,
) -> Vec<Vec<T>> {
    let mut groups: Vec<Vec<T>> = Vec::new();
    let mut index: HashMap<K, usize> = HashMap::new();
    for item in items {
        let at = *index.entry(key(&item)).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[at].push(item);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn groups_keep_first_appearance_and_item_order() {
        let g = groups(
            vec![(1, 'a'), (2, 'b'), (1, 'c'), (3, 'd'), (2, 'e')],
            |x| x.0,
        );
        assert_eq!(
            g,
            vec![
                vec![(1, 'a'), (1, 'c')],
                vec![(2, 'b'), (2, 'e')],
                vec![(3, 'd')]
            ]
        );
    }

    #[tokio::test]
    async fn keys_run_side_by_side_and_each_key_in_order() {
        let seen = Mutex::new(Vec::new());
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let items: Vec<(u8, u8)> = (0..4).flat_map(|k| (0..3).map(move |i| (k, i))).collect();
        let left = in_order_per_key(
            items,
            |x| x.0,
            3,
            &never,
            |x| {
                let (seen, running, most) = (&seen, &running, &most);
                async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    seen.lock().expect("not poisoned").push(x);
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok::<(), ()>(())
                }
            },
        )
        .await
        .expect("no failure");
        assert!(left.is_empty());
        assert_eq!(
            most.load(Ordering::SeqCst),
            3,
            "three keys at once, never more"
        );
        let seen = seen.into_inner().expect("not poisoned");
        assert_eq!(seen.len(), 12);
        for k in 0..4 {
            let order: Vec<u8> = seen.iter().filter(|x| x.0 == k).map(|x| x.1).collect();
            assert_eq!(order, vec![0, 1, 2], "key {k} in order");
        }
    }

    #[tokio::test]
    async fn a_stop_returns_the_items_not_started() {
        let done = AtomicUsize::new(0);
        let stop = || done.load(Ordering::SeqCst) >= 2;
        let left = in_order_per_key(
            vec![1, 2, 3, 4, 5],
            |_| 0,
            4,
            &stop,
            |_| {
                let done = &done;
                async move {
                    done.fetch_add(1, Ordering::SeqCst);
                    Ok::<(), ()>(())
                }
            },
        )
        .await
        .expect("no failure");
        assert_eq!(left, vec![3, 4, 5]);
    }

    #[tokio::test]
    async fn the_first_failure_ends_the_run() {
        let tried = AtomicUsize::new(0);
        let outcome = in_order_per_key(
            vec![1, 2, 3],
            |_| 0,
            1,
            &never,
            |x| {
                let tried = &tried;
                async move {
                    tried.fetch_add(1, Ordering::SeqCst);
                    if x == 2 { Err("refused") } else { Ok(()) }
                }
            },
        )
        .await;
        assert_eq!(outcome, Err("refused"));
        assert_eq!(tried.load(Ordering::SeqCst), 2, "nothing after the failure");
    }

    #[tokio::test]
    async fn a_stopped_key_returns_its_later_items_and_others_go_on() {
        let seen = Mutex::new(Vec::new());
        let left = in_order_per_key_while(
            vec![(1, 'a'), (2, 'b'), (1, 'c'), (2, 'd'), (1, 'e')],
            |x| x.0,
            2,
            &never,
            |x| {
                let seen = &seen;
                async move {
                    seen.lock().expect("not poisoned").push(x.1);
                    Ok::<After, ()>(if x.1 == 'c' {
                        After::StopKey
                    } else {
                        After::Next
                    })
                }
            },
        )
        .await
        .expect("no failure");
        assert_eq!(left, vec![(1, 'e')]);
        let mut seen = seen.into_inner().expect("not poisoned");
        seen.sort_unstable();
        assert_eq!(seen, vec!['a', 'b', 'c', 'd']);
    }
}
