//! Plans: a council's development plan (vision, goals per focus area, an ordered action
//! plan) and a project group's plan (its goal, milestones, ordered tasks).
//!
//! Entities live in maps keyed by id; order is a list of ids beside them. A list of ids
//! can come out of a merge with an id twice (two devices moved it at once) or without an
//! id (added concurrently with a move), so reading normalises it deterministically: first
//! occurrence wins, missing ids follow in id order.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc};
use chrono::NaiveDate;

use crate::doc::{self, DATE_FORMAT, stored_enum};
use crate::space::{PLAN, required};
use crate::{
    ActionId, Dkk, Error, FocusAreaId, GoalId, MilestoneId, PersonId, Result, Space, SpaceKind,
    Stamp, TaskId,
};

const VISION: &str = "vision";
const GOALS: &str = "goals";
const ACTIONS: &str = "actions";
const ACTION_ORDER: &str = "action_order";
const GOAL: &str = "goal";
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

stored_enum! {
    /// Where a task of a project plan stands.
    pub enum TaskStatus {
        /// Not started.
        Todo = "todo",
        /// Under way.
        Doing = "doing",
        /// Done.
        Done = "done",
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

/// A task's fields, for adding or editing one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskFields {
    /// What is to be done.
    pub title: String,
    /// The member who owns it; `None` if nobody does (or the owner left).
    pub owner: Option<PersonId>,
    /// When it is due.
    pub due: Option<NaiveDate>,
    /// Where it stands.
    pub status: TaskStatus,
    /// The milestone it leads to, if any.
    pub milestone: Option<MilestoneId>,
}

impl TaskFields {
    /// A task with a title and nothing else yet.
    pub fn titled(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            owner: None,
            due: None,
            status: TaskStatus::Todo,
            milestone: None,
        }
    }
}

/// One task of a project plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    /// The task's id.
    pub id: TaskId,
    /// Its fields, as read (an owner who left reads as `None`).
    pub fields: TaskFields,
}

/// A milestone of a project plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Milestone {
    /// The milestone's id.
    pub id: MilestoneId,
    /// What is reached.
    pub title: String,
    /// By when.
    pub due: Option<NaiveDate>,
}

/// A project group's plan, as read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectPlan {
    /// The group's goal, in its words.
    pub goal: String,
    /// Milestones, by due date then id.
    pub milestones: Vec<Milestone>,
    /// Tasks, in plan order.
    pub tasks: Vec<Task>,
}

impl ProjectPlan {
    /// Done tasks and all tasks, for a progress bar.
    pub fn progress(&self) -> (usize, usize) {
        let done = self
            .tasks
            .iter()
            .filter(|t| t.fields.status == TaskStatus::Done)
            .count();
        (done, self.tasks.len())
    }
}

fn date_string(date: Option<NaiveDate>) -> Option<String> {
    date.map(|d| d.format(DATE_FORMAT).to_string())
}

impl Space {
    fn plan_part(&self, part: &'static str) -> Result<ObjId> {
        let plan = self.part(PLAN)?;
        doc::object(&self.doc, &plan, part, object_type(part)).ok_or(Error::MissingPart(part))
    }

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
        let actions = match (self.plan_part(ACTIONS), self.plan_part(ACTION_ORDER)) {
            (Ok(actions), Ok(order)) => self
                .ordered::<ActionId>(&actions, &order)
                .into_iter()
                .map(|(id, record)| Action {
                    id,
                    fields: self.read_action(&record, &goal_ids),
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

    /// Replaces the group's goal text, by the smallest change (project group).
    pub fn set_group_goal(&mut self, text: &str, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::ProjectGroup)?;
        self.edit(stamp, |s| {
            let plan = s.part(PLAN)?;
            s.update_text(&plan, GOAL, text)
        })
    }

    /// Adds a milestone (project group).
    pub fn add_milestone(
        &mut self,
        id: MilestoneId,
        title: &str,
        due: Option<NaiveDate>,
        stamp: &Stamp,
    ) -> Result<()> {
        self.require(SpaceKind::ProjectGroup)?;
        self.edit(stamp, |s| {
            s.insert_milestone(&Milestone {
                id,
                title: title.to_owned(),
                due,
            })
        })
    }

    pub(crate) fn insert_milestone(&mut self, milestone: &Milestone) -> Result<()> {
        let title = required(&milestone.title, "the milestone")?.to_owned();
        let milestones = self.plan_part(MILESTONES)?;
        let record = self
            .doc
            .put_object(&milestones, milestone.id.to_string(), ObjType::Map)?;
        self.doc.put(&record, TITLE, title)?;
        self.put_optional(&record, DUE, date_string(milestone.due))
    }

    /// Removes a milestone; its tasks read as belonging to none (project group).
    pub fn remove_milestone(&mut self, id: MilestoneId, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::ProjectGroup)?;
        self.edit(stamp, |s| {
            let milestones = s.plan_part(MILESTONES)?;
            s.entity(&milestones, "milestone", id)?;
            s.doc.delete(&milestones, id.to_string())?;
            Ok(())
        })
    }

    /// Adds a task at the end of the plan (project group).
    pub fn add_task(&mut self, id: TaskId, fields: &TaskFields, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::ProjectGroup)?;
        self.check_owner(fields.owner)?;
        self.edit(stamp, |s| s.insert_task(id, fields))
    }

    pub(crate) fn insert_task(&mut self, id: TaskId, fields: &TaskFields) -> Result<()> {
        let title = required(&fields.title, "the task")?.to_owned();
        let tasks = self.plan_part(TASKS)?;
        let record = self.doc.put_object(&tasks, id.to_string(), ObjType::Map)?;
        self.doc.put(&record, TITLE, title)?;
        self.write_task(&record, fields)?;
        let order = self.plan_part(TASK_ORDER)?;
        let end = self.doc.length(&order);
        self.doc.insert(&order, end, id.to_string())?;
        Ok(())
    }

    /// Changes a task; only the fields that differ are written (project group).
    pub fn update_task(&mut self, id: TaskId, fields: &TaskFields, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::ProjectGroup)?;
        self.check_owner(fields.owner)?;
        let title = required(&fields.title, "the task")?.to_owned();
        self.edit(stamp, |s| {
            let record = s.entity(&s.plan_part(TASKS)?, "task", id)?;
            s.put_changed(&record, TITLE, title)?;
            s.write_task(&record, fields)
        })
    }

    /// Sets only a task's status (project group).
    pub fn set_task_status(&mut self, id: TaskId, status: TaskStatus, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::ProjectGroup)?;
        self.edit(stamp, |s| {
            let record = s.entity(&s.plan_part(TASKS)?, "task", id)?;
            s.put_changed(&record, STATUS, status.as_str())
        })
    }

    /// Removes a task (project group).
    pub fn remove_task(&mut self, id: TaskId, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::ProjectGroup)?;
        self.edit(stamp, |s| {
            let tasks = s.plan_part(TASKS)?;
            s.entity(&tasks, "task", id)?;
            s.doc.delete(&tasks, id.to_string())?;
            let order = s.plan_part(TASK_ORDER)?;
            s.remove_from_order(&order, &id.to_string())
        })
    }

    /// Moves a task to position `to` of the plan (project group).
    pub fn move_task(&mut self, id: TaskId, to: usize, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::ProjectGroup)?;
        self.edit(stamp, |s| {
            s.entity(&s.plan_part(TASKS)?, "task", id)?;
            let order = s.plan_part(TASK_ORDER)?;
            s.move_in_order(&order, &id.to_string(), to)
        })
    }

    /// The project plan as read (project group; empty for other spaces).
    pub fn project_plan(&self) -> ProjectPlan {
        if self.kind() != SpaceKind::ProjectGroup {
            return ProjectPlan::default();
        }
        let goal = self
            .part(PLAN)
            .map(|p| doc::text(&self.doc, &p, GOAL))
            .unwrap_or_default();
        let mut milestones: Vec<Milestone> = self
            .plan_part(MILESTONES)
            .iter()
            .flat_map(|m| doc::entries::<MilestoneId>(&self.doc, m))
            .map(|(id, record)| Milestone {
                id,
                title: doc::string(&self.doc, &record, TITLE).unwrap_or_default(),
                due: doc::date(&self.doc, &record, DUE),
            })
            .collect();
        milestones.sort_by_key(|m| (m.due.is_none(), m.due, m.id));
        let milestone_ids: HashSet<MilestoneId> = milestones.iter().map(|m| m.id).collect();
        let tasks = match (self.plan_part(TASKS), self.plan_part(TASK_ORDER)) {
            (Ok(tasks), Ok(order)) => self
                .ordered::<TaskId>(&tasks, &order)
                .into_iter()
                .map(|(id, record)| Task {
                    id,
                    fields: TaskFields {
                        title: doc::string(&self.doc, &record, TITLE).unwrap_or_default(),
                        owner: self.owner_of(&record),
                        due: doc::date(&self.doc, &record, DUE),
                        status: doc::parsed(&self.doc, &record, STATUS).unwrap_or(TaskStatus::Todo),
                        milestone: doc::parsed(&self.doc, &record, MILESTONE)
                            .filter(|m| milestone_ids.contains(m)),
                    },
                })
                .collect(),
            _ => Vec::new(),
        };
        ProjectPlan {
            goal,
            milestones,
            tasks,
        }
    }

    fn check_owner(&self, owner: Option<PersonId>) -> Result<()> {
        match owner {
            Some(person) if !self.is_member(person) => Err(Error::NotAMember),
            _ => Ok(()),
        }
    }

    /// The owner recorded in `record`, if they are still a member.
    fn owner_of(&self, record: &ObjId) -> Option<PersonId> {
        doc::parsed(&self.doc, record, OWNER).filter(|p| self.is_member(*p))
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

    fn read_action(&self, record: &ObjId, goals: &HashSet<GoalId>) -> ActionFields {
        ActionFields {
            title: doc::string(&self.doc, record, TITLE).unwrap_or_default(),
            goal: doc::parsed(&self.doc, record, GOAL).filter(|g| goals.contains(g)),
            focus_area: doc::parsed(&self.doc, record, FOCUS),
            owner: self.owner_of(record),
            deadline: doc::date(&self.doc, record, DEADLINE),
            cost: doc::int(&self.doc, record, COST).map(Dkk),
            funding: doc::string(&self.doc, record, FUNDING).unwrap_or_default(),
            status: doc::parsed(&self.doc, record, STATUS).unwrap_or(ActionStatus::Idea),
        }
    }

    fn write_task(&mut self, record: &ObjId, fields: &TaskFields) -> Result<()> {
        self.put_optional(record, OWNER, fields.owner.map(|p| p.to_string()))?;
        self.put_optional(record, DUE, date_string(fields.due))?;
        self.put_changed(record, STATUS, fields.status.as_str())?;
        self.put_optional(record, MILESTONE, fields.milestone.map(|m| m.to_string()))
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
