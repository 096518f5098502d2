//! The people of a council or a project group: name, contact and role.

use std::collections::HashSet;

use automerge::transaction::Transactable;

use crate::doc::{self, stored_enum};
use crate::space::{MEMBERS, required};
use crate::{PersonId, Result, Space, Stamp};

const NAME: &str = "name";
const CONTACT: &str = "contact";
const ROLE: &str = "role";

stored_enum! {
    /// The part a person plays (DOMAIN.md's actors).
    pub enum Role {
        /// A villager, volunteer or member of an association.
        Citizen = "citizen",
        /// One of the municipality's professionals (fagperson).
        Professional = "professional",
        /// The rural consultant (landdistriktskonsulenten).
        Consultant = "consultant",
        /// An elected politician.
        Politician = "politician",
    }
}

/// What a person's record holds, for adding or editing one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonFields {
    /// Their name.
    pub name: String,
    /// Phone or e-mail, as they want to be reached.
    pub contact: String,
    /// Their role.
    pub role: Role,
}

/// A member of a council or a project group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// The member's id.
    pub id: PersonId,
    /// Name, contact and role.
    pub fields: PersonFields,
}

impl Space {
    /// Adds a member (council or project group).
    pub fn add_member(&mut self, id: PersonId, person: &PersonFields, stamp: &Stamp) -> Result<()> {
        self.require_council_or_group()?;
        self.edit(stamp, |s| s.insert_member(id, person))
    }

    pub(crate) fn insert_member(&mut self, id: PersonId, person: &PersonFields) -> Result<()> {
        let name = required(&person.name, "the name")?.to_owned();
        let members = self.part(MEMBERS)?;
        let record = self
            .doc
            .put_object(&members, id.to_string(), automerge::ObjType::Map)?;
        self.doc.put(&record, NAME, name)?;
        self.doc.put(&record, CONTACT, person.contact.trim())?;
        self.doc.put(&record, ROLE, person.role.as_str())?;
        Ok(())
    }

    /// Changes a member's fields; only the fields that differ are written.
    pub fn update_member(
        &mut self,
        id: PersonId,
        person: &PersonFields,
        stamp: &Stamp,
    ) -> Result<()> {
        self.require_council_or_group()?;
        let name = required(&person.name, "the name")?.to_owned();
        self.edit(stamp, |s| {
            let record = s.entity(&s.part(MEMBERS)?, "member", id)?;
            s.put_changed(&record, NAME, name)?;
            s.put_changed(&record, CONTACT, person.contact.trim())?;
            s.put_changed(&record, ROLE, person.role.as_str())?;
            Ok(())
        })
    }

    /// Removes a member. Tasks and actions they owned read as unowned from then on, and a
    /// group they led has no leader until another is chosen.
    pub fn remove_member(&mut self, id: PersonId, stamp: &Stamp) -> Result<()> {
        self.require_council_or_group()?;
        self.edit(stamp, |s| {
            let members = s.part(MEMBERS)?;
            s.entity(&members, "member", id)?;
            s.doc.delete(&members, id.to_string())?;
            crate::group::forget_leader(s, id)?;
            Ok(())
        })
    }

    /// The members, sorted by name.
    pub fn members(&self) -> Vec<Person> {
        let Ok(members) = self.part(MEMBERS) else {
            return Vec::new();
        };
        let mut people: Vec<Person> = doc::entries(&self.doc, &members)
            .into_iter()
            .map(|(id, record)| {
                let fields = doc::Fields::read(&self.doc, &record);
                Person {
                    id,
                    fields: PersonFields {
                        name: fields.string(NAME).unwrap_or_default(),
                        contact: fields.string(CONTACT).unwrap_or_default(),
                        role: fields.parsed(ROLE).unwrap_or(Role::Citizen),
                    },
                }
            })
            .collect();
        people.sort_by(|a, b| {
            (a.fields.name.to_lowercase(), a.id).cmp(&(b.fields.name.to_lowercase(), b.id))
        });
        people
    }

    /// The ids of everyone who is a member now.
    pub(crate) fn member_ids(&self) -> HashSet<PersonId> {
        self.part(MEMBERS)
            .map(|members| {
                doc::entries(&self.doc, &members)
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether `id` is a member now.
    pub fn is_member(&self, id: PersonId) -> bool {
        self.part(MEMBERS)
            .ok()
            .and_then(|members| doc::map(&self.doc, &members, &id.to_string()))
            .is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Error, SpaceId};

    fn stamp() -> Stamp {
        Stamp::new("Anna", 1_780_000_000)
    }

    fn person(name: &str, role: Role) -> PersonFields {
        PersonFields {
            name: name.to_owned(),
            contact: format!("{}@example.invalid", name.to_lowercase()),
            role,
        }
    }

    #[test]
    fn members_are_added_edited_and_removed() {
        let mut space =
            Space::create_council(SpaceId::from_random(1), "Vorbasse", &stamp()).unwrap();
        let (bo, eva) = (PersonId::from_random(1), PersonId::from_random(2));
        space
            .add_member(bo, &person("Bo", Role::Citizen), &stamp())
            .unwrap();
        space
            .add_member(eva, &person("Eva", Role::Professional), &stamp())
            .unwrap();
        space
            .update_member(bo, &person("Bo Hansen", Role::Politician), &stamp())
            .unwrap();
        let names: Vec<_> = space
            .members()
            .into_iter()
            .map(|p| (p.fields.name, p.fields.role))
            .collect();
        assert_eq!(
            names,
            vec![
                ("Bo Hansen".to_owned(), Role::Politician),
                ("Eva".to_owned(), Role::Professional)
            ]
        );
        space.remove_member(bo, &stamp()).unwrap();
        assert!(!space.is_member(bo));
        assert!(space.is_member(eva));
    }

    #[test]
    fn a_member_without_a_name_is_refused() {
        let mut space =
            Space::create_council(SpaceId::from_random(1), "Vorbasse", &stamp()).unwrap();
        let err = space.add_member(
            PersonId::from_random(1),
            &person(" ", Role::Citizen),
            &stamp(),
        );
        assert!(matches!(err, Err(Error::Empty { .. })));
        assert!(space.members().is_empty());
    }

    #[test]
    fn editing_a_member_who_was_removed_says_so() {
        let mut space =
            Space::create_council(SpaceId::from_random(1), "Vorbasse", &stamp()).unwrap();
        let err = space.update_member(
            PersonId::from_random(9),
            &person("Bo", Role::Citizen),
            &stamp(),
        );
        assert!(matches!(err, Err(Error::NotFound { what: "member", .. })));
    }

    #[test]
    fn concurrent_edits_of_different_fields_of_one_member_both_survive() {
        let mut a = Space::create_council(SpaceId::from_random(1), "Vorbasse", &stamp()).unwrap();
        let bo = PersonId::from_random(1);
        a.add_member(bo, &person("Bo", Role::Citizen), &stamp())
            .unwrap();
        let mut b = a.fork();
        a.update_member(
            bo,
            &PersonFields {
                name: "Bo Hansen".into(),
                ..person("Bo", Role::Citizen)
            },
            &stamp(),
        )
        .unwrap();
        b.update_member(
            bo,
            &PersonFields {
                role: Role::Politician,
                ..person("Bo", Role::Citizen)
            },
            &stamp(),
        )
        .unwrap();
        a.merge(&mut b).unwrap();
        let merged = &a.members()[0].fields;
        assert_eq!(
            (merged.name.as_str(), merged.role),
            ("Bo Hansen", Role::Politician)
        );
    }
}
