//! A space: one Automerge document with a schema version, a kind, an id and a name.
//!
//! Every edit goes through a method here that commits with the author and time of its
//! [`Stamp`], so each change in the document's history says who made it and when.

use std::str::FromStr;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{AutoCommit, ObjId, ROOT, ReadDoc, ScalarValue, Value};

use crate::{Error, Result, SpaceId, Stamp};

/// The newest document schema this build reads and writes. A document carries the schema
/// it was written with; later builds read every earlier schema.
pub const SCHEMA_VERSION: u64 = 1;

const SCHEMA: &str = "schema";
const KIND: &str = "kind";
const ID: &str = "id";
const NAME: &str = "name";

/// What a space holds and who it is shared with (see DESIGN.md, "Documents").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpaceKind {
    /// The municipality's rural network: focus areas, annual wheel, directory, grant rounds.
    Network,
    /// One local council (lokalråd): members, development plan, meetings, applications.
    Council,
    /// One project group working on one focus area.
    ProjectGroup,
}

impl SpaceKind {
    /// The kind's name as stored in the document.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Council => "council",
            Self::ProjectGroup => "project-group",
        }
    }
}

impl FromStr for SpaceKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "network" => Ok(Self::Network),
            "council" => Ok(Self::Council),
            "project-group" => Ok(Self::ProjectGroup),
            _ => Err(Error::NotASpace),
        }
    }
}

/// One space's document, with its id and kind read once at creation or load.
#[derive(Debug)]
pub struct Space {
    doc: AutoCommit,
    id: SpaceId,
    kind: SpaceKind,
}

impl Space {
    /// A new space named `name`, created by `stamp.author`.
    pub fn create(id: SpaceId, kind: SpaceKind, name: &str, stamp: &Stamp) -> Result<Self> {
        let name = required(name, "the name")?;
        let mut doc = AutoCommit::new();
        doc.put(ROOT, SCHEMA, SCHEMA_VERSION)?;
        doc.put(ROOT, KIND, kind.as_str())?;
        doc.put(ROOT, ID, id.to_string())?;
        doc.put(ROOT, NAME, name)?;
        let mut space = Self { doc, id, kind };
        space.commit(stamp);
        Ok(space)
    }

    /// Reads a space from the bytes of [`Space::save`], or of a snapshot followed by any
    /// number of [`Space::save_incremental`] chunks.
    pub fn load(bytes: &[u8]) -> Result<Self> {
        let doc = AutoCommit::load(bytes).map_err(Error::Unreadable)?;
        let schema = match doc.get(ROOT, SCHEMA)? {
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Uint(v) => *v,
                ScalarValue::Int(v) => u64::try_from(*v).map_err(|_| Error::NotASpace)?,
                _ => return Err(Error::NotASpace),
            },
            _ => return Err(Error::NotASpace),
        };
        if schema > SCHEMA_VERSION {
            return Err(Error::NewerSchema {
                found: schema,
                supported: SCHEMA_VERSION,
            });
        }
        let kind = read_str(&doc, &ROOT, KIND)
            .ok_or(Error::NotASpace)?
            .parse()?;
        let id = read_str(&doc, &ROOT, ID)
            .and_then(|s| s.parse().ok())
            .ok_or(Error::NotASpace)?;
        Ok(Self { doc, id, kind })
    }

    /// The space's id.
    pub fn id(&self) -> SpaceId {
        self.id
    }

    /// What the space holds.
    pub fn kind(&self) -> SpaceKind {
        self.kind
    }

    /// The space's name (a council's or group's name).
    pub fn name(&self) -> String {
        read_str(&self.doc, &ROOT, NAME).unwrap_or_default()
    }

    /// Renames the space.
    pub fn rename(&mut self, name: &str, stamp: &Stamp) -> Result<()> {
        let name = required(name, "the name")?;
        self.doc.put(ROOT, NAME, name)?;
        self.commit(stamp);
        Ok(())
    }

    /// The whole document, compacted: a standard `.automerge` file.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The changes made since the last save of either kind; empty if there are none.
    /// Its size depends only on those changes, not on the size of the document.
    pub fn save_incremental(&mut self) -> Vec<u8> {
        self.doc.save_incremental()
    }

    /// Takes in every change of `other`, a copy of the same space.
    pub fn merge(&mut self, other: &mut Space) -> Result<()> {
        if other.id != self.id || other.kind != self.kind {
            return Err(Error::DifferentSpaces);
        }
        self.doc.merge(&mut other.doc)?;
        Ok(())
    }

    fn commit(&mut self, stamp: &Stamp) {
        self.doc.commit_with(
            CommitOptions::default()
                .with_message(stamp.author.clone())
                .with_time(stamp.time),
        );
    }
}

/// Trims `text` and refuses it if nothing is left.
fn required<'a>(text: &'a str, field: &'static str) -> Result<&'a str> {
    let text = text.trim();
    if text.is_empty() {
        Err(Error::Empty { field })
    } else {
        Ok(text)
    }
}

fn read_str(doc: &impl ReadDoc, obj: &ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key).ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp() -> Stamp {
        Stamp::new("Anna", 1_780_000_000)
    }

    fn council(name: &str) -> Space {
        Space::create(SpaceId::from_random(7), SpaceKind::Council, name, &stamp()).unwrap()
    }

    #[test]
    fn a_created_council_reads_back_after_save_and_load() {
        let mut space = council("Vorbasse Lokalråd");
        let loaded = Space::load(&space.save()).unwrap();
        assert_eq!(loaded.name(), "Vorbasse Lokalråd");
        assert_eq!(loaded.kind(), SpaceKind::Council);
        assert_eq!(loaded.id(), SpaceId::from_random(7));
    }

    #[test]
    fn a_name_of_only_spaces_is_refused() {
        let err = Space::create(SpaceId::from_random(1), SpaceKind::Council, "  ", &stamp());
        assert!(matches!(err, Err(Error::Empty { field: "the name" })));
    }

    #[test]
    fn a_snapshot_followed_by_incremental_chunks_loads_as_one_document() {
        let mut space = council("Hejnsvig");
        let mut bytes = space.save();
        space.rename("Hejnsvig Lokalråd", &stamp()).unwrap();
        bytes.extend(space.save_incremental());
        assert_eq!(Space::load(&bytes).unwrap().name(), "Hejnsvig Lokalråd");
    }

    #[test]
    fn an_incremental_save_with_no_edit_is_empty() {
        let mut space = council("Filskov");
        space.save();
        assert!(space.save_incremental().is_empty());
    }

    #[test]
    fn every_change_records_its_author_and_time() {
        let mut space = council("Filskov");
        space
            .rename("Filskov Lokalråd", &Stamp::new("Bo", 1_780_000_100))
            .unwrap();
        let changes = space.doc.get_changes(&[]);
        let recorded: Vec<_> = changes
            .iter()
            .map(|c| (c.message().map(str::to_owned), c.timestamp()))
            .collect();
        assert_eq!(
            recorded,
            vec![
                (Some("Anna".to_owned()), 1_780_000_000),
                (Some("Bo".to_owned()), 1_780_000_100)
            ]
        );
    }

    #[test]
    fn bytes_that_are_not_automerge_are_unreadable() {
        assert!(matches!(
            Space::load(b"not a document"),
            Err(Error::Unreadable(_))
        ));
    }

    #[test]
    fn a_truncated_document_is_refused() {
        let bytes = council("Vorbasse").save();
        let err = Space::load(&bytes[..bytes.len() / 2]).unwrap_err();
        assert!(matches!(err, Error::Unreadable(_)), "{err:?}");
    }

    #[test]
    fn an_automerge_document_without_a_schema_is_not_a_space() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "title", "something else").unwrap();
        assert!(matches!(Space::load(&doc.save()), Err(Error::NotASpace)));
    }

    #[test]
    fn a_document_from_a_newer_schema_is_refused_with_both_versions() {
        let mut space = council("Vorbasse");
        space.doc.put(ROOT, SCHEMA, SCHEMA_VERSION + 1).unwrap();
        let err = Space::load(&space.save()).unwrap_err();
        assert!(matches!(
            err,
            Error::NewerSchema { found, supported } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION
        ));
    }

    #[test]
    fn copies_of_one_space_merge_and_different_spaces_do_not() {
        let mut a = council("Vorbasse");
        let mut b = Space::load(&a.save()).unwrap();
        b.rename("Vorbasse Lokalråd", &stamp()).unwrap();
        a.merge(&mut b).unwrap();
        assert_eq!(a.name(), "Vorbasse Lokalråd");

        let mut other = Space::create(
            SpaceId::from_random(8),
            SpaceKind::Council,
            "Skjoldbjerg",
            &stamp(),
        )
        .unwrap();
        assert!(matches!(a.merge(&mut other), Err(Error::DifferentSpaces)));
    }
}
