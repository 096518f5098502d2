//! Long texts that sync live (the vision, a group's goal, a meeting's agenda and minutes,
//! an application's description): a textarea that follows the document as others type in
//! it and keeps the caret and selection of the person typing where they were (issue 10).

use leptos::prelude::*;
use similar::{Algorithm, DiffOp, capture_diff_slices};

/// A textarea for a text in the document that others may change while it is being typed
/// in. Every input hands the whole text to `on_input` (saved as typed, so concurrent
/// typing merges character by character); whenever the document's text changes and is
/// not what the element shows, the element takes it, and if the person is in it, their
/// caret or selection is carried through the others' splices (see [`map_selection`]).
/// Its label is the caller's `<label for=id>`.
#[component]
pub fn LiveText(
    /// The element's id, which its label names.
    #[prop(into)]
    id: String,
    /// Visible lines.
    rows: u32,
    /// The text as the document has it now (tracked).
    #[prop(into)]
    value: Signal<String>,
    /// Takes the element's whole text after each input.
    #[prop(into)]
    on_input: Callback<String>,
    /// Whether the text may not be changed now (a submitted application, say).
    #[prop(optional, into)]
    disabled: Signal<bool>,
) -> impl IntoView {
    let node = NodeRef::<leptos::html::Textarea>::new();
    // Syncs the element with the document. An edit made here is in the document before
    // the next event reaches the page (`Library::edit` applies it before its first await),
    // so a text that differs from the element's is others' work, never a lagging echo of
    // the person's own keystrokes.
    Effect::new(move || {
        let text = value.get();
        if let Some(area) = node.get() {
            show_text(&area, &text);
        }
    });
    view! {
        <textarea
            node_ref=node
            id=id
            rows=rows
            prop:value=value.get_untracked()
            disabled=move || disabled.get()
            on:input=move |ev| on_input.run(event_target_value(&ev))
        ></textarea>
    }
}

/// Puts `text` into `area` if it shows something else, keeping the person's selection and
/// the scroll position if they are in it.
fn show_text(area: &web_sys::HtmlTextAreaElement, text: &str) {
    let shown = area.value();
    if shown == text {
        return;
    }
    let element: &web_sys::Element = area.as_ref();
    let focused = document().active_element().as_ref() == Some(element);
    if !focused {
        area.set_value(text);
        return;
    }
    let selection = Selection {
        start: area.selection_start().ok().flatten().unwrap_or(0),
        end: area.selection_end().ok().flatten().unwrap_or(0),
    };
    let direction = area
        .selection_direction()
        .ok()
        .flatten()
        .unwrap_or_else(|| "none".to_owned());
    let scrolled = area.scroll_top();
    area.set_value(text);
    let kept = map_selection(&shown, text, selection);
    let _ = area.set_selection_range_with_direction(kept.start, kept.end, &direction);
    area.set_scroll_top(scrolled);
}

/// A caret (`start == end`) or a selection in a text, counted in UTF-16 code units as the
/// browser counts `selectionStart` and `selectionEnd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selection {
    /// Where it starts.
    pub start: u32,
    /// Where it ends (not before `start`).
    pub end: u32,
}

impl Selection {
    /// A caret at `at`.
    pub fn caret(at: u32) -> Self {
        Self { start: at, end: at }
    }
}

/// Where `selection`, made in `old`, lies in `new`: each splice that turns `old` into
/// `new` before it shifts it, splices after it leave it alone, text inserted exactly at a
/// caret lands after the caret, a selection keeps out text inserted at its edges and
/// shrinks by what is deleted inside it, and a position inside deleted text moves to
/// where that text was.
pub fn map_selection(old: &str, new: &str, selection: Selection) -> Selection {
    if old == new {
        return selection;
    }
    let splices = splices(old, new);
    let (low, high) = (
        selection.start.min(selection.end),
        selection.start.max(selection.end),
    );
    if low == high {
        return Selection::caret(map_position(&splices, low, Side::Before));
    }
    let end = map_position(&splices, high, Side::Before);
    let start = map_position(&splices, low, Side::After).min(end);
    Selection { start, end }
}

/// One change between two texts: at `at` (in the old text), `removed` units were taken
/// out and `inserted` put in, all in UTF-16 code units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Splice {
    at: u32,
    removed: u32,
    inserted: u32,
}

/// Which side of text inserted exactly at a position the position ends up on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Before,
    After,
}

/// The splices that turn `old` into `new`, in order. The diff runs over characters, so a
/// splice never cuts a character that takes two UTF-16 units (an emoji) in half.
fn splices(old: &str, new: &str) -> Vec<Splice> {
    let old_chars: Vec<char> = old.chars().collect();
    let new_chars: Vec<char> = new.chars().collect();
    let old_units = unit_offsets(&old_chars);
    let new_units = unit_offsets(&new_chars);
    let units = |offsets: &[u32], from: usize, len: usize| offsets[from + len] - offsets[from];
    capture_diff_slices(Algorithm::Myers, &old_chars, &new_chars)
        .into_iter()
        .filter_map(|op| match op {
            DiffOp::Equal { .. } => None,
            DiffOp::Delete {
                old_index, old_len, ..
            } => Some(Splice {
                at: old_units[old_index],
                removed: units(&old_units, old_index, old_len),
                inserted: 0,
            }),
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => Some(Splice {
                at: old_units[old_index],
                removed: 0,
                inserted: units(&new_units, new_index, new_len),
            }),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => Some(Splice {
                at: old_units[old_index],
                removed: units(&old_units, old_index, old_len),
                inserted: units(&new_units, new_index, new_len),
            }),
        })
        .collect()
}

/// The UTF-16 offset of each character, and of the end, so `offsets[i]` is where
/// character `i` starts.
fn unit_offsets(chars: &[char]) -> Vec<u32> {
    let mut offsets = Vec::with_capacity(chars.len() + 1);
    let mut at = 0_u32;
    offsets.push(at);
    for c in chars {
        at += c.len_utf16() as u32;
        offsets.push(at);
    }
    offsets
}

/// Where position `at` of the old text lies after `splices`.
fn map_position(splices: &[Splice], at: u32, side: Side) -> u32 {
    let mut shift = 0_i64;
    for splice in splices {
        if splice.at > at {
            break;
        }
        let end = splice.at + splice.removed;
        // Wholly before the position: it follows the text after it.
        if end < at || (end == at && splice.removed > 0) {
            shift += i64::from(splice.inserted) - i64::from(splice.removed);
            continue;
        }
        // Text inserted at the position, or the position is where text was removed.
        let landing = i64::from(splice.at) + shift;
        let landing = match side {
            Side::Before => landing,
            Side::After => landing + i64::from(splice.inserted),
        };
        return u32::try_from(landing).unwrap_or(0);
    }
    u32::try_from(i64::from(at) + shift).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The UTF-16 offset of the first `marker` in `text`.
    fn unit(text: &str, marker: &str) -> u32 {
        let byte = text.find(marker).expect("the marker is in the text");
        text[..byte].encode_utf16().count() as u32
    }

    fn caret_after(old: &str, new: &str, at: u32) -> u32 {
        let mapped = map_selection(old, new, Selection::caret(at));
        assert_eq!(mapped.start, mapped.end, "a caret stays a caret");
        mapped.start
    }

    #[test]
    fn an_unchanged_text_keeps_the_selection_as_it_is() {
        let selection = Selection { start: 2, end: 5 };
        assert_eq!(map_selection("Vorbasse", "Vorbasse", selection), selection);
    }

    #[test]
    fn an_insert_before_the_caret_moves_it_by_the_inserted_length() {
        let old = "Et godt sted at bo.";
        let new = "Et rigtig godt sted at bo.";
        let caret = unit(old, " at bo");
        assert_eq!(caret_after(old, new, caret), unit(new, " at bo"));
    }

    #[test]
    fn an_insert_after_the_caret_leaves_it_where_it_is() {
        let old = "Et godt sted at bo.";
        let new = "Et godt sted at bo og arbejde.";
        assert_eq!(caret_after(old, new, 3), 3);
    }

    #[test]
    fn an_insert_exactly_at_the_caret_leaves_the_caret_before_the_inserted_text() {
        let old = "Grindsted";
        let new = "Grind og sted";
        let caret = unit(old, "sted");
        assert_eq!(caret_after(old, new, caret), caret);
    }

    #[test]
    fn a_deletion_before_the_caret_moves_it_back() {
        let old = "Et meget godt sted";
        let new = "Et godt sted";
        assert_eq!(
            caret_after(old, new, unit(old, " sted")),
            unit(new, " sted")
        );
    }

    #[test]
    fn a_caret_inside_deleted_text_moves_to_where_the_text_was() {
        let old = "Et meget godt sted";
        let new = "Et godt sted";
        assert_eq!(caret_after(old, new, unit(old, "get")), unit(old, "meget"));
    }

    #[test]
    fn several_splices_before_and_after_the_caret_move_it_only_by_those_before() {
        let old = "Vi vil have en hal, en sø og en sti.";
        let new = "Nu vil vi have en stor hal, en sø og en cykelsti langs åen.";
        let caret = unit(old, ", en sø");
        assert_eq!(caret_after(old, new, caret), unit(new, ", en sø"));
    }

    #[test]
    fn a_caret_at_the_start_stays_at_the_start_when_text_is_inserted_there() {
        assert_eq!(caret_after("sted", "Et godt sted", 0), 0);
    }

    #[test]
    fn a_caret_at_the_end_follows_an_insert_before_it() {
        let old = "godt sted";
        let new = "Et godt sted";
        assert_eq!(caret_after(old, new, old.len() as u32), new.len() as u32);
    }

    #[test]
    fn a_caret_at_the_end_stays_before_text_appended_at_the_end() {
        let old = "Et godt sted";
        let new = "Et godt sted at bo";
        assert_eq!(caret_after(old, new, old.len() as u32), old.len() as u32);
    }

    #[test]
    fn a_caret_in_a_text_that_is_emptied_goes_to_the_start() {
        assert_eq!(caret_after("Et godt sted", "", 5), 0);
    }

    #[test]
    fn danish_letters_count_as_one_unit_each() {
        let old = "Bålhytte ved søen";
        let new = "Ny bålhytte og shelter ved søen";
        let caret = unit(old, "søen");
        assert_eq!(caret, 13, "æøå are one UTF-16 unit each");
        assert_eq!(caret_after(old, new, caret), unit(new, "søen"));
    }

    #[test]
    fn emoji_before_the_caret_move_it_by_two_units_each() {
        let old = "Fest i hallen";
        let new = "🎉🎉 Fest i hallen";
        let caret = unit(old, "hallen");
        assert_eq!(caret_after(old, new, caret), caret + 5);
        assert_eq!(caret_after(old, new, caret), unit(new, "hallen"));
    }

    #[test]
    fn an_emoji_replaced_by_another_keeps_the_caret_outside_its_surrogate_pair() {
        // 😀 and 😁 share their first UTF-16 unit; the caret must not land between units.
        let old = "Glad 😀 i dag";
        let new = "Glad 😁 i dag";
        let caret = unit(old, " i dag");
        assert_eq!(caret_after(old, new, caret), unit(new, " i dag"));
    }

    #[test]
    fn text_with_emoji_and_danish_letters_after_the_caret_leaves_it_alone() {
        let old = "Sø 🌊 og å";
        let new = "Sø 🌊 og å 🦆 og æbletræer";
        let caret = unit(old, " og å");
        assert_eq!(caret_after(old, new, caret), caret);
    }

    #[test]
    fn every_caret_position_follows_every_single_splice_of_a_text_with_wide_characters() {
        // Distinct characters, so each splice has one diff and the expected place is plain.
        let old: Vec<char> = "aæb🎉cødå🌊e".chars().collect();
        let units = |chars: &[char]| chars.iter().map(|c| c.len_utf16() as u32).sum::<u32>();
        for at in 0..=old.len() {
            for end in at..=old.len() {
                for inserted in ["", "X", "🦆Ø"] {
                    let mut new = old[..at].to_vec();
                    new.extend(inserted.chars());
                    new.extend(&old[end..]);
                    let (old_text, new_text): (String, String) =
                        (old.iter().collect(), new.iter().collect());
                    let (start, stop) = (units(&old[..at]), units(&old[..end]));
                    let added = inserted.encode_utf16().count() as u32;
                    for caret in 0..=old.len() {
                        let before = units(&old[..caret]);
                        let expected = if before <= start {
                            before
                        } else if before < stop {
                            start
                        } else {
                            before - (stop - start) + added
                        };
                        assert_eq!(
                            caret_after(&old_text, &new_text, before),
                            expected,
                            "caret {before} in {old_text:?} → {new_text:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_selection_spanning_a_deletion_shrinks_by_the_deleted_length() {
        let old = "Vi vil have en meget stor hal";
        let new = "Vi vil have en stor hal";
        let selection = Selection {
            start: unit(old, "have"),
            end: unit(old, " hal"),
        };
        assert_eq!(
            map_selection(old, new, selection),
            Selection {
                start: unit(new, "have"),
                end: unit(new, " hal"),
            }
        );
    }

    #[test]
    fn a_selection_keeps_out_text_inserted_at_its_edges() {
        let old = "en hal";
        let new = "en stor hal i byen";
        let selection = Selection {
            start: unit(old, "hal"),
            end: old.len() as u32,
        };
        assert_eq!(
            map_selection(old, new, selection),
            Selection {
                start: unit(new, "hal"),
                end: unit(new, " i byen"),
            }
        );
    }

    #[test]
    fn a_selection_wholly_deleted_becomes_a_caret_where_it_was() {
        let old = "en stor hal";
        let new = "en stor";
        let selection = Selection {
            start: unit(old, " hal"),
            end: old.len() as u32,
        };
        assert_eq!(
            map_selection(old, new, selection),
            Selection::caret(new.len() as u32)
        );
    }

    #[test]
    fn a_selection_with_emoji_inside_and_before_it_is_counted_in_utf16_units() {
        let old = "Æ 🎉 fest🎈 i hallen";
        let new = "🥳 Æ 🎉 fest i hallen";
        let selection = Selection {
            start: unit(old, "fest"),
            end: unit(old, " i hallen"),
        };
        assert_eq!(
            map_selection(old, new, selection),
            Selection {
                start: unit(new, "fest"),
                end: unit(new, " i hallen"),
            }
        );
    }
}
