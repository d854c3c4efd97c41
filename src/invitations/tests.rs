use chrono::{DateTime, Utc};

use super::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn entry(sequence: u32) -> SessionEntry {
    SessionEntry {
        session_id: "ses_1".into(),
        sequence,
        starts_at: utc("2027-03-29T08:00:00Z"),
        ends_at: utc("2027-03-29T10:00:00Z"),
        tz: chrono_tz::Europe::Paris,
        summary: "SecureHands session: Firewall, migration".into(),
        description: "Acme; SoW sow_1".into(),
        stamp: utc("2027-03-01T08:00:00Z"),
    }
}

fn parties() -> Parties {
    Parties {
        organizer: "soc@example.com".into(),
        attendees: vec!["alice@example.com".into()],
    }
}

#[test]
fn a_request_carries_a_stable_uid_the_sequence_and_local_times() {
    let text = invitation(Method::Request, &parties(), &entry(2));
    for line in [
        "METHOD:REQUEST",
        "UID:ses_1@securehands",
        "SEQUENCE:2",
        "DTSTAMP:20270301T080000Z",
        // After the change to summer time: 10:00 CEST.
        "DTSTART;TZID=Europe/Paris:20270329T100000",
        "DTEND;TZID=Europe/Paris:20270329T120000",
        "STATUS:CONFIRMED",
        "ORGANIZER:mailto:soc@example.com",
        "TZID:Europe/Paris",
    ] {
        assert!(text.contains(line), "{line} missing in\n{text}");
    }
    assert!(text.contains("ATTENDEE;"), "{text}");
    assert!(
        text.find("BEGIN:VTIMEZONE") < text.find("BEGIN:VEVENT"),
        "{text}"
    );
    assert!(text.ends_with("END:VCALENDAR\r\n"), "{text}");
    assert!(!text.contains("\n\n"), "{text}");
}

#[test]
fn a_cancellation_keeps_the_uid_and_says_cancelled() {
    let text = invitation(Method::Cancel, &parties(), &entry(3));
    assert!(text.contains("METHOD:CANCEL"), "{text}");
    assert!(text.contains("STATUS:CANCELLED"), "{text}");
    assert!(text.contains("UID:ses_1@securehands"), "{text}");
    assert!(text.contains("SEQUENCE:3"), "{text}");
}

#[test]
fn a_feed_publishes_every_entry_with_one_zone_each() {
    let mut tokyo = entry(0);
    tokyo.session_id = "ses_2".into();
    tokyo.tz = chrono_tz::Asia::Tokyo;
    let text = feed("Sessions", &[entry(0), tokyo, entry(1)]);
    assert!(text.contains("METHOD:PUBLISH"), "{text}");
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 3, "{text}");
    assert_eq!(text.matches("BEGIN:VTIMEZONE").count(), 2, "{text}");
    assert!(!text.contains("ORGANIZER"), "{text}");
    assert!(feed("Sessions", &[]).contains("METHOD:PUBLISH"));
}
