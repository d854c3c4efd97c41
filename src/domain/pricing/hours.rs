//! The standard band of a SoW (SPEC §14, "What the SoW may change"): the contract's
//! 09:00–17:00 unless the SoW says otherwise. Only pricing reads it; deadlines counted
//! in business hours keep the calendar's own 09:00–17:00.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc};

use crate::domain::calendar::{BusinessCalendar, STANDARD_CLOSE, STANDARD_OPEN};

/// Why a standard band was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StandardHoursError {
    /// Not a local time written `HH:MM` (00:00–23:59).
    #[error("{0:?} is not a time written HH:MM (00:00–23:59)")]
    NotATime(String),
    /// An empty or inverted band would price every minute out of hours by accident.
    #[error("the standard hours must end after they start")]
    EndsBeforeStart,
}

/// The local hours of a business day priced at 1.00 unit per hour; everything else
/// on a business day is out of hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StandardHours {
    open: NaiveTime,
    close: NaiveTime,
}

impl StandardHours {
    /// A band from `open` to `close`, local; whole minutes only.
    ///
    /// # Errors
    /// [`StandardHoursError::EndsBeforeStart`] unless `open < close`.
    pub fn new(open: NaiveTime, close: NaiveTime) -> Result<Self, StandardHoursError> {
        if open >= close {
            return Err(StandardHoursError::EndsBeforeStart);
        }
        Ok(Self {
            open: whole_minute(open),
            close: whole_minute(close),
        })
    }

    /// Parses the band as the API and storage write it: `"HH:MM"` twice.
    ///
    /// # Errors
    /// [`StandardHoursError`] naming the first thing wrong.
    pub fn parse(from: &str, to: &str) -> Result<Self, StandardHoursError> {
        Self::new(parse_hhmm(from)?, parse_hhmm(to)?)
    }

    /// Where the band starts, local.
    pub fn open(&self) -> NaiveTime {
        self.open
    }

    /// Where the band ends, local.
    pub fn close(&self) -> NaiveTime {
        self.close
    }

    /// `from` as written on the wire (`"09:00"`).
    pub fn from_text(&self) -> String {
        self.open.format("%H:%M").to_string()
    }

    /// `to` as written on the wire (`"17:00"`).
    pub fn to_text(&self) -> String {
        self.close.format("%H:%M").to_string()
    }

    /// The band on local date `d` as instants (DST gaps resolved as the calendar does).
    pub fn window(&self, cal: &BusinessCalendar, d: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        (cal.at_local(d, self.open), cal.at_local(d, self.close))
    }
}

impl Default for StandardHours {
    /// 09:00–17:00, the contract's service hours (SPEC §2).
    fn default() -> Self {
        Self {
            open: STANDARD_OPEN,
            close: STANDARD_CLOSE,
        }
    }
}

impl fmt::Display for StandardHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", self.from_text(), self.to_text())
    }
}

/// Strict `HH:MM`: two digits, a colon, two digits (no seconds, no `9:00`).
fn parse_hhmm(text: &str) -> Result<NaiveTime, StandardHoursError> {
    let bad = || StandardHoursError::NotATime(text.to_owned());
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 5
        && bytes[2] == b':'
        && [0, 1, 3, 4].iter().all(|&i| bytes[i].is_ascii_digit());
    if !shaped {
        return Err(bad());
    }
    let hour = u32::from(bytes[0] - b'0') * 10 + u32::from(bytes[1] - b'0');
    let minute = u32::from(bytes[3] - b'0') * 10 + u32::from(bytes[4] - b'0');
    NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(bad)
}

fn whole_minute(t: NaiveTime) -> NaiveTime {
    NaiveTime::from_hms_opt(t.hour(), t.minute(), 0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strict_hhmm_and_orders_the_ends() {
        let band = StandardHours::parse("08:30", "18:00").expect("valid");
        assert_eq!(
            (band.from_text(), band.to_text()),
            ("08:30".into(), "18:00".into())
        );
        assert_eq!(
            StandardHours::default(),
            StandardHours::parse("09:00", "17:00").expect("valid")
        );
        for bad in ["9:00", "24:00", "12:60", "12:00:00", "ab:cd", "", "12h00"] {
            assert!(
                matches!(
                    StandardHours::parse(bad, "23:00"),
                    Err(StandardHoursError::NotATime(_))
                ),
                "{bad}"
            );
        }
        assert_eq!(
            StandardHours::parse("17:00", "09:00"),
            Err(StandardHoursError::EndsBeforeStart)
        );
        assert_eq!(
            StandardHours::parse("09:00", "09:00"),
            Err(StandardHoursError::EndsBeforeStart)
        );
    }
}
