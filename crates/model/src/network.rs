//! The network space: the policy's focus areas (data the consultant edits, seeded with
//! the three confirmed ones), the annual wheel, and the directory of councils and groups.

use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ROOT};
use chrono::{Datelike, NaiveDate};

use crate::doc::{self, DATE_FORMAT, stored_enum};
use crate::space::{DIRECTORY, FOCUS_AREAS, ROUNDS, WHEEL, required};
use crate::{
    CouncilRef, Dkk, Error, EventId, FocusAreaId, GrantRound, Result, Space, SpaceId, SpaceKind,
    Stamp,
};

const NAME: &str = "name";
const DESCRIPTION: &str = "description";
const TITLE: &str = "title";
const KIND: &str = "kind";
const DATE: &str = "date";
const INVITES: &str = "invites";
const COUNCIL: &str = "council";
const STATE: &str = "state";
const SPACE_KIND: &str = "space_kind";
const FOCUS: &str = "focus_area";

/// The focus areas confirmed by name in the rural district policy, with fixed ids so that
/// every device and every document refers to them alike.
pub const SEED_FOCUS_AREAS: [(FocusAreaId, &str); 3] = [
    (
        FocusAreaId::from_random(1),
        "Natur-, kultur- og fritidstilbud",
    ),
    (FocusAreaId::from_random(2), "Områdefornyelse"),
    (FocusAreaId::from_random(3), "Mobilitet"),
];

/// A focus area of the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FocusArea {
    /// Its id.
    pub id: FocusAreaId,
    /// Its name.
    pub name: String,
    /// What it covers.
    pub description: String,
}

stored_enum! {
    /// What an event of the annual wheel is.
    pub enum EventKind {
        /// Autumn: a council's dialogue meeting with the consultant.
        DialogueMeeting = "dialogue-meeting",
        /// Winter: the consultant's workshop for local enthusiasts (ildsjæleværksted).
        EnthusiastWorkshop = "enthusiast-workshop",
        /// Spring: Økonomiudvalget's and Landdistriktsrådet's theme and budget meeting.
        ThemeAndBudgetMeeting = "theme-and-budget-meeting",
        /// April: Landdistriktsrådet's annual meeting.
        RuralCouncilAnnualMeeting = "rural-council-annual-meeting",
        /// A deadline of Landdistriktspuljen.
        GrantDeadline = "grant-deadline",
        /// A council presents its development plan to Økonomiudvalget (every fourth year).
        PlanPresentation = "plan-presentation",
        /// Anything else.
        Other = "other",
    }
}

stored_enum! {
    /// Whether an event takes place.
    pub enum EventState {
        /// It is planned.
        Planned = "planned",
        /// It was cancelled.
        Cancelled = "cancelled",
    }
}

stored_enum! {
    /// The seasons of the wheel.
    pub enum Season {
        /// December to February.
        Winter = "winter",
        /// March to May.
        Spring = "spring",
        /// June to August.
        Summer = "summer",
        /// September to November.
        Autumn = "autumn",
    }
}

impl Season {
    /// The season `date` falls in.
    pub fn of(date: NaiveDate) -> Self {
        match date.month() {
            3..=5 => Self::Spring,
            6..=8 => Self::Summer,
            9..=11 => Self::Autumn,
            _ => Self::Winter,
        }
    }
}

/// An event's fields, for adding or editing one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WheelEventFields {
    /// Its title.
    pub title: String,
    /// What it is.
    pub kind: EventKind,
    /// When.
    pub date: NaiveDate,
    /// Who invites.
    pub invites: String,
    /// The council it concerns, if one.
    pub council: Option<SpaceId>,
}

/// An event of the annual wheel, as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WheelEvent {
    /// Its id.
    pub id: EventId,
    /// Its fields.
    pub fields: WheelEventFields,
    /// Whether it takes place.
    pub state: EventState,
}

impl WheelEvent {
    /// The season it falls in.
    pub fn season(&self) -> Season {
        Season::of(self.fields.date)
    }
}

/// A council or group listed in the network's directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryEntry {
    /// Its space.
    pub space: SpaceId,
    /// Council or group.
    pub kind: SpaceKind,
    /// Its name.
    pub name: String,
    /// A group's focus area.
    pub focus_area: Option<FocusAreaId>,
}

/// The id of a standard event: derived from the year, the kind and (for a council's
/// events) the council, so two devices prefilling at once make one event, not two.
fn standard_id(year: i32, kind: EventKind, extra: u128) -> EventId {
    let kind_index = EventKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u128;
    let year_bits = u128::from(year.unsigned_abs());
    EventId::from_random(
        (0x57 << 120) | (year_bits << 88) | (kind_index << 80) | (extra & ((1 << 80) - 1)),
    )
}

/// A council presents its development plan every fourth year: from the presentations on
/// the wheel, the ones due in `year`, on the same day of the year as the last one.
fn plan_presentations(
    year: i32,
    councils: &[CouncilRef],
    wheel: &[WheelEvent],
) -> Vec<(EventId, WheelEventFields)> {
    councils
        .iter()
        .filter_map(|council| {
            let last = wheel
                .iter()
                .filter(|e| {
                    e.fields.kind == EventKind::PlanPresentation
                        && e.fields.council == Some(council.space)
                        && e.state == EventState::Planned
                        && e.fields.date.year() < year
                })
                .map(|e| e.fields.date)
                .max()?;
            if (year - last.year()) % 4 != 0 {
                return None;
            }
            let date = last
                .with_year(year)
                .or_else(|| NaiveDate::from_ymd_opt(year, last.month(), 28))?;
            Some((
                standard_id(year, EventKind::PlanPresentation, council.space.bits()),
                WheelEventFields {
                    title: format!("Fremlæggelse af udviklingsplan: {}", council.name),
                    kind: EventKind::PlanPresentation,
                    date,
                    invites: "Økonomiudvalget".to_owned(),
                    council: Some(council.space),
                },
            ))
        })
        .collect()
}

/// The year's standard events for the wheel, each with an id derived from the year, the
/// kind and the council, so prefilling on two devices at once makes one set, not two.
pub fn standard_events(year: i32, councils: &[CouncilRef]) -> Vec<(EventId, WheelEventFields)> {
    let date = |month, day| NaiveDate::from_ymd_opt(year, month, day).expect("a real date");
    let id = |kind: EventKind, extra: u128| standard_id(year, kind, extra);
    let event = |kind, title: &str, date, invites: &str, council| WheelEventFields {
        title: title.to_owned(),
        kind,
        date,
        invites: invites.to_owned(),
        council,
    };
    let mut events = vec![
        (
            id(EventKind::EnthusiastWorkshop, 0),
            event(
                EventKind::EnthusiastWorkshop,
                "Ildsjæleværksted",
                date(1, 20),
                "Landdistriktskonsulenten",
                None,
            ),
        ),
        (
            id(EventKind::ThemeAndBudgetMeeting, 0),
            event(
                EventKind::ThemeAndBudgetMeeting,
                "Tema- og budgetmøde",
                date(3, 15),
                "Økonomiudvalget og Landdistriktsrådet",
                None,
            ),
        ),
        (
            id(EventKind::RuralCouncilAnnualMeeting, 0),
            event(
                EventKind::RuralCouncilAnnualMeeting,
                "Landdistriktsrådets årsmøde",
                date(4, 20),
                "Landdistriktsrådet",
                None,
            ),
        ),
        (
            id(EventKind::DialogueMeeting, 0),
            event(
                EventKind::DialogueMeeting,
                "Dialogmøde med Landdistriktsrådet",
                date(10, 1),
                "Landdistriktsrådet",
                None,
            ),
        ),
    ];
    for quarter in 1..=4u8 {
        let round = GrantRound { year, quarter };
        events.push((
            id(EventKind::GrantDeadline, u128::from(quarter)),
            event(
                EventKind::GrantDeadline,
                "Ansøgningsfrist, Landdistriktspuljen",
                round.deadline(),
                "Billund Kommune",
                None,
            ),
        ));
    }
    for (n, council) in councils.iter().enumerate() {
        let day = u32::try_from(n % 28).unwrap_or(0) + 2;
        events.push((
            id(EventKind::DialogueMeeting, council.space.bits()),
            event(
                EventKind::DialogueMeeting,
                &format!("Dialogmøde: {}", council.name),
                date(10, day),
                &council.name,
                Some(council.space),
            ),
        ));
    }
    events
}

impl Space {
    /// A new network space, seeded with the confirmed focus areas.
    pub fn create_network(id: SpaceId, name: &str, stamp: &Stamp) -> Result<Self> {
        Self::create(id, SpaceKind::Network, name, stamp, |doc| {
            let areas = doc::map(doc, &ROOT, FOCUS_AREAS).ok_or(Error::MissingPart(FOCUS_AREAS))?;
            for (area, name) in SEED_FOCUS_AREAS {
                let record = doc.put_object(&areas, area.to_string(), ObjType::Map)?;
                doc.put(&record, NAME, name)?;
                doc.put(&record, DESCRIPTION, "")?;
            }
            Ok(())
        })
    }

    /// Adds a focus area (the consultant).
    pub fn add_focus_area(
        &mut self,
        id: FocusAreaId,
        name: &str,
        description: &str,
        stamp: &Stamp,
    ) -> Result<()> {
        self.require(SpaceKind::Network)?;
        let name = required(name, "the focus area's name")?.to_owned();
        self.edit(stamp, |s| {
            let areas = s.part(FOCUS_AREAS)?;
            let record = s.doc.put_object(&areas, id.to_string(), ObjType::Map)?;
            s.doc.put(&record, NAME, name)?;
            s.doc.put(&record, DESCRIPTION, description.trim())?;
            Ok(())
        })
    }

    /// Renames or re-describes a focus area.
    pub fn edit_focus_area(
        &mut self,
        id: FocusAreaId,
        name: &str,
        description: &str,
        stamp: &Stamp,
    ) -> Result<()> {
        self.require(SpaceKind::Network)?;
        let name = required(name, "the focus area's name")?.to_owned();
        self.edit(stamp, |s| {
            let record = s.entity(&s.part(FOCUS_AREAS)?, "focus area", id)?;
            s.put_changed(&record, NAME, name)?;
            s.put_changed(&record, DESCRIPTION, description.trim())
        })
    }

    /// Removes a focus area from the list.
    pub fn remove_focus_area(&mut self, id: FocusAreaId, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::Network)?;
        self.edit(stamp, |s| {
            let areas = s.part(FOCUS_AREAS)?;
            s.entity(&areas, "focus area", id)?;
            s.doc.delete(&areas, id.to_string())?;
            Ok(())
        })
    }

    /// The focus areas, by name.
    pub fn focus_areas(&self) -> Vec<FocusArea> {
        let Ok(areas) = self.part(FOCUS_AREAS) else {
            return Vec::new();
        };
        let mut list: Vec<FocusArea> = doc::entries(&self.doc, &areas)
            .into_iter()
            .map(|(id, record)| FocusArea {
                id,
                name: doc::string(&self.doc, &record, NAME).unwrap_or_default(),
                description: doc::string(&self.doc, &record, DESCRIPTION).unwrap_or_default(),
            })
            .collect();
        list.sort_by_cached_key(|a| (a.name.to_lowercase(), a.id));
        list
    }

    fn write_event(&mut self, record: &ObjId, fields: &WheelEventFields) -> Result<()> {
        let title = required(&fields.title, "the event's title")?.to_owned();
        self.put_changed(record, TITLE, title)?;
        self.put_changed(record, KIND, fields.kind.as_str())?;
        self.put_changed(record, DATE, fields.date.format(DATE_FORMAT).to_string())?;
        self.put_changed(record, INVITES, fields.invites.trim())?;
        self.put_optional(record, COUNCIL, fields.council.map(|c| c.to_string()))
    }

    /// Adds an event to the wheel.
    pub fn add_event(
        &mut self,
        id: EventId,
        fields: &WheelEventFields,
        stamp: &Stamp,
    ) -> Result<()> {
        self.require(SpaceKind::Network)?;
        self.edit(stamp, |s| {
            let wheel = s.part(WHEEL)?;
            let record = s.doc.put_object(&wheel, id.to_string(), ObjType::Map)?;
            s.doc.put(&record, STATE, EventState::Planned.as_str())?;
            s.write_event(&record, fields)
        })
    }

    /// Changes an event (moving it is changing its date).
    pub fn update_event(
        &mut self,
        id: EventId,
        fields: &WheelEventFields,
        stamp: &Stamp,
    ) -> Result<()> {
        self.require(SpaceKind::Network)?;
        self.edit(stamp, |s| {
            let record = s.entity(&s.part(WHEEL)?, "event", id)?;
            s.write_event(&record, fields)
        })
    }

    /// Cancels or reinstates an event; a cancelled event stays on the wheel, marked.
    pub fn set_event_state(&mut self, id: EventId, state: EventState, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::Network)?;
        self.edit(stamp, |s| {
            let record = s.entity(&s.part(WHEEL)?, "event", id)?;
            s.put_changed(&record, STATE, state.as_str())
        })
    }

    /// Adds the year's standard events that are not on the wheel yet; returns how many.
    /// Besides [`standard_events`], a council whose development plan presentation is on
    /// the wheel four (eight, …) years earlier gets this year's presentation.
    pub fn prefill_year(
        &mut self,
        year: i32,
        councils: &[CouncilRef],
        stamp: &Stamp,
    ) -> Result<usize> {
        self.require(SpaceKind::Network)?;
        let mut events = standard_events(year, councils);
        events.extend(plan_presentations(year, councils, &self.wheel(None)));
        self.edit(stamp, |s| {
            let wheel = s.part(WHEEL)?;
            let mut added = 0;
            for (id, fields) in events {
                if doc::map(&s.doc, &wheel, &id.to_string()).is_none() {
                    let record = s.doc.put_object(&wheel, id.to_string(), ObjType::Map)?;
                    s.doc.put(&record, STATE, EventState::Planned.as_str())?;
                    s.write_event(&record, &fields)?;
                    added += 1;
                }
            }
            Ok(added)
        })
    }

    /// The wheel's events in `year` (all years for `None`), by date then id.
    pub fn wheel(&self, year: Option<i32>) -> Vec<WheelEvent> {
        let Ok(wheel) = self.part(WHEEL) else {
            return Vec::new();
        };
        let mut list: Vec<WheelEvent> = doc::entries(&self.doc, &wheel)
            .into_iter()
            .filter_map(|(id, record)| {
                Some(WheelEvent {
                    id,
                    fields: WheelEventFields {
                        title: doc::string(&self.doc, &record, TITLE).unwrap_or_default(),
                        kind: doc::parsed(&self.doc, &record, KIND).unwrap_or(EventKind::Other),
                        date: doc::date(&self.doc, &record, DATE)?,
                        invites: doc::string(&self.doc, &record, INVITES).unwrap_or_default(),
                        council: doc::parsed(&self.doc, &record, COUNCIL),
                    },
                    state: doc::parsed(&self.doc, &record, STATE).unwrap_or(EventState::Planned),
                })
            })
            .filter(|event| year.is_none_or(|y| event.fields.date.year() == y))
            .collect();
        list.sort_by_key(|e| (e.fields.date, e.id));
        list
    }

    /// Lists a council or group in the directory (or updates its entry).
    pub fn register_in_directory(&mut self, entry: &DirectoryEntry, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::Network)?;
        let name = required(&entry.name, "the name")?.to_owned();
        self.edit(stamp, |s| {
            let directory = s.part(DIRECTORY)?;
            let key = entry.space.to_string();
            let record = match doc::map(&s.doc, &directory, &key) {
                Some(existing) => existing,
                None => s.doc.put_object(&directory, key, ObjType::Map)?,
            };
            s.put_changed(&record, SPACE_KIND, entry.kind.as_str())?;
            s.put_changed(&record, NAME, name)?;
            s.put_optional(&record, FOCUS, entry.focus_area.map(|f| f.to_string()))
        })
    }

    /// The directory, by name.
    pub fn directory(&self) -> Vec<DirectoryEntry> {
        let Ok(directory) = self.part(DIRECTORY) else {
            return Vec::new();
        };
        let mut list: Vec<DirectoryEntry> = doc::entries(&self.doc, &directory)
            .into_iter()
            .filter_map(|(space, record)| {
                Some(DirectoryEntry {
                    space,
                    kind: doc::parsed(&self.doc, &record, SPACE_KIND)?,
                    name: doc::string(&self.doc, &record, NAME).unwrap_or_default(),
                    focus_area: doc::parsed(&self.doc, &record, FOCUS),
                })
            })
            .collect();
        list.sort_by(|a, b| {
            (a.name.to_lowercase(), a.space).cmp(&(b.name.to_lowercase(), b.space))
        });
        list
    }

    /// Sets how much the pool has to give in `round`.
    pub fn set_round_budget(
        &mut self,
        round: GrantRound,
        budget: Dkk,
        stamp: &Stamp,
    ) -> Result<()> {
        self.require(SpaceKind::Network)?;
        if budget.0 < 0 {
            return Err(Error::Negative);
        }
        self.edit(stamp, |s| {
            let rounds = s.part(ROUNDS)?;
            s.put_changed(&rounds, &round.to_string(), budget.0)
        })
    }

    /// The pool's rounds with a budget set, in date order.
    pub fn round_budgets(&self) -> Vec<(GrantRound, Dkk)> {
        let Ok(rounds) = self.part(ROUNDS) else {
            return Vec::new();
        };
        let mut list: Vec<(GrantRound, Dkk)> = automerge::ReadDoc::keys(&self.doc, &rounds)
            .filter_map(|key| Some((key.parse().ok()?, Dkk(doc::int(&self.doc, &rounds, &key)?))))
            .collect();
        list.sort();
        list
    }
}
