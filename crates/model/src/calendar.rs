//! The annual wheel as an iCalendar file (RFC 5545) that calendar programs import or
//! subscribe to: one all-day `VEVENT` per event, cancelled ones marked `CANCELLED`.
//!
//! Written here rather than with the `icalendar` crate: that crate makes random UIDs
//! through `uuid`, whose wasm32 random source needs extra build flags, and an event's UID
//! must be stable anyway (its id), so a re-import updates instead of duplicating. The
//! `icalendar` crate's parser checks the output in the tests.

use std::fmt::Write;

use chrono::{DateTime, Days};

use crate::{EventState, WheelEvent};

/// The wheel's events as an iCalendar document named `name`; `now` (seconds since the
/// epoch) is the time stamp every event carries.
pub fn wheel_to_ics(name: &str, events: &[WheelEvent], now: i64) -> String {
    let stamp = DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%SZ")
        .to_string();
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Landsbyplan//Annual wheel//DA".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        format!("X-WR-CALNAME:{}", escape(name)),
    ];
    for event in events {
        let day = event.fields.date;
        let next = day.checked_add_days(Days::new(1)).unwrap_or(day);
        lines.push("BEGIN:VEVENT".to_owned());
        lines.push(format!("UID:{}@landsbyplan", event.id));
        lines.push(format!("DTSTAMP:{stamp}"));
        lines.push(format!("DTSTART;VALUE=DATE:{}", day.format("%Y%m%d")));
        lines.push(format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")));
        lines.push(format!("SUMMARY:{}", escape(&event.fields.title)));
        if !event.fields.invites.is_empty() {
            lines.push(format!("DESCRIPTION:{}", escape(&event.fields.invites)));
        }
        lines.push(format!("CATEGORIES:{}", event.fields.kind.as_str()));
        lines.push(
            match event.state {
                EventState::Planned => "STATUS:CONFIRMED",
                EventState::Cancelled => "STATUS:CANCELLED",
            }
            .to_owned(),
        );
        lines.push("TRANSP:TRANSPARENT".to_owned());
        lines.push("END:VEVENT".to_owned());
    }
    lines.push("END:VCALENDAR".to_owned());
    let mut out = String::new();
    for line in lines {
        fold(&line, &mut out);
    }
    out
}

/// Text with the characters RFC 5545 reserves escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded at 75 octets (never inside a character), ending in CRLF.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        let _ = out.write_char(c);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventId, EventKind, WheelEventFields};
    use chrono::NaiveDate;
    use icalendar::{Calendar, CalendarComponent, Component};

    fn event(n: u128, title: &str, date: NaiveDate, state: EventState) -> WheelEvent {
        WheelEvent {
            id: EventId::from_random(n),
            fields: WheelEventFields {
                title: title.to_owned(),
                kind: EventKind::GrantDeadline,
                date,
                invites: "Landdistriktskonsulenten; Billund Kommune, Jorden Rundt".to_owned(),
                council: None,
            },
            state,
        }
    }

    #[test]
    fn every_event_is_an_all_day_event_an_independent_parser_reads_back() {
        let long = "Frist for Landdistriktspuljen – ansøgninger om tilskud til lokale projekter i landsbyerne, også æøå";
        let events = [
            event(
                1,
                long,
                NaiveDate::from_ymd_opt(2027, 2, 15).unwrap(),
                EventState::Planned,
            ),
            event(
                2,
                "Dialogmøde, Vorbasse",
                NaiveDate::from_ymd_opt(2027, 10, 4).unwrap(),
                EventState::Cancelled,
            ),
        ];
        let text = wheel_to_ics("Årshjul 2027", &events, 1_780_000_000);
        assert!(
            text.lines().all(|l| l.len() <= 76),
            "folded at 75 octets plus CR"
        );
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        let calendar: Calendar = text.parse().unwrap();
        let parsed: Vec<_> = calendar
            .components
            .iter()
            .filter_map(|c| match c {
                CalendarComponent::Event(e) => Some(e),
                _ => None,
            })
            .collect();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].get_summary(), Some(long));
        assert_eq!(
            parsed[0].get_description(),
            Some("Landdistriktskonsulenten; Billund Kommune, Jorden Rundt")
        );
        assert_eq!(
            parsed[0].get_start(),
            Some(icalendar::DatePerhapsTime::Date(
                NaiveDate::from_ymd_opt(2027, 2, 15).unwrap()
            ))
        );
        assert_eq!(parsed[1].get_summary(), Some("Dialogmøde, Vorbasse"));
        assert_eq!(
            parsed[1].get_status(),
            Some(icalendar::EventStatus::Cancelled)
        );
        assert_eq!(
            parsed[0].get_uid(),
            Some(format!("{}@landsbyplan", EventId::from_random(1)).as_str())
        );
    }
}
