//! Meetings of a council or a group: agenda and minutes (written during the meeting,
//! often offline), attendance, and decisions that become actions or tasks of the plan.

use automerge::ObjId;
use automerge::transaction::Transactable;
use chrono::NaiveDate;

use crate::doc::{self, DATE_FORMAT};
use crate::space::{MEETINGS, required};
use crate::{
    ActionFields, ActionId, ActionStatus, DecisionId, MeetingId, PersonId, Result, Space,
    SpaceKind, Stamp, TaskFields, TaskId, TaskStatus,
};

const TITLE: &str = "title";
const DATE: &str = "date";
pub(crate) const AGENDA: &str = "agenda";
pub(crate) const MINUTES: &str = "minutes";
const ATTENDANCE: &str = "attendance";
const DECISIONS: &str = "decisions";
const TEXT: &str = "text";
const OWNER: &str = "owner";
const DEADLINE: &str = "deadline";
const BECAME: &str = "became";

/// Whether a member was at a meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attendance {
    /// They were there.
    Present,
    /// They were not.
    Absent,
}

/// A decision taken at a meeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Its id.
    pub id: DecisionId,
    /// What was decided.
    pub text: String,
    /// Who carries it out, if still a member.
    pub owner: Option<PersonId>,
    /// By when.
    pub deadline: Option<NaiveDate>,
    /// The plan item it became, if it did.
    pub became: Option<PlanItem>,
}

/// An item of a plan that a decision became.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanItem {
    /// An action of a council's development plan.
    Action(ActionId),
    /// A task of a group's project plan.
    Task(TaskId),
}

/// A meeting, as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meeting {
    /// Its id.
    pub id: MeetingId,
    /// Its title.
    pub title: String,
    /// When.
    pub date: Option<NaiveDate>,
    /// The agenda.
    pub agenda: String,
    /// The minutes.
    pub minutes: String,
    /// The members who were there.
    pub present: Vec<PersonId>,
    /// The decisions, by id.
    pub decisions: Vec<Decision>,
}

impl Space {
    pub(crate) fn meeting(&self, id: MeetingId) -> Result<ObjId> {
        self.entity(&self.part(MEETINGS)?, "meeting", id)
    }

    /// Adds a meeting (council or group).
    pub fn add_meeting(
        &mut self,
        id: MeetingId,
        title: &str,
        date: Option<NaiveDate>,
        stamp: &Stamp,
    ) -> Result<()> {
        self.require_council_or_group()?;
        let title = required(title, "the meeting's title")?.to_owned();
        self.edit(stamp, |s| {
            let meetings = s.part(MEETINGS)?;
            let record = s
                .doc
                .put_object(&meetings, id.to_string(), automerge::ObjType::Map)?;
            s.doc.put(&record, TITLE, title)?;
            s.put_optional(
                &record,
                DATE,
                date.map(|d| d.format(DATE_FORMAT).to_string()),
            )?;
            s.doc
                .put_object(&record, AGENDA, automerge::ObjType::Text)?;
            s.doc
                .put_object(&record, MINUTES, automerge::ObjType::Text)?;
            s.doc
                .put_object(&record, ATTENDANCE, automerge::ObjType::Map)?;
            s.doc
                .put_object(&record, DECISIONS, automerge::ObjType::Map)?;
            Ok(())
        })
    }

    /// Rewrites the agenda, by the smallest change.
    pub fn set_agenda(&mut self, id: MeetingId, text: &str, stamp: &Stamp) -> Result<()> {
        self.edit(stamp, |s| {
            let record = s.meeting(id)?;
            s.update_text(&record, AGENDA, text)
        })
    }

    /// Rewrites the minutes, by the smallest change: several people can take minutes at once.
    pub fn set_minutes(&mut self, id: MeetingId, text: &str, stamp: &Stamp) -> Result<()> {
        self.edit(stamp, |s| {
            let record = s.meeting(id)?;
            s.update_text(&record, MINUTES, text)
        })
    }

    /// Records whether a member was at the meeting.
    pub fn set_attendance(
        &mut self,
        id: MeetingId,
        person: PersonId,
        attendance: Attendance,
        stamp: &Stamp,
    ) -> Result<()> {
        if !self.is_member(person) {
            return Err(crate::Error::NotAMember);
        }
        self.edit(stamp, |s| {
            let record = s.meeting(id)?;
            let present = doc::map(&s.doc, &record, ATTENDANCE)
                .ok_or(crate::Error::MissingPart(ATTENDANCE))?;
            match attendance {
                Attendance::Present => s.put_changed(&present, &person.to_string(), true),
                Attendance::Absent => s.put_optional(&present, &person.to_string(), None),
            }
        })
    }

    /// Records a decision taken at the meeting.
    pub fn add_decision(
        &mut self,
        meeting: MeetingId,
        id: DecisionId,
        text: &str,
        owner: Option<PersonId>,
        deadline: Option<NaiveDate>,
        stamp: &Stamp,
    ) -> Result<()> {
        let text = required(text, "the decision")?.to_owned();
        if owner.is_some_and(|p| !self.is_member(p)) {
            return Err(crate::Error::NotAMember);
        }
        self.edit(stamp, |s| {
            let record = s.meeting(meeting)?;
            let decisions =
                doc::map(&s.doc, &record, DECISIONS).ok_or(crate::Error::MissingPart(DECISIONS))?;
            let decision = s
                .doc
                .put_object(&decisions, id.to_string(), automerge::ObjType::Map)?;
            s.doc.put(&decision, TEXT, text)?;
            s.put_optional(&decision, OWNER, owner.map(|p| p.to_string()))?;
            s.put_optional(
                &decision,
                DEADLINE,
                deadline.map(|d| d.format(DATE_FORMAT).to_string()),
            )
        })
    }

    /// Turns a decision into an action (council) or a task (group) with its text, owner
    /// and deadline, in one change. The new item's id is the decision's, so two devices
    /// doing this at once make the same item, not two.
    pub fn decision_to_plan(
        &mut self,
        meeting: MeetingId,
        decision: DecisionId,
        stamp: &Stamp,
    ) -> Result<PlanItem> {
        let found = self
            .meetings()
            .into_iter()
            .find(|m| m.id == meeting)
            .and_then(|m| m.decisions.into_iter().find(|d| d.id == decision))
            .ok_or_else(|| crate::Error::NotFound {
                what: "decision",
                id: decision.to_string(),
            })?;
        if let Some(item) = found.became {
            return Ok(item);
        }
        let item = match self.kind() {
            SpaceKind::ProjectGroup => PlanItem::Task(TaskId::from_random(decision.bits())),
            _ => PlanItem::Action(ActionId::from_random(decision.bits())),
        };
        match item {
            PlanItem::Action(action) => self.add_action(
                action,
                &ActionFields {
                    owner: found.owner,
                    deadline: found.deadline,
                    status: ActionStatus::Planned,
                    ..ActionFields::titled(found.text.clone())
                },
                stamp,
            )?,
            PlanItem::Task(task) => self.add_task(
                task,
                &TaskFields {
                    owner: found.owner,
                    due: found.deadline,
                    status: TaskStatus::Todo,
                    ..TaskFields::titled(found.text.clone())
                },
                stamp,
            )?,
        }
        self.edit(stamp, |s| {
            let record = s.meeting(meeting)?;
            let decisions =
                doc::map(&s.doc, &record, DECISIONS).ok_or(crate::Error::MissingPart(DECISIONS))?;
            let entry = s.entity(&decisions, "decision", decision)?;
            let link = match item {
                PlanItem::Action(a) => format!("action:{a}"),
                PlanItem::Task(t) => format!("task:{t}"),
            };
            s.put_changed(&entry, BECAME, link)
        })?;
        Ok(item)
    }

    /// The meetings, by date then id.
    pub fn meetings(&self) -> Vec<Meeting> {
        let Ok(meetings) = self.part(MEETINGS) else {
            return Vec::new();
        };
        let d = &self.doc;
        let mut list: Vec<Meeting> = doc::entries::<MeetingId>(d, &meetings)
            .into_iter()
            .map(|(id, record)| {
                let mut present: Vec<PersonId> = doc::map(d, &record, ATTENDANCE)
                    .map(|a| {
                        automerge::ReadDoc::keys(d, &a)
                            .filter_map(|k| k.parse().ok())
                            .collect()
                    })
                    .unwrap_or_default();
                present.retain(|p| self.is_member(*p));
                present.sort();
                let mut decisions: Vec<Decision> = doc::map(d, &record, DECISIONS)
                    .map(|m| doc::entries::<DecisionId>(d, &m))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(id, entry)| Decision {
                        id,
                        text: doc::string(d, &entry, TEXT).unwrap_or_default(),
                        owner: doc::parsed(d, &entry, OWNER).filter(|p| self.is_member(*p)),
                        deadline: doc::date(d, &entry, DEADLINE),
                        became: doc::string(d, &entry, BECAME).and_then(|link| parse_link(&link)),
                    })
                    .collect();
                decisions.sort_by_key(|decision| decision.id);
                Meeting {
                    id,
                    title: doc::string(d, &record, TITLE).unwrap_or_default(),
                    date: doc::date(d, &record, DATE),
                    agenda: doc::text(d, &record, AGENDA),
                    minutes: doc::text(d, &record, MINUTES),
                    present,
                    decisions,
                }
            })
            .collect();
        list.sort_by_key(|m| (m.date, m.id));
        list
    }
}

fn parse_link(link: &str) -> Option<PlanItem> {
    match link.split_once(':')? {
        ("action", id) => id.parse().ok().map(PlanItem::Action),
        ("task", id) => id.parse().ok().map(PlanItem::Task),
        _ => None,
    }
}
