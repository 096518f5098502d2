//! Long texts that sync live (the vision, a group's goal, a meeting's agenda and minutes,
//! an application's description): a textarea that follows the document as others type in
//! it, saves each keystroke where it was typed, and keeps the caret and selection of the
//! person typing after their own last letter (issue 10; see `landsbyplan_model::live`).
//!
//! Such a text can also be typed in before the screen is drawn, in the glimpse of it
//! (`src/glimpse.rs`): the element is marked `data-live`, with the heads it was drawn from
//! in `data-heads`, so that a glimpse copied from it knows where typing in it began; when
//! the screen takes over, the element takes what was typed there as keystrokes, one for
//! each place typed at, the first made at those heads, and the focus and caret if they
//! were there.

use std::time::Duration;

use automerge::ChangeHash;
use landsbyplan_model::{Keystroke, LiveField, LiveShown, Span};
use leptos::prelude::*;
use web_sys::HtmlTextAreaElement;

use super::Editor;
use super::share::{CopyStatus, copier};
use crate::glimpse::{self, Glimpse};
use crate::i18n::I18n;

/// The name of `field` on its screen (each screen has at most one of each), which a
/// glimpse of the screen keeps what is typed under.
fn key(field: LiveField) -> &'static str {
    match field {
        LiveField::Vision => "vision",
        LiveField::GroupGoal => "goal",
        LiveField::Agenda(_) => "agenda",
        LiveField::Minutes(_) => "minutes",
        LiveField::Description(_) => "description",
    }
}

/// `heads` as `data-heads` holds them.
fn heads_attribute(heads: &[ChangeHash]) -> String {
    heads
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Heads as `data-heads` holds them; `None` if any is not a hash.
fn parse_heads(heads: &str) -> Option<Vec<ChangeHash>> {
    heads
        .split(',')
        .filter(|hash| !hash.is_empty())
        .map(|hash| hash.parse().ok())
        .collect()
}

/// What `shown` says the element shows, and its `data-heads`.
fn set_shown(area: Option<&HtmlTextAreaElement>, shown: StoredValue<LiveShown>, now: LiveShown) {
    if let Some(area) = area {
        let _ = area.set_attribute("data-heads", &heads_attribute(&now.heads));
    }
    shown.set_value(now);
}

/// A textarea for the live text `field` of `editor`'s space. Every input is saved as the
/// splice it made in what the element showed, at the document's state the element was
/// drawn from; whenever the document's text changes and is not what the element shows,
/// the element takes it, and if the person is in it, their caret or selection is carried
/// through the others' changes. While a word is being composed (a phone's keyboard
/// suggesting, an input method), the element is not redrawn: the word is saved as it
/// grows and the element catches up when it is done. Its label is the caller's
/// `<label for=id>`.
#[component]
pub fn LiveText(
    /// The element's id, which its label names.
    #[prop(into)]
    id: String,
    /// Visible lines.
    rows: u32,
    /// The space the text is in.
    editor: Editor,
    /// Which text.
    field: LiveField,
    /// Whether the text may not be changed now (a submitted application, say).
    #[prop(optional, into)]
    disabled: Signal<bool>,
) -> impl IntoView {
    let node = NodeRef::<leptos::html::Textarea>::new();
    // The document's text now (tracked: reruns when the space changes).
    let current = move || {
        editor
            .read_mut(|space| space.live_text(field).ok())
            .flatten()
            .unwrap_or_default()
    };
    let first = untrack(current);
    let first_heads = heads_attribute(&first.heads);
    // The text the element starts with, set as it is made (before any effect can put in
    // what was typed in a glimpse).
    let first_text = first.text.clone();
    node.on_load(move |area| area.set_value(&first_text));
    // What the element shows and the heads it was drawn from (after a keystroke: the
    // heads at which the document holds exactly what the element shows).
    let shown = StoredValue::new(first.clone());
    let composing = StoredValue::new(false);
    Effect::new(move || {
        let now = current();
        if let Some(area) = node.get()
            && !composing.get_value()
        {
            draw(&area, shown, now, editor, field);
        }
    });
    // Saves `keystroke` (made in what `shown` held, or in a glimpse) and returns what the
    // element shows after it; if it is refused (the application was submitted meanwhile,
    // say), the element shows the document again.
    let save_keystroke = move |space: &mut landsbyplan_model::Space,
                               stamp: &landsbyplan_model::Stamp,
                               keystroke: &Keystroke| {
        match space.type_live(field, keystroke, stamp) {
            Ok(heads) => {
                let now = LiveShown {
                    text: keystroke.typed.clone(),
                    heads,
                };
                set_shown(node.get_untracked().as_ref(), shown, now.clone());
                Ok(now)
            }
            Err(refused) => {
                leptos::task::spawn_local(async move {
                    if let Some(area) = node.get_untracked() {
                        let now = untrack(current);
                        area.set_value(&now.text);
                        set_shown(Some(&area), shown, now);
                    }
                });
                Err(refused)
            }
        }
    };
    // Saves what the element shows now. The save runs on the page's next turn, after any
    // save already on its way, and takes what the element showed from the one before it,
    // so two inputs before a save never make the same splice twice.
    let keystroke = move || {
        let Some(area) = node.get_untracked() else {
            return;
        };
        let typed = area.value();
        let caret = area.selection_end().ok().flatten().map_or_else(
            || typed.chars().count(),
            |units| chars_before(&typed, units),
        );
        editor.save(move |space, stamp| {
            let seen = shown.get_value();
            if typed == seen.text {
                return Ok(());
            }
            let keystroke = Keystroke { seen, typed, caret };
            save_keystroke(space, stamp, &keystroke).map(drop)
        });
    };
    // Once the glimpse (if any) has given way: what was typed in it goes on here.
    let path = window().location().pathname().unwrap_or_default();
    let glimpse = use_context::<Glimpse>();
    let took_over = StoredValue::new(false);
    // What was typed in the glimpse and could not go into the space (this device may no
    // longer change it, or the text was closed meanwhile): kept apart in the glimpse's
    // store (never taken in again) and shown under the field, through reloads, until the
    // person forgets it.
    let unsaved = RwSignal::new(None::<String>);
    let note = format!("{id}-unsaved");
    let dismiss_path = path.clone();
    let dismiss = move |_| {
        glimpse::refused_forgotten(&dismiss_path, key(field));
        unsaved.set(None);
        // The focus was on the button, which is gone: to the field, if it takes typing.
        if let Some(area) = node.get_untracked()
            && !area.disabled()
        {
            let _ = area.focus();
        }
    };
    // Shows it; if the person was typing in the glimpse's field (`had_focus`) and the
    // focus has not gone elsewhere since, the focus moves to it (the field takes no typing).
    let show_refused = {
        let path = path.clone();
        let shown_in = format!("{note}-text");
        move |had_focus: bool| {
            let Some(text) = glimpse::typed_refused(&path, key(field)) else {
                return;
            };
            unsaved.set(Some(text));
            if had_focus {
                let shown_in = shown_in.clone();
                set_timeout(move || focus_if_lost(node, &shown_in), Duration::ZERO);
            }
        }
    };
    Effect::new(move || {
        let Some(area) = node.get() else {
            return;
        };
        if glimpse.is_some_and(Glimpse::shown) || took_over.get_value() {
            return;
        }
        took_over.set_value(true);
        let focused = glimpse.and_then(|glimpse| glimpse.take_focus(key(field)));
        // Whether what was typed in this glimpse was refused at once (the focus then
        // follows it; a refusal from an earlier start is only shown).
        let mut refused_here = false;
        if let Some(early) = glimpse::typed_early(&path, key(field)) {
            match early.steps.last().map(|step| step.typed.clone()) {
                None => glimpse::typed_taken(&path, key(field)),
                // Nowhere for it to go.
                Some(_) if !editor.writable => {
                    glimpse::typed_refused_now(&path, key(field));
                    refused_here = true;
                }
                Some(last) => {
                    area.set_value(&last);
                    let path = path.clone();
                    let show_refused = show_refused.clone();
                    let had_focus = focused.is_some();
                    editor.save(move |space, stamp| {
                        // Each step as a keystroke made in what the one before it left,
                        // from the glimpse's text at its heads: each lands where it was typed.
                        let mut seen = LiveShown {
                            text: early.text,
                            heads: parse_heads(&early.heads).unwrap_or_default(),
                        };
                        let saved = early.steps.into_iter().try_for_each(|step| {
                            let keystroke = Keystroke {
                                seen: std::mem::take(&mut seen),
                                typed: step.typed,
                                caret: step.caret,
                            };
                            seen = save_keystroke(space, stamp, &keystroke)?;
                            Ok(())
                        });
                        // In the edit journal once this returns, or refused: either way
                        // never to be taken in again. Refused, it is kept apart and shown
                        // (the reason is in the save problem line).
                        if saved.is_ok() {
                            glimpse::typed_taken(&path, key(field));
                        } else {
                            glimpse::typed_refused_now(&path, key(field));
                            leptos::task::spawn_local(async move { show_refused(had_focus) });
                        }
                        saved
                    });
                }
            }
        }
        show_refused(refused_here && focused.is_some());
        if let Some(focused) = focused {
            // Where the glimpse's field was: the page does not move to it (the glimpse
            // above it goes in the same turn, and it takes the glimpse's place).
            let options = web_sys::FocusOptions::new();
            options.set_prevent_scroll(true);
            let _ = area.focus_with_options(&options);
            let _ = area.set_selection_range_with_direction(
                focused.start,
                focused.end,
                &focused.direction,
            );
            area.set_scroll_top(focused.scroll);
        }
    });
    let composition_ended = move || {
        composing.set_value(false);
        // The last input is saved first (it may come just before or just after this).
        keystroke();
        leptos::task::spawn_local(async move {
            if let Some(area) = node.get_untracked() {
                draw(&area, shown, untrack(current), editor, field);
            }
        });
    };
    view! {
        <textarea
            node_ref=node
            id=id
            rows=rows
            data-live=key(field)
            data-heads=first_heads
            disabled=move || disabled.get()
            on:input=move |_| keystroke()
            on:compositionstart=move |_| composing.set_value(true)
            on:compositionend=move |_| composition_ended()
            on:blur=move |_| {
                // A keyboard that never ends its composition must not leave the element
                // deaf to others' changes.
                if composing.get_value() {
                    composition_ended();
                }
            }
        ></textarea>
        {move || unsaved.get().map(|text| {
            let i18n = expect_context::<I18n>();
            let (copy, copied) = copier(text.clone());
            let (labelled_by, note, shown_in) = (note.clone(), note.clone(), format!("{note}-text"));
            view! {
                <div class="unsaved" data-now="" role="group" aria-labelledby=labelled_by>
                    <p id=note>{move || i18n.t("glimpse-typed-unsaved")}</p>
                    <textarea id=shown_in readonly=true rows=3 aria-label=move || i18n.t("glimpse-typed-unsaved-text") prop:value=text></textarea>
                    <div class="buttons">
                        <button type="button" on:click=copy>{move || i18n.t("glimpse-typed-unsaved-copy")}</button>
                        <button type="button" on:click=dismiss.clone()>{move || i18n.t("glimpse-typed-unsaved-dismiss")}</button>
                    </div>
                    <CopyStatus copied done_key="glimpse-typed-unsaved-copied" failed_key="glimpse-typed-unsaved-copy-failed"/>
                </div>
            }
        })}
    }
}

/// Puts `now` into `area` if it shows something else, keeping the person's selection
/// (mapped through what changed since the element was drawn) and the scroll position if
/// they are in it.
fn draw(
    area: &HtmlTextAreaElement,
    shown: StoredValue<LiveShown>,
    now: LiveShown,
    editor: Editor,
    field: LiveField,
) {
    let on_screen = area.value();
    if on_screen != shown.with_value(|s| s.text.clone()) {
        // Typing that is not saved yet (even if the document happens to hold the same
        // text, from someone else): its save draws the element again.
        return;
    }
    if on_screen == now.text {
        set_shown(Some(area), shown, now);
        return;
    }
    let element: &web_sys::Element = area.as_ref();
    let focused = document().active_element().as_ref() == Some(element);
    if !focused {
        area.set_value(&now.text);
        set_shown(Some(area), shown, now);
        return;
    }
    let unit =
        |at: Result<Option<u32>, _>| chars_before(&on_screen, at.ok().flatten().unwrap_or(0));
    let span = Span {
        start: unit(area.selection_start()),
        end: unit(area.selection_end()),
    };
    let direction = area
        .selection_direction()
        .ok()
        .flatten()
        .unwrap_or_else(|| "none".to_owned());
    let seen = shown.get_value();
    let kept = untrack(|| editor.read(|space| space.follow_span(field, &seen.heads, span)))
        .unwrap_or(span);
    let scrolled = area.scroll_top();
    area.set_value(&now.text);
    let _ = area.set_selection_range_with_direction(
        units_before(&now.text, kept.start),
        units_before(&now.text, kept.end),
        &direction,
    );
    area.set_scroll_top(scrolled);
    set_shown(Some(area), shown, now);
}

/// How many characters of `text` lie before UTF-16 offset `units` (the browser counts
/// `selectionStart` in UTF-16 units, Automerge in characters).
pub fn chars_before(text: &str, units: u32) -> usize {
    let mut at = 0_u32;
    for (count, c) in text.chars().enumerate() {
        if at >= units {
            return count;
        }
        at += c.len_utf16() as u32;
    }
    text.chars().count()
}

/// The UTF-16 offset of character `chars` of `text`.
pub fn units_before(text: &str, chars: usize) -> u32 {
    text.chars().take(chars).map(|c| c.len_utf16() as u32).sum()
}

/// Focuses the element `id` if the focus is nowhere (on the page itself) or in `node`'s
/// textarea while that cannot take typing.
fn focus_if_lost(node: NodeRef<leptos::html::Textarea>, id: &str) {
    use wasm_bindgen::JsCast;
    let Some(document) = window().document() else {
        return;
    };
    let lost = super::focus_is_lost(&document)
        || document.active_element().is_some_and(|active| {
            node.get_untracked().is_some_and(|area| {
                area.disabled() && AsRef::<web_sys::Element>::as_ref(&area) == &active
            })
        });
    if lost
        && let Some(element) = document
            .get_element_by_id(id)
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_an_emoji_as_two_units_and_one_character() {
        let text = "Sø 🌊 og å";
        assert_eq!(chars_before(text, 0), 0);
        assert_eq!(chars_before(text, 3), 3, "æøå are one unit each");
        assert_eq!(chars_before(text, 5), 4, "after the wave, two units");
        assert_eq!(units_before(text, 4), 5);
        assert_eq!(chars_before(text, 99), text.chars().count());
        for chars in 0..=text.chars().count() {
            assert_eq!(chars_before(text, units_before(text, chars)), chars);
        }
    }

    #[test]
    fn an_offset_inside_a_surrogate_pair_counts_the_whole_character() {
        assert_eq!(chars_before("🎉x", 1), 1);
    }
}
