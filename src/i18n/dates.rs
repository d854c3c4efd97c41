//! Dates as people read them in each language. A deadline that falls at local midnight
//! is the end of the day before (SPEC §2.1 deadlines are "00:00 local"): people read
//! "by Friday 4 December (end of day)", not "before Saturday 00:00".

use chrono::{DateTime, Datelike, Duration, Timelike};
use chrono_tz::Tz;
use fluent_bundle::FluentArgs;

use super::{text, text_with};
use crate::domain::notification::Language;

fn weekday(lang: Language, at: &DateTime<Tz>, short: bool) -> String {
    let n = at.weekday().number_from_monday();
    let key = if short {
        format!("date-weekday-short-{n}")
    } else {
        format!("date-weekday-{n}")
    };
    text(lang, &key)
}

/// An instant in the reader's words and the customer's zone, to the minute, with its
/// weekday: "Tue 2026-12-08 10:00", "mar. 08/12/2026 à 10:00", "Di., 08.12.2026, 10:00 Uhr".
pub fn moment(lang: Language, at: DateTime<Tz>) -> String {
    let mut args = FluentArgs::new();
    args.set("weekday", weekday(lang, &at, true));
    args.set("ymd", at.format("%Y-%m-%d").to_string());
    args.set("dmy", at.format("%d/%m/%Y").to_string());
    args.set("dmy_dots", at.format("%d.%m.%Y").to_string());
    args.set("time", at.format("%H:%M").to_string());
    text_with(lang, "date-moment", Some(&args))
}

/// A deadline: at local midnight, the end of the previous day ("Friday 4 December
/// 2026, end of day (Europe/Paris)"); otherwise the day and the time, with the zone.
pub fn deadline(lang: Language, at: DateTime<Tz>) -> String {
    let midnight = at.hour() == 0 && at.minute() == 0 && at.second() == 0;
    let day = if midnight { at - Duration::days(1) } else { at };
    let mut args = FluentArgs::new();
    args.set("weekday", weekday(lang, &day, false));
    args.set("day", day.day().to_string());
    args.set("month", text(lang, &format!("date-month-{}", day.month())));
    args.set("year", day.year().to_string());
    args.set("time", at.format("%H:%M").to_string());
    args.set("tz", at.timezone().name());
    let key = if midnight {
        "date-deadline-end-of-day"
    } else {
        "date-deadline-at"
    };
    text_with(lang, key, Some(&args))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn paris(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Tz> {
        chrono_tz::Europe::Paris
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("a Paris time")
    }

    #[test]
    fn a_deadline_at_midnight_is_the_end_of_the_day_before() {
        let at = paris(2028, 3, 9, 0, 0);
        assert_eq!(
            deadline(Language::En, at),
            "Wednesday 8 March 2028, end of day (Europe/Paris)"
        );
        assert_eq!(
            deadline(Language::Fr, at),
            "mercredi 8 mars 2028 (fin de journée, Europe/Paris)"
        );
        assert_eq!(
            deadline(Language::De, at),
            "Mittwoch, 8. März 2028, Tagesende (Europe/Paris)"
        );
        let at = paris(2028, 3, 9, 17, 30);
        assert_eq!(
            deadline(Language::En, at),
            "Thursday 9 March 2028, 17:30 (Europe/Paris)"
        );
        assert_eq!(
            deadline(Language::Fr, at),
            "jeudi 9 mars 2028 à 17:30 (Europe/Paris)"
        );
        assert_eq!(
            deadline(Language::De, at),
            "Donnerstag, 9. März 2028, 17:30 Uhr (Europe/Paris)"
        );
    }

    #[test]
    fn moments_carry_the_weekday() {
        let at = paris(2026, 12, 8, 10, 0);
        assert_eq!(moment(Language::En, at), "Tue 2026-12-08 10:00");
        assert_eq!(moment(Language::Fr, at), "mar. 08/12/2026 à 10:00");
        assert_eq!(moment(Language::De, at), "Di., 08.12.2026, 10:00 Uhr");
    }
}
