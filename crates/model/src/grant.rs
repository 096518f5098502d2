//! Grant applications to Landdistriktspuljen: budget, own financing and its 25 % rule,
//! the round, the council's endorsement, and the status through decision and reporting.

use automerge::transaction::Transactable;
use automerge::{ObjId, ReadDoc};
use chrono::{Months, NaiveDate};

use crate::doc::{self, DATE_FORMAT, stored_enum};
use crate::space::{APPLICATIONS, required};
use crate::{ApplicationId, BudgetLineId, Error, FocusAreaId, GoalId, Result, Space, Stamp};

mod money;
mod round;

pub use money::{
    Dkk, OWN_FINANCING_BASE_CAP, OWN_FINANCING_PERCENT, OwnFinancing, OwnFinancingCheck,
    VOLUNTEER_HOUR_VALUE,
};
pub use round::GrantRound;

stored_enum! {
    /// Where an application stands, from draft to closed.
    pub enum GrantStatus {
        /// Being written.
        Draft = "draft",
        /// The local council has endorsed it.
        Endorsed = "endorsed",
        /// Sent to the municipality.
        Submitted = "submitted",
        /// Granted in full.
        Granted = "granted",
        /// Granted in part.
        PartlyGranted = "partly-granted",
        /// Not granted.
        Rejected = "rejected",
        /// The project ended; evaluation and accounts are due.
        ReportingDue = "reporting-due",
        /// Done with.
        Closed = "closed",
    }
}

impl GrantStatus {
    /// Whether an application may go from `self` to `to`.
    pub fn can_go_to(self, to: Self) -> bool {
        use GrantStatus::*;
        matches!(
            (self, to),
            (Draft, Endorsed)
                | (Endorsed, Draft)
                | (Endorsed, Submitted)
                | (Submitted, Granted | PartlyGranted | Rejected)
                | (Granted | PartlyGranted, ReportingDue)
                | (ReportingDue | Rejected, Closed)
        )
    }
}

/// A line of the budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BudgetLine {
    /// The line's id.
    pub id: BudgetLineId,
    /// What the money is for.
    pub text: String,
    /// How much.
    pub amount: Dkk,
    /// The supplier quote it rests on, as noted.
    pub quote: String,
}

/// The local council's endorsement (påtegning).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endorsement {
    /// Who endorsed it for the council.
    pub by: String,
    /// When.
    pub on: NaiveDate,
}

/// The municipality's decision on a submitted application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Granted in full, this amount.
    Granted(Dkk),
    /// Granted in part, this amount.
    PartlyGranted(Dkk),
    /// Not granted.
    Rejected,
}

/// A grant application, as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantApplication {
    /// Its id.
    pub id: ApplicationId,
    /// Its title.
    pub title: String,
    /// What the project is.
    pub description: String,
    /// The policy's focus areas it supports.
    pub focus_areas: Vec<FocusAreaId>,
    /// The development plan's goals it supports.
    pub goals: Vec<GoalId>,
    /// The budget, by id.
    pub budget: Vec<BudgetLine>,
    /// Own financing.
    pub own_financing: OwnFinancing,
    /// The round it is for.
    pub round: Option<GrantRound>,
    /// The council's endorsement.
    pub endorsement: Option<Endorsement>,
    /// Where it stands.
    pub status: GrantStatus,
    /// The amount granted.
    pub granted: Option<Dkk>,
    /// When it was decided.
    pub decided_on: Option<NaiveDate>,
    /// When the project ends.
    pub project_end: Option<NaiveDate>,
}

impl GrantApplication {
    /// The budget's total.
    pub fn budget_total(&self) -> Dkk {
        Dkk(self.budget.iter().map(|line| line.amount.0).sum())
    }

    /// The 25 % rule for this application.
    pub fn own_financing_check(&self) -> OwnFinancingCheck {
        OwnFinancingCheck::new(self.budget_total(), self.own_financing)
    }

    /// A grant is valid for two years from the decision.
    pub fn valid_until(&self) -> Option<NaiveDate> {
        match self.status {
            GrantStatus::Granted | GrantStatus::PartlyGranted | GrantStatus::ReportingDue => {
                self.decided_on?.checked_add_months(Months::new(24))
            }
            _ => None,
        }
    }

    /// Evaluation, accounts and documentation are due three months after the project ends.
    pub fn report_due(&self) -> Option<NaiveDate> {
        match self.status {
            GrantStatus::Granted | GrantStatus::PartlyGranted | GrantStatus::ReportingDue => {
                self.project_end?.checked_add_months(Months::new(3))
            }
            _ => None,
        }
    }

    /// Whether the report is late on `today`.
    pub fn is_report_overdue(&self, today: NaiveDate) -> bool {
        self.report_due().is_some_and(|due| today > due)
    }
}

const TITLE: &str = "title";
pub(crate) const DESCRIPTION: &str = "description";
const FOCUS_AREAS: &str = "focus_areas";
const GOALS: &str = "goals";
const BUDGET: &str = "budget";
const TEXT: &str = "text";
const AMOUNT: &str = "amount";
const QUOTE: &str = "quote";
const CASH: &str = "cash";
const HOURS: &str = "volunteer_hours";
const ROUND: &str = "round";
const ENDORSED_BY: &str = "endorsed_by";
const ENDORSED_ON: &str = "endorsed_on";
const STATUS: &str = "status";
const GRANTED: &str = "granted";
const DECIDED_ON: &str = "decided_on";
const PROJECT_END: &str = "project_end";

impl Space {
    pub(crate) fn application(&self, id: ApplicationId) -> Result<ObjId> {
        self.entity(&self.part(APPLICATIONS)?, "application", id)
    }

    fn status_of(&self, application: &ObjId) -> GrantStatus {
        doc::parsed(&self.doc, application, STATUS).unwrap_or(GrantStatus::Draft)
    }

    pub(crate) fn draft(&self, id: ApplicationId) -> Result<ObjId> {
        let application = self.application(id)?;
        if self.status_of(&application) != GrantStatus::Draft {
            return Err(Error::NotADraft);
        }
        Ok(application)
    }

    /// Starts a draft application (council or project group).
    pub fn add_application(&mut self, id: ApplicationId, title: &str, stamp: &Stamp) -> Result<()> {
        self.require_council_or_group()?;
        let title = required(title, "the title")?.to_owned();
        self.edit(stamp, |s| {
            let applications = s.part(APPLICATIONS)?;
            let record =
                s.doc
                    .put_object(&applications, id.to_string(), automerge::ObjType::Map)?;
            s.doc.put(&record, TITLE, title)?;
            s.doc
                .put_object(&record, DESCRIPTION, automerge::ObjType::Text)?;
            s.doc
                .put_object(&record, FOCUS_AREAS, automerge::ObjType::Map)?;
            s.doc.put_object(&record, GOALS, automerge::ObjType::Map)?;
            s.doc.put_object(&record, BUDGET, automerge::ObjType::Map)?;
            s.doc.put(&record, CASH, 0_i64)?;
            s.doc.put(&record, HOURS, 0_i64)?;
            s.doc.put(&record, STATUS, GrantStatus::Draft.as_str())?;
            Ok(())
        })
    }

    /// Sets the title and description of a draft.
    pub fn describe_application(
        &mut self,
        id: ApplicationId,
        title: &str,
        description: &str,
        stamp: &Stamp,
    ) -> Result<()> {
        let title = required(title, "the title")?.to_owned();
        self.edit(stamp, |s| {
            let record = s.draft(id)?;
            s.put_changed(&record, TITLE, title)?;
            s.update_text(&record, DESCRIPTION, description)
        })
    }

    /// Says which focus areas and plan goals a draft supports.
    pub fn set_application_supports(
        &mut self,
        id: ApplicationId,
        focus_areas: &[FocusAreaId],
        goals: &[GoalId],
        stamp: &Stamp,
    ) -> Result<()> {
        self.edit(stamp, |s| {
            let record = s.draft(id)?;
            let wanted_areas: Vec<String> = focus_areas.iter().map(ToString::to_string).collect();
            let wanted_goals: Vec<String> = goals.iter().map(ToString::to_string).collect();
            for (key, wanted) in [(FOCUS_AREAS, wanted_areas), (GOALS, wanted_goals)] {
                let set = doc::map(&s.doc, &record, key).ok_or(Error::MissingPart(key))?;
                let present: Vec<String> = s.doc.keys(&set).collect();
                for old in present.iter().filter(|k| !wanted.contains(k)) {
                    s.doc.delete(&set, old.as_str())?;
                }
                for new in wanted.iter().filter(|k| !present.contains(k)) {
                    s.doc.put(&set, new.as_str(), true)?;
                }
            }
            Ok(())
        })
    }

    /// Adds a budget line to a draft.
    pub fn add_budget_line(
        &mut self,
        id: ApplicationId,
        line: &BudgetLine,
        stamp: &Stamp,
    ) -> Result<()> {
        let text = required(&line.text, "the budget line")?.to_owned();
        if line.amount.0 < 0 {
            return Err(Error::Negative);
        }
        self.edit(stamp, |s| {
            let record = s.draft(id)?;
            let budget = doc::map(&s.doc, &record, BUDGET).ok_or(Error::MissingPart(BUDGET))?;
            let entry = s
                .doc
                .put_object(&budget, line.id.to_string(), automerge::ObjType::Map)?;
            s.doc.put(&entry, TEXT, text)?;
            s.doc.put(&entry, AMOUNT, line.amount.0)?;
            s.doc.put(&entry, QUOTE, line.quote.trim())?;
            Ok(())
        })
    }

    /// Removes a budget line from a draft.
    pub fn remove_budget_line(
        &mut self,
        id: ApplicationId,
        line: BudgetLineId,
        stamp: &Stamp,
    ) -> Result<()> {
        self.edit(stamp, |s| {
            let record = s.draft(id)?;
            let budget = doc::map(&s.doc, &record, BUDGET).ok_or(Error::MissingPart(BUDGET))?;
            s.entity(&budget, "budget line", line)?;
            s.doc.delete(&budget, line.to_string())?;
            Ok(())
        })
    }

    /// Sets a draft's own financing.
    pub fn set_own_financing(
        &mut self,
        id: ApplicationId,
        own: OwnFinancing,
        stamp: &Stamp,
    ) -> Result<()> {
        if own.cash.0 < 0 {
            return Err(Error::Negative);
        }
        self.edit(stamp, |s| {
            let record = s.draft(id)?;
            s.put_changed(&record, CASH, own.cash.0)?;
            s.put_changed(&record, HOURS, i64::from(own.volunteer_hours))
        })
    }

    /// Chooses the round a draft is for.
    pub fn choose_round(
        &mut self,
        id: ApplicationId,
        round: GrantRound,
        stamp: &Stamp,
    ) -> Result<()> {
        self.edit(stamp, |s| {
            let record = s.draft(id)?;
            s.put_changed(&record, ROUND, round.to_string())
        })
    }

    /// Records the council's endorsement: draft → endorsed.
    pub fn endorse(
        &mut self,
        id: ApplicationId,
        endorsement: &Endorsement,
        stamp: &Stamp,
    ) -> Result<()> {
        let by = required(&endorsement.by, "who endorsed it")?.to_owned();
        self.transition(id, GrantStatus::Endorsed, stamp, |s, record| {
            s.doc.put(record, ENDORSED_BY, by)?;
            s.doc.put(
                record,
                ENDORSED_ON,
                endorsement.on.format(DATE_FORMAT).to_string(),
            )?;
            Ok(())
        })
    }

    /// Withdraws the endorsement to change the application: endorsed → draft.
    pub fn withdraw_endorsement(&mut self, id: ApplicationId, stamp: &Stamp) -> Result<()> {
        self.transition(id, GrantStatus::Draft, stamp, |s, record| {
            s.put_optional(record, ENDORSED_BY, None)?;
            s.put_optional(record, ENDORSED_ON, None)
        })
    }

    /// Submits an endorsed application that meets the 25 % rule: endorsed → submitted.
    pub fn submit_application(&mut self, id: ApplicationId, stamp: &Stamp) -> Result<()> {
        let application = self
            .applications()
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| Error::NotFound {
                what: "application",
                id: id.to_string(),
            })?;
        if application.endorsement.is_none() {
            return Err(Error::NotEndorsed);
        }
        let check = application.own_financing_check();
        if !check.is_met() {
            return Err(Error::OwnFinancingTooLow {
                required: check.required,
                own: check.own,
            });
        }
        self.transition(id, GrantStatus::Submitted, stamp, |_, _| Ok(()))
    }

    /// Records the municipality's decision on a submitted application.
    pub fn decide_application(
        &mut self,
        id: ApplicationId,
        decision: Decision,
        on: NaiveDate,
        stamp: &Stamp,
    ) -> Result<()> {
        let (to, amount) = match decision {
            Decision::Granted(amount) => (GrantStatus::Granted, Some(amount)),
            Decision::PartlyGranted(amount) => (GrantStatus::PartlyGranted, Some(amount)),
            Decision::Rejected => (GrantStatus::Rejected, None),
        };
        if amount.is_some_and(|a| a.0 < 0) {
            return Err(Error::Negative);
        }
        self.transition(id, to, stamp, |s, record| {
            if let Some(amount) = amount {
                s.doc.put(record, GRANTED, amount.0)?;
            }
            s.doc
                .put(record, DECIDED_ON, on.format(DATE_FORMAT).to_string())?;
            Ok(())
        })
    }

    /// Sets when the project ends (the report is due three months later).
    pub fn set_project_end(
        &mut self,
        id: ApplicationId,
        end: NaiveDate,
        stamp: &Stamp,
    ) -> Result<()> {
        self.edit(stamp, |s| {
            let record = s.application(id)?;
            s.put_changed(&record, PROJECT_END, end.format(DATE_FORMAT).to_string())
        })
    }

    /// The project ended: granted → reporting due.
    pub fn mark_reporting_due(&mut self, id: ApplicationId, stamp: &Stamp) -> Result<()> {
        self.transition(id, GrantStatus::ReportingDue, stamp, |_, _| Ok(()))
    }

    /// Reported (or rejected) and done with: → closed.
    pub fn close_application(&mut self, id: ApplicationId, stamp: &Stamp) -> Result<()> {
        self.transition(id, GrantStatus::Closed, stamp, |_, _| Ok(()))
    }

    fn transition(
        &mut self,
        id: ApplicationId,
        to: GrantStatus,
        stamp: &Stamp,
        also: impl FnOnce(&mut Self, &ObjId) -> Result<()>,
    ) -> Result<()> {
        self.require_council_or_group()?;
        self.edit(stamp, |s| {
            let record = s.application(id)?;
            let from = s.status_of(&record);
            if !from.can_go_to(to) {
                return Err(Error::InvalidTransition { from, to });
            }
            s.doc.put(&record, STATUS, to.as_str())?;
            also(s, &record)
        })
    }

    /// The applications, by title then id.
    pub fn applications(&self) -> Vec<GrantApplication> {
        let Ok(applications) = self.part(APPLICATIONS) else {
            return Vec::new();
        };
        let mut list: Vec<GrantApplication> = doc::entries(&self.doc, &applications)
            .into_iter()
            .map(|(id, record)| self.read_application(id, &record))
            .collect();
        list.sort_by_cached_key(|a| (a.title.to_lowercase(), a.id));
        list
    }

    fn read_application(&self, id: ApplicationId, record: &ObjId) -> GrantApplication {
        let d = &self.doc;
        let keys_of = |key: &str| -> Vec<String> {
            doc::map(d, record, key)
                .map(|set| d.keys(&set).collect())
                .unwrap_or_default()
        };
        let mut budget: Vec<BudgetLine> = doc::map(d, record, BUDGET)
            .map(|b| doc::entries::<BudgetLineId>(d, &b))
            .unwrap_or_default()
            .into_iter()
            .map(|(line, entry)| BudgetLine {
                id: line,
                text: doc::string(d, &entry, TEXT).unwrap_or_default(),
                amount: Dkk(doc::int(d, &entry, AMOUNT).unwrap_or(0).max(0)),
                quote: doc::string(d, &entry, QUOTE).unwrap_or_default(),
            })
            .collect();
        budget.sort_by_key(|line| line.id);
        let endorsement = match (
            doc::string(d, record, ENDORSED_BY),
            doc::date(d, record, ENDORSED_ON),
        ) {
            (Some(by), Some(on)) => Some(Endorsement { by, on }),
            _ => None,
        };
        GrantApplication {
            id,
            title: doc::string(d, record, TITLE).unwrap_or_default(),
            description: doc::text(d, record, DESCRIPTION),
            focus_areas: keys_of(FOCUS_AREAS)
                .iter()
                .filter_map(|k| k.parse().ok())
                .collect(),
            goals: keys_of(GOALS)
                .iter()
                .filter_map(|k| k.parse().ok())
                .collect(),
            budget,
            own_financing: OwnFinancing {
                cash: Dkk(doc::int(d, record, CASH).unwrap_or(0).max(0)),
                volunteer_hours: doc::int(d, record, HOURS)
                    .and_then(|h| u32::try_from(h).ok())
                    .unwrap_or(0),
            },
            round: doc::parsed(d, record, ROUND),
            endorsement,
            status: self.status_of(record),
            granted: doc::int(d, record, GRANTED).map(Dkk),
            decided_on: doc::date(d, record, DECIDED_ON),
            project_end: doc::date(d, record, PROJECT_END),
        }
    }
}
