//! Conflicts: a field that two people set at the same time holds both values after the
//! merge. Automerge shows one of them everywhere alike; this lets the app show both and
//! let a person keep either.

use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ROOT, ReadDoc, Value, ValueRef};

use crate::{Error, Result, Space, Stamp};

/// One field holding concurrent values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The keys from the document's root to the field, e.g. `["members", "<id>", "name"]`.
    pub path: Vec<String>,
    /// Every value, as text; the one the document shows now is last.
    pub values: Vec<String>,
}

impl Space {
    /// Every field that holds concurrent values now.
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut found = Vec::new();
        let mut path = Vec::new();
        self.collect_conflicts(&ROOT, &mut path, &mut found);
        found
    }

    fn collect_conflicts(&self, obj: &ObjId, path: &mut Vec<String>, found: &mut Vec<Conflict>) {
        // One pass over the map tells which keys hold more than one value; only those are
        // read again in full (a walk of `keys` then `get_all` seeks every key, and took
        // most of the plan screen's start on a large council).
        let fields: Vec<(String, bool, Option<ObjId>)> = self
            .doc
            .map_range(obj, ..)
            .map(|item| {
                let child = matches!(item.value, ValueRef::Object(ObjType::Map)).then(|| item.id());
                (item.key.into_owned(), item.conflict, child)
            })
            .collect();
        for (key, conflict, child) in fields {
            if conflict {
                let texts = scalar_texts(&self.doc.get_all(obj, key.as_str()).unwrap_or_default());
                if texts.len() > 1 {
                    let mut at = path.clone();
                    at.push(key.clone());
                    found.push(Conflict {
                        path: at,
                        values: texts,
                    });
                }
            }
            if let Some(child) = child {
                path.push(key);
                self.collect_conflicts(&child, path, found);
                path.pop();
            }
        }
    }

    /// Keeps `chosen`, one of the values of the conflict at `path`: writing it again
    /// after both makes it the only value everywhere.
    pub fn resolve_conflict(&mut self, path: &[String], chosen: &str, stamp: &Stamp) -> Result<()> {
        let (field, parents) = path.split_last().ok_or(Error::NotFound {
            what: "field",
            id: String::new(),
        })?;
        let not_found = || Error::NotFound {
            what: "field",
            id: path.join("/"),
        };
        let mut obj = ROOT;
        for key in parents {
            obj = crate::doc::map(&self.doc, &obj, key).ok_or_else(not_found)?;
        }
        let value = self
            .doc
            .get_all(&obj, field.as_str())?
            .into_iter()
            .find_map(|(value, _)| match value {
                Value::Scalar(s) if display(&s) == chosen => Some(s.into_owned()),
                _ => None,
            })
            .ok_or_else(not_found)?;
        self.edit(stamp, |s| {
            s.doc.put(&obj, field.as_str(), value)?;
            Ok(())
        })
    }
}

fn display(value: &automerge::ScalarValue) -> String {
    match value.as_str() {
        Some(text) => text.to_owned(),
        None => value.to_string(),
    }
}

/// The scalar values among a field's concurrent values, as text (objects left out).
fn scalar_texts(values: &[(Value<'_>, ObjId)]) -> Vec<String> {
    values
        .iter()
        .filter_map(|(value, _)| match value {
            Value::Scalar(s) => Some(display(s)),
            Value::Object(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::{PersonFields, PersonId, Role, SpaceId};

    /// The walk the one-pass scan replaced: every key of every map, all its values read.
    fn conflicts_key_by_key(space: &Space, obj: &ObjId, path: &mut Vec<String>) -> Vec<Conflict> {
        let mut found = Vec::new();
        for key in space.doc.keys(obj) {
            let values = space.doc.get_all(obj, key.as_str()).unwrap_or_default();
            let texts = scalar_texts(&values);
            if texts.len() > 1 {
                let mut at = path.clone();
                at.push(key.clone());
                found.push(Conflict {
                    path: at,
                    values: texts,
                });
            }
            if let Some((Value::Object(ObjType::Map), child)) = values.last().cloned() {
                path.push(key);
                found.extend(conflicts_key_by_key(space, &child, path));
                path.pop();
            }
        }
        found
    }

    fn person(name: &str, contact: &str) -> PersonFields {
        PersonFields {
            name: name.into(),
            contact: contact.into(),
            role: Role::Citizen,
        }
    }

    #[test]
    fn two_names_and_two_new_members_at_once_are_found_as_the_walk_finds_them() {
        let stamp = |at: i64| Stamp::new("Anna", 1_780_000_000 + at);
        let mut a = Space::create_council(SpaceId::from_random(1), "Grene", &stamp(0)).unwrap();
        let mut b = a.fork();
        a.rename("Grene Lokalråd", &stamp(1)).unwrap();
        b.rename("Lokalrådet i Grene", &stamp(1)).unwrap();
        let new = PersonId::from_random(9);
        a.add_member(new, &person("Bo", "1"), &stamp(2)).unwrap();
        b.add_member(new, &person("Bo", "2"), &stamp(2)).unwrap();
        a.merge(&mut b).unwrap();
        let found = a.conflicts();
        assert_eq!(found, conflicts_key_by_key(&a, &ROOT, &mut Vec::new()));
        assert!(found.iter().any(|c| c.path == ["name"]), "{found:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("LANDSBYPLAN_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
        ))]
        /// Three devices rename the council, edit its members and add the same new member
        /// at once, in any mix; after the merge the scan finds exactly the conflicts a
        /// key-by-key walk finds.
        #[test]
        fn the_one_pass_scan_finds_what_a_key_by_key_walk_finds(
            edits in prop::collection::vec((0..3usize, 0..5usize, 0..3usize), 0..16)
        ) {
            let stamp = |at: i64| Stamp::new("Anna", 1_780_000_000 + at);
            let mut first =
                Space::create_council(SpaceId::from_random(1), "Grene", &stamp(0)).unwrap();
            let people: Vec<PersonId> = (0..3).map(PersonId::from_random).collect();
            for (n, id) in people.iter().enumerate() {
                first.add_member(*id, &person(&format!("P{n}"), ""), &stamp(1)).unwrap();
            }
            let mut devices = [first.fork(), first.fork(), first];
            for (at, (device, what, value)) in edits.into_iter().enumerate() {
                let space = &mut devices[device];
                let at = at as i64 + 2;
                match what {
                    0 => space.rename(&format!("Grene {value}"), &stamp(at)).unwrap(),
                    // The same new member added on several devices at once: the member's
                    // map itself then holds two values (two objects).
                    4 => {
                        let _ = space.add_member(
                            PersonId::from_random(9),
                            &person(&format!("Ny {value}"), ""),
                            &stamp(at),
                        );
                    }
                    person_at => space
                        .update_member(
                            people[person_at - 1],
                            &person(&format!("P{person_at}"), &format!("{value}")),
                            &stamp(at),
                        )
                        .unwrap(),
                }
            }
            let (a, rest) = devices.split_first_mut().unwrap();
            for other in rest {
                a.merge(other).unwrap();
            }
            let found = a.conflicts();
            prop_assert_eq!(&found, &conflicts_key_by_key(a, &ROOT, &mut Vec::new()));
        }
    }
}
