//! The Landsbyplan document model: each *space* (a council, a project group, the network)
//! is one Automerge document, read and written only through the typed API here.
//!
//! The model knows nothing of browsers, sockets or clocks: callers pass the author and the
//! time of every edit in a [`Stamp`], and fresh ids in as random numbers. Every edit is
//! one Automerge change; every read applies the domain's rules, so whatever concurrent
//! edits merged into, what is read is valid, and what a merge broke is listed by
//! [`Space::problems`].

mod arrival;
pub mod bounds;
mod calendar;
mod conflict;
mod doc;
mod error;
mod grant;
mod group;
mod history;
mod id;
mod live;
mod meeting;
mod merge;
mod network;
mod peer;
mod person;
mod plan;
mod rules;
mod space;
mod stamp;

pub use automerge::ChangeHash;
pub use calendar::wheel_to_ics;
pub use conflict::Conflict;
pub use error::Error;
pub use grant::{
    BudgetLine, Decision, Dkk, Endorsement, GrantApplication, GrantRound, GrantStatus,
    OWN_FINANCING_BASE_CAP, OWN_FINANCING_PERCENT, OwnFinancing, OwnFinancingCheck,
    VOLUNTEER_HOUR_VALUE,
};
pub use group::{CouncilRef, CouncilRole, GroupCouncil, ProjectGroup, groups_on_focus_area};
pub use history::HistoryEntry;
pub use id::{
    ActionId, ApplicationId, BudgetLineId, DecisionId, EventId, FocusAreaId, GoalId, MeetingId,
    MilestoneId, ParseIdError, PersonId, SpaceId, TaskId,
};
pub use live::{Keystroke, LiveField, LiveShown, Span, TextSplice, keystroke_splice};
pub use meeting::{Attendance, Decision as MeetingDecision, Meeting, PlanItem};
pub use merge::{
    AbsorbedGroup, GroupMergePreview, ImportPreview, merge_groups, preview_group_merge,
};
pub use network::{
    DirectoryEntry, EventKind, EventState, FocusArea, SEED_FOCUS_AREAS, Season, WheelEvent,
    WheelEventFields, standard_events,
};
pub use peer::{PeerSync, Received};
pub use person::{Person, PersonFields, Role};
pub use plan::{
    Action, ActionFields, ActionStatus, DevelopmentPlan, Goal, Milestone, ProjectPlan, Task,
    TaskFields, TaskStatus,
};
pub use rules::Problem;
pub use space::{SCHEMA_VERSION, Space, SpaceKind};
pub use stamp::Stamp;

/// The model's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
