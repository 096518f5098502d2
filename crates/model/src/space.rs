//! A space: one Automerge document with a schema version, a kind, an id and a name, and
//! the parts every space of its kind has, all made in the space's first change.
//!
//! Every edit goes through a method that commits with the author and time of its
//! [`Stamp`], so each change in the document's history says who made it and when.
//! Containers are never made lazily: two devices making the same container concurrently
//! would each make their own, and one of them would be lost in the merge.

use std::str::FromStr;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{AutoCommit, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue};

use crate::arrival::{self, Arrivals};
use crate::doc;
use crate::{Error, FocusAreaId, Result, SpaceId, Stamp};

/// The newest document schema this build reads and writes. A document carries the schema
/// it was written with; later builds read every earlier schema.
pub const SCHEMA_VERSION: u64 = 1;

pub(crate) const SCHEMA: &str = "schema";
pub(crate) const KIND: &str = "kind";
pub(crate) const ID: &str = "id";
pub(crate) const NAME: &str = "name";
pub(crate) const MEMBERS: &str = "members";
pub(crate) const PLAN: &str = "plan";
pub(crate) const MEETINGS: &str = "meetings";
pub(crate) const APPLICATIONS: &str = "applications";
pub(crate) const COUNCILS: &str = "councils";
pub(crate) const ABSORBED: &str = "absorbed";
pub(crate) const FOCUS_AREA: &str = "focus_area";
pub(crate) const FOCUS_AREAS: &str = "focus_areas";
pub(crate) const WHEEL: &str = "wheel";
pub(crate) const DIRECTORY: &str = "directory";
pub(crate) const ROUNDS: &str = "rounds";

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

    /// The root maps every space of this kind has.
    fn parts(self) -> &'static [&'static str] {
        match self {
            Self::Network => &[FOCUS_AREAS, WHEEL, DIRECTORY, ROUNDS],
            Self::Council => &[MEMBERS, PLAN, MEETINGS, APPLICATIONS],
            Self::ProjectGroup => &[MEMBERS, PLAN, MEETINGS, APPLICATIONS, COUNCILS, ABSORBED],
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
    pub(crate) doc: AutoCommit,
    id: SpaceId,
    kind: SpaceKind,
    /// The heads at the last save (or load): what a storage already holds.
    saved: Vec<ChangeHash>,
    /// Received changes that wait for changes that have not arrived, and what is known of
    /// the changes taken in (`crate::arrival`: Automerge's own queue stays empty).
    arrivals: Arrivals,
}

impl Space {
    /// A new local council's space.
    pub fn create_council(id: SpaceId, name: &str, stamp: &Stamp) -> Result<Self> {
        Self::create(id, SpaceKind::Council, name, stamp, |_| Ok(()))
    }

    /// A new space of `kind` with its parts; `fill` writes kind-specific content into the
    /// same first change.
    pub(crate) fn create(
        id: SpaceId,
        kind: SpaceKind,
        name: &str,
        stamp: &Stamp,
        fill: impl FnOnce(&mut AutoCommit) -> Result<()>,
    ) -> Result<Self> {
        let name = required(name, "the name")?;
        let mut doc = AutoCommit::new();
        doc.put(ROOT, SCHEMA, SCHEMA_VERSION)?;
        doc.put(ROOT, KIND, kind.as_str())?;
        doc.put(ROOT, ID, id.to_string())?;
        doc.put(ROOT, NAME, name)?;
        for part in kind.parts() {
            doc.put_object(ROOT, *part, ObjType::Map)?;
        }
        if matches!(kind, SpaceKind::Council | SpaceKind::ProjectGroup) {
            crate::plan::create_parts(&mut doc, kind)?;
        }
        fill(&mut doc)?;
        let mut space = Self {
            doc,
            id,
            kind,
            saved: Vec::new(),
            arrivals: Arrivals::default(),
        };
        space.commit(stamp);
        Ok(space)
    }

    /// Reads a space from the bytes of [`Space::save`], or of a snapshot followed by any
    /// number of [`Space::save_incremental`] chunks. Refuses anything that is not a
    /// complete Landsbyplan space of a schema this build reads.
    pub fn load(bytes: &[u8]) -> Result<Self> {
        crate::bounds::check(bytes)?;
        // A snapshot first is read whole; what follows it (and anything that does not
        // start with one) is taken in as received changes are.
        let chunks = crate::bounds::chunks(bytes)?;
        let (mut doc, rest) = match chunks.first() {
            Some(first) if first.get(8) == Some(&0) => (
                AutoCommit::load(first).map_err(Error::unreadable)?,
                &bytes[first.len()..],
            ),
            _ => (AutoCommit::new(), bytes),
        };
        // A change stored that can never apply (from an editor gone rogue) is dropped, with
        // the changes after it, rather than keep the space from opening.
        let mut arrivals = Arrivals::default();
        if !rest.is_empty() {
            let heads = doc.get_heads();
            let (ready, next) = arrivals.sort(&mut doc, arrival::decode(rest, &heads)?, false)?;
            doc.apply_changes(ready).map_err(Error::unreadable)?;
            arrivals = next;
        }
        let schema = match doc::scalar(&doc, &ROOT, SCHEMA) {
            Some(ScalarValue::Uint(v)) => v,
            Some(ScalarValue::Int(v)) => u64::try_from(v).map_err(|_| Error::NotASpace)?,
            _ => return Err(Error::NotASpace),
        };
        if schema > SCHEMA_VERSION {
            return Err(Error::NewerSchema {
                found: schema,
                supported: SCHEMA_VERSION,
            });
        }
        let kind: SpaceKind = doc::string(&doc, &ROOT, KIND)
            .ok_or(Error::NotASpace)?
            .parse()?;
        let id = doc::parsed(&doc, &ROOT, ID).ok_or(Error::NotASpace)?;
        for part in kind.parts() {
            doc::map(&doc, &ROOT, part).ok_or(Error::MissingPart(part))?;
        }
        let saved = doc.get_heads();
        Ok(Self {
            doc,
            id,
            kind,
            saved,
            arrivals,
        })
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
        doc::string(&self.doc, &ROOT, NAME).unwrap_or_default()
    }

    /// Renames the space.
    pub fn rename(&mut self, name: &str, stamp: &Stamp) -> Result<()> {
        let name = required(name, "the name")?;
        self.doc.put(ROOT, NAME, name)?;
        self.commit(stamp);
        Ok(())
    }

    /// The whole document, compacted, for the device's own store: a standard `.automerge`
    /// file with its columns left uncompressed. It takes a few times the bytes of
    /// [`Space::export`], but loads without inflating anything, which was a third of the
    /// time a large council took to open (`cargo bench -p landsbyplan-model -- load`).
    pub fn save(&mut self) -> Vec<u8> {
        self.saved = self.doc.get_heads();
        let mut bytes = self.doc.save_nocompress();
        bytes.extend(self.arrivals.waiting_bytes());
        bytes
    }

    /// The whole document as a standard `.automerge` file, compressed, for a file or a
    /// sync snapshot, without marking anything as saved to the device's storage.
    pub fn export(&mut self) -> Vec<u8> {
        let mut bytes = self.doc.save();
        bytes.extend(self.arrivals.waiting_bytes());
        bytes
    }

    /// The changes made or merged in since the last save of either kind or the load;
    /// empty if there are none. Its size depends only on those changes, not on the size
    /// of the document.
    pub fn save_incremental(&mut self) -> Vec<u8> {
        let bytes = self.doc.save_after(&self.saved);
        self.saved = self.doc.get_heads();
        bytes
    }

    /// How many operations and changes the document holds (for measurements).
    pub fn size(&self) -> (u64, u64) {
        let stats = self.doc.stats();
        (stats.num_ops, stats.num_changes)
    }

    /// Takes in every change of `other`, a copy of the same space. A document that only
    /// carries the same id ([`Space::is_copy`] fails) is refused and changes nothing.
    pub fn merge(&mut self, other: &mut Space) -> Result<()> {
        if other.id != self.id || other.kind != self.kind {
            return Err(Error::DifferentSpaces);
        }
        if !self.is_copy(other) {
            return Err(Error::NotACopy);
        }
        let mut merged = self.doc.fork();
        merged.merge(&mut other.doc)?;
        within_bounds(&merged)?;
        merged.set_actor(self.doc.get_actor().clone());
        self.doc = merged;
        self.arrivals.forget_seqs();
        Ok(())
    }

    /// Whether `other` is a copy of this space, not just a document with its id: it holds
    /// a change this one started from (one with no dependencies, such as the change that
    /// created the space), which only a document grown from this one has.
    pub fn is_copy(&mut self, other: &Space) -> bool {
        self.doc
            .get_changes(&[])
            .iter()
            .filter(|change| change.deps().is_empty())
            .any(|change| other.doc.get_change_by_hash(&change.hash()).is_some())
    }

    /// Takes in changes of this space received from another device (Automerge bytes:
    /// changes, chunks or a whole saved document). Changes for another space are refused
    /// and leave this one untouched. Changes whose dependencies have not arrived yet are
    /// kept aside in the space and applied when those come ([`Space::missing`] names
    /// what they wait for); `save_incremental` does not hold them, so a caller that
    /// stores what it received stores `changes` themselves while anything is missing.
    /// A change that names a device none of the changes before it came from (which
    /// Automerge's writer never makes, and which its reader would panic on) is refused.
    pub fn apply_changes(&mut self, changes: &[u8]) -> Result<()> {
        crate::bounds::check(changes)?;
        let mut incoming = self.doc.fork();
        let heads = incoming.get_heads();
        let received = arrival::decode(changes, &heads)?;
        let (ready, arrivals) = self.arrivals.sort(&mut incoming, received, true)?;
        incoming.apply_changes(ready).map_err(Error::unreadable)?;
        // Another space's changes would put a second id (and kind) beside ours.
        let same_space = doc::all_strings(&incoming, &ROOT, ID) == [self.id.to_string()]
            && doc::all_strings(&incoming, &ROOT, KIND) == [self.kind.as_str()];
        if !same_space {
            return Err(Error::DifferentSpaces);
        }
        // Each input is bounded by the check above; together they must still load.
        within_bounds(&incoming)?;
        // The copy becomes the document; it keeps this device's actor.
        incoming.set_actor(self.doc.get_actor().clone());
        self.doc = incoming;
        self.arrivals = arrivals;
        Ok(())
    }

    /// Changes that received changes depend on but that have not arrived: while any are
    /// missing, some received changes wait unapplied.
    pub fn missing(&mut self) -> Vec<ChangeHash> {
        self.arrivals.missing(&mut self.doc)
    }

    /// Whether received changes wait for changes that have not arrived.
    pub fn has_missing(&mut self) -> bool {
        !self.missing().is_empty()
    }

    /// The changes this device lacks to reach another device's `heads`, looking through
    /// the received changes that wait ([`crate::PeerSync`] asks the peer for them).
    pub(crate) fn missing_toward(&mut self, heads: &[ChangeHash]) -> Vec<ChangeHash> {
        self.arrivals.missing_toward(&mut self.doc, heads)
    }

    /// The hashes of the changes in `changes` (as [`Space::apply_changes`] takes them);
    /// what cannot be read as a change is left out.
    pub fn hashes_in(changes: &[u8]) -> Vec<ChangeHash> {
        crate::bounds::chunks(changes)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|chunk| automerge::Change::try_from(chunk).ok())
            .map(|change| change.hash())
            .collect()
    }

    /// Whether the document holds change `hash`.
    pub fn has_change(&mut self, hash: &ChangeHash) -> bool {
        self.doc.get_change_by_hash(hash).is_some()
    }

    /// The changes [`Space::changes_after`] gives, in bundles of at most `max_bytes`
    /// each (a single larger change is a bundle of its own), in causal order: what a
    /// device owes the relay after a long time offline can be large.
    pub fn change_bundles(
        &mut self,
        heads: &[ChangeHash],
        max_bytes: usize,
    ) -> Vec<(Vec<u8>, usize)> {
        let mut bundles: Vec<(Vec<u8>, usize)> = Vec::new();
        for change in self.doc.get_changes(heads) {
            let raw = change.raw_bytes();
            match bundles.last_mut() {
                Some((bytes, count)) if bytes.len() + raw.len() <= max_bytes => {
                    bytes.extend_from_slice(raw);
                    *count += 1;
                }
                _ => bundles.push((raw.to_vec(), 1)),
            }
        }
        bundles
    }

    /// Every change not in the causal past of `heads` (heads this document does not know
    /// are ignored), as Automerge bytes, and how many changes that is.
    pub fn changes_after(&mut self, heads: &[ChangeHash]) -> (Vec<u8>, usize) {
        let changes = self.doc.get_changes(heads);
        let count = changes.len();
        let bytes = changes
            .into_iter()
            .flat_map(|change| change.raw_bytes().to_vec())
            .collect();
        (bytes, count)
    }

    /// The document's current heads: equal heads mean equal documents.
    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// A copy of this space with its own actor, as another device would hold it.
    pub fn fork(&mut self) -> Space {
        Space {
            doc: self.doc.fork(),
            id: self.id,
            kind: self.kind,
            saved: Vec::new(),
            arrivals: self.arrivals.clone(),
        }
    }

    /// Fails unless this space is of `kind`.
    pub(crate) fn require(&self, kind: SpaceKind) -> Result<()> {
        if self.kind == kind {
            Ok(())
        } else {
            Err(Error::WrongKind {
                expected: kind,
                found: self.kind,
            })
        }
    }

    /// Fails unless this space is a council or a project group.
    pub(crate) fn require_council_or_group(&self) -> Result<()> {
        match self.kind {
            SpaceKind::Council | SpaceKind::ProjectGroup => Ok(()),
            SpaceKind::Network => Err(Error::WrongKind {
                expected: SpaceKind::Council,
                found: self.kind,
            }),
        }
    }

    /// The root map `part`, present in every valid space of its kind.
    pub(crate) fn part(&self, part: &'static str) -> Result<ObjId> {
        doc::map(&self.doc, &ROOT, part).ok_or(Error::MissingPart(part))
    }

    /// The entity map `parent[id]`.
    pub(crate) fn entity(
        &self,
        parent: &ObjId,
        what: &'static str,
        id: impl ToString,
    ) -> Result<ObjId> {
        let id = id.to_string();
        doc::map(&self.doc, parent, &id).ok_or(Error::NotFound { what, id })
    }

    /// Writes `value` at `obj[key]` unless it is already the value there, so an edit that
    /// changes one field never touches (or conflicts on) the others.
    pub(crate) fn put_changed(
        &mut self,
        obj: &ObjId,
        key: &str,
        value: impl Into<ScalarValue>,
    ) -> Result<()> {
        let value = value.into();
        let all = self.doc.get_all(obj, key)?;
        let unchanged = all.len() == 1
            && matches!(&all[0].0, automerge::Value::Scalar(s) if s.as_ref() == &value);
        if !unchanged {
            self.doc.put(obj, key, value)?;
        }
        Ok(())
    }

    /// Writes an optional string: the value, or deletes the key for `None`.
    pub(crate) fn put_optional(
        &mut self,
        obj: &ObjId,
        key: &str,
        value: Option<String>,
    ) -> Result<()> {
        match value {
            Some(value) => self.put_changed(obj, key, value),
            None => {
                if self.doc.get(obj, key)?.is_some() {
                    self.doc.delete(obj, key)?;
                }
                Ok(())
            }
        }
    }

    /// Replaces the text object at `obj[key]` with `text` by the smallest splice, so
    /// concurrent typing elsewhere in the text merges character by character.
    pub(crate) fn update_text(&mut self, obj: &ObjId, key: &str, text: &str) -> Result<()> {
        let text_obj = match doc::object(&self.doc, obj, key, ObjType::Text) {
            Some(existing) => existing,
            None => self.doc.put_object(obj, key, ObjType::Text)?,
        };
        self.doc.update_text(&text_obj, text)?;
        Ok(())
    }

    /// Ends an edit: one change, attributed to `stamp`.
    pub(crate) fn commit(&mut self, stamp: &Stamp) {
        self.doc.commit_with(
            CommitOptions::default()
                .with_message(stamp.author.clone())
                .with_time(stamp.time),
        );
    }

    /// Runs `edit` and commits it as one change, or rolls everything back on an error.
    pub(crate) fn edit<T>(
        &mut self,
        stamp: &Stamp,
        edit: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        match edit(self).and_then(|value| within_bounds(&self.doc).map(|()| value)) {
            Ok(value) => {
                self.commit(stamp);
                Ok(value)
            }
            Err(err) => {
                self.doc.rollback();
                Err(err)
            }
        }
    }

    /// The focus area of a project group (`None` on other spaces or if unreadable).
    pub fn focus_area(&self) -> Option<FocusAreaId> {
        doc::parsed(&self.doc, &ROOT, FOCUS_AREA)
    }
}

/// Trims `text` and refuses it if nothing is left.
pub(crate) fn required<'a>(text: &'a str, field: &'static str) -> Result<&'a str> {
    let text = text.trim();
    if text.is_empty() {
        Err(Error::Empty { field })
    } else {
        Ok(text)
    }
}

/// Refuses a document that holds more operations than [`Space::load`] takes on any
/// device: a space that grew past it would no longer open anywhere.
pub(crate) fn within_bounds(doc: &AutoCommit) -> Result<()> {
    if doc.stats().num_ops > crate::bounds::MAX_OPS {
        return Err(Error::Full);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp() -> Stamp {
        Stamp::new("Anna", 1_780_000_000)
    }

    fn council(name: &str) -> Space {
        Space::create_council(SpaceId::from_random(7), name, &stamp()).unwrap()
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
    fn the_hashes_in_sent_changes_are_those_of_the_changes_and_junk_has_none() {
        let mut space = council("Stenderup");
        space.rename("Stenderup Lokalråd", &stamp()).unwrap();
        space.rename("Stenderup og Krog", &stamp()).unwrap();
        let bundles = space.change_bundles(&[], 1 << 20);
        let [(bytes, count)] = &bundles[..] else {
            panic!("one bundle")
        };
        let hashes = Space::hashes_in(bytes);
        assert_eq!(hashes.len(), *count);
        assert_eq!(*count, 3);
        for head in space.heads() {
            assert!(hashes.contains(&head));
        }
        for hash in &hashes {
            assert!(space.has_change(hash));
        }
        assert!(Space::hashes_in(b"not changes").is_empty());
        assert!(Space::hashes_in(&bytes[..bytes.len() - 1]).is_empty());
    }

    #[test]
    fn a_name_of_only_spaces_is_refused() {
        let err = Space::create_council(SpaceId::from_random(1), "  ", &stamp());
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
    fn an_incremental_save_right_after_loading_is_empty_and_after_an_edit_holds_only_it() {
        let mut space = council("Filskov");
        let bytes = space.save();
        let mut loaded = Space::load(&bytes).unwrap();
        assert!(loaded.save_incremental().is_empty());
        loaded.rename("Filskov Lokalråd", &stamp()).unwrap();
        let chunk = loaded.save_incremental();
        assert!(!chunk.is_empty() && chunk.len() < bytes.len());
        let mut both = bytes.clone();
        both.extend(chunk);
        assert_eq!(Space::load(&both).unwrap().name(), "Filskov Lokalråd");
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
    fn bytes_that_are_not_automerge_are_refused_before_automerge_reads_them() {
        assert!(matches!(
            Space::load(b"not a document"),
            Err(Error::Unbounded(crate::bounds::Unbounded::Malformed(_)))
        ));
    }

    #[test]
    fn a_truncated_document_is_refused() {
        let bytes = council("Vorbasse").save();
        let err = Space::load(&bytes[..bytes.len() / 2]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Unbounded(crate::bounds::Unbounded::Malformed(_))
            ),
            "{err:?}"
        );
    }

    #[test]
    fn an_automerge_document_without_a_schema_is_not_a_space() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "title", "something else").unwrap();
        assert!(matches!(Space::load(&doc.save()), Err(Error::NotASpace)));
    }

    #[test]
    fn a_space_missing_one_of_its_parts_is_refused_as_damaged() {
        let mut space = council("Vorbasse");
        space.doc.delete(ROOT, MEMBERS).unwrap();
        assert!(matches!(
            Space::load(&space.save()),
            Err(Error::MissingPart("members"))
        ));
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

        let mut other =
            Space::create_council(SpaceId::from_random(8), "Skjoldbjerg", &stamp()).unwrap();
        assert!(matches!(a.merge(&mut other), Err(Error::DifferentSpaces)));
    }

    #[test]
    fn a_document_that_only_carries_a_spaces_id_is_not_taken_for_a_copy() {
        let mut real = council("Vorbasse");
        let before = real.heads();
        let mut forged = Space::create_council(real.id(), "Vorbasse", &stamp()).unwrap();
        assert!(!real.is_copy(&forged));
        assert!(matches!(real.merge(&mut forged), Err(Error::NotACopy)));
        assert!(matches!(real.import(&forged.save()), Err(Error::NotACopy)));
        assert!(matches!(
            real.preview_import(&forged.save()),
            Err(Error::NotACopy)
        ));
        assert!(real.apply_changes(&forged.save()).is_err());
        assert_eq!(real.heads(), before, "nothing of the forgery got in");
        let copy = Space::load(&real.save()).unwrap();
        assert!(real.is_copy(&copy));
    }

    #[test]
    fn changes_from_another_device_apply_and_changes_of_another_space_do_not() {
        let mut here = council("Vorbasse");
        let mut there = Space::load(&here.save()).unwrap();
        there.save();
        there.rename("Vorbasse Lokalråd", &stamp()).unwrap();
        here.apply_changes(&there.save_incremental()).unwrap();
        assert_eq!(here.name(), "Vorbasse Lokalråd");

        let mut other =
            Space::create_council(SpaceId::from_random(99), "Filskov", &stamp()).unwrap();
        let before = here.heads();
        assert!(matches!(
            here.apply_changes(&other.save()),
            Err(Error::DifferentSpaces)
        ));
        // Bytes with no changes in them change nothing (entries are authenticated before
        // they get here, so this is a damaged chunk at worst).
        let _ = here.apply_changes(b"garbage");
        assert_eq!(here.heads(), before);
        assert_eq!(here.name(), "Vorbasse Lokalråd");
    }

    #[test]
    fn a_failed_edit_leaves_no_trace_in_the_document() {
        let mut space = council("Vorbasse");
        let before = space.heads();
        let result: Result<()> = space.edit(&stamp(), |s| {
            s.doc.put(ROOT, NAME, "half-done")?;
            Err(Error::NotAMember)
        });
        assert!(result.is_err());
        assert_eq!(space.heads(), before);
        assert_eq!(space.name(), "Vorbasse");
    }
}
