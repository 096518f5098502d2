//! Conflicts: a field that two people set at the same time holds both values after the
//! merge. Automerge shows one of them everywhere alike; this lets the app show both and
//! let a person keep either.

use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ROOT, ReadDoc, Value};

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
        for key in self.doc.keys(obj) {
            let values = self.doc.get_all(obj, key.as_str()).unwrap_or_default();
            if values.len() > 1 {
                let texts: Vec<String> = values
                    .iter()
                    .filter_map(|(value, _)| match value {
                        Value::Scalar(s) => Some(display(s)),
                        Value::Object(_) => None,
                    })
                    .collect();
                if texts.len() > 1 {
                    let mut at = path.clone();
                    at.push(key.clone());
                    found.push(Conflict {
                        path: at,
                        values: texts,
                    });
                }
            }
            if let Some((Value::Object(ObjType::Map), child)) = values.last().cloned() {
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
