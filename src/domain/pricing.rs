//! How a session is priced (SPEC §3): time is split into rate bands in the customer's
//! calendar, rounded to whole billable hours, and weighted by the SoW's rate card.
//!
//! Instants are counted in whole seconds (sub-second parts are dropped) and all
//! arithmetic is exact integer arithmetic on hundredths of a unit; no floats.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};

use super::calendar::BusinessCalendar;
use super::units::Units;

mod hours;

pub use hours::{StandardHours, StandardHoursError};

/// Seconds in an hour, the unit of billable time.
const HOUR_SECS: i64 = 3_600;

/// The highest rate a rate card accepts: 100 units per hour.
pub const MAX_RATE: Units = Units::from_hundredths(10_000);

/// Parses one rate of a rate card as a client sends it: positive units, at most
/// [`MAX_RATE`]. The same bound [`RateCard::new`] enforces, so a field can be refused
/// on its own (and the API document can state it).
///
/// # Errors
/// The message for the field.
pub fn parse_rate(text: &str) -> Result<Units, String> {
    let rate = Units::parse_positive(text).map_err(|e| e.to_string())?;
    if rate > MAX_RATE {
        return Err(format!("must not exceed {MAX_RATE}"));
    }
    Ok(rate)
}

/// A rate band (SPEC §3). When bands overlap the precedence is
/// holiday > weekend > out_of_hours > standard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Band {
    /// 09:00–17:00 local on a business day (or the SoW's own standard hours); always
    /// 1.00 unit per hour.
    Standard,
    /// A business day outside the standard hours.
    OutOfHours,
    /// A local Saturday or Sunday that is not a holiday.
    Weekend,
    /// A local public holiday of the customer's calendar, whatever the weekday.
    Holiday,
}

impl Band {
    /// Every band, in precedence order from lowest to highest.
    pub const ALL: [Band; 4] = [
        Band::Standard,
        Band::OutOfHours,
        Band::Weekend,
        Band::Holiday,
    ];

    /// The band's name as used in the API and on rate cards (`out_of_hours`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Band::Standard => "standard",
            Band::OutOfHours => "out_of_hours",
            Band::Weekend => "weekend",
            Band::Holiday => "holiday",
        }
    }
}

impl fmt::Display for Band {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a rate card was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RateCardError {
    /// A rate of zero or less would make sessions free or pay the customer.
    #[error("{0} rate must be greater than zero")]
    NotPositive(Band),
    /// Above [`MAX_RATE`], almost certainly a typing error.
    #[error("{0} rate must not exceed 100.00")]
    TooHigh(Band),
}

/// A SoW's units per hour for each band (SPEC §3); `standard` is always 1.00 because
/// one unit is defined as one standard hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RateCard {
    out_of_hours: Units,
    weekend: Units,
    holiday: Units,
}

impl RateCard {
    /// Validates the three configurable rates: each must be > 0 and ≤ 100.00.
    ///
    /// # Errors
    /// [`RateCardError`] naming the first band whose rate is out of range.
    pub fn new(out_of_hours: Units, weekend: Units, holiday: Units) -> Result<Self, RateCardError> {
        for (band, rate) in [
            (Band::OutOfHours, out_of_hours),
            (Band::Weekend, weekend),
            (Band::Holiday, holiday),
        ] {
            if !rate.is_positive() {
                return Err(RateCardError::NotPositive(band));
            }
            if rate > MAX_RATE {
                return Err(RateCardError::TooHigh(band));
            }
        }
        Ok(Self {
            out_of_hours,
            weekend,
            holiday,
        })
    }

    /// Units per hour in a band; 1.00 for standard hours.
    pub fn rate(&self, band: Band) -> Units {
        match band {
            Band::Standard => Units::ONE,
            Band::OutOfHours => self.out_of_hours,
            Band::Weekend => self.weekend,
            Band::Holiday => self.holiday,
        }
    }

    /// Units per hour on a business day outside 09:00–17:00.
    pub fn out_of_hours(&self) -> Units {
        self.out_of_hours
    }

    /// Units per hour on a Saturday or Sunday.
    pub fn weekend(&self) -> Units {
        self.weekend
    }

    /// Units per hour on a public holiday.
    pub fn holiday(&self) -> Units {
        self.holiday
    }
}

impl Default for RateCard {
    /// The contract's default card (SPEC §3): 1.50 out of hours, 2.00 weekend and holiday.
    fn default() -> Self {
        Self {
            out_of_hours: Units::from_hundredths(150),
            weekend: Units::from_hundredths(200),
            holiday: Units::from_hundredths(200),
        }
    }
}

/// The pricing terms a SoW carries (SPEC §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PricingTerms {
    /// Units per hour for each band.
    pub rate_card: RateCard,
    /// A predetermined price per session; when set it is the price whatever the duration.
    pub units_per_session: Option<Units>,
    /// Billable hours are raised to at least this (SPEC default 1).
    pub minimum_billable_hours: u32,
    /// The standard band of a business day (SPEC §14; default 09:00–17:00).
    pub standard_hours: StandardHours,
}

impl Default for PricingTerms {
    /// Default card, no fixed price, minimum of 1 billable hour (SPEC §3).
    fn default() -> Self {
        Self {
            rate_card: RateCard::default(),
            units_per_session: None,
            minimum_billable_hours: 1,
            standard_hours: StandardHours::default(),
        }
    }
}

/// Seconds of a session spent in each band (the m_b of SPEC §3, in seconds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BandSeconds {
    /// Seconds in standard hours.
    pub standard: i64,
    /// Seconds on business days outside standard hours.
    pub out_of_hours: i64,
    /// Seconds on weekends that are not holidays.
    pub weekend: i64,
    /// Seconds on holidays.
    pub holiday: i64,
}

impl BandSeconds {
    /// All seconds of the session, whatever the band.
    pub fn total(&self) -> i64 {
        [self.out_of_hours, self.weekend, self.holiday]
            .into_iter()
            .fold(self.standard, i64::saturating_add)
    }

    /// Seconds spent in one band.
    pub fn get(&self, band: Band) -> i64 {
        match band {
            Band::Standard => self.standard,
            Band::OutOfHours => self.out_of_hours,
            Band::Weekend => self.weekend,
            Band::Holiday => self.holiday,
        }
    }

    /// Adds seconds to one band.
    fn add(&mut self, band: Band, secs: i64) {
        let slot = match band {
            Band::Standard => &mut self.standard,
            Band::OutOfHours => &mut self.out_of_hours,
            Band::Weekend => &mut self.weekend,
            Band::Holiday => &mut self.holiday,
        };
        *slot += secs;
    }
}

/// The priced session, with the figures that explain the price to a customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionPrice {
    /// Real elapsed seconds between start and end (a clock change is not counted twice).
    pub duration_seconds: i64,
    /// Whole minutes elapsed, rounded down.
    pub duration_minutes: i64,
    /// Hours rounded half up, then raised to the minimum (SPEC §3 step 2).
    pub billable_hours: i64,
    /// Seconds per band.
    pub bands: BandSeconds,
    /// The price: the fixed `units_per_session` or the weighted hourly price.
    pub units: Units,
}

/// Why a session could not be priced.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// SPEC §3 prices sessions with `end > start` only.
    #[error("end must be after start")]
    EndNotAfterStart,
}

/// The band of one instant: holiday if its local date is a holiday, else weekend on a
/// Saturday or Sunday, else standard within the standard hours (09:00–17:00 local
/// unless the SoW says otherwise), else out of hours.
pub fn band_at(cal: &BusinessCalendar, hours: StandardHours, t: DateTime<Utc>) -> Band {
    let day = cal.local_date(t);
    match day_kind(cal, day) {
        Some(band) => band,
        None => {
            let (open, close) = hours.window(cal, day);
            if open <= t && t < close {
                Band::Standard
            } else {
                Band::OutOfHours
            }
        }
    }
}

/// Seconds of `[start, end)` in each band, by interval arithmetic over local day
/// boundaries and the standard hours' boundaries: one step per local day, never per
/// minute. Empty when `end <= start`.
pub fn band_seconds(
    cal: &BusinessCalendar,
    hours: StandardHours,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> BandSeconds {
    let mut acc = BandSeconds::default();
    let (from, to) = (start.timestamp(), end.timestamp());
    if to <= from {
        return acc;
    }
    let mut day = cal.local_date(start);
    let mut cursor = from;
    // Local days are never shorter than a few hours, so this bounds the walk generously.
    let max_days = (to - from) / (12 * HOUR_SECS) + 8;
    for _ in 0..max_days {
        let next = day.succ_opt();
        let day_end = next.map_or(to, |d| cal.start_of_day(d).timestamp()).min(to);
        if day_end > cursor {
            add_day_segment(cal, hours, &mut acc, day, cursor, day_end);
            cursor = day_end;
        }
        match next {
            Some(d) if cursor < to => day = d,
            _ => break,
        }
    }
    acc
}

/// Whole band of a day that is not a business day (`None` for a business day, whose
/// band depends on the time of day).
fn day_kind(cal: &BusinessCalendar, day: NaiveDate) -> Option<Band> {
    if cal.is_holiday(day) {
        Some(Band::Holiday)
    } else if BusinessCalendar::is_weekend(day) {
        Some(Band::Weekend)
    } else {
        None
    }
}

/// Adds the part `[from, to)` (Unix seconds) of local day `day` to the band totals.
fn add_day_segment(
    cal: &BusinessCalendar,
    hours: StandardHours,
    acc: &mut BandSeconds,
    day: NaiveDate,
    from: i64,
    to: i64,
) {
    let length = to - from;
    if let Some(band) = day_kind(cal, day) {
        acc.add(band, length);
        return;
    }
    let (open, close) = hours.window(cal, day);
    let standard = (to.min(close.timestamp()) - from.max(open.timestamp())).max(0);
    acc.add(Band::Standard, standard);
    acc.add(Band::OutOfHours, length - standard);
}

/// Billable hours (SPEC §3 step 2): elapsed seconds to the nearest whole hour, half an
/// hour rounding up, then raised to `minimum`.
pub fn billable_hours(duration_seconds: i64, minimum: u32) -> i64 {
    let rounded = (duration_seconds.max(0) + HOUR_SECS / 2) / HOUR_SECS;
    rounded.max(i64::from(minimum))
}

/// Prices a session from `start` to `end` (SPEC §3): the SoW's fixed
/// `units_per_session` if any, otherwise H × (Σ s_b × rate_b) / S rounded half up to
/// hundredths, with S the real elapsed seconds and H the billable hours. Late
/// cancellations and no-shows are priced the same way on the scheduled times.
///
/// # Errors
/// [`PricingError::EndNotAfterStart`] when `end <= start`.
pub fn price_session(
    cal: &BusinessCalendar,
    terms: &PricingTerms,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<SessionPrice, PricingError> {
    if end <= start {
        return Err(PricingError::EndNotAfterStart);
    }
    let bands = band_seconds(cal, terms.standard_hours, start, end);
    let duration_seconds = bands.total();
    let billable = billable_hours(duration_seconds, terms.minimum_billable_hours);
    let units = match terms.units_per_session {
        Some(fixed) => fixed,
        None => weighted_units(&terms.rate_card, &bands, billable).unwrap_or_else(|| {
            // Start and end within the same second: no elapsed seconds to weight by,
            // so the band of the start instant sets the rate.
            let rate = terms
                .rate_card
                .rate(band_at(cal, terms.standard_hours, start));
            saturating_units(i128::from(billable) * i128::from(rate.hundredths()))
        }),
    };
    Ok(SessionPrice {
        duration_seconds,
        duration_minutes: duration_seconds / 60,
        billable_hours: billable,
        bands,
        units,
    })
}

/// round_half_up(H × Σ(s_b × rate_b) / S) in hundredths, exactly, with i128; `None`
/// when S is zero.
fn weighted_units(card: &RateCard, bands: &BandSeconds, billable: i64) -> Option<Units> {
    let total = i128::from(bands.total());
    if total <= 0 {
        return None;
    }
    let weighted: i128 = Band::ALL
        .iter()
        .map(|&band| i128::from(bands.get(band)) * i128::from(card.rate(band).hundredths()))
        .sum();
    let numerator = i128::from(billable) * weighted;
    Some(saturating_units((2 * numerator + total) / (2 * total)))
}

/// Hundredths as `Units`, saturating instead of wrapping on absurd durations.
fn saturating_units(hundredths: i128) -> Units {
    Units::from_hundredths(i64::try_from(hundredths).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests;
