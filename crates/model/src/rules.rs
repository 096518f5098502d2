//! Rules that concurrent edits can break, checked on read and shown to people instead of
//! being silently wrong. Each problem names what a person can do about it.

use crate::{ApplicationId, GrantStatus, Space, SpaceKind};

/// Something a merge left that breaks one of the domain's rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Every council was taken out of a project group at once; one must be added back.
    GroupWithoutCouncil,
    /// An application moved past its draft while, elsewhere, its endorsement was
    /// withdrawn: the council must endorse it again.
    NotEndorsed(ApplicationId),
}

impl Space {
    /// The problems this space has now; empty when every rule holds.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.kind() == SpaceKind::ProjectGroup && self.group_councils().is_empty() {
            problems.push(Problem::GroupWithoutCouncil);
        }
        for application in self.applications() {
            if application.status != GrantStatus::Draft && application.endorsement.is_none() {
                problems.push(Problem::NotEndorsed(application.id));
            }
        }
        problems
    }
}
