"""Reads an iCalendar text on stdin with Python's `icalendar` package (a parser the
service does not share) and prints what a calendar would see, as JSON: the method,
each zone's offsets rebuilt from its own VTIMEZONE (not the reader's tz database), and
each event with its times in UTC both as the reader resolves them and as the embedded
VTIMEZONE says."""

import json
import sys
from datetime import timezone

import icalendar

cal = icalendar.Calendar.from_ical(sys.stdin.read())
zones = {}
for tz in cal.walk("VTIMEZONE"):
    zones[str(tz["TZID"])] = tz.to_tz(lookup_tzid=False)

events = []
for ev in cal.walk("VEVENT"):
    out = {
        "uid": str(ev["UID"]),
        "sequence": int(ev.get("SEQUENCE", 0)),
        "status": str(ev.get("STATUS", "")),
        "summary": str(ev.get("SUMMARY", "")),
        "organizer": str(ev.get("ORGANIZER", "")),
        "attendees": [str(a) for a in (ev.get("ATTENDEE") if isinstance(ev.get("ATTENDEE"), list) else [ev.get("ATTENDEE")] if ev.get("ATTENDEE") else [])],
    }
    for key in ("DTSTART", "DTEND"):
        prop = ev[key]
        tzid = prop.params.get("TZID")
        out[key.lower() + "_tzid"] = tzid
        out[key.lower()] = prop.dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        naive = prop.dt.replace(tzinfo=None)
        own = zones[tzid].localize(naive) if hasattr(zones[tzid], "localize") else naive.replace(tzinfo=zones[tzid])
        out[key.lower() + "_by_vtimezone"] = own.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    events.append(out)

print(json.dumps({"method": str(cal.get("METHOD", "")), "zones": sorted(zones), "events": events}))
