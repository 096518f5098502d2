//! Typing together in a live text (issue 10): keystrokes land where they were typed, and
//! the caret of each person follows their own typing through the others' changes, so two
//! people typing at one place write two sentences, not one glued together.

#![allow(clippy::unwrap_used)]

use landsbyplan_model::{
    ApplicationId, CouncilRef, FocusAreaId, Keystroke, LiveField, LiveShown, MeetingId, Space,
    SpaceId, Span, Stamp, keystroke_splice,
};
use proptest::prelude::*;

fn stamp(who: &str) -> Stamp {
    Stamp::new(who, 1_780_000_000)
}

fn council(vision: &str) -> Space {
    let mut space =
        Space::create_council(SpaceId::from_random(5), "Hejnsvig", &stamp("A")).unwrap();
    space.set_vision(vision, &stamp("A")).unwrap();
    space
}

/// A person's screen on one device, kept as the app's live text keeps its textarea: the
/// text it shows, the heads it was drawn at, and the caret.
struct Screen {
    device: Space,
    shown: LiveShown,
    caret: usize,
    field: LiveField,
    who: &'static str,
}

impl Screen {
    fn new(mut device: Space, field: LiveField, caret: usize, who: &'static str) -> Self {
        let shown = device.live_text(field).unwrap();
        Self {
            device,
            shown,
            caret,
            field,
            who,
        }
    }

    /// Types `text` at the caret, a character at a time, each a keystroke of its own.
    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let mut typed: Vec<char> = self.shown.text.chars().collect();
            typed.insert(self.caret, c);
            self.keystroke(typed.into_iter().collect(), self.caret + 1);
        }
    }

    /// Deletes the character before the caret, if any.
    fn backspace(&mut self) {
        if self.caret == 0 {
            return;
        }
        let mut typed: Vec<char> = self.shown.text.chars().collect();
        typed.remove(self.caret - 1);
        self.keystroke(typed.into_iter().collect(), self.caret - 1);
    }

    fn keystroke(&mut self, typed: String, caret: usize) {
        let keystroke = Keystroke {
            seen: self.shown.clone(),
            typed: typed.clone(),
            caret,
        };
        let heads = self
            .device
            .type_live(self.field, &keystroke, &stamp(self.who))
            .unwrap();
        self.shown = LiveShown { text: typed, heads };
        self.caret = caret;
    }

    /// Takes in another device's changes without drawing them yet (the screen is drawn
    /// on the page's next turn).
    fn receive(&mut self, other: &mut Space) {
        self.device.merge(other).unwrap();
    }

    /// Draws the document's text, carrying the caret through what changed.
    fn draw(&mut self) {
        let now = self.device.live_text(self.field).unwrap();
        if now.text != self.shown.text {
            self.caret = self
                .device
                .follow_span(self.field, &self.shown.heads, Span::caret(self.caret))
                .start;
        }
        self.shown = now;
    }

    fn text(&mut self) -> String {
        self.device.live_text(self.field).unwrap().text
    }
}

/// Two screens on two devices of one council, both drawing its vision `base`.
fn two_screens(base: &str, anna_at: usize, bo_at: usize) -> (Screen, Screen) {
    let mut first = council(base);
    let second = first.fork();
    (
        Screen::new(first, LiveField::Vision, anna_at, "Anna"),
        Screen::new(second, LiveField::Vision, bo_at, "Bo"),
    )
}

/// Exchanges both devices' changes and draws both screens.
fn sync(anna: &mut Screen, bo: &mut Screen) {
    anna.receive(&mut bo.device);
    bo.receive(&mut anna.device);
    anna.draw();
    bo.draw();
}

#[test]
fn two_people_typing_at_one_place_write_two_sentences() {
    let base = "Vores by. ";
    let at = base.chars().count();
    let (mut anna, mut bo) = two_screens(base, at, at);
    let anna_says = "Vi vil have en hal.";
    let bo_says = "Og en sø!";
    // They type a word each in turn, and their devices sync after each word.
    let (anna_words, bo_words): (Vec<&str>, Vec<&str>) = (
        anna_says.split_inclusive(' ').collect(),
        bo_says.split_inclusive(' ').collect(),
    );
    for i in 0..anna_words.len().max(bo_words.len()) {
        if let Some(word) = anna_words.get(i) {
            anna.type_text(word);
        }
        if let Some(word) = bo_words.get(i) {
            bo.type_text(word);
        }
        sync(&mut anna, &mut bo);
    }
    let text = anna.text();
    assert_eq!(text, bo.text());
    assert!(text.starts_with(base), "{text:?}");
    assert!(
        text.contains(anna_says),
        "Anna's sentence is whole in {text:?}"
    );
    assert!(text.contains(bo_says), "Bo's sentence is whole in {text:?}");
    assert_eq!(
        text.chars().count(),
        base.chars().count() + anna_says.len() + bo_says.chars().count()
    );
}

#[test]
fn the_caret_stays_after_the_last_letter_typed_when_another_types_at_the_same_place() {
    let (mut anna, mut bo) = two_screens("ab", 1, 1);
    anna.type_text("X");
    bo.type_text("Y");
    sync(&mut anna, &mut bo);
    let text = anna.text();
    let x = text.chars().position(|c| c == 'X').unwrap();
    let y = text.chars().position(|c| c == 'Y').unwrap();
    assert_eq!(anna.caret, x + 1, "Anna's caret follows her X in {text:?}");
    assert_eq!(bo.caret, y + 1, "Bo's caret follows his Y in {text:?}");
}

#[test]
fn a_caret_after_a_letter_another_deleted_stays_where_the_letter_was() {
    let (mut anna, mut bo) = two_screens("en stor hal", 7, 7);
    // Bo deletes "stor " while Anna's caret is after its "r".
    for _ in 0..4 {
        bo.backspace();
    }
    bo.caret = 3;
    let mut typed: Vec<char> = bo.shown.text.chars().collect();
    typed.remove(3);
    bo.keystroke(typed.into_iter().collect(), 3);
    assert_eq!(bo.shown.text, "en hal");
    sync(&mut anna, &mut bo);
    assert_eq!(anna.text(), "en hal");
    assert_eq!(anna.caret, 3, "where the deleted word was");
}

#[test]
fn a_keystroke_made_before_others_changes_were_drawn_lands_where_it_was_typed() {
    let (mut anna, mut bo) = two_screens("Vi vil have en hal.", 14, 0);
    bo.type_text("Nu: ");
    // Anna's device has Bo's change, but her screen is not drawn again yet when she types.
    anna.receive(&mut bo.device);
    anna.type_text(" stor");
    assert_eq!(anna.shown.text, "Vi vil have en stor hal.");
    anna.draw();
    assert_eq!(anna.text(), "Nu: Vi vil have en stor hal.");
    assert_eq!(anna.caret, "Nu: Vi vil have en stor".len());
    sync(&mut anna, &mut bo);
    assert_eq!(bo.text(), "Nu: Vi vil have en stor hal.");
}

#[test]
fn a_keystroke_on_a_screen_drawn_before_the_devices_own_later_edit_still_lands_and_saves() {
    let (mut anna, mut bo) = two_screens("Vi vil have en hal.", 14, 0);
    // Anna's device makes an edit of its own elsewhere, and Bo's change comes in, while
    // her screen still shows the vision as it was.
    anna.device
        .rename("Hejnsvig Lokalråd", &stamp("Anna"))
        .unwrap();
    bo.type_text("Nu: ");
    anna.receive(&mut bo.device);
    anna.type_text(" stor");
    anna.draw();
    assert_eq!(anna.text(), "Nu: Vi vil have en stor hal.");
    // Her document saves and loads whole, and Bo takes her changes in.
    let mut reloaded = Space::load(&anna.device.save()).unwrap();
    assert_eq!(
        reloaded.live_text(LiveField::Vision).unwrap().text,
        "Nu: Vi vil have en stor hal."
    );
    assert_eq!(reloaded.name(), "Hejnsvig Lokalråd");
    sync(&mut anna, &mut bo);
    assert_eq!(bo.text(), "Nu: Vi vil have en stor hal.");
}

#[test]
fn a_keystroke_saved_with_nothing_changed_keeps_the_heads_it_was_drawn_at() {
    let mut space = council("Grindsted");
    let seen = space.live_text(LiveField::Vision).unwrap();
    let same = Keystroke {
        seen: seen.clone(),
        typed: "Grindsted".into(),
        caret: 3,
    };
    assert_eq!(
        space
            .type_live(LiveField::Vision, &same, &stamp("A"))
            .unwrap(),
        seen.heads
    );
    assert_eq!(space.heads(), seen.heads, "no change made");
}

#[test]
fn a_selection_keeps_out_what_others_type_at_its_edges() {
    let mut first = council("en hal");
    let mut second = first.fork();
    let seen = first.live_text(LiveField::Vision).unwrap();
    let typed = "en stor hal i byen";
    let before = second.live_text(LiveField::Vision).unwrap();
    second
        .type_live(
            LiveField::Vision,
            &Keystroke {
                seen: before,
                typed: "en stor hal".into(),
                caret: 8,
            },
            &stamp("Bo"),
        )
        .unwrap();
    let now = second.live_text(LiveField::Vision).unwrap();
    second
        .type_live(
            LiveField::Vision,
            &Keystroke {
                seen: now,
                typed: typed.into(),
                caret: typed.len(),
            },
            &stamp("Bo"),
        )
        .unwrap();
    first.merge(&mut second).unwrap();
    assert_eq!(first.live_text(LiveField::Vision).unwrap().text, typed);
    let hal = Span { start: 3, end: 6 };
    assert_eq!(
        first.follow_span(LiveField::Vision, &seen.heads, hal),
        Span { start: 8, end: 11 }
    );
}

#[test]
fn every_live_field_takes_keystrokes_and_one_the_space_lacks_is_an_error() {
    let mut space = council("");
    let meeting = MeetingId::from_random(3);
    space
        .add_meeting(meeting, "Årsmøde", None, &stamp("A"))
        .unwrap();
    let application = ApplicationId::from_random(4);
    space
        .add_application(application, "Shelter", &stamp("A"))
        .unwrap();
    for field in [
        LiveField::Agenda(meeting),
        LiveField::Minutes(meeting),
        LiveField::Vision,
        LiveField::Description(application),
    ] {
        let seen = space.live_text(field).unwrap();
        assert_eq!(seen.text, "");
        space
            .type_live(
                field,
                &Keystroke {
                    seen,
                    typed: "Punkt 1".into(),
                    caret: 7,
                },
                &stamp("A"),
            )
            .unwrap();
        assert_eq!(space.live_text(field).unwrap().text, "Punkt 1");
    }
    assert!(
        space.live_text(LiveField::GroupGoal).is_err(),
        "a council has no group goal"
    );
    let council = CouncilRef {
        space: SpaceId::from_random(5),
        name: "Hejnsvig".into(),
    };
    let mut group = Space::create_project_group(
        SpaceId::from_random(6),
        "Stier",
        FocusAreaId::from_random(1),
        &council,
        &stamp("A"),
    )
    .unwrap();
    let seen = group.live_text(LiveField::GroupGoal).unwrap();
    let goal = Keystroke {
        seen,
        typed: "Flere stier".into(),
        caret: 11,
    };
    group
        .type_live(LiveField::GroupGoal, &goal, &stamp("A"))
        .unwrap();
    assert_eq!(group.project_plan().goal, "Flere stier");
    assert!(
        group.live_text(LiveField::Vision).is_err(),
        "a group has no vision"
    );
    let elsewhere = LiveField::Minutes(MeetingId::from_random(9));
    assert!(space.live_text(elsewhere).is_err(), "no such meeting");
}

#[test]
fn a_keystroke_is_the_splice_that_ends_at_the_caret() {
    let splice = |seen, typed, caret| {
        let s = keystroke_splice(seen, typed, caret).unwrap();
        (s.at, s.removed, s.inserted)
    };
    // An "a" typed between two: the caret says which one is new.
    assert_eq!(splice("aa", "aaa", 2), (1, 0, "a".into()));
    assert_eq!(splice("aa", "aaa", 1), (0, 0, "a".into()));
    // Backspace and forward delete within a run of the same letter.
    assert_eq!(splice("abbbc", "abbc", 2), (2, 1, String::new()));
    assert_eq!(splice("abbbc", "abbc", 1), (1, 1, String::new()));
    // A paste over a selection.
    assert_eq!(
        splice("en stor hal", "en lille hal", 8),
        (3, 4, "lille".into())
    );
    // Danish letters and emoji count as one character each.
    assert_eq!(splice("sø", "sø🦆ø", 4), (2, 0, "🦆ø".into()));
    // A caret that does not fit the change (a text put in by a script): the smallest change.
    assert_eq!(
        splice("Grindsted", "Grind og sted", 0),
        (5, 0, " og ".into())
    );
    // A word replaced before the caret at the end (a spelling checker): only that word.
    assert_eq!(splice("abc def", "abd def", 7), (2, 1, "d".into()));
    assert_eq!(keystroke_splice("Billund", "Billund", 3), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("LANDSBYPLAN_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
    ))]
    /// Whatever the caret says, the splice turns what was seen into what was typed.
    #[test]
    fn a_keystroke_splice_always_makes_the_typed_text(
        seen in "[ab🦆ø]{0,12}",
        typed in "[ab🦆ø]{0,12}",
        caret in 0usize..14,
    ) {
        let Some(splice) = keystroke_splice(&seen, &typed, caret) else {
            prop_assert_eq!(&seen, &typed);
            return Ok(());
        };
        let mut chars: Vec<char> = seen.chars().collect();
        chars.splice(splice.at..splice.at + splice.removed, splice.inserted.chars());
        prop_assert_eq!(chars.into_iter().collect::<String>(), typed);
    }

    /// Two people type a sentence each, from carets anywhere in a text, in any order of
    /// keystrokes, changes received and screens drawn (a screen can be a turn behind its
    /// device): every keystroke lands on both devices, each sentence stays whole, the text
    /// around them keeps its order, and each caret ends right after its own sentence.
    #[test]
    fn sentences_typed_together_stay_whole(
        base in "[a-e ]{0,10}",
        anna_at in 0usize..11,
        bo_at in 0usize..11,
        steps in proptest::collection::vec(0u8..6, 0..60),
    ) {
        let length = base.chars().count();
        let (mut anna, mut bo) = two_screens(&base, anna_at.min(length), bo_at.min(length));
        let mut anna_left: Vec<char> = "XYZXYZ".chars().collect();
        let mut bo_left: Vec<char> = "PQRPQR".chars().collect();
        anna_left.reverse();
        bo_left.reverse();
        for step in steps {
            match step {
                0 => if let Some(c) = anna_left.pop() { anna.type_text(&c.to_string()) },
                1 => if let Some(c) = bo_left.pop() { bo.type_text(&c.to_string()) },
                2 => anna.receive(&mut bo.device),
                3 => bo.receive(&mut anna.device),
                4 => anna.draw(),
                _ => bo.draw(),
            }
        }
        for c in anna_left.into_iter().rev() {
            anna.type_text(&c.to_string());
        }
        for c in bo_left.into_iter().rev() {
            bo.type_text(&c.to_string());
        }
        sync(&mut anna, &mut bo);
        let text = anna.text();
        prop_assert_eq!(&text, &bo.text());
        prop_assert!(text.contains("XYZXYZ"), "Anna's sentence is whole in {:?}", text);
        prop_assert!(text.contains("PQRPQR"), "Bo's sentence is whole in {:?}", text);
        let rest: String = text.chars().filter(|c| !"XYZPQR".contains(*c)).collect();
        prop_assert_eq!(&rest, &base);
        let anna_end = text.find("XYZXYZ").unwrap() + 6;
        let bo_end = text.find("PQRPQR").unwrap() + 6;
        prop_assert_eq!(anna.caret, anna_end, "Anna's caret in {:?}", text);
        prop_assert_eq!(bo.caret, bo_end, "Bo's caret in {:?}", text);
    }
}
