//! Plans: a council's development plan (vision, goals per focus area, an ordered action
//! plan) and a project group's plan (its goal, milestones, ordered tasks).
//!
//! Entities live in maps keyed by id; order is a list of ids beside them. A list of ids
//! can come out of a merge with an id twice (two devices moved it at once) or without an
//! id (added concurrently with a move), so reading normalises it deterministically: first
//! occurrence wins, missing ids follow in id order.

use std::collections::HashMap;
use std::str::FromStr;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc};
use chrono::NaiveDate;

use crate::doc::{self, DATE_FORMAT};
use crate::space::PLAN;
use crate::{Error, PersonId, Result, Space, SpaceKind};

pub(crate) const VISION: &str = "vision";
const GOALS: &str = "goals";
const ACTIONS: &str = "actions";
const ACTION_ORDER: &str = "action_order";
pub(crate) const GOAL: &str = "goal";
const MILESTONES: &str = "milestones";
const TASKS: &str = "tasks";
const TASK_ORDER: &str = "task_order";
const TEXT: &str = "text";
const TITLE: &str = "title";
const FOCUS: &str = "focus_area";
const OWNER: &str = "owner";
const DEADLINE: &str = "deadline";
const COST: &str = "cost";
const FUNDING: &str = "funding";
const STATUS: &str = "status";
const DUE: &str = "due";
const MILESTONE: &str = "milestone";

/// Makes the plan's parts in a new space's first change.
pub(crate) fn create_parts(doc: &mut AutoCommit, kind: SpaceKind) -> Result<()> {
    let plan = doc::map(doc, &ROOT, PLAN).ok_or(Error::MissingPart(PLAN))?;
    match kind {
        SpaceKind::Council => {
            doc.put_object(&plan, VISION, ObjType::Text)?;
            doc.put_object(&plan, GOALS, ObjType::Map)?;
            doc.put_object(&plan, ACTIONS, ObjType::Map)?;
            doc.put_object(&plan, ACTION_ORDER, ObjType::List)?;
        }
        SpaceKind::ProjectGroup => {
            doc.put_object(&plan, GOAL, ObjType::Text)?;
            doc.put_object(&plan, MILESTONES, ObjType::Map)?;
            doc.put_object(&plan, TASKS, ObjType::Map)?;
            doc.put_object(&plan, TASK_ORDER, ObjType::List)?;
        }
        SpaceKind::Network => {}
    }
    Ok(())
}

mod development;
mod project;

pub use development::{Action, ActionFields, ActionStatus, DevelopmentPlan, Goal};
pub use project::{Milestone, ProjectPlan, Task, TaskFields, TaskStatus};

pub(super) fn date_string(date: Option<NaiveDate>) -> Option<String> {
    date.map(|d| d.format(DATE_FORMAT).to_string())
}

impl Space {
    fn plan_part(&self, part: &'static str) -> Result<ObjId> {
        let plan = self.part(PLAN)?;
        doc::object(&self.doc, &plan, part, object_type(part)).ok_or(Error::MissingPart(part))
    }

    fn check_owner(&self, owner: Option<PersonId>) -> Result<()> {
        match owner {
            Some(person) if !self.is_member(person) => Err(Error::NotAMember),
            _ => Ok(()),
        }
    }

    /// The entities of `map` in the order of `order`, normalised (see the module doc).
    fn ordered<T: FromStr + Ord + Copy + ToString>(
        &self,
        map: &ObjId,
        order: &ObjId,
    ) -> Vec<(T, ObjId)> {
        let mut existing: HashMap<String, (T, ObjId)> = doc::entries(&self.doc, map)
            .into_iter()
            .map(|(id, record): (T, ObjId)| (id.to_string(), (id, record)))
            .collect();
        let mut result = Vec::with_capacity(existing.len());
        for key in doc::list_strings(&self.doc, order) {
            // Taking the entry out makes a second occurrence of the key find nothing.
            if let Some(entry) = existing.remove(&key) {
                result.push(entry);
            }
        }
        let mut rest: Vec<(T, ObjId)> = existing.into_values().collect();
        rest.sort_by_key(|(id, _)| *id);
        result.extend(rest);
        result
    }

    fn remove_from_order(&mut self, order: &ObjId, key: &str) -> Result<()> {
        let positions: Vec<usize> = doc::list_strings(&self.doc, order)
            .iter()
            .enumerate()
            .filter(|(_, k)| k.as_str() == key)
            .map(|(i, _)| i)
            .collect();
        for index in positions.into_iter().rev() {
            self.doc.delete(order, index)?;
        }
        Ok(())
    }

    fn move_in_order(&mut self, order: &ObjId, key: &str, to: usize) -> Result<()> {
        self.remove_from_order(order, key)?;
        let to = to.min(self.doc.length(order));
        self.doc.insert(order, to, key)?;
        Ok(())
    }
}

fn object_type(part: &str) -> ObjType {
    match part {
        VISION | GOAL => ObjType::Text,
        ACTION_ORDER | TASK_ORDER => ObjType::List,
        _ => ObjType::Map,
    }
}
