//! Benchmarks of the pure domain rules: session pricing (SPEC §3) and business-hours
//! deadlines (SPEC §2.1), in the Europe/Paris calendar with two holidays.

use std::hint::black_box;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
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

criterion_group!(benches, pricing, deadlines);
criterion_main!(benches);
