//! Project groups: one focus area, at least one local council behind them, members, and
//! at most one leader, chosen from the members.
//!
//! A merge can break two of these rules: two people can choose different leaders at
//! once, and a leader can be removed while someone else chooses them. Reading resolves
//! both the same way on every device: of the concurrently chosen leaders, the one
//! Automerge ranks first that is still a member; none if no such member is left.

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};

use crate::doc::{self, stored_enum};
use crate::space::{ABSORBED, COUNCILS, FOCUS_AREA, required};
use crate::{
    Error, FocusAreaId, Person, PersonId, ProjectPlan, Result, Space, SpaceId, SpaceKind, Stamp,
};

pub(crate) const LEADER: &str = "leader";
pub(crate) const MERGED_INTO: &str = "merged_into";
const NAME: &str = "name";
const ROLE: &str = "role";

stored_enum! {
    /// How a council came into a project group.
    pub enum CouncilRole {
        /// It started the group (the initiative lies with the councils).
        Initiating = "initiating",
        /// The consultant invited it in, to work on the same focus area.
        Invited = "invited",
    }
}

/// A local council, named by its space, for linking a group to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CouncilRef {
    /// The council's space.
    pub space: SpaceId,
    /// Its name, as shown in the group.
    pub name: String,
}

/// A council taking part in a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupCouncil {
    /// The council.
    pub council: CouncilRef,
    /// How it came in.
    pub role: CouncilRole,
}

/// A project group, as read, with every rule applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectGroup {
    /// The group's name.
    pub name: String,
    /// Its one focus area.
    pub focus_area: Option<FocusAreaId>,
    /// The councils taking part, initiating ones first.
    pub councils: Vec<GroupCouncil>,
    /// Its members.
    pub members: Vec<Person>,
    /// Its leader, always a member.
    pub leader: Option<PersonId>,
    /// Its plan.
    pub plan: ProjectPlan,
    /// The group this one was merged into, if it was.
    pub merged_into: Option<SpaceId>,
}

impl Space {
    /// A new project group on `focus_area`, started by the council `initiating`.
    pub fn create_project_group(
        id: SpaceId,
        name: &str,
        focus_area: FocusAreaId,
        initiating: &CouncilRef,
        stamp: &Stamp,
    ) -> Result<Self> {
        let council_name = required(&initiating.name, "the council's name")?.to_owned();
        Self::create(id, SpaceKind::ProjectGroup, name, stamp, |doc| {
            doc.put(ROOT, FOCUS_AREA, focus_area.to_string())?;
            let councils = doc::map(doc, &ROOT, COUNCILS).ok_or(Error::MissingPart(COUNCILS))?;
            let council = doc.put_object(&councils, initiating.space.to_string(), ObjType::Map)?;
            doc.put(&council, NAME, council_name)?;
            doc.put(&council, ROLE, CouncilRole::Initiating.as_str())?;
            Ok(())
        })
    }

    /// Brings another council into the group (the consultant's invitation).
    pub fn invite_council(&mut self, council: &CouncilRef, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::ProjectGroup)?;
        self.edit(stamp, |s| s.invite_council_in_edit(council))
    }

    pub(crate) fn invite_council_in_edit(&mut self, council: &CouncilRef) -> Result<()> {
        let name = required(&council.name, "the council's name")?.to_owned();
        let councils = self.part(COUNCILS)?;
        let key = council.space.to_string();
        let record = match doc::map(&self.doc, &councils, &key) {
            Some(existing) => existing,
            None => {
                let record = self.doc.put_object(&councils, key, ObjType::Map)?;
                self.doc.put(&record, ROLE, CouncilRole::Invited.as_str())?;
                record
            }
        };
        self.put_changed(&record, NAME, name)
    }

    /// Takes a council out of the group; never the last one.
    pub fn remove_council(&mut self, council: SpaceId, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::ProjectGroup)?;
        self.edit(stamp, |s| {
            let councils = s.part(COUNCILS)?;
            s.entity(&councils, "council", council)?;
            if s.doc.keys(&councils).count() <= 1 {
                return Err(Error::LastCouncil);
            }
            s.doc.delete(&councils, council.to_string())?;
            Ok(())
        })
    }

    /// The councils taking part, initiating ones first, then by name.
    pub fn group_councils(&self) -> Vec<GroupCouncil> {
        let Ok(councils) = self.part(COUNCILS) else {
            return Vec::new();
        };
        let mut list: Vec<GroupCouncil> = doc::entries::<SpaceId>(&self.doc, &councils)
            .into_iter()
            .map(|(space, record)| GroupCouncil {
                council: CouncilRef {
                    space,
                    name: doc::string(&self.doc, &record, NAME).unwrap_or_default(),
                },
                role: doc::parsed(&self.doc, &record, ROLE).unwrap_or(CouncilRole::Invited),
            })
            .collect();
        list.sort_by(|a, b| {
            (a.role, a.council.name.to_lowercase(), a.council.space).cmp(&(
                b.role,
                b.council.name.to_lowercase(),
                b.council.space,
            ))
        });
        list
    }

    /// Chooses the group's leader from its members, or nobody.
    pub fn set_leader(&mut self, leader: Option<PersonId>, stamp: &Stamp) -> Result<()> {
        self.require(SpaceKind::ProjectGroup)?;
        if let Some(person) = leader
            && !self.is_member(person)
        {
            return Err(Error::NotAMember);
        }
        self.edit(stamp, |s| {
            s.put_optional(&ROOT, LEADER, leader.map(|p| p.to_string()))
        })
    }

    /// The leader, by the rule in the module doc.
    pub fn leader(&self) -> Option<PersonId> {
        doc::all_strings(&self.doc, &ROOT, LEADER)
            .iter()
            .rev()
            .filter_map(|value| value.parse().ok())
            .find(|person| self.is_member(*person))
    }

    /// The group this one was merged into, if any.
    pub fn merged_into(&self) -> Option<SpaceId> {
        doc::parsed(&self.doc, &ROOT, MERGED_INTO)
    }

    /// The whole group as read.
    pub fn project_group(&self) -> Result<ProjectGroup> {
        self.require(SpaceKind::ProjectGroup)?;
        Ok(ProjectGroup {
            name: self.name(),
            focus_area: self.focus_area(),
            councils: self.group_councils(),
            members: self.members(),
            leader: self.leader(),
            plan: self.project_plan(),
            merged_into: self.merged_into(),
        })
    }

    /// Whether this group still takes part in planning (it was not merged away).
    pub fn is_active_group(&self) -> bool {
        self.kind() == SpaceKind::ProjectGroup && self.merged_into().is_none()
    }

    pub(crate) fn absorbed_part(&self) -> Result<automerge::ObjId> {
        self.part(ABSORBED)
    }
}

/// Called when a member is removed: they stop being the leader in the same change.
pub(crate) fn forget_leader(space: &mut Space, person: PersonId) -> Result<()> {
    if space.kind() == SpaceKind::ProjectGroup
        && doc::all_strings(&space.doc, &ROOT, LEADER).contains(&person.to_string())
    {
        space.doc.delete(ROOT, LEADER)?;
    }
    Ok(())
}

/// Groups on `focus_area` that are still active, to point a council to before it starts
/// another one (the domain's rule: several councils share one group).
pub fn groups_on_focus_area<'a>(
    spaces: impl IntoIterator<Item = &'a Space>,
    focus_area: FocusAreaId,
) -> Vec<&'a Space> {
    spaces
        .into_iter()
        .filter(|space| space.is_active_group() && space.focus_area() == Some(focus_area))
        .collect()
}
