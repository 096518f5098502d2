//! Texts that several people type in at once (issue 10): the vision, a group's goal, a
//! meeting's agenda and minutes, an application's description.
//!
//! A keystroke is saved as the one splice it made in the text the person saw, at the
//! document's state they saw it in, so it lands where they typed even when others' changes
//! have arrived since. The caret of someone typing follows the character before it through
//! others' changes (Automerge cursors, not a comparison of texts, which cannot tell two
//! people typing at one place apart): their next keystroke lands right after their last,
//! and two sentences typed at one place stay two sentences.
//!
//! Positions here count characters (Unicode scalar values), as Automerge counts them.

use automerge::transaction::Transactable;
use automerge::{ChangeHash, Cursor, MoveCursor, ObjId, ObjType, ReadDoc};

use crate::grant::DESCRIPTION;
use crate::meeting::{AGENDA, MINUTES};
use crate::plan::{GOAL, VISION};
use crate::space::PLAN;
use crate::{ApplicationId, MeetingId, Result, Space, SpaceKind, Stamp, doc};

/// A text that syncs live, by where it is in its space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LiveField {
    /// A council's vision.
    Vision,
    /// A project group's goal.
    GroupGoal,
    /// A meeting's agenda.
    Agenda(MeetingId),
    /// A meeting's minutes.
    Minutes(MeetingId),
    /// A grant application's description (changed only while it is a draft).
    Description(ApplicationId),
}

/// A live text as a screen shows it: the text, and the document's heads it was read at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveShown {
    /// The text.
    pub text: String,
    /// The heads of the document when it was read.
    pub heads: Vec<ChangeHash>,
}

/// A caret (`start == end`) or a selection in a live text, in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Where it starts.
    pub start: usize,
    /// Where it ends (not before `start`).
    pub end: usize,
}

impl Span {
    /// A caret at `at`.
    pub fn caret(at: usize) -> Self {
        Self { start: at, end: at }
    }
}

/// One keystroke (or paste, cut, dictated word) in a live text: what the text showed
/// before it, what it shows after it, and where the caret is after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keystroke {
    /// The text and heads the screen showed before the keystroke.
    pub seen: LiveShown,
    /// The whole text the screen shows after it.
    pub typed: String,
    /// The caret after it, in characters of `typed`.
    pub caret: usize,
}

/// One change between two texts, in characters: at `at`, `removed` characters were taken
/// out and `inserted` put in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextSplice {
    /// Where, in the old text.
    pub at: usize,
    /// How many characters were taken out.
    pub removed: usize,
    /// What was put in.
    pub inserted: String,
}

impl Space {
    /// The live text `field` and the heads it was read at; an empty text if the field has
    /// none yet.
    pub fn live_text(&mut self, field: LiveField) -> Result<LiveShown> {
        let (parent, key) = self.live_place(field, false)?;
        let text = doc::object(&self.doc, &parent, key, ObjType::Text)
            .and_then(|text| self.doc.text(&text).ok())
            .unwrap_or_default();
        Ok(LiveShown {
            text,
            heads: self.doc.get_heads(),
        })
    }

    /// Saves `keystroke` in the live text `field` as one change, by the person in `stamp`.
    /// Returns the heads at which the document's text is what the keystroke left on the
    /// screen: the document's heads, or, when others' changes came in after the screen
    /// was last drawn, the heads of the keystroke's own change (made at what was seen,
    /// then merged).
    pub fn type_live(
        &mut self,
        field: LiveField,
        keystroke: &Keystroke,
        stamp: &Stamp,
    ) -> Result<Vec<ChangeHash>> {
        let (parent, key) = self.live_place(field, true)?;
        let seen = &keystroke.seen;
        let Some(splice) = keystroke_splice(&seen.text, &keystroke.typed, keystroke.caret) else {
            return Ok(seen.heads.clone());
        };
        let current = seen.heads == self.doc.get_heads();
        if !current && let Some(heads) = self.type_at_seen(&parent, key, seen, &splice, stamp) {
            return Ok(heads);
        }
        self.edit(stamp, |s| {
            let text = match doc::object(&s.doc, &parent, key, ObjType::Text) {
                Some(text) => text,
                None => s.doc.put_object(&parent, key, ObjType::Text)?,
            };
            if current && s.doc.text(&text)? == seen.text {
                s.doc
                    .splice_text(&text, splice.at, splice.removed as isize, &splice.inserted)?;
            } else {
                // What was seen is not in this document (it cannot be, but a screen that
                // lost track must still not lose typing): the whole text as typed.
                s.doc.update_text(&text, &keystroke.typed)?;
            }
            Ok(())
        })?;
        Ok(self.doc.get_heads())
    }

    /// Where `span`, made in the live text `field` as it was at `seen`, is now: a caret
    /// stays right after the character before it (so the next keystroke follows the last
    /// one, whatever others typed at the same place), or where that character was if it is
    /// gone; a selection keeps out what others typed at its edges.
    pub fn follow_span(&self, field: LiveField, seen: &[ChangeHash], span: Span) -> Span {
        let Some(text) = self
            .live_place(field, false)
            .ok()
            .and_then(|(parent, key)| doc::object(&self.doc, &parent, key, ObjType::Text))
        else {
            return Span::caret(0);
        };
        let length = self.doc.length(&text);
        let end = self
            .after_character(&text, seen, span.end)
            .unwrap_or(span.end)
            .min(length);
        if span.start >= span.end {
            return Span::caret(end);
        }
        let start = self
            .position(&text, seen, span.start, MoveCursor::After)
            .unwrap_or(span.start)
            .min(end);
        Span { start, end }
    }

    /// The object that holds the live text `field` and its key there; `writing` refuses a
    /// text that may not change now (a submitted application's description).
    fn live_place(&self, field: LiveField, writing: bool) -> Result<(ObjId, &'static str)> {
        match field {
            LiveField::Vision => {
                self.require(SpaceKind::Council)?;
                Ok((self.part(PLAN)?, VISION))
            }
            LiveField::GroupGoal => {
                self.require(SpaceKind::ProjectGroup)?;
                Ok((self.part(PLAN)?, GOAL))
            }
            LiveField::Agenda(id) => Ok((self.meeting(id)?, AGENDA)),
            LiveField::Minutes(id) => Ok((self.meeting(id)?, MINUTES)),
            LiveField::Description(id) if writing => Ok((self.draft(id)?, DESCRIPTION)),
            LiveField::Description(id) => Ok((self.application(id)?, DESCRIPTION)),
        }
    }

    /// Makes the keystroke's change on the document as it was at `seen` (Automerge's
    /// isolation: reads and the new change see only what was seen) and takes it into the
    /// document, so it lands where it was typed. `None` if that state is not in the
    /// document or does not hold what was seen (then the caller saves the text as typed).
    fn type_at_seen(
        &mut self,
        parent: &ObjId,
        key: &str,
        seen: &LiveShown,
        splice: &TextSplice,
        stamp: &Stamp,
    ) -> Option<Vec<ChangeHash>> {
        if !seen
            .heads
            .iter()
            .all(|hash| self.doc.get_change_by_hash(hash).is_some())
        {
            return None;
        }
        self.doc.isolate(&seen.heads);
        let made = self.splice_seen(parent, key, seen, splice);
        let heads = if made.is_some() && crate::space::within_bounds(&self.doc).is_ok() {
            self.commit(stamp);
            Some(self.doc.get_heads())
        } else {
            self.doc.rollback();
            None
        };
        self.doc.integrate();
        heads
    }

    /// The splice on the text at `parent[key]`, if it holds what was seen.
    fn splice_seen(
        &mut self,
        parent: &ObjId,
        key: &str,
        seen: &LiveShown,
        splice: &TextSplice,
    ) -> Option<()> {
        let text = doc::object(&self.doc, parent, key, ObjType::Text)?;
        if self.doc.text(&text).ok()? != seen.text {
            return None;
        }
        self.doc
            .splice_text(&text, splice.at, splice.removed as isize, &splice.inserted)
            .ok()
    }

    /// Where the caret that was at `at` in `text` at `seen` is now (see
    /// [`Space::follow_span`]).
    fn after_character(&self, text: &ObjId, seen: &[ChangeHash], at: usize) -> Option<usize> {
        if at == 0 {
            return Some(0);
        }
        let before = self
            .doc
            .get_cursor_moving(text, at - 1, Some(seen), MoveCursor::Before)
            .ok()?;
        let now = self.doc.get_cursor_position(text, &before, None).ok()?;
        let still_there = now < self.doc.length(text)
            && self
                .doc
                .get_cursor_moving(text, now, None, MoveCursor::Before)
                .ok()
                == Some(before);
        if still_there {
            Some(now + 1)
        } else {
            // The character is gone: where it was, before the next one that is left.
            self.position(text, seen, at - 1, MoveCursor::After)
        }
    }

    /// Where the character at `at` in `text` at `seen` is now, or, if it is gone, the
    /// next one (`After`) or the one before it (`Before`).
    fn position(
        &self,
        text: &ObjId,
        seen: &[ChangeHash],
        at: usize,
        moving: MoveCursor,
    ) -> Option<usize> {
        let cursor: Cursor = self
            .doc
            .get_cursor_moving(text, at, Some(seen), moving)
            .ok()?;
        self.doc.get_cursor_position(text, &cursor, None).ok()
    }
}

/// The one splice a keystroke made: the change that ends at the caret (typing, pasting,
/// deleting backwards or forwards), which places a letter typed next to the same letter
/// where it was typed, as long as it is no larger than the smallest change from both
/// ends (a word replaced elsewhere, by a spelling checker say, while the caret is at the
/// end); otherwise that smallest change. `None` if nothing changed.
pub fn keystroke_splice(seen: &str, typed: &str, caret: usize) -> Option<TextSplice> {
    if seen == typed {
        return None;
    }
    let old: Vec<char> = seen.chars().collect();
    let new: Vec<char> = typed.chars().collect();
    let common_prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let room = old.len().min(new.len()) - common_prefix;
    let common_suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    let smallest = (
        common_prefix,
        old.len() - common_suffix,
        new.len() - common_suffix,
    );
    // The text after the caret is what was after the change in the old text.
    let caret = caret.min(new.len());
    let anchored = (old.len() + caret)
        .checked_sub(new.len())
        .filter(|&old_end| old[old_end..] == new[caret..])
        .map(|old_end| (common_prefix.min(old_end).min(caret), old_end, caret));
    let size = |(start, old_end, new_end): (usize, usize, usize)| old_end + new_end - 2 * start;
    let (start, old_end, new_end) = match anchored {
        Some(anchored) if size(anchored) <= size(smallest) => anchored,
        _ => smallest,
    };
    Some(TextSplice {
        at: start,
        removed: old_end - start,
        inserted: new[start..new_end].iter().collect(),
    })
}
