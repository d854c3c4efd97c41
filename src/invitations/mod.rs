//! Calendar invitations for sessions (SPEC §14): the iCalendar (RFC 5545) part of the
//! `session_scheduled`, `…_rescheduled` and `…_cancelled` mails (iTIP `REQUEST` and
//! `CANCEL`, RFC 5546) and the subscribable `GET /v1/sessions.ics` feed (`PUBLISH`).
//!
//! Everything here turns facts into text: no clock, no I/O. A session's `UID` never
//! changes and its `SEQUENCE` grows with every change, so a calendar updates the entry
//! it already has instead of adding a second one. Times are written in the customer's
//! zone with its `VTIMEZONE`, the way the service itself reads them.

mod vtimezone;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike, EventStatus, Property};

pub use vtimezone::vtimezone;

/// What the calendar is asked to do (iTIP method).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Add or update the session (scheduled, rescheduled).
    Request,
    /// Remove it (cancelled, or sent back to be rescheduled).
    Cancel,
    /// A published feed: no replies expected.
    Publish,
}

impl Method {
    /// The `METHOD` value, also the `method=` parameter of the mail part's type.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
            Method::Publish => "PUBLISH",
        }
    }
}

/// One session as a calendar entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionEntry {
    /// The session id; the `UID` is derived from it.
    pub session_id: String,
    /// Grows with every change (scheduling is 0).
    pub sequence: u32,
    /// Scheduled start.
    pub starts_at: DateTime<Utc>,
    /// Scheduled end.
    pub ends_at: DateTime<Utc>,
    /// The customer's zone.
    pub tz: Tz,
    /// One line naming the session.
    pub summary: String,
    /// What the people invited need to know.
    pub description: String,
    /// When this version of the entry was made (`DTSTAMP`).
    pub stamp: DateTime<Utc>,
}

/// Who sends the invitation and who is invited (addresses without `mailto:`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parties {
    /// The organizer: the service's sender address.
    pub organizer: String,
    /// The people the mail goes to.
    pub attendees: Vec<String>,
}

/// The stable `UID` of a session's entry.
pub fn uid(session_id: &str) -> String {
    format!("{session_id}@securehands")
}

/// An invitation (or its cancellation) for one session, as the mail's calendar part.
pub fn invitation(method: Method, parties: &Parties, entry: &SessionEntry) -> String {
    calendar(method, None, Some(parties), std::slice::from_ref(entry))
}

/// The feed of scheduled sessions, one `VTIMEZONE` per zone they are in.
pub fn feed(name: &str, entries: &[SessionEntry]) -> String {
    calendar(Method::Publish, Some(name), None, entries)
}

fn calendar(
    method: Method,
    name: Option<&str>,
    parties: Option<&Parties>,
    entries: &[SessionEntry],
) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"));
    cal.append_property(Property::new("PRODID", "-//SecureHands//Sessions//EN"));
    cal.append_property(Property::new("CALSCALE", "GREGORIAN"));
    cal.append_property(Property::new("METHOD", method.as_str()));
    if let Some(name) = name {
        cal.name(name);
    }
    for entry in entries {
        cal.push(event(method, parties, entry));
    }
    let text = cal.to_string();
    // The event builder has no time-zone component: the zones go in before the first
    // event, where readers expect them.
    let zones = zones(entries);
    match text.find("BEGIN:VEVENT") {
        Some(at) => format!("{}{zones}{}", &text[..at], &text[at..]),
        None => text.replacen("END:VCALENDAR", &format!("{zones}END:VCALENDAR"), 1),
    }
}

fn event(method: Method, parties: Option<&Parties>, entry: &SessionEntry) -> Event {
    let local = |t: DateTime<Utc>| CalendarDateTime::WithTimezone {
        date_time: t.with_timezone(&entry.tz).naive_local(),
        tzid: entry.tz.name().to_string(),
    };
    let mut e = Event::new();
    e.uid(&uid(&entry.session_id))
        .sequence(entry.sequence)
        .timestamp(entry.stamp)
        .starts(local(entry.starts_at))
        .ends(local(entry.ends_at))
        .summary(&entry.summary)
        .description(&entry.description)
        .status(if method == Method::Cancel {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
    if let Some(parties) = parties {
        e.append_property(Property::new(
            "ORGANIZER",
            format!("mailto:{}", parties.organizer),
        ));
        for attendee in &parties.attendees {
            e.append_multi_property(
                Property::new("ATTENDEE", format!("mailto:{attendee}"))
                    .add_parameter("ROLE", "REQ-PARTICIPANT")
                    .add_parameter("RSVP", "FALSE")
                    .done(),
            );
        }
    }
    e.done()
}

/// One `VTIMEZONE` per zone, covering the entries in it.
fn zones(entries: &[SessionEntry]) -> String {
    let mut spans: BTreeMap<&str, (Tz, DateTime<Utc>, DateTime<Utc>)> = BTreeMap::new();
    for e in entries {
        let span = spans
            .entry(e.tz.name())
            .or_insert((e.tz, e.starts_at, e.ends_at));
        span.1 = span.1.min(e.starts_at);
        span.2 = span.2.max(e.ends_at);
    }
    spans
        .values()
        .map(|(tz, from, to)| vtimezone(*tz, *from, *to))
        .collect()
}

#[cfg(test)]
mod tests;
