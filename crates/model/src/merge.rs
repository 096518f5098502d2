//! The consultant's cross-space work: merging two project groups on one focus area, and
//! importing a space from an `.automerge` file (merging it into the copy already held).

use std::collections::HashMap;

use automerge::transaction::Transactable;
use automerge::{ObjType, ReadDoc};

use crate::group::MERGED_INTO;
use crate::{Error, PersonId, Result, Space, SpaceId, SpaceKind, Stamp};

const NAME: &str = "name";
const MERGED_BY: &str = "merged_by";
const MERGED_AT: &str = "merged_at";
const HISTORY: &str = "history";
const AUTHOR: &str = "author";
const TIME: &str = "time";

/// What merging one group into another will do (shown before it is done).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupMergePreview {
    /// Members of the absorbed group who join the survivor.
    pub members_added: Vec<String>,
    /// Members of the absorbed group already in the survivor (same name and contact).
    pub members_matched: Vec<String>,
    /// Councils that join the survivor.
    pub councils_added: Vec<String>,
    /// Milestones copied over.
    pub milestones_added: usize,
    /// Tasks copied over.
    pub tasks_added: usize,
}

fn same_person_key(name: &str, contact: &str) -> (String, String) {
    (name.trim().to_lowercase(), contact.trim().to_lowercase())
}

/// What [`merge_groups`] would do, without doing it.
pub fn preview_group_merge(survivor: &Space, absorbed: &Space) -> Result<GroupMergePreview> {
    check_mergeable(survivor, absorbed)?;
    let (_, preview) = plan_members(survivor, absorbed);
    Ok(preview)
}

fn check_mergeable(survivor: &Space, absorbed: &Space) -> Result<()> {
    survivor.require(SpaceKind::ProjectGroup)?;
    absorbed.require(SpaceKind::ProjectGroup)?;
    if survivor.id() == absorbed.id() {
        return Err(Error::DifferentSpaces);
    }
    if absorbed.merged_into().is_some() || survivor.merged_into().is_some() {
        return Err(Error::AlreadyMerged);
    }
    match (survivor.focus_area(), absorbed.focus_area()) {
        (Some(a), Some(b)) if a == b => Ok(()),
        _ => Err(Error::DifferentFocusAreas),
    }
}

/// Maps each absorbed member to the survivor's id for them, and says what will change.
fn plan_members(
    survivor: &Space,
    absorbed: &Space,
) -> (HashMap<PersonId, PersonId>, GroupMergePreview) {
    let existing: HashMap<(String, String), PersonId> = survivor
        .members()
        .into_iter()
        .map(|p| (same_person_key(&p.fields.name, &p.fields.contact), p.id))
        .collect();
    let mut mapping = HashMap::new();
    let mut preview = GroupMergePreview::default();
    for person in absorbed.members() {
        match existing.get(&same_person_key(
            &person.fields.name,
            &person.fields.contact,
        )) {
            Some(same) => {
                mapping.insert(person.id, *same);
                preview.members_matched.push(person.fields.name);
            }
            None => {
                mapping.insert(person.id, person.id);
                preview.members_added.push(person.fields.name);
            }
        }
    }
    let present: Vec<SpaceId> = survivor
        .group_councils()
        .iter()
        .map(|c| c.council.space)
        .collect();
    preview.councils_added = absorbed
        .group_councils()
        .into_iter()
        .filter(|c| !present.contains(&c.council.space))
        .map(|c| c.council.name)
        .collect();
    let plan = survivor.project_plan();
    let other = absorbed.project_plan();
    preview.milestones_added = other
        .milestones
        .iter()
        .filter(|m| !plan.milestones.iter().any(|n| n.id == m.id))
        .count();
    preview.tasks_added = other
        .tasks
        .iter()
        .filter(|t| !plan.tasks.iter().any(|n| n.id == t.id))
        .count();
    (mapping, preview)
}

/// Merges `absorbed` into `survivor`, two groups on one focus area: councils, members
/// (matched by name and contact), milestones and tasks (owners carried over) join the
/// survivor; the absorbed group's history is recorded in the survivor; and the absorbed
/// group, kept whole with its own history, points to the survivor from then on.
pub fn merge_groups(
    survivor: &mut Space,
    absorbed: &mut Space,
    stamp: &Stamp,
) -> Result<GroupMergePreview> {
    check_mergeable(survivor, absorbed)?;
    let (mapping, preview) = plan_members(survivor, absorbed);
    let group = absorbed.project_group()?;
    let history = absorbed.history();
    let absorbed_id = absorbed.id();
    survivor.edit(stamp, |s| {
        for council in &group.councils {
            if !s
                .group_councils()
                .iter()
                .any(|c| c.council.space == council.council.space)
            {
                s.invite_council_in_edit(&council.council)?;
            }
        }
        for person in &group.members {
            if mapping.get(&person.id) == Some(&person.id) {
                s.insert_member(person.id, &person.fields)?;
            }
        }
        let plan = s.project_plan();
        for milestone in &group.plan.milestones {
            if !plan.milestones.iter().any(|m| m.id == milestone.id) {
                s.insert_milestone(milestone)?;
            }
        }
        for task in &group.plan.tasks {
            if !plan.tasks.iter().any(|t| t.id == task.id) {
                let mut fields = task.fields.clone();
                fields.owner = fields.owner.and_then(|o| mapping.get(&o).copied());
                s.insert_task(task.id, &fields)?;
            }
        }
        if s.leader().is_none()
            && let Some(leader) = group.leader.and_then(|l| mapping.get(&l).copied())
        {
            s.doc
                .put(automerge::ROOT, crate::group::LEADER, leader.to_string())?;
        }
        let record =
            s.doc
                .put_object(&s.absorbed_part()?, absorbed_id.to_string(), ObjType::Map)?;
        s.doc.put(&record, NAME, group.name.as_str())?;
        s.doc.put(&record, MERGED_BY, stamp.author.as_str())?;
        s.doc.put(&record, MERGED_AT, stamp.time)?;
        let list = s.doc.put_object(&record, HISTORY, ObjType::List)?;
        for (index, entry) in history.iter().enumerate() {
            let item = s.doc.insert_object(&list, index, ObjType::Map)?;
            s.doc.put(&item, AUTHOR, entry.author.as_str())?;
            s.doc.put(&item, TIME, entry.time)?;
        }
        Ok(())
    })?;
    let survivor_id = survivor.id();
    absorbed.edit(stamp, |s| {
        s.doc
            .put(automerge::ROOT, MERGED_INTO, survivor_id.to_string())?;
        Ok(())
    })?;
    Ok(preview)
}

/// A group merged into another, as the survivor records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbsorbedGroup {
    /// The absorbed group's space.
    pub space: SpaceId,
    /// Its name.
    pub name: String,
    /// Who merged it.
    pub merged_by: String,
    /// When (seconds since the Unix epoch).
    pub merged_at: i64,
    /// Its history at the time: author and time of each change.
    pub history: Vec<(String, i64)>,
}

impl Space {
    /// The groups merged into this one.
    pub fn absorbed_groups(&self) -> Vec<AbsorbedGroup> {
        let Ok(absorbed) = self.absorbed_part() else {
            return Vec::new();
        };
        let d = &self.doc;
        let mut list: Vec<AbsorbedGroup> = crate::doc::entries::<SpaceId>(d, &absorbed)
            .into_iter()
            .map(|(space, record)| AbsorbedGroup {
                space,
                name: crate::doc::string(d, &record, NAME).unwrap_or_default(),
                merged_by: crate::doc::string(d, &record, MERGED_BY).unwrap_or_default(),
                merged_at: crate::doc::int(d, &record, MERGED_AT).unwrap_or_default(),
                history: crate::doc::object(d, &record, HISTORY, ObjType::List)
                    .map(|list| {
                        (0..d.length(&list))
                            .filter_map(|index| match d.get(&list, index).ok()?? {
                                (automerge::Value::Object(ObjType::Map), entry) => Some((
                                    crate::doc::string(d, &entry, AUTHOR).unwrap_or_default(),
                                    crate::doc::int(d, &entry, TIME).unwrap_or_default(),
                                )),
                                _ => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect();
        list.sort_by_key(|g| (g.merged_at, g.space));
        list
    }

    /// What importing `file` into this space would bring: the changes it has that this
    /// copy lacks, and who made them. Fails, changing nothing, if the file is not a copy
    /// of this space.
    pub fn preview_import(&mut self, file: &[u8]) -> Result<ImportPreview> {
        let mut other = Space::load(file)?;
        if other.id() != self.id() || other.kind() != self.kind() {
            return Err(Error::DifferentSpaces);
        }
        if !self.is_copy(&other) {
            return Err(Error::NotACopy);
        }
        let mut authors: Vec<String> = self
            .doc
            .get_changes_added(&mut other.doc)
            .iter()
            .map(|change| change.message().unwrap_or_default().to_owned())
            .collect();
        let new_changes = authors.len();
        authors.sort();
        authors.dedup();
        Ok(ImportPreview {
            new_changes,
            authors,
        })
    }

    /// Merges a file holding a copy of this space into it. Fails, changing nothing, if the
    /// file is unreadable or holds another space.
    pub fn import(&mut self, file: &[u8]) -> Result<()> {
        let mut other = Space::load(file)?;
        self.merge(&mut other)
    }
}

/// What an import would add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportPreview {
    /// Changes in the file that this copy does not have.
    pub new_changes: usize,
    /// Who made them.
    pub authors: Vec<String>,
}
