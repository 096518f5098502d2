//! A project group's plan: its goal, milestones and ordered tasks with owners, due
//! dates and status.

use std::collections::HashSet;

use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ReadDoc};
use chrono::NaiveDate;

use super::{
    DUE, GOAL, MILESTONE, MILESTONES, OWNER, STATUS, TASK_ORDER, TASKS, TITLE, date_string,
};
use crate::doc::{self, stored_enum};
use crate::space::{PLAN, required};
use crate::{MilestoneId, PersonId, Result, Space, SpaceKind, Stamp, TaskId};

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

impl Space {
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
        let members = self.member_ids();
        let tasks = match (self.plan_part(TASKS), self.plan_part(TASK_ORDER)) {
            (Ok(tasks), Ok(order)) => self
                .ordered::<TaskId>(&tasks, &order)
                .into_iter()
                .map(|(id, record)| {
                    let fields = doc::Fields::read(&self.doc, &record);
                    Task {
                        id,
                        fields: TaskFields {
                            title: fields.string(TITLE).unwrap_or_default(),
                            owner: fields.parsed(OWNER).filter(|p| members.contains(p)),
                            due: fields.date(DUE),
                            status: fields.parsed(STATUS).unwrap_or(TaskStatus::Todo),
                            milestone: fields
                                .parsed(MILESTONE)
                                .filter(|m| milestone_ids.contains(m)),
                        },
                    }
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

    fn write_task(&mut self, record: &ObjId, fields: &TaskFields) -> Result<()> {
        self.put_optional(record, OWNER, fields.owner.map(|p| p.to_string()))?;
        self.put_optional(record, DUE, date_string(fields.due))?;
        self.put_changed(record, STATUS, fields.status.as_str())?;
        self.put_optional(record, MILESTONE, fields.milestone.map(|m| m.to_string()))
    }
}
