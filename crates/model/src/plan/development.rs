//! A council's development plan: the vision, goals per focus area, and the ordered
//! action plan (owner, deadline, cost, funding, status).

use std::collections::HashSet;

use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ReadDoc};
use chrono::NaiveDate;

use super::{
    ACTION_ORDER, ACTIONS, COST, DEADLINE, FOCUS, FUNDING, GOAL, GOALS, OWNER, STATUS, TEXT, TITLE,
    VISION, date_string,
};
use crate::doc::{self, stored_enum};
use crate::space::{PLAN, required};
use crate::{ActionId, Dkk, Error, FocusAreaId, GoalId, PersonId, Result, Space, SpaceKind, Stamp};

stored_enum! {
    /// Where an action of a development plan stands.
    pub enum ActionStatus {
        /// Written down, not yet decided.
        Idea = "idea",
        /// Decided and planned.
        Planned = "planned",
        /// Under way.
        InProgress = "in-progress",
        /// Done.
        Done = "done",
        /// Given up.
        Dropped = "dropped",
    }
}

/// A goal of a development plan, under one focus area.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Goal {
    /// The goal's id.
    pub id: GoalId,
    /// The focus area it belongs to.
    pub focus_area: FocusAreaId,
    /// The goal in words.
    pub text: String,
}

/// An action's fields, for adding or editing one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionFields {
    /// What is to be done.
    pub title: String,
    /// The goal it serves, if any.
    pub goal: Option<GoalId>,
    /// Its focus area, if any.
    pub focus_area: Option<FocusAreaId>,
    /// The member who owns it; `None` if nobody does (or the owner left).
    pub owner: Option<PersonId>,
    /// When it is due.
    pub deadline: Option<NaiveDate>,
    /// What it costs.
    pub cost: Option<Dkk>,
    /// Where the money comes from.
    pub funding: String,
    /// Where it stands.
    pub status: ActionStatus,
}

impl ActionFields {
    /// An idea with a title and nothing else yet.
    pub fn titled(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            goal: None,
            focus_area: None,
            owner: None,
            deadline: None,
            cost: None,
            funding: String::new(),
            status: ActionStatus::Idea,
        }
    }
}

/// One action of the action plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    /// The action's id.
    pub id: ActionId,
    /// Its fields, as read (an owner who left reads as `None`).
    pub fields: ActionFields,
}

/// A council's development plan, as read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DevelopmentPlan {
    /// The vision, in the council's words.
    pub vision: String,
    /// Goals, by focus area then id.
    pub goals: Vec<Goal>,
    /// The action plan, in its order.
    pub actions: Vec<Action>,
}

impl DevelopmentPlan {
    /// The actions with `status` (any status for `None`) and focus area `focus` (any for
    /// `None`), in plan order.
    pub fn filtered(
        &self,
        status: Option<ActionStatus>,
        focus: Option<FocusAreaId>,
    ) -> impl Iterator<Item = &Action> {
        self.actions.iter().filter(move |action| {
            status.is_none_or(|s| action.fields.status == s)
                && focus.is_none_or(|f| action.fields.focus_area == Some(f))
        })
    }
}

impl Space {
    /// Replaces the vision with `text`, by the smallest change (council).
    pub fn set_vision(&mut self, text: &str, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::Council)?;
        self.edit(stamp, |s| {
            let plan = s.part(PLAN)?;
            s.update_text(&plan, VISION, text)
        })
    }

    /// Adds a goal under `focus_area` (council).
    pub fn add_goal(
        &mut self,
        id: GoalId,
        focus_area: FocusAreaId,
        text: &str,
        stamp: &Stamp,
    ) -> Result<()> {
        self.require(SpaceKind::Council)?;
        let text = required(text, "the goal")?.to_owned();
        self.edit(stamp, |s| {
            let goals = s.plan_part(GOALS)?;
            let goal = s.doc.put_object(&goals, id.to_string(), ObjType::Map)?;
            s.doc.put(&goal, FOCUS, focus_area.to_string())?;
            s.update_text(&goal, TEXT, &text)
        })
    }

    /// Rewrites a goal's text (council).
    pub fn edit_goal(&mut self, id: GoalId, text: &str, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::Council)?;
        let text = required(text, "the goal")?.to_owned();
        self.edit(stamp, |s| {
            let goal = s.entity(&s.plan_part(GOALS)?, "goal", id)?;
            s.update_text(&goal, TEXT, &text)
        })
    }

    /// Removes a goal; actions that served it read as serving no goal (council).
    pub fn remove_goal(&mut self, id: GoalId, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::Council)?;
        self.edit(stamp, |s| {
            let goals = s.plan_part(GOALS)?;
            s.entity(&goals, "goal", id)?;
            s.doc.delete(&goals, id.to_string())?;
            Ok(())
        })
    }

    /// Adds an action at the end of the action plan (council).
    pub fn add_action(&mut self, id: ActionId, fields: &ActionFields, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::Council)?;
        self.check_owner(fields.owner)?;
        self.edit(stamp, |s| {
            let actions = s.plan_part(ACTIONS)?;
            let record = s.doc.put_object(&actions, id.to_string(), ObjType::Map)?;
            s.write_action(&record, fields)?;
            let order = s.plan_part(ACTION_ORDER)?;
            let end = s.doc.length(&order);
            s.doc.insert(&order, end, id.to_string())?;
            Ok(())
        })
    }

    /// Changes an action; only the fields that differ are written (council).
    pub fn update_action(
        &mut self,
        id: ActionId,
        fields: &ActionFields,
        stamp: &Stamp,
    ) -> Result<()> {
        self.require(SpaceKind::Council)?;
        self.check_owner(fields.owner)?;
        self.edit(stamp, |s| {
            let record = s.entity(&s.plan_part(ACTIONS)?, "action", id)?;
            s.write_action(&record, fields)
        })
    }

    /// Sets only an action's status (council).
    pub fn set_action_status(
        &mut self,
        id: ActionId,
        status: ActionStatus,
        stamp: &Stamp,
    ) -> Result<()> {
        self.require(SpaceKind::Council)?;
        self.edit(stamp, |s| {
            let record = s.entity(&s.plan_part(ACTIONS)?, "action", id)?;
            s.put_changed(&record, STATUS, status.as_str())
        })
    }

    /// Removes an action (council).
    pub fn remove_action(&mut self, id: ActionId, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::Council)?;
        self.edit(stamp, |s| {
            let actions = s.plan_part(ACTIONS)?;
            s.entity(&actions, "action", id)?;
            s.doc.delete(&actions, id.to_string())?;
            let order = s.plan_part(ACTION_ORDER)?;
            s.remove_from_order(&order, &id.to_string())
        })
    }

    /// Moves an action to position `to` of the action plan (council).
    pub fn move_action(&mut self, id: ActionId, to: usize, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::Council)?;
        self.edit(stamp, |s| {
            s.entity(&s.plan_part(ACTIONS)?, "action", id)?;
            let order = s.plan_part(ACTION_ORDER)?;
            s.move_in_order(&order, &id.to_string(), to)
        })
    }

    /// The development plan as read (council; empty for other spaces).
    pub fn development_plan(&self) -> DevelopmentPlan {
        if self.kind() != SpaceKind::Council {
            return DevelopmentPlan::default();
        }
        let plan = self.part(PLAN).ok();
        let vision = plan
            .as_ref()
            .map(|p| doc::text(&self.doc, p, VISION))
            .unwrap_or_default();
        let goals_obj = self.plan_part(GOALS).ok();
        let mut goals: Vec<Goal> = goals_obj
            .iter()
            .flat_map(|goals| doc::entries::<GoalId>(&self.doc, goals))
            .filter_map(|(id, goal)| {
                Some(Goal {
                    id,
                    focus_area: doc::parsed(&self.doc, &goal, FOCUS)?,
                    text: doc::text(&self.doc, &goal, TEXT),
                })
            })
            .collect();
        goals.sort_by_key(|g| (g.focus_area, g.id));
        let goal_ids: HashSet<GoalId> = goals.iter().map(|g| g.id).collect();
        let members = self.member_ids();
        let actions = match (self.plan_part(ACTIONS), self.plan_part(ACTION_ORDER)) {
            (Ok(actions), Ok(order)) => self
                .ordered::<ActionId>(&actions, &order)
                .into_iter()
                .map(|(id, record)| Action {
                    id,
                    fields: self.read_action(&record, &goal_ids, &members),
                })
                .collect(),
            _ => Vec::new(),
        };
        DevelopmentPlan {
            vision,
            goals,
            actions,
        }
    }

    fn write_action(&mut self, record: &ObjId, fields: &ActionFields) -> Result<()> {
        let title = required(&fields.title, "the action")?.to_owned();
        self.put_changed(record, TITLE, title)?;
        self.put_optional(record, GOAL, fields.goal.map(|g| g.to_string()))?;
        self.put_optional(record, FOCUS, fields.focus_area.map(|f| f.to_string()))?;
        self.put_optional(record, OWNER, fields.owner.map(|p| p.to_string()))?;
        self.put_optional(record, DEADLINE, date_string(fields.deadline))?;
        match fields.cost {
            Some(cost) if cost.0 < 0 => return Err(Error::Negative),
            Some(cost) => self.put_changed(record, COST, cost.0)?,
            None => self.put_optional(record, COST, None)?,
        }
        self.put_changed(record, FUNDING, fields.funding.trim())?;
        self.put_changed(record, STATUS, fields.status.as_str())
    }

    fn read_action(
        &self,
        record: &ObjId,
        goals: &HashSet<GoalId>,
        members: &HashSet<PersonId>,
    ) -> ActionFields {
        let fields = doc::Fields::read(&self.doc, record);
        ActionFields {
            title: fields.string(TITLE).unwrap_or_default(),
            goal: fields.parsed(GOAL).filter(|g| goals.contains(g)),
            focus_area: fields.parsed(FOCUS),
            owner: fields.parsed(OWNER).filter(|p| members.contains(p)),
            deadline: fields.date(DEADLINE),
            cost: fields.int(COST).map(Dkk),
            funding: fields.string(FUNDING).unwrap_or_default(),
            status: fields.parsed(STATUS).unwrap_or(ActionStatus::Idea),
        }
    }
}
