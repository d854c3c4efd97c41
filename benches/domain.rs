//! Benchmarks of the pure domain rules: session pricing (SPEC §3) and business-hours
//! deadlines (SPEC §2.1), in the Europe/Paris calendar with two holidays.

use std::hint::black_box;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use securehands::domain::allocation::{LotState, plan_debit};
use securehands::domain::ids::LotId;
use securehands::domain::{calendar::*, deadline::*, pricing::*, units::Units};

/// The SPEC's worked-example calendar: Paris, holidays 2026-12-25 and 2027-01-01.
fn paris() -> BusinessCalendar {
    let holidays = [(2026, 12, 25), (2027, 1, 1)]
        .into_iter()
        .filter_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d));
    BusinessCalendar::new(chrono_tz::Europe::Paris, holidays)
}

/// A UTC instant; the inputs below are all valid.
fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn pricing(c: &mut Criterion) {
    let cal = paris();
    let card = RateCard::new(
        Units::from_hundredths(150),
        Units::from_hundredths(200),
        Units::from_hundredths(200),
    )
    .unwrap_or_default();
    let terms = PricingTerms {
        rate_card: card,
        units_per_session: None,
        minimum_billable_hours: 1,
        standard_hours: Default::default(),
    };
    let start = utc(2026, 12, 8, 15, 30);
    let one_hour = utc(2026, 12, 8, 16, 30);
    let thirty_days = utc(2027, 1, 7, 15, 30);
    c.bench_function("price 1-hour session", |b| {
        b.iter(|| {
            price_session(
                black_box(&cal),
                &terms,
                black_box(start),
                black_box(one_hour),
            )
        })
    });
    c.bench_function("price 30-day session", |b| {
        b.iter(|| {
            price_session(
                black_box(&cal),
                &terms,
                black_box(start),
                black_box(thirty_days),
            )
        })
    });
}

fn deadlines(c: &mut Criterion) {
    let cal = paris();
    let t = utc(2026, 12, 4, 15, 0);
    c.bench_function("business_hours_after n=8", |b| {
        b.iter(|| business_hours_after(black_box(&cal), black_box(t), black_box(8)))
    });
    c.bench_function("business_hours_after n=40", |b| {
        b.iter(|| business_hours_after(black_box(&cal), black_box(t), black_box(40)))
    });
}

/// 1,000 lots, as storage returns them (consumption order) and shuffled; the debit
/// needs about half of them.
fn allocation(c: &mut Criterion) {
    let base = utc(2026, 1, 1, 0, 0);
    let mut lots: Vec<LotState> = (0..1000i64)
        .map(|i| LotState {
            id: LotId::from(format!("lot_{i:04}").as_str()),
            received_on: (base + chrono::Duration::days(i % 300)).date_naive(),
            expires_at: base + chrono::Duration::days(365 + i % 300) + chrono::Duration::minutes(i),
            remaining: Units::from_hundredths(1_000),
        })
        .collect();
    lots.sort_by(|a, b| {
        (a.expires_at, a.received_on, &a.id).cmp(&(b.expires_at, b.received_on, &b.id))
    });
    let at = utc(2026, 12, 8, 12, 0);
    let amount = Units::from_hundredths(500_000);
    c.bench_function("plan_debit over 1000 sorted lots", |b| {
        b.iter(|| plan_debit(black_box(&lots), black_box(amount), black_box(at)))
    });
    // A deterministic Fisher–Yates shuffle (xorshift), so runs are comparable.
    let mut shuffled = lots.clone();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..shuffled.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        shuffled.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    c.bench_function("plan_debit over 1000 shuffled lots", |b| {
        b.iter(|| plan_debit(black_box(&shuffled), black_box(amount), black_box(at)))
    });
    // A typical session charge touches one or two lots.
    let session = Units::from_hundredths(1_250);
    c.bench_function("plan_debit 12.50 over 1000 sorted lots", |b| {
        b.iter(|| plan_debit(black_box(&lots), black_box(session), black_box(at)))
    });
    c.bench_function("plan_debit 12.50 over 1000 shuffled lots", |b| {
        b.iter(|| plan_debit(black_box(&shuffled), black_box(session), black_box(at)))
    });
}

criterion_group!(benches, pricing, deadlines, allocation);
criterion_main!(benches);
