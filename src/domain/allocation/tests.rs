use chrono::{Duration, TimeZone};
use proptest::prelude::*;

use super::*;
use crate::domain::ids::{LotId, SowId};

fn t(days: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
        + Duration::days(days)
}

fn d(days: i64) -> NaiveDate {
    t(days).date_naive()
}

fn lot(id: &str, received: i64, expires: i64, remaining: i64) -> LotState {
    LotState {
        id: id.into(),
        received_on: d(received),
        expires_at: t(expires),
        remaining: Units::whole(remaining),
    }
}

#[test]
fn fifo_across_three_lots_with_different_expiries() {
    let lots = [
        lot("c", 2, 300, 5),
        lot("a", 0, 100, 3),
        lot("b", 1, 200, 4),
    ];
    let plan = plan_debit(&lots, Units::whole(9), t(10));
    assert_eq!(
        plan.draws,
        vec![
            Draw {
                lot_id: &LotId::from("a"),
                units: Units::whole(3)
            },
            Draw {
                lot_id: &LotId::from("b"),
                units: Units::whole(4)
            },
            Draw {
                lot_id: &LotId::from("c"),
                units: Units::whole(2)
            },
        ]
    );
    assert_eq!(plan.deficit, Units::ZERO);
}

#[test]
fn ties_break_on_received_on_then_id() {
    let lots = [
        lot("z", 1, 100, 1),
        lot("y", 0, 100, 1),
        lot("x", 0, 100, 1),
    ];
    let plan = plan_debit(&lots, Units::whole(3), t(0));
    let order: Vec<&str> = plan.draws.iter().map(|d| d.lot_id.as_str()).collect();
    assert_eq!(order, ["x", "y", "z"]);
}

#[test]
fn expired_lots_are_skipped_and_the_rest_is_a_deficit() {
    let lots = [lot("old", 0, 5, 10), lot("new", 1, 400, 2)];
    // At the expiry instant itself the lot is no longer usable.
    let plan = plan_debit(&lots, Units::whole(5), t(5));
    assert_eq!(
        plan.draws,
        vec![Draw {
            lot_id: &LotId::from("new"),
            units: Units::whole(2)
        }]
    );
    assert_eq!(plan.deficit, Units::whole(3));
    // A second before, it is.
    let plan = plan_debit(&lots, Units::whole(5), t(5) - Duration::seconds(1));
    assert_eq!(plan.draws[0].lot_id, "old");
    assert_eq!(plan.deficit, Units::ZERO);
}

fn part(seq: i64, lot: Option<(&str, i64)>, taken: i64, reversed: i64) -> DebitPart {
    DebitPart {
        entry_id: seq,
        lot: lot.map(|(id, exp)| LotRef {
            id: id.into(),
            expires_at: t(exp),
            received_on: d(0),
            expired: false,
        }),
        taken: Units::whole(taken),
        reversed: Units::whole(reversed),
    }
}

#[test]
fn reversal_goes_to_the_deficit_part_then_latest_expiring_lot() {
    let parts = [
        part(1, Some(("a", 100)), 3, 0),
        part(2, Some(("b", 200)), 4, 0),
        part(3, None, 2, 0),
    ];
    let steps = plan_reversal(&parts, Units::whole(5), t(10)).unwrap_or_default();
    assert_eq!(
        steps,
        vec![
            ReversalStep {
                entry_id: 3,
                lot_id: None,
                units: Units::whole(2),
                expire_again: false
            },
            ReversalStep {
                entry_id: 2,
                lot_id: Some("b".into()),
                units: Units::whole(3),
                expire_again: false
            },
        ]
    );
}

#[test]
fn reversal_never_exceeds_what_is_left_and_reexpires() {
    let parts = [part(1, Some(("a", 5)), 3, 1)];
    assert_eq!(
        plan_reversal(&parts, Units::whole(3), t(10)),
        Err(ReversalError::ExceedsDebit {
            available: Units::whole(2)
        })
    );
    let steps = plan_reversal(&parts, Units::whole(2), t(10)).unwrap_or_default();
    assert_eq!(steps.len(), 1);
    assert!(steps[0].expire_again);
}

#[test]
fn units_given_back_to_a_lot_already_expired_expire_again_even_before_its_instant() {
    // The giver's "now" (t(3)) is before the lot's expiry (t(5)), but the expiry was
    // booked first: the units must not come back to life.
    let mut expired = part(1, Some(("a", 5)), 3, 0);
    if let Some(lot) = expired.lot.as_mut() {
        lot.expired = true;
    }
    let steps = plan_reversal(&[expired.clone()], Units::whole(2), t(3)).unwrap_or_default();
    assert!(steps[0].expire_again);
    let live = part(1, Some(("a", 5)), 3, 0);
    let steps = plan_reversal(&[live], Units::whole(2), t(3)).unwrap_or_default();
    assert!(!steps[0].expire_again);
    let lot = expired
        .lot
        .clone()
        .map(|l| (l, Units::whole(1), Units::ZERO));
    let (_, refunds) = plan_deficit_part_reversal(
        Units::ZERO,
        &lot.into_iter().collect::<Vec<_>>(),
        Units::whole(1),
        t(3),
    );
    assert!(refunds[0].2);
}

#[test]
fn deficit_part_reversal_forgives_then_refunds_settling_lots() {
    let l = |id: &str, exp| LotRef {
        id: id.into(),
        expires_at: t(exp),
        received_on: d(0),
        expired: false,
    };
    let (forgive, refunds) = plan_deficit_part_reversal(
        Units::whole(1),
        &[
            (l("p", 100), Units::whole(1), Units::ZERO),
            (l("q", 200), Units::whole(2), Units::ZERO),
        ],
        Units::whole(3),
        t(150),
    );
    assert_eq!(forgive, Units::whole(1));
    assert_eq!(refunds, vec![(LotId::from("q"), Units::whole(2), false)]);
}

#[test]
fn settlement_pays_oldest_deficit_first() {
    let paid = plan_settlement(
        &[(9, Units::whole(2)), (4, Units::whole(3))],
        Units::whole(4),
    );
    assert_eq!(paid, vec![(4, Units::whole(3)), (9, Units::whole(1))]);
    assert!(plan_settlement(&[(1, Units::whole(2))], Units::ZERO).is_empty());
}

fn prov(id: &str, order: i64, units: i64) -> Provision {
    Provision {
        sow_id: id.into(),
        approval_order: order,
        units: Units::whole(units),
    }
}

#[test]
fn coverage_is_lost_by_the_most_recent_approvals_first() {
    let active = [prov("a", 1, 5), prov("b", 2, 5), prov("c", 3, 5)];
    assert_eq!(
        plan_coverage_loss(&active, Units::whole(15), Units::whole(15)),
        Vec::<SowId>::new()
    );
    assert_eq!(
        plan_coverage_loss(&active, Units::whole(12), Units::whole(15)),
        vec!["c"]
    );
    assert_eq!(
        plan_coverage_loss(&active, Units::whole(4), Units::whole(15)),
        vec!["c", "b", "a"]
    );
    assert_eq!(
        plan_coverage_loss(&active, Units::whole(-3), Units::whole(15)),
        vec!["c", "b", "a"]
    );
}

#[test]
fn activation_follows_approval_order_without_jumping_the_queue() {
    let waiting = [
        prov("late-small", 5, 1),
        prov("early-big", 2, 8),
        prov("first", 1, 3),
    ];
    assert_eq!(plan_activation(&waiting, Units::whole(10)), vec!["first"]);
    assert_eq!(
        plan_activation(&waiting, Units::whole(12)),
        vec!["first", "early-big", "late-small"]
    );
}

fn lots_strategy() -> impl Strategy<Value = Vec<LotState>> {
    prop::collection::vec((0i64..30, 0i64..400, 0i64..5_000), 0..40).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (rec, exp, rem))| LotState {
                id: LotId::from(format!("lot{i:03}").as_str()),
                received_on: d(rec),
                expires_at: t(exp),
                remaining: Units::from_hundredths(rem),
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn debit_plans_are_sound(lots in lots_strategy(), amount in 0i64..200_000, at in 0i64..400) {
        let amount = Units::from_hundredths(amount);
        let at = t(at);
        let plan = plan_debit(&lots, amount, at);
        let drawn: Units = plan.draws.iter().map(|d| d.units).sum();
        prop_assert_eq!(drawn + plan.deficit, amount);
        prop_assert!(!plan.deficit.is_negative());
        for draw in &plan.draws {
            let lot = lots.iter().find(|l| &l.id == draw.lot_id).expect("drawn lot exists");
            prop_assert!(lot.is_usable_at(at), "never touches an expired lot");
            prop_assert!(draw.units.is_positive() && draw.units <= lot.remaining, "never leaves a lot negative");
        }
        // A deficit only when every usable lot is exhausted.
        if plan.deficit.is_positive() {
            let usable: Units = lots.iter().filter(|l| l.is_usable_at(at)).map(|l| l.remaining).sum();
            prop_assert_eq!(drawn, usable);
        }
        // Earlier expiry first: every usable lot expiring before the last one drawn is emptied.
        if let Some(last) = plan.draws.last() {
            let last_lot = lots.iter().find(|l| l.id == *last.id_ref()).expect("exists");
            for l in lots.iter().filter(|l| l.is_usable_at(at) && l.remaining.is_positive() && l.expires_at < last_lot.expires_at) {
                let took: Units = plan.draws.iter().filter(|d| *d.lot_id == l.id).map(|d| d.units).sum();
                prop_assert_eq!(took, l.remaining);
            }
        }
    }

    #[test]
    fn reversals_never_exceed_the_debit(taken in prop::collection::vec((1i64..1_000, 0i64..1_000), 1..6), asks in prop::collection::vec(0i64..2_000, 1..6)) {
        let mut parts: Vec<DebitPart> = taken.iter().enumerate().map(|(i, (tk, exp))| DebitPart {
            entry_id: i as i64,
            lot: if i == 0 { None } else { Some(LotRef { id: LotId::from(format!("l{i}").as_str()), expires_at: t(*exp % 400), received_on: d(0), expired: false }) },
            taken: Units::from_hundredths(*tk),
            reversed: Units::ZERO,
        }).collect();
        let total: Units = parts.iter().map(|p| p.taken).sum();
        let mut given = Units::ZERO;
        for ask in asks {
            let ask = Units::from_hundredths(ask);
            let left = total - given;
            match plan_reversal(&parts, ask, t(200)) {
                Ok(steps) => {
                    // Granted exactly when it fits in what is left unreversed.
                    prop_assert!(ask <= left, "granted {} with only {} left", ask, left);
                    let sum: Units = steps.iter().map(|s| s.units).sum();
                    prop_assert_eq!(sum, ask);
                    for s in steps {
                        let p = parts.iter_mut().find(|p| p.entry_id == s.entry_id).expect("part");
                        p.reversed += s.units;
                        prop_assert!(p.reversed <= p.taken);
                    }
                    given += sum;
                }
                Err(ReversalError::ExceedsDebit { available }) => {
                    // Refused only when it does not fit, and the refusal says what is left.
                    prop_assert!(ask > left, "refused {} with {} left", ask, left);
                    prop_assert_eq!(available, left);
                }
            }
            prop_assert!(given <= total);
        }
    }
}

impl Draw<'_> {
    fn id_ref(&self) -> &LotId {
        self.lot_id
    }
}
