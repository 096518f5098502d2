"""Reads an .ics file with Python's icalendar package (independent of the app) and prints
its events as JSON: summary, start date, end date, status. Used by wheel.test.mjs."""

import json
import sys

import icalendar

with open(sys.argv[1], "rb") as file:
    calendar = icalendar.Calendar.from_ical(file.read())

events = [
    {
        "summary": str(event.get("SUMMARY")),
        "start": event.decoded("DTSTART").isoformat(),
        "end": event.decoded("DTEND").isoformat(),
        "status": str(event.get("STATUS")),
        "uid": str(event.get("UID")),
    }
    for event in calendar.walk("VEVENT")
]
print(json.dumps({"name": str(calendar.get("X-WR-CALNAME")), "events": events}))
