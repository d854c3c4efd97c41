use chrono::{Duration, TimeZone};
use proptest::prelude::*;

use super::*;

fn t(hours: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2028, 3, 6, 0, 0, 0)
        .single()
        .expect("instant")
        + Duration::hours(hours)
}

fn u(s: &str) -> Units {
    Units::parse_non_negative(s.trim_start_matches('-'))
        .map(|v| if s.starts_with('-') { -v } else { v })
        .expect("units")
}

fn lot(id: &str, created: i64) -> LotInfo {
    LotInfo {
        id: LotId::from(id),
        created_at: t(created),
        expires_at: t(24 * 365),
        received_on: NaiveDate::from_ymd_opt(2028, 3, 6).expect("date"),
    }
}

/// Entries effective by `at`, applied in effective order.
fn figures_at(
    moves: &[(i64, EntryKind, &str, Option<&str>)],
    reservations: &[(i64, &str)],
    at: i64,
) -> Figures {
    let mut f = Figures::default();
    for (when, kind, units, lot) in moves {
        if *when <= at {
            f.apply_entry(*kind, u(units), lot.map(LotId::from).as_ref());
        }
    }
    for (when, delta) in reservations {
        if *when <= at {
            f.apply_reservation(u(delta));
        }
    }
    f
}

/// The first reproduction of the issue: a session delivered late consumes its SoW's
/// reservation at the debit's effective instant, not when it was recorded.
#[test]
fn a_late_delivery_consumes_the_reservation_when_it_is_effective() {
    let moves = [
        (8, EntryKind::Grant, "10.00", Some("a")),
        (34, EntryKind::Debit, "-1.00", Some("a")),
    ];
    // Provisioned at 08:00 the 6th; consumed effective 10:00 the 7th (recorded the 8th).
    let reservations = [(8, "10.00"), (34, "-1.00")];
    let lots = [lot("a", 8)];
    let b = balance_at(&figures_at(&moves, &reservations, 36), t(36), &lots);
    assert_eq!(
        (b.total, b.reserved, b.available, b.deficit),
        (u("9.00"), u("9.00"), u("0.00"), u("0.00"))
    );
    assert_eq!(inconsistency(&b), None);
}

/// The third reproduction: a debit drawn on a lot granted after its effective instant
/// counts as deficit in between, never as a negative lot.
#[test]
fn a_debit_drawn_on_a_later_lot_is_deficit_until_the_lot_exists() {
    let moves = [
        (0, EntryKind::Grant, "12.00", Some("a")),
        (10, EntryKind::Debit, "-12.00", Some("a")),
        (10, EntryKind::Debit, "-1.56", Some("b")),
        (20, EntryKind::Grant, "20.00", Some("b")),
    ];
    let lots = [lot("a", 0), lot("b", 20)];
    let between = balance_at(&figures_at(&moves, &[], 15), t(15), &lots);
    assert_eq!(between.total, u("-1.56"));
    assert_eq!(between.deficit, u("1.56"));
    assert_eq!(between.lots.len(), 1, "b is not sold yet: {between:?}");
    assert_eq!(between.lots[0].remaining, u("0.00"));
    assert_eq!(inconsistency(&between), None);
    let after = balance_at(&figures_at(&moves, &[], 20), t(20), &lots);
    assert_eq!((after.total, after.deficit), (u("18.44"), u("0.00")));
    assert_eq!(after.lots[1].remaining, u("18.44"));
}

/// Units given back to a lot by a reversal and drawn again by a debit effective before
/// that reversal count as deficit in between (the same rule, for units not yet back).
#[test]
fn units_redrawn_before_their_reversal_count_as_deficit_meanwhile() {
    let moves = [
        (0, EntryKind::Grant, "10.00", Some("a")),
        (1, EntryKind::Debit, "-10.00", Some("a")),
        (5, EntryKind::Reversal, "4.00", Some("a")),
        (3, EntryKind::Debit, "-4.00", Some("a")),
    ];
    let lots = [lot("a", 0)];
    let b = balance_at(&figures_at(&moves, &[], 4), t(4), &lots);
    assert_eq!(
        (b.total, b.deficit, b.lots[0].remaining),
        (u("-4.00"), u("4.00"), u("0.00"))
    );
    assert_eq!(inconsistency(&b), None);
}

/// Settlements and reversals of an unpaid part pay the deficit off; a settlement's
/// units never enter its lot.
#[test]
fn settlements_pay_the_deficit_and_not_the_lot() {
    let moves = [
        (0, EntryKind::Deficit, "-3.00", None),
        (5, EntryKind::DeficitSettlement, "3.00", Some("b")),
        (5, EntryKind::Grant, "7.00", Some("b")),
    ];
    let lots = [lot("b", 5)];
    let before = balance_at(&figures_at(&moves, &[], 4), t(4), &lots);
    assert_eq!((before.total, before.deficit), (u("-3.00"), u("3.00")));
    let after = balance_at(&figures_at(&moves, &[], 5), t(5), &lots);
    assert_eq!(
        (after.total, after.deficit, after.lots[0].remaining),
        (u("7.00"), u("0.00"), u("7.00"))
    );
}

/// A lot whose expiry has not been applied yet stays listed while it holds units; an
/// applied expiry lists it no more.
#[test]
fn expired_lots_leave_the_list_with_their_expiry() {
    let mut a = lot("a", 0);
    a.expires_at = t(10);
    let lots = [a];
    let unapplied = figures_at(&[(0, EntryKind::Grant, "5.00", Some("a"))], &[], 12);
    assert_eq!(balance_at(&unapplied, t(12), &lots).lots.len(), 1);
    let applied = figures_at(
        &[
            (0, EntryKind::Grant, "5.00", Some("a")),
            (10, EntryKind::Expiry, "-5.00", Some("a")),
        ],
        &[],
        12,
    );
    let b = balance_at(&applied, t(12), &lots);
    assert!(b.lots.is_empty());
    assert_eq!(inconsistency(&b), None);
}

/// Corrupt figures are reported: a lot sold with no units while the total says there
/// are some.
#[test]
fn figures_that_do_not_add_up_are_reported() {
    let mut f = Figures::default();
    f.apply_entry(EntryKind::Grant, u("5.00"), None);
    let b = balance_at(&f, t(1), &[]);
    assert!(inconsistency(&b).is_some());
}

proptest! {
    /// Whatever the order in which movements become effective — debits before the
    /// lots they drew on, reversals after the debits that redraw them (but never
    /// before their lot was sold, which the service cannot record) — the balance at
    /// every instant is consistent.
    #[test]
    fn every_instant_is_consistent(
        grants in prop::collection::vec((0i64..50, 1i64..5_000), 1..5),
        draws in prop::collection::vec((0i64..60, 0usize..5, 1i64..3_000), 0..12),
        gives in prop::collection::vec((0i64..60, 0usize..5, 1i64..2_000), 0..6),
        deficits in prop::collection::vec((0i64..60, 1i64..2_000, 0i64..60), 0..4),
    ) {
        let names: Vec<String> = (0..grants.len()).map(|i| format!("l{i}")).collect();
        let lots: Vec<LotInfo> = grants.iter().zip(&names).map(|((at, _), n)| lot(n, *at)).collect();
        let mut moves: Vec<(i64, EntryKind, Units, Option<LotId>)> = Vec::new();
        for ((at, units), n) in grants.iter().zip(&names) {
            moves.push((*at, EntryKind::Grant, Units::from_hundredths(*units), Some(LotId::from(n.as_str()))));
        }
        for (at, which, units) in &draws {
            let n = &names[which % names.len()];
            moves.push((*at, EntryKind::Debit, -Units::from_hundredths(*units), Some(LotId::from(n.as_str()))));
        }
        for (at, which, units) in &gives {
            // Units are given back to a lot only once it was sold.
            let i = which % names.len();
            let at = (*at).max(grants[i].0);
            moves.push((at, EntryKind::Reversal, Units::from_hundredths(*units), Some(LotId::from(names[i].as_str()))));
        }
        for (at, units, paid_after) in &deficits {
            moves.push((*at, EntryKind::Deficit, -Units::from_hundredths(*units), None));
            moves.push((at + paid_after, EntryKind::DeficitSettlement, Units::from_hundredths(*units), Some(LotId::from(names[0].as_str()))));
        }
        for instant in 0..130 {
            let mut f = Figures::default();
            for (at, kind, units, lot) in &moves {
                if *at <= instant {
                    f.apply_entry(*kind, *units, lot.as_ref());
                }
            }
            let b = balance_at(&f, t(instant), &lots);
            prop_assert_eq!(inconsistency(&b), None, "at {}: {:?}", instant, b);
            prop_assert!(b.lots.iter().all(|l| l.lot.created_at <= t(instant)));
        }
    }
}

/// The late movements of `moves` grouped by effective instant, as the service groups
/// them.
fn late(moves: &[(i64, EntryKind, Units, Option<LotId>)]) -> BTreeMap<DateTime<Utc>, Figures> {
    let mut late: BTreeMap<DateTime<Utc>, Figures> = BTreeMap::new();
    for (at, kind, units, lot) in moves {
        late.entry(t(*at))
            .or_default()
            .apply_entry(*kind, *units, lot.as_ref());
    }
    late
}

/// What the shift whose stretch holds `at` adds to a checkpoint there, if any does.
fn shifted(shifts: &[Shift], at: DateTime<Utc>) -> Option<Figures> {
    let mut holding = shifts
        .iter()
        .filter(|s| s.from <= at && s.until.is_none_or(|u| at < u));
    let found = holding.next().map(|s| s.figures.clone());
    assert!(holding.next().is_none(), "two stretches hold {at}");
    found
}

#[test]
fn a_late_delivery_shifts_the_checkpoints_after_its_debit_and_after_its_release() {
    // A debit effective at 10:00 and the reservation it consumed released at 11:00:
    // checkpoints from 10:00 gain the debit, those from 11:00 the release as well.
    let mut grouped = late(&[(10, EntryKind::Debit, u("-2.00"), Some(LotId::from("lot_a")))]);
    grouped
        .entry(t(11))
        .or_default()
        .apply_reservation(u("-2.00"));
    let shifts = shifts(&grouped);
    assert_eq!(shifts.len(), 2);
    assert_eq!((shifts[0].from, shifts[0].until), (t(10), Some(t(11))));
    assert_eq!(shifts[0].figures.total, u("-2.00"));
    assert_eq!(shifts[0].figures.reserved, Units::ZERO);
    assert_eq!((shifts[1].from, shifts[1].until), (t(11), None));
    assert_eq!(shifts[1].figures.total, u("-2.00"));
    assert_eq!(shifts[1].figures.reserved, u("-2.00"));
    assert_eq!(
        shifts[1].figures.lots.get(&LotId::from("lot_a")),
        Some(&u("-2.00"))
    );
    assert_eq!(shifted(&shifts, t(9)), None);
}

proptest! {
    /// Whatever the late movements, a checkpoint at any instant gains exactly the late
    /// movements effective by it, from exactly one stretch (or none before the first).
    #[test]
    fn stretches_add_exactly_the_late_movements_effective_by_each_checkpoint(
        moves in proptest::collection::vec((0i64..40, 0usize..4, -500i64..500, 0usize..3), 0..12),
    ) {
        let kinds = [EntryKind::Grant, EntryKind::Debit, EntryKind::Deficit, EntryKind::Reversal];
        let lots = ["lot_a", "lot_b"];
        let moves: Vec<(i64, EntryKind, Units, Option<LotId>)> = moves
            .iter()
            .map(|(at, k, units, l)| (*at, kinds[*k], Units::from_hundredths(*units), lots.get(*l).map(|n| LotId::from(*n))))
            .collect();
        let shifts = shifts(&late(&moves));
        for instant in -1..42 {
            let mut expected = Figures::default();
            for (at, kind, units, lot) in &moves {
                if *at <= instant {
                    expected.apply_entry(*kind, *units, lot.as_ref());
                }
            }
            let got = shifted(&shifts, t(instant)).unwrap_or_default();
            prop_assert_eq!(got.total, expected.total, "at {}", instant);
            prop_assert_eq!(got.deficit, expected.deficit, "at {}", instant);
            prop_assert_eq!(got.reserved, expected.reserved, "at {}", instant);
            let nonzero = |f: &Figures| f.lots.iter().filter(|(_, u)| !u.is_zero()).map(|(l, u)| (l.clone(), *u)).collect::<Vec<_>>();
            prop_assert_eq!(nonzero(&got), nonzero(&expected), "at {}", instant);
        }
    }
}
