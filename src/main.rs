//! The app's entry point, as trunk builds it.

use std::{cell::Cell, rc::Rc, time::Duration};

use leptos::prelude::{request_animation_frame, set_timeout};

fn main() {
    console_error_panic_hook::set_once();
    // The app replaces what index.html showed while its code arrived. Replacing it before
    // the browser has painted it once would make a phone wait for the whole app for its
    // first large paint; so if nothing has been painted yet, wait for the next frame to be
    // (or a tenth of a second, since a tab in the background draws no frames).
    if shell_painted() {
        start();
    } else {
        let started = Rc::new(Cell::new(false));
        let once = move || {
            if !started.replace(true) {
                start();
            }
        };
        let after_frame = once.clone();
        request_animation_frame(move || request_animation_frame(after_frame));
        set_timeout(once, Duration::from_millis(100));
    }
}

/// Whether the browser has painted the page's content once (its first contentful paint).
fn shell_painted() -> bool {
    web_sys::window()
        .and_then(|window| window.performance())
        .is_none_or(|performance| {
            performance
                .get_entries_by_name("first-contentful-paint")
                .length()
                > 0
        })
}

/// Removes what index.html showed and draws the app in its place; with a glimpse in it,
/// the shell stays (and the app's page stays hidden) until the glimpse is in the app's
/// own page, so that it can be typed in all along (`src/glimpse.rs`).
fn start() {
    landsbyplan::mark("app");
    if let Some(document) = web_sys::window().and_then(|window| window.document()) {
        // What a space's screen showed last, for that screen to show until it is drawn.
        if !landsbyplan::glimpse::take_from_shell(&document)
            && let Some(shell) = document.get_element_by_id("shell")
        {
            shell.remove();
        }
    }
    leptos::mount::mount_to_body(landsbyplan::App);
}
